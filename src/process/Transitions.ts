/**
 * The lifecycle of one supervised process as a pure, total table (like s6-supervise's action
 * array). `transition(status, event)` gives the next state, the change to the process's status
 * (`patch`), the actions the actor must perform in order and, for a request, its refusal.
 * Every rule of a process's life is here: when a start or stop is refused, what a shutdown does
 * in each state, when a process backs off, gives up or restarts, and which facts each step
 * records (backoff count, spawnerr, exitstatus, pid). The actor (ProcessActor.ts) only runs
 * timers and checks, talks to the Spawner, logs and interprets the actions; the facts a rule
 * needs travel in the events (an exit's `tooQuickly`/`expected`/`restart`, who asked for a start)
 * and, for what a program's options turn on, in its {@link Policy}.
 *
 * Beyond supervisord (each only with its option; without them the table is supervisord's):
 * - readiness (`ready=`): STARTING becomes RUNNING on `Ready` once startsecs has passed (either
 *   may come first); `ReadyTimeout` stops the child through the normal stop path and then counts
 *   as a failed start (BACKOFF, FATAL after startretries); any exit before RUNNING is a failed start.
 * - liveness (`healthcheck=`): checks start on entering RUNNING; `healthcheck_retries` failures in
 *   a row make the process unhealthy, then `on_unhealthy` restarts it (stop path, then start),
 *   stops it, or only announces it. A pass after that announces it healthy again. A missed
 *   `watchdog=` keep-alive (`ready=notify`) makes a RUNNING process unhealthy at once, the same way.
 * - notifications (`ready=notify`): `STATUS=` and `MAINPID=` are recorded while the child lives.
 * - restart backoff (`backoff=`): an unexpected exit from RUNNING that autorestart restarts goes
 *   EXITED → BACKOFF and waits per the schedule (supervisord restarts at once); with
 *   `backoff_reset_after=` the count starts over after that long in RUNNING instead of on entering it.
 * Invariants: every (state, event) pair is defined; a refused request changes nothing; entering
 * a stopped state or BACKOFF clears the pid; the backoff count and the backoff schedule are
 * reset together (`patch.backoff = 0` ⇔ the `resetBackoff` action); a stop or shutdown request
 * always ends in a stopped state (`afterStop` back to "stopped").
 * supervisord: process.py Subprocess.spawn / finish / kill / transition / give_up, rpcinterface.py
 * (start/stop/signal/sendProcessStdin refusals). See shared/reference/supervisord-4.2.5.md §2.2–2.5.
 * @since 0.1.0
 */
import { type ProcessState, SIGNALLABLE_STATES, STOPPED_STATES } from "../domain/ProcessState.ts"
import { type ExitFacts, type Policy, SUPERVISORD_POLICY } from "./RestartPolicy.ts"

/** What the health checks said of the current run: nothing yet, passing, or failed `healthcheck_retries` times in a row. */
export type Health = "unchecked" | "healthy" | "unhealthy"

/** What readers see of a process. Times are epoch milliseconds (0 = never). */
export interface ProcessSnapshot {
  readonly state: ProcessState
  readonly pid: number
  readonly laststart: number
  readonly laststop: number
  readonly spawnerr: string
  readonly exitstatus: number
  /** Failed starts in a row (supervisord's `backoff`, the `tries` of PROCESS_STATE events). */
  readonly backoff: number
  /** `ready=` succeeded for the current start (set before RUNNING when startsecs has not passed yet). */
  readonly ready: boolean
  /** The health checks of the current run (`healthcheck=`). */
  readonly health: Health
  /** Health checks failed in a row. */
  readonly healthFailures: number
  /** `ready=notify`: the last `STATUS=` of the current run ("" = none). */
  readonly notifyStatus: string
  /** `ready=notify`: the `MAINPID=` of the current run (0 = none). */
  readonly mainPid: number
}

/** What ends a stop in progress: the stopped state, a failed start (BACKOFF), or a new start. */
export type AfterStop = "stopped" | "backoff" | "restart"

