/**
 * One supervised process as an actor: a single fiber reads a mailbox of requests (start, stop,
 * signal, stdin, quiesce, shutdown) and internal events (exited, timers) and runs each through
 * the pure table in Transitions.ts, which decides everything: the next state, the snapshot
 * change, the actions and any refusal. The actor only applies the patch, performs the actions
 * (timers, the Spawner, the backoff schedule, log lines, PROCESS_STATE_* events) and answers.
 * Its state is touched only by the loop fiber; readers get published snapshots. Its one timer
 * (startsecs, backoff, stopwaitsecs and the stop reports, backoff_reset_after) is an alarm on the
 * tree's AlarmClock (AlarmClock.ts: no fiber of its own); checks (ready=, healthcheck=: see
 * Readiness.ts, Health.ts; ready=notify's socket: Notify.ts, open from before the spawn until its
 * exit) are fibers. Both post back to the mailbox, tagged with the spawn's generation so stale
 * ones are ignored. Closing the actor's scope shuts it down through the
 * mailbox (stopsignal, stopwaitsecs, SIGKILL).
 * Invariants: one child at a time; a state change is published (snapshot + PROCESS_STATE_* event)
 * before its log line; output is flushed before an exit is acted on; a stdin write is queued
 * (StdinQueue.ts, bounded) and written by a per-child fiber, never holding the loop or the
 * caller; a child's checks and its stdin writer end when it exits.
 * supervisord: process.py Subprocess. See shared/reference/supervisord-4.2.5.md §2.
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberSet from "effect/FiberSet"
import * as Queue from "effect/Queue"
import * as Scope from "effect/Scope"
import { checkText } from "../config/Checks.ts"
import type { ProcessConfig } from "../config/Types.ts"
import { systemErrorCode } from "../domain/Errno.ts"
import { AbnormalTermination, AlreadyStarted, Failed, NoFile, NotExecutable, NotRunning, SpawnError } from "../domain/Errors.ts"
import { describeExit, type ExitInfo } from "../domain/ExitInfo.ts"
import { EventBus } from "../events/EventBus.ts"
import type { ChildOutput, OutputStream } from "../logs/ChildOutput.ts"
import * as AlarmClock from "./AlarmClock.ts"
import * as Backoff from "./Backoff.ts"
import { searchPath } from "./Command.ts"
import { childEnvironment } from "./Environment.ts"
import * as Health from "./Health.ts"
import * as Notify from "./Notify.ts"
import type { ExecContext } from "./Probe.ts"
import * as Readiness from "./Readiness.ts"
import { exitFacts, isExpected, policy } from "./RestartPolicy.ts"
import { type RawChild, Spawner } from "./Spawner.ts"
import * as StdinQueue from "./StdinQueue.ts"
import {
  type Action,
  apply,
  type Event,
  initialStatus,
  type ProcessSnapshot,
  type Refusal,
  startOutcome,
  type Status,
  stopOutcome,
  transition
} from "./Transitions.ts"

export type { ProcessSnapshot } from "./Transitions.ts"

/** Where the actor runs: the daemon environment and paths it needs to spawn. */
export interface ActorEnvironment {
  /** The daemon's environment (copied into every child; the tree reads process.env once, when it is built). */
  readonly env: Readonly<Record<string, string | undefined>>
  /** The daemon's working directory (relative commands resolve against it). */
  readonly cwd: string
  /** SUPERVISOR_SERVER_URL fallback for serverurl=AUTO. */
  readonly serverUrl: string | undefined
  /** An fcgi-program's listening socket: every child gets it as fd 0 (and has no stdin to write). */
  readonly stdinFd?: number | undefined
  /** The alarm clock the actor's timer is set on, shared by a tree's actors (one of its own without). */
  readonly alarms?: AlarmClock.AlarmClock | undefined
}

