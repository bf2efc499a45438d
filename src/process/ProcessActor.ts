/**
 * One supervised process as an actor: a single fiber reads a mailbox of commands (start, stop,
 * signal) and internal events (spawned, exited, timers) and interprets the pure table in
 * Transitions.ts. Its state lives only here; readers get snapshots. Timers (startsecs, backoff,
 * stopwaitsecs) are fibers that post back to the mailbox, tagged with a generation so stale ones
 * are ignored. Closing the actor's scope stops the child (stopsignal, stopwaitsecs, SIGKILL).
 * Invariants: one child at a time; a state change is published (snapshot + PROCESS_STATE_* event)
 * before its log line; output is flushed before an exit is acted on.
 * supervisord: process.py Subprocess. See shared/reference/supervisord-4.2.5.md §2.
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberHandle from "effect/FiberHandle"
import * as FiberSet from "effect/FiberSet"
import * as Pull from "effect/Pull"
import * as Queue from "effect/Queue"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import type { ProcessConfig } from "../config/Types.ts"
import { AbnormalTermination, AlreadyStarted, Failed, NoFile, NotExecutable, NotRunning, SpawnError } from "../domain/Errors.ts"
import { describeExit, type ExitInfo, exitStatus } from "../domain/ExitInfo.ts"
import { type ProcessState, RUNNING_STATES, SIGNALLABLE_STATES, STOPPED_STATES } from "../domain/ProcessState.ts"
import { EventBus } from "../events/EventBus.ts"
import type { ChildOutput } from "../logs/ChildOutput.ts"
import { backoffSchedule } from "./Backoff.ts"
import { searchPath } from "./Command.ts"
import { childEnvironment } from "./Environment.ts"
import { exitedTooQuickly, isExpected, shouldRestart } from "./RestartPolicy.ts"
import { type RawChild, Spawner } from "./Spawner.ts"
import { type Action, type Event, transition } from "./Transitions.ts"

/** What readers see of a process. Times are epoch milliseconds (0 = never). */
export interface ProcessSnapshot {
  readonly state: ProcessState
  readonly pid: number
  readonly laststart: number
  readonly laststop: number
  readonly spawnerr: string
  readonly exitstatus: number
  readonly backoff: number
}

/** Where the actor runs: the daemon environment and paths it needs to spawn. */
export interface ActorEnvironment {
  /** The daemon's environment (copied into every child). */
  readonly env: Readonly<Record<string, string | undefined>>
  /** The daemon's working directory (relative commands resolve against it). */
  readonly cwd: string
  /** SUPERVISOR_SERVER_URL fallback for serverurl=AUTO. */
  readonly serverUrl: string | undefined
}

/** The handle on one process actor. */
export interface ProcessActor {
  readonly config: ProcessConfig
  readonly output: ChildOutput
  /** The current snapshot. */
  readonly snapshot: Effect.Effect<ProcessSnapshot>
  /** The current snapshot, read synchronously (a new object whenever anything in it changed). */
  readonly snapshotUnsafe: () => ProcessSnapshot
  /** Start it (autostart/RPC). With `wait`, until RUNNING or a failure, as supervisord's startProcess. */
  readonly start: (
    wait: boolean
  ) => Effect.Effect<void, NoFile | NotExecutable | AlreadyStarted | Failed | SpawnError | AbnormalTermination>
  /** Stop it. With `wait`, until it is in a stopped state. */
  readonly stop: (wait: boolean) => Effect.Effect<void, NotRunning | Failed>
  /** Send a signal (canonical name). */
  readonly signal: (signal: string) => Effect.Effect<void, NotRunning | Failed>
  /** Write to its stdin. */
  readonly writeStdin: (data: Uint8Array) => Effect.Effect<void, NotRunning | NoFile>
  /** Start it without the RPC checks (autostart): a missing command goes through BACKOFF to FATAL. */
  readonly launch: Effect.Effect<void>
  /** The supervisor is stopping: from now on nothing is (re)started by autorestart or backoff. */
  readonly quiesce: Effect.Effect<void>
  /** Ask it to stop for a supervisor shutdown: no more restarts; BACKOFF gives up (FATAL). Does not wait. */
  readonly requestShutdown: Effect.Effect<void>
  /** requestShutdown, then wait until it is stopped. */
  readonly shutdown: Effect.Effect<void>
  /** Completes when the process is in a stopped state. */
  readonly awaitStopped: Effect.Effect<void>
}