/** What the table reads and changes: the snapshot, and whether the supervisor is stopping. */
export interface Status extends ProcessSnapshot {
  /** The supervisor is stopping: nothing starts by itself any more, and a failed start gives up at once. */
  readonly quiesced: boolean
  /** startsecs has passed for the current start (only read while waiting for `ready=`). */
  readonly startsecsPassed: boolean
  /** What the exit of the child being stopped leads to. */
  readonly afterStop: AfterStop
}

/** A process that was never started. */
export const initialStatus: Status = {
  state: "STOPPED",
  pid: 0,
  laststart: 0,
  laststop: 0,
  spawnerr: "",
  exitstatus: 0,
  backoff: 0,
  ready: false,
  health: "unchecked",
  healthFailures: 0,
  notifyStatus: "",
  mainPid: 0,
  quiesced: false,
  startsecsPassed: false,
  afterStop: "stopped"
}

/** Who asked for a start: a request (RPC, ctl, API) or the supervisor itself. */
export type StartedBy = "request" | "autostart" | "autorestart"

/** What can happen to a process. Requests (Start, Stop, Signal, WriteStdin) may be refused. */
export type Event =
  /** A start request. */
  | { readonly _tag: "Start"; readonly by: StartedBy }
  /** The child was forked and exec'd. */
  | { readonly _tag: "Spawned"; readonly pid: number }
  /** The parent could not spawn it; `message` is the spawnerr (command missing, not executable, fork failed). */
  | { readonly _tag: "SpawnFailed"; readonly message: string }
  /** The child stayed up `startsecs`. */
  | { readonly _tag: "StartsecsElapsed" }
  /** The child ended at `at` (epoch ms); the facts come from RestartPolicy.exitFacts. */
  | { readonly _tag: "Exited"; readonly at: number } & ExitFacts
  /** The backoff delay is over. */
  | { readonly _tag: "BackoffElapsed" }
  /** The backoff schedule has no next delay (startretries is used up). */
  | { readonly _tag: "BackoffExhausted" }
  /** A stop request. */
  | { readonly _tag: "Stop" }
  /** stopwaitsecs elapsed after the stop signal. */
  | { readonly _tag: "StopTimeout" }
  /** Signalling the child failed with something other than ESRCH. */
  | { readonly _tag: "KillFailed" }
  /** A request to send `signal` to the child. */
  | { readonly _tag: "Signal"; readonly signal: string }
  /** A request to write to the child's stdin; `hasChild` = the actor holds a live child. */
  | { readonly _tag: "WriteStdin"; readonly hasChild: boolean }
  /** The supervisor is stopping: from now on nothing is (re)started by itself. */
  | { readonly _tag: "Quiesce" }
  /** The supervisor (or the process's group) is stopping this process for good. */
  | { readonly _tag: "Shutdown" }
  /** The `ready=` check succeeded. */
  | { readonly _tag: "Ready" }
  /** The `ready=` check did not succeed within ready_timeout; `message` becomes the spawnerr. */
  | { readonly _tag: "ReadyTimeout"; readonly message: string }
  /** A health check passed. */
  | { readonly _tag: "HealthPassed" }
  /** A health check failed (or timed out) with `message`. */
  | { readonly _tag: "HealthFailed"; readonly message: string }
  /** `watchdog=` passed without a keep-alive; `message` says so. */
  | { readonly _tag: "WatchdogMissed"; readonly message: string }
  /** The child sent `STATUS=` and/or `MAINPID=` (ready=notify). */
  | { readonly _tag: "Notified"; readonly status?: string | undefined; readonly mainPid?: number | undefined }
  /** An exit from RUNNING that autorestart restarts is to wait per the backoff schedule first. */
  | { readonly _tag: "DelayRestart" }
  /** The process stayed RUNNING `backoff_reset_after` seconds. */
  | { readonly _tag: "BackoffResetElapsed" }
  /** The supervisor gave up on starting it (a dependency failed, its group gave up); `reason` becomes the spawnerr. */
  | { readonly _tag: "Abandon"; readonly reason: string }

