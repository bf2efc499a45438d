/**
 * The lifecycle of one supervised process as a pure, total table (like s6-supervise's action
 * array): `transition(state, event)` gives the next state and the actions the actor must
 * perform, in order. Every (state, event) pair is defined; pairs that do nothing give no
 * next state and no actions. The actor (ProcessActor.ts) only interprets the actions.
 * supervisord: process.py Subprocess.spawn / finish / kill / transition / give_up.
 * See shared/reference/supervisord-4.2.5.md §2.2.
 * @since 0.1.0
 */
import type { ProcessState } from "../domain/ProcessState.ts"

/** What can happen to a process. */
export type Event =
  /** A start request: RPC, autostart, or autorestart after EXITED. */
  | { readonly _tag: "Start" }
  /** The child was forked and exec'd. */
  | { readonly _tag: "Spawned" }
  /** The parent could not spawn it (command missing, not executable, fork failed). */
  | { readonly _tag: "SpawnFailed" }
  /** The child stayed up `startsecs`. */
  | { readonly _tag: "StartsecsElapsed" }
  /** The child ended; `tooQuickly` = before startsecs; `expected` = exit code in exitcodes. */
  | { readonly _tag: "Exited"; readonly tooQuickly: boolean; readonly expected: boolean }
  /** The backoff delay is over. */
  | { readonly _tag: "BackoffElapsed" }
  /** startretries is exhausted, or the supervisor is shutting down while in BACKOFF. */
  | { readonly _tag: "GiveUp" }
  /** A stop request. */
  | { readonly _tag: "Stop" }
  /** stopwaitsecs elapsed after the stop signal. */
  | { readonly _tag: "StopTimeout" }
  /** Signalling the child failed with something other than ESRCH. */
  | { readonly _tag: "KillFailed" }

/** The name of every event. */
export type EventTag = Event["_tag"]

/** What the actor must do, in order. */
export type Action =
  /** Clear spawnerr, record laststart, resolve the command and spawn (reports Spawned / SpawnFailed). */
  | "spawn"
  /** Log `spawned: 'x' with pid N` and start the startsecs timer (0 → immediately). */
  | "armStartsecs"
  /** Log `spawnerr: …`. */
  | "logSpawnError"
  /** Increment the backoff count, then either schedule BackoffElapsed or send GiveUp. */
  | "backoff"
  /** backoff = 0. */
  | "resetBackoff"
  /** Log `success: x entered RUNNING state, …`. */
  | "logSuccess"
  /** spawnerr = `Exited too quickly (process log may have details)`; log the `exited:` line as not expected. */
  | "exitedTooQuickly"
  /** Record exitstatus (and spawnerr `Bad exit code N` when unexpected); log `exited: x (…; expected|not expected)`. */
  | "logExited"
  /** Start again if autorestart says so (and the supervisor is not shutting down). */
  | "autorestart"
  /** Log `gave up: x entered FATAL state, too many start retries too quickly`. */
  | "logGaveUp"
  /** Send stopsignal (to the group with stopasgroup) and start the stopwaitsecs timer. */
  | "signalStop"
  /** Log `killing 'x' (pid) with SIGKILL` and SIGKILL (the group with killasgroup). */
  | "kill"
  /** Record exitstatus; log `stopped: x (…)`. */
  | "logStopped"
  /** Log `Attempted to kill x, which is in BACKOFF state.` and cancel the backoff timer. */
  | "cancelBackoff"

/** The result of one transition: the next state (undefined = unchanged) and the actions. */
export interface Transition {
  readonly next: ProcessState | undefined
  readonly actions: ReadonlyArray<Action>
}

const stay = (...actions: ReadonlyArray<Action>): Transition => ({ next: undefined, actions })
const go = (next: ProcessState, ...actions: ReadonlyArray<Action>): Transition => ({ next, actions })
const ignore: Transition = stay()

const startable = (event: Event): Transition => event._tag === "Start" ? go("STARTING", "spawn") : ignore

/** Next state and actions for `event` in `state`. Total over ProcessState × Event. */
export const transition = (state: ProcessState, event: Event): Transition => {
  if (event._tag === "KillFailed") return state === "UNKNOWN" ? ignore : go("UNKNOWN")
  switch (state) {
    case "STOPPED":
    case "EXITED":
    case "FATAL":
      return startable(event)
    case "STARTING":
      switch (event._tag) {
        case "Spawned":
          return stay("armStartsecs")
        case "SpawnFailed":
          return go("BACKOFF", "logSpawnError", "backoff")
        case "StartsecsElapsed":
          return go("RUNNING", "resetBackoff", "logSuccess")
        case "Exited":
          return event.tooQuickly
            ? go("BACKOFF", "exitedTooQuickly", "backoff")
            : go("EXITED", "resetBackoff", "logExited", "autorestart")
        case "Stop":
          return go("STOPPING", "signalStop")
        default:
          return ignore
      }
    case "RUNNING":
      switch (event._tag) {
        case "Exited":
          return go("EXITED", "resetBackoff", "logExited", "autorestart")
        case "Stop":
          return go("STOPPING", "signalStop")
        default:
          return ignore
      }
    case "BACKOFF":
      switch (event._tag) {
        case "BackoffElapsed":
          return go("STARTING", "spawn")
        case "GiveUp":
          return go("FATAL", "resetBackoff", "logGaveUp")
        case "Stop":
          return go("STOPPED", "cancelBackoff")
        default:
          return ignore
      }
    case "STOPPING":
      switch (event._tag) {
        case "Exited":
          return go("STOPPED", "logStopped")
        case "StopTimeout":
          return stay("kill")
        default:
          return ignore
      }
    case "UNKNOWN":
      return ignore
  }
}