/** The handle on one process actor. */
export interface ProcessActor {
  readonly config: ProcessConfig
  readonly output: ChildOutput
  /** The current snapshot. */
  readonly snapshot: Effect.Effect<ProcessSnapshot>
  /** The current snapshot, read synchronously (a new object whenever anything in it changed). */
  readonly snapshotUnsafe: () => ProcessSnapshot
  /**
   * Start it. A `request` (RPC, ctl) first checks the command (NoFile / NotExecutable) and, with
   * `wait`, waits until RUNNING or a failure, as supervisord's startProcess. An `autostart` skips
   * the check (a missing command goes through BACKOFF to FATAL) and is dropped once the
   * supervisor is stopping. Returns once the child was spawned or failed to spawn.
   */
  readonly start: (
    wait: boolean,
    by?: "request" | "autostart"
  ) => Effect.Effect<void, NoFile | NotExecutable | AlreadyStarted | Failed | SpawnError | AbnormalTermination>
  /** After a start was accepted: wait until RUNNING, or fail as a waiting start does (SpawnError / AbnormalTermination). */
  readonly awaitStarted: Effect.Effect<void, SpawnError | AbnormalTermination>
  /** Stop it. With `wait`, until it is in a stopped state. */
  readonly stop: (wait: boolean) => Effect.Effect<void, NotRunning | Failed>
  /**
   * After a stop was accepted: wait until it is in a stopped state, logging `waiting for x to
   * stop` meanwhile, as a waiting stop does; Failed if it ends UNKNOWN.
   */
  readonly awaitStopped: Effect.Effect<void, Failed>
  /** Send a signal (canonical name). */
  readonly signal: (signal: string) => Effect.Effect<void, NotRunning | Failed>
  /**
   * Queue bytes for its stdin; succeeds once they are queued (StdinQueue.ts). Failed when the
   * queue is full (the child is not reading), NoFile when the child closed its stdin.
   */
  readonly writeStdin: (data: Uint8Array) => Effect.Effect<void, NotRunning | NoFile | Failed>
  /**
   * The supervisor is stopping: from now on nothing is (re)started by autostart, autorestart or
   * backoff, and a stop no longer looks for the descendants it left (the spawner does, as it closes).
   */
  readonly quiesce: Effect.Effect<void>
  /** The first published snapshot (the current one included) that satisfies `done`; no polling. */
  readonly waitFor: (done: (s: ProcessSnapshot) => boolean) => Effect.Effect<ProcessSnapshot>
  /** Give up on starting it: a process with no child enters FATAL with `reason` as its spawnerr. */
  readonly abandon: (reason: string) => Effect.Effect<void>
  /**
   * Stop it for good (supervisor shutdown, group removal): quiesce, stop it, a process in BACKOFF
   * gives up (FATAL). The request is queued before this returns; the effect it returns waits until
   * the process is in a stopped state (so a caller can ask many in order, then wait for all).
   */
  readonly shutdown: Effect.Effect<Effect.Effect<void>>
  /**
   * Like `shutdown`, in turn: the actor takes the request only once `after` has completed, and
   * runs `then` right after it has taken it (its process signalled, if it had one). A caller
   * stopping many in order queues all requests at once, each after the previous one's `then`: the
   * signals go out in that order, back to back.
   */
  readonly shutdownInTurn: (after: Effect.Effect<void>, then: Effect.Effect<void>) => Effect.Effect<Effect.Effect<void>>
}

/** A request's answer: nothing, or why it was refused. */
type Reply<A> = Deferred.Deferred<A, Refusal>

type Message =
  /** A request (Start, Stop, Signal): answered once its transition's actions ran. */
  | { readonly _tag: "Request"; readonly event: Event; readonly reply: Reply<void> }
  /** A stdin write: answered with the current child's stdin queue. */
  | { readonly _tag: "Stdin"; readonly reply: Reply<StdinQueue.StdinQueue> }
  /** Shutdown: no answer; in a `turn`, taken once `after` completes, and `then` runs right after. */
  | { readonly _tag: "Post"; readonly event: Event; readonly turn?: { readonly after: Effect.Effect<void>; readonly then: Effect.Effect<void> } }
  | { readonly _tag: "Exited"; readonly generation: number; readonly exit: ExitInfo; readonly at: number }
  /** A timer's or a check's event, for the spawn of `generation`. */
  | { readonly _tag: "Internal"; readonly generation: number; readonly event: Event }
  /** The stop timer of the spawn of `generation` is due: stopwaitsecs has passed, or a stop report. */
  | { readonly _tag: "StopAlarm"; readonly generation: number }

const QUIESCE: Event = { _tag: "Quiesce" }
const SHUTDOWN: Message = { _tag: "Post", event: { _tag: "Shutdown" } }

/** The exec context of a process without checks (nothing runs in it). */
const NO_EXEC_CONTEXT: ExecContext = { env: {}, cwd: undefined, umask: undefined, user: undefined }

/** supervisord's throttle of `waiting for x to stop` (process.py stop_report). */
const STOP_REPORT_MS = 2000

/** supervisord's spawnerr for a log file that cannot be opened at a spawn (process.py spawn: making the dispatchers). */
const logOpenFailure = (name: string, error: unknown): string => {
  const code = systemErrorCode(error) ?? "UNKNOWN"
  return code === "EMFILE" || code === "ENFILE"
    ? `too many open files to spawn '${name}'`
    : `unknown error making dispatchers for '${name}': ${code}`
}

const STOP_TIMEOUT: Event = { _tag: "StopTimeout" }

/** How long an exit waits for the child's pipes to drain before it is acted on. */
const DRAIN_GRACE = Duration.millis(200)

/** Whether everything in `source` is in its reader's hands now (see OutputStream.settle). */
const settled = (source: OutputStream<unknown>): boolean => source.settle?.() ?? false