/** What the actor must do, in order. */
export type Action =
  /** Record laststart, publish, resolve the command and spawn (reports Spawned / SpawnFailed). */
  | "spawn"
  /** Log `process 'x' already running` (a start while the child is being stopped). */
  | "logStillRunning"
  /** Log `spawned: 'x' with pid N` and start the startsecs timer (0 → StartsecsElapsed at once). */
  | "armStartsecs"
  /** Log `spawnerr: …`. */
  | "logSpawnError"
  /** Step the backoff schedule: arm a timer for BackoffElapsed, or report BackoffExhausted at once. */
  | "stepBackoff"
  /** Report BackoffExhausted at once (a failed start while the supervisor is stopping). */
  | "giveUp"
  /** Start the backoff schedule over and cancel the pending timer. */
  | "resetBackoff"
  /** Log `success: x entered RUNNING state, …`. */
  | "logSuccess"
  /** Log the `exited:` line of an exit before startsecs (always "not expected"). */
  | "logExitedTooQuickly"
  /** Log `exited: x (…; expected|not expected)`. */
  | "logExited"
  /** Start again: report Start by autorestart. */
  | "restart"
  /** Log `gave up: x entered FATAL state, too many start retries too quickly` (not while the supervisor stops). */
  | "logGaveUp"
  /** Send stopsignal (to the group with stopasgroup) and start the stopwaitsecs timer. */
  | "signalStop"
  /** Log `killing 'x' (pid) with SIGKILL` and SIGKILL (the group with killasgroup). */
  | "kill"
  /** Log `stopped: x (…)`. */
  | "logStopped"
  /** Log `Attempted to kill x, which is in BACKOFF state.` and cancel the backoff timer. */
  | "cancelBackoff"
  /** Log `sending x (pid N) sig S` and send the requested signal to the child. */
  | "sendSignal"
  /** Start the `ready=` check of the child; it reports Ready, or ReadyTimeout after ready_timeout. */
  | "startReadiness"
  /** Log why the start failed for want of readiness (the spawnerr). */
  | "logNotReady"
  /** Start the periodic health check of the child; it reports HealthPassed / HealthFailed. */
  | "startHealthcheck"
  /** Log a failed health check with its count. */
  | "logHealthFailed"
  /** Log it and publish PROCESS_HEALTH_UNHEALTHY. */
  | "announceUnhealthy"
  /** Log it and publish PROCESS_HEALTH_HEALTHY. */
  | "announceHealthy"
  /** Report DelayRestart at once (EXITED → BACKOFF). */
  | "delayRestart"
  /** Start the backoff_reset_after timer (reports BackoffResetElapsed). */
  | "armBackoffReset"
  /** Log `gave up: x entered FATAL state, <spawnerr>`. */
  | "logAbandoned"

/** Why a request is refused: supervisord's fault for it. */
export type Refusal =
  /** ALREADY_STARTED. */
  | "AlreadyStarted"
  /** FAILED `x is in an unknown process state`. */
  | "UnknownState"
  /** NOT_RUNNING. */
  | "NotRunning"

/** The change of a transition to the status (the state itself is `next`). */
export type Patch = Partial<Omit<Status, "state">>

/** The result of one transition. */
export interface Transition {
  /** The next state; undefined = unchanged. */
  readonly next: ProcessState | undefined
  readonly patch: Patch
  readonly actions: ReadonlyArray<Action>
  /** Set when the event is a request the process refuses; a refusal changes nothing. */
  readonly refusal: Refusal | undefined
}

const NO_PATCH: Patch = {}

const stay = (patch: Patch, ...actions: ReadonlyArray<Action>): Transition => ({
  next: undefined,
  patch,
  actions,
  refusal: undefined
})

/** Entering a stopped state or BACKOFF clears the pid: there is no child any more. */
const go = (next: ProcessState, patch: Patch, ...actions: ReadonlyArray<Action>): Transition => ({
  next,
  patch: STOPPED_STATES.has(next) || next === "BACKOFF" ? { ...patch, pid: 0 } : patch,
  actions,
  refusal: undefined
})

const refuse = (refusal: Refusal, ...actions: ReadonlyArray<Action>): Transition => ({
  next: undefined,
  patch: NO_PATCH,
  actions,
  refusal
})

