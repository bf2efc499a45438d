/**
 * Pure restart decisions: whether an exit was expected, whether it came too quickly
 * (before startsecs), and whether autorestart starts the process again — gathered into the
 * facts the transition table (Transitions.ts) reads from an `Exited` event — and the program's
 * {@link Policy}: the rules beyond supervisord's (readiness, health, restart backoff) that its
 * options turn on for the table.
 * supervisord: process.py Subprocess.finish / transition. Gotcha (Q21): startretries only
 * applies to exits before startsecs, whatever autorestart says; with startsecs=0 no exit is
 * ever "too quick".
 * @since 0.1.0
 */
import type { OnUnhealthy } from "../config/Codecs.ts"
import type { AutoRestart, ProcessConfig } from "../config/Types.ts"
import { type ExitInfo, exitStatus } from "../domain/ExitInfo.ts"

/** An exit is expected when its status (-1 for a signal) is one of exitcodes. */
export const isExpected = (exit: ExitInfo, exitcodes: ReadonlyArray<number>): boolean =>
  exitcodes.includes(exitStatus(exit))

/** The child exited less than `startsecs` seconds after it was spawned. */
export const exitedTooQuickly = (startedAtMs: number, exitedAtMs: number, startsecs: number): boolean =>
  exitedAtMs >= startedAtMs && exitedAtMs - startedAtMs < startsecs * 1000

/** Whether a process that just entered EXITED is started again. */
export const shouldRestart = (autorestart: AutoRestart, expected: boolean): boolean =>
  autorestart === "true" || (autorestart === "unexpected" && !expected)

/** What the transition table needs to know about one exit. */
export interface ExitFacts {
  /** supervisord's exitstatus: the code, or -1 for a signal. */
  readonly exitstatus: number
  /** The status is one of exitcodes. */
  readonly expected: boolean
  /** It came before startsecs (a failed start: BACKOFF). */
  readonly tooQuickly: boolean
  /** autorestart wants it started again (acted on only for an exit from STARTING/RUNNING). */
  readonly restart: boolean
}

/** The facts of an exit at `exitedAtMs` of a child spawned at `startedAtMs`. */
export const exitFacts = (
  config: Pick<ProcessConfig, "exitcodes" | "startsecs" | "autorestart">,
  exit: ExitInfo,
  startedAtMs: number,
  exitedAtMs: number
): ExitFacts => {
  const expected = isExpected(exit, config.exitcodes)
  return {
    exitstatus: exitStatus(exit),
    expected,
    tooQuickly: exitedTooQuickly(startedAtMs, exitedAtMs, config.startsecs),
    restart: shouldRestart(config.autorestart, expected)
  }
}

/** What the transition table reads from a program's options: its rules beyond supervisord's. */
export interface Policy {
  /** `ready=` is set: RUNNING needs the check's success as well as startsecs; any exit before it is a failed start. */
  readonly awaitsReady: boolean
  /** `healthcheck=` (probed while RUNNING) or `watchdog=` (keep-alives expected while RUNNING) is set. */
  readonly checksHealth: boolean
  /** Failed checks in a row that make it unhealthy (`healthcheck_retries`). */
  readonly healthRetries: number
  /** What happens to it then (`on_unhealthy`). */
  readonly onUnhealthy: OnUnhealthy
  /** `backoff=` is set: an unexpected exit from RUNNING that autorestart restarts waits per the backoff schedule. */
  readonly backoffAfterRunning: boolean
  /** Also `backoff_reset_after=`: the backoff count starts over after that long in RUNNING, not on entering it. */
  readonly resetsLater: boolean
}

/** supervisord's rules and nothing more: what a program using none of effsup's options gets. */
export const SUPERVISORD_POLICY: Policy = {
  awaitsReady: false,
  checksHealth: false,
  healthRetries: 3,
  onUnhealthy: "restart",
  backoffAfterRunning: false,
  resetsLater: false
}

/** The policy a program's options ask for. */
export const policy = (
  config: Pick<ProcessConfig, "ready" | "healthcheck" | "watchdog" | "healthcheckRetries" | "onUnhealthy" | "backoff" | "backoffResetAfter">
): Policy => ({
  awaitsReady: config.ready !== undefined,
  checksHealth: config.healthcheck !== undefined || config.watchdog !== undefined,
  healthRetries: config.healthcheckRetries,
  onUnhealthy: config.onUnhealthy,
  backoffAfterRunning: config.backoff !== undefined,
  resetsLater: config.backoff !== undefined && config.backoffResetAfter !== undefined
})
