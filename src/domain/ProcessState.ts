/**
 * supervisord's process states with their wire codes, and the state groups the
 * RPC API and supervisorctl reason with (RUNNING_STATES, STOPPED_STATES, SIGNALLABLE).
 * supervisord: states.py. See shared/reference/supervisord-4.2.5.md §2.1.
 * @since 0.1.0
 */

/** Numeric code of every process state, verbatim from supervisord. */
export const ProcessStateCode = {
  STOPPED: 0,
  STARTING: 10,
  RUNNING: 20,
  BACKOFF: 30,
  STOPPING: 40,
  EXITED: 100,
  FATAL: 200,
  UNKNOWN: 1000
} as const

/** A process state name, as supervisord spells it. */
export type ProcessState = keyof typeof ProcessStateCode

/** States in which a process counts as running (start is refused with ALREADY_STARTED). */
export const RUNNING_STATES: ReadonlySet<ProcessState> = new Set(["STARTING", "RUNNING", "BACKOFF"])

/** States in which a process counts as stopped (status exits 3, removeProcessGroup allowed). */
export const STOPPED_STATES: ReadonlySet<ProcessState> = new Set(["STOPPED", "EXITED", "FATAL", "UNKNOWN"])

/** States in which a process may be sent a signal. */
export const SIGNALLABLE_STATES: ReadonlySet<ProcessState> = new Set(["STARTING", "RUNNING", "STOPPING"])

/** The supervisor's own states (getState). */
export const SupervisorStateCode = {
  FATAL: 2,
  RUNNING: 1,
  RESTARTING: 0,
  SHUTDOWN: -1
} as const

/** A supervisor state name. */
export type SupervisorState = keyof typeof SupervisorStateCode