const IGNORE = stay(NO_PATCH)
const QUIESCE: Patch = { quiesced: true }
const EXITED_TOO_QUICKLY = "Exited too quickly (process log may have details)"
const EXITED_BEFORE_READY = "Exited before it was ready (process log may have details)"

/** The facts of a run before anything happened to it. */
const FRESH_RUN = { ready: false, startsecsPassed: false, health: "unchecked", healthFailures: 0, notifyStatus: "", mainPid: 0 } as const

/** A (re)start clears the last run's spawnerr and exitstatus, and its readiness and health facts (those not fresh already). */
const toStarting = (status: Status) => {
  const stale = Object.entries(FRESH_RUN).filter(([key, fresh]) => status[key as keyof typeof FRESH_RUN] !== fresh)
  return go("STARTING", { spawnerr: "", exitstatus: 0, ...Object.fromEntries(stale) }, "spawn")
}

/** Up (and ready, with ready=): RUNNING; the backoff count starts over now, or after backoff_reset_after. */
const toRunning = (policy: Policy, patch: Patch): Transition => {
  const health: ReadonlyArray<Action> = policy.checksHealth ? ["startHealthcheck"] : []
  return policy.resetsLater
    ? go("RUNNING", patch, "armBackoffReset", "logSuccess", ...health)
    : go("RUNNING", { ...patch, backoff: 0 }, "resetBackoff", "logSuccess", ...health)
}

/**
 * Give up: FATAL, the backoff starts over. The `gave up:` line is logged unless the supervisor is
 * stopping: supervisord's ProcessGroup.stop_all gives up on a process in BACKOFF without a word
 * (the line comes only from its transition(), which a stopping supervisor reaches after stop_all).
 */
const toFatal = (patch: Patch, stopping: boolean) =>
  stopping
    ? go("FATAL", { ...patch, backoff: 0 }, "resetBackoff")
    : go("FATAL", { ...patch, backoff: 0 }, "resetBackoff", "logGaveUp")

/** A failed start: BACKOFF, then the next delay, or FATAL at once when the supervisor is stopping. */
const backOff = (status: Status, patch: Patch, ...log: ReadonlyArray<Action>) =>
  go("BACKOFF", { ...patch, backoff: status.backoff + 1 }, ...log, status.quiesced ? "giveUp" : "stepBackoff")

const start = (status: Status, by: StartedBy): Transition => {
  switch (status.state) {
    case "STOPPED":
    case "EXITED":
    case "FATAL":
      // The supervisor's own starts stop with it; a request still starts (supervisord: rpcinterface.startProcess).
      return status.quiesced && by !== "request" ? IGNORE : toStarting(status)
    case "UNKNOWN":
      return refuse("UnknownState")
    case "STARTING":
    case "RUNNING":
    case "BACKOFF":
      return refuse("AlreadyStarted")
    case "STOPPING":
      // supervisord: startProcess does not count STOPPING as running, so it reaches spawn(), which
      // only warns; a start that waits then ends in ABNORMAL_TERMINATION (see startOutcome).
      return stay(NO_PATCH, "logStillRunning")
  }
}

const exited = (status: Status, event: Extract<Event, { _tag: "Exited" }>, policy: Policy): Transition => {
  const laststop = event.at
  // startretries only counts exits before startsecs, whatever the exit code (supervisord: finish()).
  // With ready=, a process that ends before it was ready never started either.
  if (status.state === "STARTING" && (event.tooQuickly || policy.awaitsReady)) {
    const spawnerr = event.tooQuickly ? EXITED_TOO_QUICKLY : EXITED_BEFORE_READY
    return backOff(status, { laststop, spawnerr }, "logExitedTooQuickly")
  }
  switch (status.state) {
    case "STARTING":
    case "RUNNING": {
      const spawnerr = event.expected ? "" : `Bad exit code ${event.exitstatus}`
      const patch = { laststop, exitstatus: event.exitstatus, spawnerr }
      if (event.restart && !event.expected && policy.backoffAfterRunning) return go("EXITED", patch, "logExited", "delayRestart")
      return event.restart
        ? go("EXITED", { ...patch, backoff: 0 }, "resetBackoff", "logExited", "restart")
        : go("EXITED", { ...patch, backoff: 0 }, "resetBackoff", "logExited")
    }
    case "STOPPING": {
      const patch = { laststop, exitstatus: event.exitstatus }
      switch (status.afterStop) {
        case "stopped":
          return go("STOPPED", patch, "logStopped")
        case "backoff":
          return backOff(status, { ...patch, afterStop: "stopped" }, "logStopped")
        case "restart":
          return go("STOPPED", { ...patch, afterStop: "stopped" }, "logStopped", "restart")
      }
    }
    default:
      return stay({ laststop })
  }
}