type Reply<E> = Deferred.Deferred<void, E>

type Message =
  | { readonly _tag: "Start"; readonly reply: Reply<AlreadyStarted | Failed> }
  | { readonly _tag: "Stop"; readonly reply: Reply<NotRunning | Failed> }
  | { readonly _tag: "Signal"; readonly signal: string; readonly reply: Reply<NotRunning | Failed> }
  | { readonly _tag: "Shutdown" }
  | { readonly _tag: "Exited"; readonly generation: number; readonly exit: ExitInfo; readonly at: number }
  | { readonly _tag: "Timer"; readonly generation: number; readonly event: Event }

const INITIAL: ProcessSnapshot = { state: "STOPPED", pid: 0, laststart: 0, laststop: 0, spawnerr: "", exitstatus: 0, backoff: 0 }

/** How long an exit waits for the child's pipes to drain before it is acted on. */
const DRAIN_GRACE = Duration.millis(200)

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
    // What readers see: the state once a transition's actions ran. Waiters are woken when it changes.
    let published: ProcessSnapshot = INITIAL
    const waiters = new Set<{ readonly done: (s: ProcessSnapshot) => boolean; readonly wake: Deferred.Deferred<ProcessSnapshot> }>()
    const timer = yield* FiberHandle.make()
    const background = yield* FiberSet.make()
    const name = config.name

    // The actor's own state: touched only by the loop fiber (but `quiesce` sets shuttingDown at once).
    let current: ProcessSnapshot = INITIAL
    let child: RawChild | undefined
    let generation = 0
    let shuttingDown = false
    let exitInfo: ExitInfo = { code: 0, signal: null }
    let backoffStep: ((now: number, input: unknown) => Pull.Pull<[number, Duration.Duration], never, number>) | undefined

    const update = (patch: Partial<ProcessSnapshot>) => {
      current = { ...current, ...patch }
    }

    const arm = (delay: Duration.Duration, event: Event) => {
      const gen = generation
      return FiberHandle.run(timer, Effect.andThen(Effect.sleep(delay), Queue.offer(mailbox, { _tag: "Timer", generation: gen, event })))
        .pipe(Effect.asVoid)
    }

    /** Announce a state change on the bus (with the pid of the process that just ended, for EXITED/STOPPED). */
    const announce = (from: ProcessState) =>
      from === current.state ? Effect.void : bus.publish({
        _tag: `PROCESS_STATE_${current.state}`,
        processName: name,
        groupName: config.group,
        fromState: from,
        pid: current.pid,
        tries: current.backoff,
        expected: isExpected(exitInfo, config.exitcodes)
      })

    /** Make the current state the published one and wake the waiters it satisfies. */
    const publishSnapshot = () => {
      published = current
      for (const waiter of waiters) {
        if (waiter.done(published)) {
          waiters.delete(waiter)
          Deferred.doneUnsafe(waiter.wake, Exit.succeed(published))
        }
      }
    }

    /** Record the facts a transition implies before it is published, so snapshots are consistent. */
    const record = (actions: ReadonlyArray<Action>, next: ProcessState | undefined, event: Event) => {
      for (const action of actions) {
        if (action === "resetBackoff") {
          update({ backoff: 0 })
          backoffStep = undefined
        } else if (action === "exitedTooQuickly") {
          update({ spawnerr: "Exited too quickly (process log may have details)" })
        } else if (action === "logExited" && event._tag === "Exited") {
          update({
            exitstatus: exitStatus(exitInfo),
            spawnerr: event.expected ? "" : `Bad exit code ${exitStatus(exitInfo)}`
          })
        } else if (action === "logStopped") {
          update({ exitstatus: exitStatus(exitInfo) })
        }
      }
      if (next === "BACKOFF") update({ backoff: current.backoff + 1 })
    }

    const dispatch = (event: Event): Effect.Effect<void> =>
      Effect.gen(function*() {
        const from = current.state
        const { actions, next } = transition(from, event)
        record(actions, next, event)
        if (next !== undefined) update({ state: next })
        yield* announce(from)
        if (next !== undefined && (STOPPED_STATES.has(next) || next === "BACKOFF")) update({ pid: 0 })
        for (const action of actions) yield* perform(action, event)
        // Readers and waiters see the state once its actions (log lines included) are done.
        publishSnapshot()
      })

    const spawnOnce: Effect.Effect<void> = Effect.gen(function*() {
      generation++
      update({ spawnerr: "", exitstatus: 0, laststart: yield* Clock.currentTimeMillis })
      publishSnapshot()
      const env = childEnvironment(config, environment.env, environment.serverUrl)
      const resolved = yield* Effect.result(spawner.resolve(config.command, path, environment.cwd))
      if (resolved._tag === "Failure") return yield* spawnFailed(resolved.failure.message)
      const spawned = yield* spawner.spawn({
        file: resolved.success.file,
        argv: resolved.success.argv,
        env,
        cwd: config.directory,
        umask: config.umask,
        user: config.user
      }).pipe(Effect.result)
      if (spawned._tag === "Failure") return yield* spawnFailed(spawned.failure.message)
      const proc = spawned.success
      child = proc
      update({ pid: proc.pid })
      const gen = generation
      const drains = [
        yield* FiberSet.run(background, output.drain("stdout", proc.pid, proc.stdout)),
        yield* FiberSet.run(background, output.drain(config.redirectStderr ? "stdout" : "stderr", proc.pid, proc.stderr))
      ]
      yield* FiberSet.run(background, Effect.gen(function*() {
        const exit = yield* proc.exit
        const at = yield* Clock.currentTimeMillis
        // Usually the pipes are at EOF by now; a grandchild holding them open gets DRAIN_GRACE.
        if (drains.some((d) => d.pollUnsafe() === undefined)) yield* Fiber.awaitAll(drains).pipe(Effect.timeoutOption(DRAIN_GRACE))
        yield* output.flush
        yield* Queue.offer(mailbox, { _tag: "Exited", generation: gen, exit, at })
      }))
      yield* dispatch({ _tag: "Spawned" })
    })

    const spawnFailed = (message: string) =>
      Effect.gen(function*() {
        update({ spawnerr: message })
        yield* dispatch({ _tag: "SpawnFailed" })
      })

    const backoffOrGiveUp: Effect.Effect<void> = Effect.gen(function*() {
      if (shuttingDown) return yield* dispatch({ _tag: "GiveUp" })
      const stepper = backoffStep ?? (yield* Schedule.toStep(backoffSchedule(config.startretries)))
      backoffStep = stepper
      // The schedule only ends (Cause.Done) once startretries is exhausted.
      const step = yield* Effect.exit(stepper(yield* Clock.currentTimeMillis, undefined))
      if (Exit.isFailure(step)) return yield* dispatch({ _tag: "GiveUp" })
      yield* arm(step.value[1], { _tag: "BackoffElapsed" })
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
          return spawnOnce
        case "armStartsecs":
          return Effect.andThen(
            Effect.logInfo(`spawned: '${name}' with pid ${current.pid}`),
            config.startsecs === 0
              ? dispatch({ _tag: "StartsecsElapsed" })
              : arm(Duration.seconds(config.startsecs), { _tag: "StartsecsElapsed" })
          )
        case "logSpawnError":
          return Effect.logInfo(`spawnerr: ${current.spawnerr}`)
        case "backoff":
          return backoffOrGiveUp
        case "resetBackoff":
          return FiberHandle.clear(timer)
        case "logSuccess":
          return Effect.logInfo(
            `success: ${name} entered RUNNING state, process has stayed up for > than ${config.startsecs} seconds (startsecs)`
          )
        case "exitedTooQuickly":
          return Effect.logWarning(`exited: ${name} (${describeExit(exitInfo)}; not expected)`)
        case "logExited": {
          const expected = event._tag === "Exited" && event.expected
          const line = `exited: ${name} (${describeExit(exitInfo)}; ${expected ? "expected" : "not expected"})`
          return expected ? Effect.logInfo(line) : Effect.logWarning(line)
        }
        case "autorestart":
          return event._tag === "Exited" && !shuttingDown && shouldRestart(config.autorestart, event.expected)
            ? dispatch({ _tag: "Start" })
            : Effect.void
        case "logGaveUp":
          return Effect.logInfo(`gave up: ${name} entered FATAL state, too many start retries too quickly`)
        case "signalStop":
          return Effect.gen(function*() {
            const group = config.stopasgroup
            yield* Effect.logDebug(
              `killing ${name} (pid ${current.pid}) ${group ? "process group " : ""}with signal ${config.stopsignal}`
            )
            yield* arm(Duration.seconds(config.stopwaitsecs), { _tag: "StopTimeout" })
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
          return isExpected(exitInfo, config.exitcodes) ? Effect.logInfo(line) : Effect.logWarning(line)
        }
        case "cancelBackoff":
          return Effect.andThen(
            Effect.logDebug(`Attempted to kill ${name}, which is in BACKOFF state.`),
            FiberHandle.clear(timer)
          )
      }
    }

    const handle = (message: Message): Effect.Effect<void> => {
      switch (message._tag) {
        case "Start":
          if (RUNNING_STATES.has(current.state)) return Deferred.fail(message.reply, new AlreadyStarted({ detail: name }))
          if (current.state === "UNKNOWN") {
            return Deferred.fail(message.reply, new Failed({ detail: `${name} is in an unknown process state` }))
          }
          if (current.state === "STOPPING") return Deferred.fail(message.reply, new AlreadyStarted({ detail: name }))
          return Effect.andThen(dispatch({ _tag: "Start" }), Deferred.succeed(message.reply, undefined))
        case "Stop":
          if (!RUNNING_STATES.has(current.state)) return Deferred.fail(message.reply, new NotRunning({ detail: name }))
          return Effect.andThen(dispatch({ _tag: "Stop" }), Deferred.succeed(message.reply, undefined))
        case "Signal":
          if (!SIGNALLABLE_STATES.has(current.state) || child === undefined) {
            return Effect.andThen(
              Effect.logDebug(`attempted to send ${name} sig ${message.signal} but it wasn't running`),
              Deferred.fail(message.reply, new NotRunning({ detail: name }))
            )
          }
          return Effect.gen(function*() {
            yield* Effect.logDebug(`sending ${name} (pid ${current.pid}) sig ${message.signal}`)
            yield* sendSignal(message.signal, false)
            yield* Deferred.succeed(message.reply, undefined)
          })
        case "Shutdown":
          shuttingDown = true
          if (current.state === "BACKOFF") return Effect.andThen(FiberHandle.clear(timer), dispatch({ _tag: "GiveUp" }))
          if (current.state === "STARTING" || current.state === "RUNNING") return dispatch({ _tag: "Stop" })
          return Effect.void
        case "Exited": {
          if (message.generation !== generation) return Effect.void
          exitInfo = message.exit
          child = undefined
          update({ laststop: message.at })
          const tooQuickly = exitedTooQuickly(current.laststart, message.at, config.startsecs)
          return dispatch({ _tag: "Exited", tooQuickly, expected: isExpected(message.exit, config.exitcodes) })
        }
        case "Timer":
          // While the supervisor stops, a process in BACKOFF waits there (it gives up when its group stops).
          if (message.generation !== generation || (shuttingDown && message.event._tag === "BackoffElapsed")) return Effect.void
          return dispatch(message.event)
      }
    }

    yield* Queue.take(mailbox).pipe(
      Effect.flatMap(handle),
      Effect.forever,
      Effect.annotateLogs("process", name),
      Effect.forkScoped
    )

    const ask = <E>(make: (reply: Reply<E>) => Message) =>
      Effect.gen(function*() {
        const reply = yield* Deferred.make<void, E>()
        yield* Queue.offer(mailbox, make(reply))
        return yield* Deferred.await(reply)
      })

    /** The first published snapshot (the current one included) that satisfies `done`. */
    const waitFor = (done: (s: ProcessSnapshot) => boolean): Effect.Effect<ProcessSnapshot> =>
      Effect.suspend(() => {
        if (done(published)) return Effect.succeed(published)
        const waiter = { done, wake: Deferred.makeUnsafe<ProcessSnapshot>() }
        waiters.add(waiter)
        return Deferred.await(waiter.wake).pipe(Effect.onInterrupt(() => Effect.sync(() => waiters.delete(waiter))))
      })

    const awaitStopped = Effect.asVoid(waitFor((s) => STOPPED_STATES.has(s.state)))

    const start = (wait: boolean) =>
      Effect.gen(function*() {
        const check = yield* Effect.result(spawner.resolve(config.command, path, environment.cwd))
        if (check._tag === "Failure") {
          return yield* check.failure.fault === "NoFile"
            ? new NoFile({ detail: check.failure.message })
            : new NotExecutable({ detail: check.failure.message })
        }
        yield* ask<AlreadyStarted | Failed>((reply) => ({ _tag: "Start", reply }))
        if (!wait) return
        const s = yield* waitFor((s) => s.state !== "STARTING" || s.spawnerr !== "")
        if (s.spawnerr !== "") return yield* new SpawnError({ detail: name })
        if (s.state !== "RUNNING") return yield* new AbnormalTermination({ detail: name })
      })

    const stop = (wait: boolean) =>
      Effect.gen(function*() {
        yield* ask<NotRunning | Failed>((reply) => ({ _tag: "Stop", reply }))
        if (!wait) return
        if (!STOPPED_STATES.has(published.state)) {
          // supervisord reports every wait at once, then every 2 s.
          yield* Effect.logInfo(`waiting for ${name} to stop`).pipe(
            Effect.repeat(Schedule.spaced("2 seconds")),
            Effect.raceFirst(awaitStopped)
          )
        }
        if (published.state === "UNKNOWN") {
          return yield* new Failed({ detail: `${name} is in an unknown process state` })
        }
      })

    const requestShutdown = Queue.offer(mailbox, { _tag: "Shutdown" }).pipe(Effect.asVoid)
    const shutdown = Effect.andThen(requestShutdown, awaitStopped)
    const launch = ask<AlreadyStarted | Failed>((reply) => ({ _tag: "Start", reply })).pipe(Effect.ignore)

    // Closing the scope stops the child first (finalizers run in reverse: this runs before the loop is interrupted).
    yield* Effect.addFinalizer(() =>
      STOPPED_STATES.has(published.state) && child === undefined
        ? Effect.void
        : shutdown.pipe(Effect.timeoutOption(Duration.seconds(config.stopwaitsecs + 5)))
    )

    return {
      config,
      output,
      snapshot: Effect.sync(() => published),
      snapshotUnsafe: () => published,
      start,
      stop,
      signal: (signal) => ask<NotRunning | Failed>((reply) => ({ _tag: "Signal", signal, reply })),
      writeStdin: (data) =>
        Effect.gen(function*() {
          const proc = child
          if (proc === undefined || current.state === "STOPPING") return yield* new NotRunning({ detail: name })
          yield* proc.writeStdin(data).pipe(Effect.mapError(() => new NoFile({ detail: name })))
        }),
      launch,
      quiesce: Effect.sync(() => {
        shuttingDown = true
      }),
      requestShutdown,
      shutdown,
      awaitStopped
    } satisfies ProcessActor
  })
