/**
 * The typed events effsup publishes, one variant per concrete supervisord event type, plus
 * effsup's own (`PROCESS_HEALTH_*`, `GROUP_STRATEGY_*`, outside supervisord's `EVENT` hierarchy: a
 * listener gets them only by naming them). `_tag` is the supervisord event name, verbatim. Payload
 * serialisation for the listener protocol lives in Payload.ts; the abstract types (EVENT,
 * PROCESS_STATE, …) are in EventTypes.ts.
 * See shared/reference/supervisord-4.2.5.md §7.1.
 * @since 0.1.0
 */
import type { OnExhausted, Strategy } from "../config/Types.ts"
import type { ProcessState } from "../domain/ProcessState.ts"

/** `PROCESS_STATE_<STATE>`: a process entered `state`. */
export interface ProcessStateEvent {
  readonly _tag: `PROCESS_STATE_${ProcessState}`
  readonly processName: string
  readonly groupName: string
  readonly fromState: ProcessState
  /** The pid involved (RUNNING, STOPPING, STOPPED, EXITED); 0 when none. */
  readonly pid: number
  /** The backoff count (STARTING, BACKOFF). */
  readonly tries: number
  /** Whether the exit was expected (EXITED). */
  readonly expected: boolean
}

/** `PROCESS_LOG_STDOUT` / `PROCESS_LOG_STDERR`: a chunk a child wrote, when `*_events_enabled`. */
export interface ProcessLogEvent {
  readonly _tag: "PROCESS_LOG_STDOUT" | "PROCESS_LOG_STDERR"
  readonly processName: string
  readonly groupName: string
  readonly pid: number
  readonly data: Uint8Array
}

/** `PROCESS_COMMUNICATION_STDOUT` / `_STDERR`: data a child wrote between capture tokens. */
export interface ProcessCommunicationEvent {
  readonly _tag: "PROCESS_COMMUNICATION_STDOUT" | "PROCESS_COMMUNICATION_STDERR"
  readonly processName: string
  readonly groupName: string
  readonly pid: number
  readonly data: Uint8Array
}

/** `REMOTE_COMMUNICATION`: sent through the sendRemoteCommEvent RPC. */
export interface RemoteCommunicationEvent {
  readonly _tag: "REMOTE_COMMUNICATION"
  readonly type: string
  readonly data: string
}

/** `SUPERVISOR_STATE_CHANGE_RUNNING` / `_STOPPING`. */
export interface SupervisorStateChangeEvent {
  readonly _tag: "SUPERVISOR_STATE_CHANGE_RUNNING" | "SUPERVISOR_STATE_CHANGE_STOPPING"
}

/** `PROCESS_GROUP_ADDED` / `PROCESS_GROUP_REMOVED`. */
export interface ProcessGroupEvent {
  readonly _tag: "PROCESS_GROUP_ADDED" | "PROCESS_GROUP_REMOVED"
  readonly groupName: string
}

/** `TICK_5` / `TICK_60` / `TICK_3600`: the clock crossed a multiple of the period; `when` is that boundary (epoch s). */
export interface TickEvent {
  readonly _tag: "TICK_5" | "TICK_60" | "TICK_3600"
  readonly when: number
}

/**
 * effsup's `PROCESS_HEALTH_UNHEALTHY`: a RUNNING process failed `healthcheck_retries` health checks
 * in a row (on_unhealthy then restarts or stops it, or leaves it); `PROCESS_HEALTH_HEALTHY`: it
 * passes again after that. A listener or filter receives them only when it names PROCESS_HEALTH
 * (or one of them), never through EVENT.
 */
export interface ProcessHealthEvent {
  readonly _tag: "PROCESS_HEALTH_UNHEALTHY" | "PROCESS_HEALTH_HEALTHY"
  readonly processName: string
  readonly groupName: string
  readonly pid: number
  /** UNHEALTHY: the failed checks in a row; HEALTHY: 0. */
  readonly failures: number
  /** UNHEALTHY: why the last check failed; HEALTHY: ''. */
  readonly message: string
}

/**
 * effsup's `PROCESS_DESCENDANTS_LEFT`: a process stopped (on request) but descendants of its own
 * session are still alive; `pids` names them. A listener or filter receives it only when it names
 * PROCESS_DESCENDANTS (or the type itself), never through EVENT.
 */
export interface ProcessDescendantsEvent {
  readonly _tag: "PROCESS_DESCENDANTS_LEFT"
  readonly processName: string
  readonly groupName: string
  /** The pid of the process that stopped. */
  readonly pid: number
  /** Its descendants still alive, ascending. */
  readonly pids: ReadonlyArray<number>
}

/** effsup `GROUP_STRATEGY_RESTART`: a `[group:x]` restarts members because `processName` died unexpectedly. */
export interface GroupStrategyRestartEvent {
  readonly _tag: "GROUP_STRATEGY_RESTART"
  readonly groupName: string
  readonly strategy: Strategy
  /** The member that died. */
  readonly processName: string
  /** The members the strategy restarts, in start order (the one that died included). */
  readonly processNames: ReadonlyArray<string>
}

/** effsup `GROUP_STRATEGY_EXHAUSTED`: a `[group:x]` restarted more than `maxRestarts` times within `period` seconds and gives up. */
export interface GroupStrategyExhaustedEvent {
  readonly _tag: "GROUP_STRATEGY_EXHAUSTED"
  readonly groupName: string
  /** The member whose death was one too many. */
  readonly processName: string
  readonly maxRestarts: number
  readonly period: number
  /** What the group does now (`on_exhausted`). */
  readonly action: OnExhausted
}

/** Every event effsup publishes. */
export type SupervisorEvent =
  | ProcessStateEvent
  | ProcessLogEvent
  | ProcessCommunicationEvent
  | RemoteCommunicationEvent
  | SupervisorStateChangeEvent
  | ProcessGroupEvent
  | TickEvent
  | ProcessHealthEvent
  | ProcessDescendantsEvent
  | GroupStrategyRestartEvent
  | GroupStrategyExhaustedEvent

/** The concrete event type names. */
export type EventName = SupervisorEvent["_tag"]