const stop = (status: Status): Transition => {
  switch (status.state) {
    case "STARTING":
    case "RUNNING":
      return go("STOPPING", NO_PATCH, "signalStop")
    case "BACKOFF":
      return go("STOPPED", NO_PATCH, "cancelBackoff")
    case "STOPPING":
      // A stop that was to restart it or count as a failed start now just stops it.
      return status.afterStop === "stopped" ? refuse("NotRunning") : stay({ afterStop: "stopped" })
    default:
      return refuse("NotRunning")
  }
}

/** RUNNING: health check failed once more; at healthcheck_retries in a row, on_unhealthy decides. */
const healthFailed = (status: Status, policy: Policy): Transition => {
  const healthFailures = status.healthFailures + 1
  if (status.health === "unhealthy") return stay({ healthFailures })
  if (healthFailures < policy.healthRetries) return stay({ healthFailures }, "logHealthFailed")
  return unhealthy(policy, { health: "unhealthy", healthFailures }, "logHealthFailed")
}

/** RUNNING, now unhealthy: `on_unhealthy` restarts it (stop path, then start), stops it, or only announces it. */
const unhealthy = (policy: Policy, patch: Patch, ...log: ReadonlyArray<Action>): Transition => {
  switch (policy.onUnhealthy) {
    case "restart":
      return go("STOPPING", { ...patch, afterStop: "restart" }, ...log, "announceUnhealthy", "signalStop")
    case "stop":
      return go("STOPPING", patch, ...log, "announceUnhealthy", "signalStop")
    case "event":
      return stay(patch, ...log, "announceUnhealthy")
  }
}

/** What a notification records (only what it says). */
const notified = (event: { readonly status?: string | undefined; readonly mainPid?: number | undefined }): Patch => ({
  ...(event.status === undefined ? {} : { notifyStatus: event.status }),
  ...(event.mainPid === undefined ? {} : { mainPid: event.mainPid })
})

const healthPassed = (status: Status): Transition => {
  if (status.health === "healthy" && status.healthFailures === 0) return IGNORE
  const patch: Patch = { health: "healthy", healthFailures: 0 }
  return status.health === "unhealthy" ? stay(patch, "announceHealthy") : stay(patch)
}

const shutdown = (status: Status): Transition => {
  switch (status.state) {
    case "STARTING":
    case "RUNNING":
      return go("STOPPING", QUIESCE, "signalStop")
    case "STOPPING":
      return stay(status.afterStop === "stopped" ? QUIESCE : { ...QUIESCE, afterStop: "stopped" })
    case "BACKOFF":
      // supervisord: ProcessGroup.stop_all gives up on a process in BACKOFF.
      return toFatal(QUIESCE, true)
    default:
      return stay(QUIESCE)
  }
}

/**
 * Next state, patch, actions and refusal for `event` in `status`, under `policy` (supervisord's
 * when omitted). Total over state × event.
 */