/** How long after a stop its child's descendants are looked for. */
const LEFT_BEHIND_MS = 200

/** supervisord's debug line after it reaped a child (it logs it per SIGCHLD; here once per exit, after its exited/stopped line). */
const childQuit = Effect.logDebug("received SIGCHLD indicating a child quit")

/** The end of the `unhealthy:` log line, per on_unhealthy. */
const UNHEALTHY_OUTCOME = {
  restart: "restarting it",
  stop: "stopping it",
  event: "leaving it running (on_unhealthy=event)"
} as const

/** Create a process actor in the current scope. The child (if any) is stopped when the scope closes. */
export const make = (
  config: ProcessConfig,
  output: ChildOutput,
  environment: ActorEnvironment
): Effect.Effect<ProcessActor, never, Scope.Scope | Spawner | EventBus> =>
  Effect.gen(function*() {
    const spawner = yield* Spawner
    const bus = yield* EventBus
    const path = searchPath(config.environment, environment.env["PATH"])
    const mailbox = yield* Queue.unbounded<Message>()
    const background = yield* FiberSet.make()
    /** Fork into `background` from outside any fiber (an alarm's ring). */
    const runInBackground = yield* FiberSet.runtime(background)<never>()
    const alarms = environment.alarms ?? (yield* AlarmClock.make)
    // The one timer (startsecs, backoff, stopwaitsecs, backoff reset): setting another replaces it.
    let alarm: AlarmClock.Alarm | undefined
    const cancelAlarm = () => {
      alarm?.cancel()
      alarm = undefined
    }
    /** Make `ring` the one timer, due in `delayMs`. */
    const setAlarm = (delayMs: number, ring: () => void) => {
      alarm?.cancel()
      alarm = alarms.set(delayMs, () => {
        alarm = undefined
        ring()
      })
    }
    // a shared clock keeps a set alarm (and so this actor) until it is due: an actor closed takes its off
    yield* Effect.addFinalizer(() => Effect.sync(cancelAlarm))
    // Only a process with checks has fibers for them (an idle actor keeps as few as it can).
    const hasChecks = config.ready !== undefined || config.healthcheck !== undefined || config.watchdog !== undefined
    const checks = hasChecks ? yield* FiberSet.make() : undefined
    // The fiber that writes a child's stdin: its set is made at the first write (most programs never get one).
    let stdinWriter: FiberSet.FiberSet | undefined
    const runStdinWriter = (drain: Effect.Effect<void>) =>
      Effect.suspend(() =>
        stdinWriter !== undefined
          ? FiberSet.run(stdinWriter, drain)
          : Effect.flatMap(Scope.provide(FiberSet.make(), actorScope), (set) => FiberSet.run(stdinWriter ??= set, drain))
      )
    const backoff = Backoff.make(Backoff.backoffSettings(config))
    const rules = policy(config)
    const name = config.name

    // Shared with other fibers: `published` (what readers see: the status once a transition's
    // actions ran) and `waiters` (added by readers that wait for a snapshot, woken by the loop).
    // Only the loop fiber writes `published` and wakes waiters.
    let published: ProcessSnapshot = initialStatus
    const waiters = new Set<{ readonly done: (s: ProcessSnapshot) => boolean; readonly wake: Deferred.Deferred<ProcessSnapshot> }>()

    // The actor's own state: touched only by the loop fiber.
    let current: Status = initialStatus
    // Set by `quiesce` from any fiber, without waking the loop: the loop applies it before its
    // next transition (which is where any restart would be decided), even to a message queued before.
    let quiesceAsked = false
    let child: RawChild | undefined
    let stdin: StdinQueue.StdinQueue | undefined
    let generation = 0
    let exitInfo: ExitInfo = { code: 0, signal: null }
    /** The pid of the child that exited last. */
    let exitedPid = 0
    // The current spawn's: how its exec: checks run, and its ready= check. Kept only by a process
    // that has checks (the child's environment is a few KiB: per program, at 500 programs, it showed).
    let execContext: ExecContext = NO_EXEC_CONTEXT
    let readiness: Readiness.Readiness | undefined
    // The current spawn's notification socket (ready=notify): open from before the spawn until its exit.
    let notifyScope: Scope.Closeable | undefined
    const actorScope = yield* Effect.scope
    const closeNotify = Effect.suspend(() => {
      const open = notifyScope
      notifyScope = undefined
      return open === undefined ? Effect.void : Scope.close(open, Exit.void)
    })
    /** ready=notify: bind the spawn's socket; the child's environment additions, or why it failed. */
    const openNotify = Effect.gen(function*() {
      yield* closeNotify
      const scope = yield* Scope.fork(actorScope)
      notifyScope = scope
      return yield* Scope.provide(Notify.listen(config.watchdog, poster()), scope)
    })

    /** Post `event` for the current spawn (dropped if another spawn came since). */
    const poster = () => {
      const gen = generation
      return (event: Event) => Queue.offer(mailbox, { _tag: "Internal", generation: gen, event }).pipe(Effect.asVoid)
    }

    /** Post `event` for the current spawn after `delay` (the one timer). */
    const arm = (delay: Duration.Duration, event: Event) =>
      Effect.sync(() => {
        const message: Message = { _tag: "Internal", generation, event }
        setAlarm(Duration.toMillis(delay), () => Queue.offerUnsafe(mailbox, message))
      })

    // Callers waiting for a stop (stop with wait) hear supervisord's `waiting for x to stop`: at
    // once, then at most every STOP_REPORT_MS while the process is STOPPING (from the stop timer,
    // so a waiting caller costs no timer of its own).
    let stopWaiters = 0
    let lastStopReport = Number.NEGATIVE_INFINITY
    const reportStopWait = Effect.suspend(() => {
      if (stopWaiters === 0) return Effect.void
      return Effect.flatMap(Clock.currentTimeMillis, (now) => {
        if (now - lastStopReport < STOP_REPORT_MS) return Effect.void
        lastStopReport = now
        return Effect.logInfo(`waiting for ${name} to stop`)
      })
    })
    /**
     * The stop timer: StopTimeout after stopwaitsecs; every STOP_REPORT_MS until then, and after
     * it while the process is still STOPPING (a child that outlives SIGKILL), the report to waiting
     * callers. It ends once the process has left STOPPING. Its times, from the stop signal on:
     */
    let stopDeadline = 0
    let stopTimedOut = false
    let nextStopReport = 0
    /** Set the stop timer for its next time (a StopAlarm message for the current spawn). */
    const setStopAlarm = (now: number) => {
      const message: Message = { _tag: "StopAlarm", generation }
      const due = stopTimedOut ? nextStopReport : Math.min(stopDeadline, nextStopReport)
      setAlarm(Math.max(0, due - now), () => Queue.offerUnsafe(mailbox, message))
    }
    const startStopTimer = Effect.map(Clock.currentTimeMillis, (now) => {
      stopDeadline = now + config.stopwaitsecs * 1000
      stopTimedOut = false
      nextStopReport = now + STOP_REPORT_MS
      setStopAlarm(now)
    })
    /** The stop timer is due: report to waiting callers, time out, and set it again, while STOPPING. */
    const stopAlarm = Effect.gen(function*() {
      if (published.state !== "STOPPING") return
      const at = yield* Clock.currentTimeMillis
      if (at >= nextStopReport) {
        yield* reportStopWait
        // on the cadence of the last report (a caller that came later reported at once)
        nextStopReport = (at - lastStopReport < STOP_REPORT_MS ? lastStopReport : at) + STOP_REPORT_MS
      }
      const timesOut = !stopTimedOut && at >= stopDeadline
      if (timesOut) stopTimedOut = true
      setStopAlarm(at)
      if (timesOut) yield* dispatch(STOP_TIMEOUT)
    })
    const clearTimer = Effect.sync(cancelAlarm)

    /** Run a check of the current child until it posts its verdict (or, for health, until the child is gone). */
    const check = (effect: Effect.Effect<void, never, Spawner>) =>
      checks === undefined ? Effect.void : FiberSet.run(checks, Effect.provideService(effect, Spawner, spawner)).pipe(Effect.asVoid)

    /** Announce a state change on the bus, with the pid the process had (the one that just ended, for EXITED/STOPPED). */
    const announce = (before: Status) =>
      bus.publish({
        _tag: `PROCESS_STATE_${current.state}`,
        processName: name,
        groupName: config.group,
        fromState: before.state,
        pid: before.pid,
        tries: current.backoff,
        expected: isExpected(exitInfo, config.exitcodes)
      })

    /** Make the current status the published one and wake the waiters it satisfies. */
    const publishSnapshot = () => {
      published = current
      for (const waiter of waiters) {
        if (waiter.done(published)) {
          waiters.delete(waiter)
          Deferred.doneUnsafe(waiter.wake, Exit.succeed(published))
        }
      }
    }

    /** Run one transition: apply its patch, announce a state change, perform its actions, publish. */
    const dispatch = (event: Event): Effect.Effect<Refusal | undefined> =>
      Effect.gen(function*() {
        if (quiesceAsked && !current.quiesced) current = apply(current, transition(current, QUIESCE, rules))
        const before = current
        const t = transition(before, event, rules)
        current = apply(before, t)
        if (t.next !== undefined) yield* announce(before)
        for (const action of t.actions) yield* perform(action, event)
        // Readers and waiters see the state once its actions (log lines included) are done.
        publishSnapshot()
        return t.refusal
      })

    /** The spawn failed: nothing of it stays open, and the table hears why. */
    const spawnFailed = (message: string) => Effect.andThen(closeNotify, dispatch({ _tag: "SpawnFailed", message }))

    const spawn: Effect.Effect<void> = Effect.gen(function*() {
      generation++
      current = { ...current, laststart: yield* Clock.currentTimeMillis }
      publishSnapshot()
      let env = childEnvironment(config, environment.env, environment.serverUrl)
      // A notify socket, like a log: check, exists before the child does.
      const notify = config.ready?._tag === "Notify" ? yield* Effect.result(openNotify) : undefined
      if (notify?._tag === "Failure") return yield* spawnFailed(`ready=notify: ${notify.failure.message}`)
      if (notify !== undefined) env = { ...env, ...notify.success.env }
      const context: ExecContext = { env, cwd: config.directory, umask: config.umask, user: config.user }
      if (hasChecks) execContext = context
      // A log: check reads the output as it is drained, so it exists before the child does.
      readiness = config.ready === undefined
        ? undefined
        : Readiness.make(config.ready, config.readyTimeout, context, notify?.success.ready)
      // Its log files exist before the child does (an AUTO log is made in the background), also
      // when they were deleted or moved since the last spawn.
      yield* output.opened
      yield* output.reopenIfReplaced
      const logs = yield* Effect.result(output.openIfClosed)
      if (logs._tag === "Failure") return yield* spawnFailed(logOpenFailure(name, logs.failure))
      const resolved = yield* Effect.result(spawner.resolve(config.command, path, environment.cwd))
      if (resolved._tag === "Failure") return yield* spawnFailed(resolved.failure.message)
      const spawned = yield* spawner.spawn({
        file: resolved.success.file,
        argv: resolved.success.argv,
        ...context,
        stdinFd: environment.stdinFd,
        readyFd: config.ready?._tag === "Fd" ? config.ready.fd : undefined,
        stderrToStdout: config.redirectStderr
      }).pipe(Effect.result)
      if (spawned._tag === "Failure") return yield* spawnFailed(spawned.failure.message)
      const proc = spawned.success
      child = proc
      // an fcgi-program's child has its socket as stdin: nothing to write to (supervisord: NO_FILE)
      stdin = environment.stdinFd === undefined
        ? StdinQueue.make(proc.writeStdin, runStdinWriter)
        : StdinQueue.closed
      const gen = generation
      const watched = <E>(source: OutputStream<E>) => readiness?.watch(source) ?? source
      const drains = [
        yield* FiberSet.run(background, output.drain("stdout", proc.pid, watched(proc.stdout))),
        yield* FiberSet.run(background, output.drain(config.redirectStderr ? "stdout" : "stderr", proc.pid, watched(proc.stderr)))
      ]
      yield* FiberSet.run(background, Effect.gen(function*() {
        const exit = yield* proc.exit
        const at = yield* Clock.currentTimeMillis
        // Usually the pipes are at EOF by now. Else what the child wrote before it exited is in
        // them: read at once, that is enough (a descendant may hold them open, writing nothing).
        // A drain that cannot tell (a stream, or one waiting for room) gets DRAIN_GRACE to reach EOF.
        if (drains.some((d) => d.pollUnsafe() === undefined) && !(settled(proc.stdout) && settled(proc.stderr))) {
          yield* Fiber.awaitAll(drains).pipe(Effect.timeoutOption(DRAIN_GRACE))
        }
        yield* output.flush
        yield* Queue.offer(mailbox, { _tag: "Exited", generation: gen, exit, at })
      }))
      yield* dispatch({ _tag: "Spawned", pid: proc.pid })
    })

    /**
     * After a stop, a moment later (descendants signalled with the child are gone by then): warn
     * about, and publish PROCESS_DESCENDANTS_LEFT for, descendants of the child still alive. The
     * wait is an alarm, and the look a fiber once it rings (a stop of many costs no fiber or
     * timer each). Not once the supervisor is stopping: the spawner kills and logs what is left
     * when it closes.
     */
    const reportLeftBehind = (pid: number) =>
      Effect.sync(() => {
        const find = spawner.leftBehind
        if (find === undefined || pid <= 0 || quiesceAsked) return
        const look = Effect.gen(function*() {
          const pids = yield* find(pid)
          if (pids.length === 0) return
          yield* Effect.logWarning(
            `stopped: ${name} (pid ${pid}) left ${pids.length === 1 ? "a descendant" : `${pids.length} descendants`} running: pid${pids.length === 1 ? "" : "s"} ${pids.join(", ")}`
          )
          yield* bus.publish({ _tag: "PROCESS_DESCENDANTS_LEFT", processName: name, groupName: config.group, pid, pids })
        }).pipe(Effect.annotateLogs("process", name))
        alarms.set(LEFT_BEHIND_MS, () => runInBackground(look))
      })

    const sendSignal = (signal: string, group: boolean) =>
      Effect.gen(function*() {
        if (child === undefined) return
        const sent = yield* child.kill(signal, group).pipe(Effect.result)
        if (sent._tag === "Failure") {
          if (sent.failure.code === "ESRCH") {
            yield* Effect.logDebug(`unable to signal ${name} (pid ${current.pid}), it probably just exited on its own: ${sent.failure.message}`)
          } else {
            yield* Effect.logFatal(`unknown problem killing ${name} (${current.pid}):${sent.failure.message}`)
            yield* dispatch({ _tag: "KillFailed" })
          }
        }
      })

    const perform = (action: Action, event: Event): Effect.Effect<void> => {
      switch (action) {
        case "spawn":
          return spawn
        case "armStartsecs":
          return Effect.andThen(
            Effect.logInfo(`spawned: '${name}' with pid ${current.pid}`),
            config.startsecs === 0
              ? dispatch({ _tag: "StartsecsElapsed" })
              : arm(Duration.seconds(config.startsecs), { _tag: "StartsecsElapsed" })
          )
        case "logStillRunning":
          return Effect.logWarning(`process '${name}' already running`)
        case "logSpawnError":
          return Effect.logInfo(`spawnerr: ${current.spawnerr}`)
        case "stepBackoff":
          return Effect.flatMap(backoff.step, (delay) =>
            delay === undefined ? dispatch({ _tag: "BackoffExhausted" }) : arm(delay, { _tag: "BackoffElapsed" }))
        case "giveUp":
          return dispatch({ _tag: "BackoffExhausted" })
        case "resetBackoff":
          return Effect.andThen(backoff.reset, clearTimer)
        case "logSuccess":
          return Effect.logInfo(
            config.ready === undefined
              ? `success: ${name} entered RUNNING state, process has stayed up for > than ${config.startsecs} seconds (startsecs)`
              : `success: ${name} entered RUNNING state, process is ready (${checkText(config.ready)}) and has stayed up for > than ${config.startsecs} seconds (startsecs)`
          )
        case "logExitedTooQuickly":
          return Effect.andThen(Effect.logWarning(`exited: ${name} (${describeExit(exitInfo)}; not expected)`), childQuit)
        case "logExited": {
          const expected = event._tag === "Exited" && event.expected
          const line = `exited: ${name} (${describeExit(exitInfo)}; ${expected ? "expected" : "not expected"})`
          return Effect.andThen(expected ? Effect.logInfo(line) : Effect.logWarning(line), childQuit)
        }
        case "restart":
          return dispatch({ _tag: "Start", by: "autorestart" })
        case "logGaveUp":
          return Effect.logInfo(`gave up: ${name} entered FATAL state, too many start retries too quickly`)
        case "signalStop":
          return Effect.gen(function*() {
            const group = config.stopasgroup
            yield* Effect.logDebug(
              `killing ${name} (pid ${current.pid}) ${group ? "process group " : ""}with signal ${config.stopsignal}`
            )
            lastStopReport = Number.NEGATIVE_INFINITY
            yield* startStopTimer
            yield* sendSignal(config.stopsignal, group)
          })
        case "kill":
          return Effect.gen(function*() {
            yield* Effect.logWarning(`killing '${name}' (${current.pid}) with SIGKILL`)
            yield* Effect.logDebug(
              `killing ${name} (pid ${current.pid}) ${config.killasgroup ? "process group " : ""}with signal SIGKILL`
            )
            yield* sendSignal("SIGKILL", config.killasgroup)
          })
        case "logStopped": {
          const line = `stopped: ${name} (${describeExit(exitInfo)})`
          return Effect.andThen(
            event._tag === "Exited" && event.expected ? Effect.logInfo(line) : Effect.logWarning(line),
            Effect.andThen(childQuit, event._tag === "Exited" ? reportLeftBehind(exitedPid) : Effect.void)
          )
        }
        case "cancelBackoff":
          return Effect.andThen(
            Effect.logDebug(`Attempted to kill ${name}, which is in BACKOFF state.`),
            clearTimer
          )
        case "sendSignal":
          return event._tag === "Signal"
            ? Effect.andThen(Effect.logDebug(`sending ${name} (pid ${current.pid}) sig ${event.signal}`), sendSignal(event.signal, false))
            : Effect.void
        case "startReadiness": {
          if (readiness === undefined || child === undefined) return Effect.void
          const post = poster()
          return check(readiness.await(child).pipe(Effect.matchEffect({
            onSuccess: () => post({ _tag: "Ready" }),
            onFailure: (message) => post({ _tag: "ReadyTimeout", message })
          })))
        }
        case "logNotReady":
          return Effect.logWarning(`not ready: ${name} (${current.spawnerr}); stopping it`)
        case "startHealthcheck": {
          const post = poster()
          return check(Health.loop(config, execContext, (outcome) =>
            post(outcome._tag === "Success" ? { _tag: "HealthPassed" } : { _tag: "HealthFailed", message: outcome.failure })))
        }
        case "logHealthFailed":
          return event._tag === "HealthFailed"
            ? Effect.logWarning(`health check failed: ${name} (${current.healthFailures}/${config.healthcheckRetries}) ${event.message}`)
            : Effect.void
        case "announceUnhealthy":
          return Effect.andThen(
            bus.publish({
              _tag: "PROCESS_HEALTH_UNHEALTHY",
              processName: name,
              groupName: config.group,
              pid: current.pid,
              failures: current.healthFailures,
              message: event._tag === "HealthFailed" || event._tag === "WatchdogMissed" ? event.message : ""
            }),
            Effect.logWarning(`unhealthy: ${name} ${
              event._tag === "WatchdogMissed" ? event.message : `failed ${current.healthFailures} health checks in a row`
            }; ${UNHEALTHY_OUTCOME[config.onUnhealthy]}`)
          )
        case "announceHealthy":
          return Effect.andThen(
            bus.publish({ _tag: "PROCESS_HEALTH_HEALTHY", processName: name, groupName: config.group, pid: current.pid, failures: 0, message: "" }),
            Effect.logInfo(`healthy: ${name} passes its health check again`)
          )
        case "delayRestart":
          return dispatch({ _tag: "DelayRestart" })
        case "armBackoffReset":
          return arm(Duration.seconds(config.backoffResetAfter ?? 0), { _tag: "BackoffResetElapsed" })
        case "logAbandoned":
          return Effect.logInfo(`gave up: ${name} entered FATAL state, ${current.spawnerr}`)
      }
    }

    const answer = <A>(reply: Reply<A>, refusal: Refusal | undefined, value: A) =>
      refusal === undefined ? Deferred.succeed(reply, value) : Deferred.fail(reply, refusal)

    const handle = (message: Message): Effect.Effect<unknown> => {
      switch (message._tag) {
        case "Request":
          return Effect.flatMap(dispatch(message.event), (refusal) => answer(message.reply, refusal, undefined))
        case "Stdin": {
          const queue = stdin
          return Effect.flatMap(
            dispatch({ _tag: "WriteStdin", hasChild: queue !== undefined }),
            (refusal) => queue === undefined ? Deferred.fail(message.reply, "NotRunning") : answer(message.reply, refusal, queue)
          )
        }
        case "Post":
          return message.turn === undefined
            ? dispatch(message.event)
            : Effect.andThen(message.turn.after, Effect.andThen(dispatch(message.event), message.turn.then))
        case "Exited": {
          if (message.generation !== generation) return Effect.void
          // a stop timer has nothing left to do (it would only look and see the process stopped)
          if (current.state === "STOPPING") cancelAlarm()
          exitInfo = message.exit
          exitedPid = child?.pid ?? 0
          child = undefined
          stdin = undefined
          const exited = dispatch({ _tag: "Exited", at: message.at, ...exitFacts(config, message.exit, current.laststart, message.at) })
          // what belonged to the spawn ends first (most processes have none of it)
          const ending = [
            ...(checks === undefined ? [] : [FiberSet.clear(checks)]),
            ...(stdinWriter === undefined ? [] : [FiberSet.clear(stdinWriter)]),
            ...(notifyScope === undefined ? [] : [closeNotify])
          ]
          return ending.length === 0 ? exited : Effect.andThen(Effect.all(ending, { discard: true }), exited)
        }
        case "Internal":
          return message.generation === generation ? dispatch(message.event) : Effect.void
        case "StopAlarm":
          return message.generation === generation ? stopAlarm : Effect.void
      }
    }

    // No yield between messages (forever's default): the take suspends when the mailbox is empty,
    // and the scheduler's op budget still preempts a long run.
    // In `background` with the timers and drains: the scope interrupts them all in one finalizer
    // (after the actor's own, below, which stops the child through this loop).
    yield* FiberSet.run(
      background,
      Queue.take(mailbox).pipe(
        Effect.flatMap(handle),
        Effect.forever({ disableYield: true }),
        Effect.annotateLogs("process", name)
      )
    )

    /** Send a request and wait for its answer; a refusal becomes the caller's error. */
    const request = <E>(event: Event, refused: (refusal: Refusal) => E) =>
      Effect.gen(function*() {
        const reply = Deferred.makeUnsafe<void, Refusal>()
        yield* Queue.offer(mailbox, { _tag: "Request", event, reply })
        return yield* Deferred.await(reply).pipe(Effect.mapError(refused))
      })

    const notRunning = () => new NotRunning({ detail: name })
    /** A refused stdin write: closed is supervisord's NO_FILE; full is a FAILED fault and a counted, logged loss. */
    const stdinRefused = (refused: StdinQueue.StdinRefused): Effect.Effect<never, NoFile | Failed> =>
      refused.reason === "closed"
        ? Effect.fail(new NoFile({ detail: name }))
        : Effect.andThen(
          Effect.logWarning(
            `${name}: stdin queue full (${refused.queued} bytes queued, limit ${refused.limit}); refused a write of ${refused.size} bytes`
          ),
          Effect.fail(new Failed({ detail: `${name}'s stdin queue is full (${refused.queued} bytes queued, limit ${refused.limit}): the process is not reading` }))
        )
    const startRefused = (refusal: Refusal) =>
      refusal === "UnknownState"
        ? new Failed({ detail: `${name} is in an unknown process state` })
        : new AlreadyStarted({ detail: name })

    /** The first published snapshot (the current one included) that satisfies `done`. */
    const waitFor = (done: (s: ProcessSnapshot) => boolean): Effect.Effect<ProcessSnapshot> =>
      Effect.suspend(() => {
        if (done(published)) return Effect.succeed(published)
        const waiter = { done, wake: Deferred.makeUnsafe<ProcessSnapshot>() }
        waiters.add(waiter)
        return Deferred.await(waiter.wake).pipe(Effect.onInterrupt(() => Effect.sync(() => waiters.delete(waiter))))
      })

    const untilStopped = Effect.asVoid(waitFor((s) => stopOutcome(s.state) !== "pending"))

    const awaitStarted = Effect.gen(function*() {
      switch (startOutcome(yield* waitFor((s) => startOutcome(s) !== "pending"))) {
        case "SpawnError":
          return yield* new SpawnError({ detail: name })
        case "AbnormalTermination":
          return yield* new AbnormalTermination({ detail: name })
      }
    })

    const start = (wait: boolean, by: "request" | "autostart" = "request") =>
      Effect.gen(function*() {
        if (by === "request") {
          // supervisord's startProcess checks the command before the state.
          const check = yield* Effect.result(spawner.resolve(config.command, path, environment.cwd))
          if (check._tag === "Failure") {
            return yield* check.failure.fault === "NoFile"
              ? new NoFile({ detail: check.failure.message })
              : new NotExecutable({ detail: check.failure.message })
          }
        }
        yield* request({ _tag: "Start", by }, startRefused)
        if (wait) yield* awaitStarted
      })

    const awaitStopped = Effect.gen(function*() {
      if (stopOutcome(published.state) === "pending") {
        stopWaiters++
        yield* Effect.andThen(reportStopWait, untilStopped).pipe(Effect.ensuring(Effect.sync(() => stopWaiters--)))
      }
      if (stopOutcome(published.state) === "UnknownState") {
        return yield* new Failed({ detail: `${name} is in an unknown process state` })
      }
    })

    const stop = (wait: boolean) => Effect.andThen(request({ _tag: "Stop" }, notRunning), wait ? awaitStopped : Effect.void)

    const shutdown = Effect.as(Queue.offer(mailbox, SHUTDOWN), untilStopped)
    const shutdownInTurn = (after: Effect.Effect<void>, then: Effect.Effect<void>) =>
      Effect.as(Queue.offer(mailbox, { ...SHUTDOWN, turn: { after, then } }), untilStopped)

    // Closing the scope stops the child first (finalizers run in reverse: this runs before the loop
    // is interrupted); one that is already stopped has nothing to stop, and its loop is not woken.
    yield* Effect.addFinalizer(() =>
      Effect.suspend(() =>
        stopOutcome(published.state) === "stopped"
          ? Effect.void
          : Effect.flatten(shutdown).pipe(Effect.timeoutOption(Duration.seconds(config.stopwaitsecs + 5)))
      )
    )

    return {
      config,
      output,
      snapshot: Effect.sync(() => published),
      snapshotUnsafe: () => published,
      start,
      awaitStarted,
      stop,
      awaitStopped,
      signal: (signal) => request({ _tag: "Signal", signal }, notRunning),
      writeStdin: (data) =>
        Effect.gen(function*() {
          const reply = Deferred.makeUnsafe<StdinQueue.StdinQueue, Refusal>()
          yield* Queue.offer(mailbox, { _tag: "Stdin", reply })
          const queue = yield* Deferred.await(reply).pipe(Effect.mapError(notRunning))
          yield* queue.offer(data).pipe(Effect.catchTag("StdinRefused", stdinRefused))
        }),
      quiesce: Effect.sync(() => {
        quiesceAsked = true
      }),
      waitFor,
      abandon: (reason) => Effect.orDie(request({ _tag: "Abandon", reason }, notRunning)),
      shutdown,
      shutdownInTurn
    } satisfies ProcessActor
  })