export const transition = (status: Status, event: Event, policy: Policy = SUPERVISORD_POLICY): Transition => {
  const state = status.state
  switch (event._tag) {
    case "Start":
      return start(status, event.by)
    case "Spawned":
      if (state !== "STARTING") return IGNORE
      return policy.awaitsReady ? stay({ pid: event.pid }, "armStartsecs", "startReadiness") : stay({ pid: event.pid }, "armStartsecs")
    case "SpawnFailed":
      return state === "STARTING" ? backOff(status, { spawnerr: event.message }, "logSpawnError") : IGNORE
    case "StartsecsElapsed":
      if (state !== "STARTING") return IGNORE
      return !policy.awaitsReady || status.ready ? toRunning(policy, NO_PATCH) : stay({ startsecsPassed: true })
    case "Ready":
      if (state !== "STARTING" || !policy.awaitsReady) return IGNORE
      return status.startsecsPassed ? toRunning(policy, { ready: true }) : stay({ ready: true })
    case "ReadyTimeout":
      return state === "STARTING" && policy.awaitsReady
        ? go("STOPPING", { spawnerr: event.message, afterStop: "backoff" }, "logNotReady", "signalStop")
        : IGNORE
    case "Exited":
      return exited(status, event, policy)
    case "DelayRestart":
      // Like an autorestart, it is dropped once the supervisor is stopping.
      return state === "EXITED" && !status.quiesced && policy.backoffAfterRunning ? backOff(status, NO_PATCH) : IGNORE
    case "BackoffElapsed":
      // While the supervisor stops, a process in BACKOFF waits there (it gives up when its group stops).
      return state === "BACKOFF" && !status.quiesced ? toStarting(status) : IGNORE
    case "BackoffResetElapsed":
      return state === "RUNNING" && policy.resetsLater ? stay({ backoff: 0 }, "resetBackoff") : IGNORE
    case "HealthPassed":
      return state === "RUNNING" && policy.checksHealth ? healthPassed(status) : IGNORE
    case "HealthFailed":
      return state === "RUNNING" && policy.checksHealth ? healthFailed(status, policy) : IGNORE
    case "WatchdogMissed":
      return state === "RUNNING" && policy.checksHealth && status.health !== "unhealthy"
        ? unhealthy(policy, { health: "unhealthy" })
        : IGNORE
    case "Notified":
      return state === "STARTING" || state === "RUNNING" || state === "STOPPING" ? stay(notified(event)) : IGNORE
    case "BackoffExhausted":
      return state === "BACKOFF" ? toFatal(NO_PATCH, status.quiesced) : IGNORE
    case "Stop":
      return stop(status)
    case "StopTimeout":
      return state === "STOPPING" ? stay(NO_PATCH, "kill") : IGNORE
    case "KillFailed":
      return state === "UNKNOWN" ? IGNORE : go("UNKNOWN", NO_PATCH)
    case "Signal":
      // supervisord: signalProcess refuses before it reaches the process, so nothing is logged.
      return SIGNALLABLE_STATES.has(state) ? stay(NO_PATCH, "sendSignal") : refuse("NotRunning")
    case "WriteStdin":
      // supervisord: refused without a pid or while the process is being stopped.
      return event.hasChild && state !== "STOPPING" ? IGNORE : refuse("NotRunning")
    case "Quiesce":
      return stay(QUIESCE)
    case "Shutdown":
      return shutdown(status)
    case "Abandon":
      // Only a process with no child is abandoned; one already FATAL just takes the new reason.
      return state === "FATAL"
        ? stay({ spawnerr: event.reason })
        : state === "STOPPED" || state === "EXITED"
        ? go("FATAL", { spawnerr: event.reason }, "logAbandoned")
        : IGNORE
  }
}

/** The status after a transition (the same object when nothing changed). */
export const apply = (status: Status, t: Transition): Status =>
  t.next === undefined && t.patch === NO_PATCH ? status : { ...status, ...t.patch, state: t.next ?? status.state }

/** How a start request that waits ends, judged on a published snapshot (supervisord: startProcess's onwait). */
export type StartOutcome = "pending" | "started" | "SpawnError" | "AbnormalTermination"

/** The outcome of a waiting start request once it has been accepted. */
export const startOutcome = (s: ProcessSnapshot): StartOutcome =>
  s.spawnerr !== "" ? "SpawnError" : s.state === "STARTING" ? "pending" : s.state === "RUNNING" ? "started" : "AbnormalTermination"

/** How a stop request that waits ends (supervisord: stopProcess's onwait). */
export type StopOutcome = "pending" | "stopped" | "UnknownState"

/** The outcome of a waiting stop: done once the process is in a stopped state; UNKNOWN is a failure. */
export const stopOutcome = (state: ProcessState): StopOutcome =>
  state === "UNKNOWN" ? "UnknownState" : STOPPED_STATES.has(state) ? "stopped" : "pending"
