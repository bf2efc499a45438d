/**
 * The supervision tree: the root owning every active group, and the implementation of the
 * `Supervisor` service on top of it. Groups start in priority order; at shutdown they stop in
 * reverse priority order, as supervisord does, but the groups of one priority together (each
 * group's processes all signalled, then awaited; supervisord stops one group per turn of its
 * poll loop, which is why its shutdown takes seconds). Group membership changes (add/remove/update) are serialised.
 * The tree never polls: every wait is on a process actor's state.
 * effsup's supervision: a process with `depends_on` starts through its dependency gate
 * (DependencyGate.ts), and processes stop before what they depend on (StopOrder.ts); groups
 * run their strategies (Strategy.ts) and report significant members that end, on which the root
 * applies `auto_shutdown` (ExitPolicy.ts) and keeps the daemon's exit status.
 * supervisord: supervisord.py (runforever, shutdown order), rpcinterface.py (method semantics).
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import type * as FileSystem from "effect/FileSystem"
import type * as Path from "effect/Path"
import * as Ref from "effect/Ref"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import * as Semaphore from "effect/Semaphore"
import * as Stream from "effect/Stream"
import { diffGroups } from "../config/Diff.ts"
import { dependencyTargets } from "../config/Supervision.ts"
import type { Config, Dependency, GroupConfig, ProcessConfig } from "../config/Types.ts"
import { systemErrorAt } from "../domain/Errno.ts"
import {
  AlreadyAdded,
  BadName,
  BadSignal,
  CantReread,
  Failed,
  NoFile,
  StillRunning,
  type SupervisorError
} from "../domain/Errors.ts"
import { namespec, parseNameSpec } from "../domain/Names.ts"
import { type ProcessState, RUNNING_STATES, SIGNALLABLE_STATES } from "../domain/ProcessState.ts"
import { parseSignal } from "../domain/Signals.ts"
import type { TickEvent } from "../events/Event.ts"
import { EventBus } from "../events/EventBus.ts"
import { publishTicks } from "../events/Tick.ts"
import * as LogRead from "../logs/LogRead.ts"
import * as AlarmClock from "../process/AlarmClock.ts"
import type { ActorEnvironment, ProcessActor, ProcessSnapshot } from "../process/ProcessActor.ts"
import type { Spawner } from "../process/Spawner.ts"
import { startOutcome, stopOutcome } from "../process/Transitions.ts"
import type { Channel, ConfigInfo, GroupStatus, ProcessInfo, ProcessResult } from "./Api.ts"
import { type AutoLogPaths, configInfo } from "./ConfigInfo.ts"
import * as DependencyGate from "./DependencyGate.ts"
import { checkInfo, describe, waitingFor } from "./Description.ts"
import { shutdownDue } from "./ExitPolicy.ts"
import * as Group from "./Group.ts"
import type { GroupHooks, Member } from "./Member.ts"
import { EventRejections, EventSerials, makeEventRejections, makeEventSerials } from "./ListenerPool.ts"
import { exitStatusOf, hasEnded } from "./Outcome.ts"
import { stopWaves } from "./StopOrder.ts"
import { restartsWithin } from "./Strategy.ts"
import { type ExitRequest, requireRunning, type SupervisorShape } from "./Supervisor.ts"

/** How often supervisord looks at the processes a group action still waits for (its deferred callbacks' delay). */
const POLL_MS = 50

/** How forAll's act on one process ended: whether it had to wait for the outcome, and the error if it failed. */
interface Done<E> {
  readonly waited: boolean
  readonly error: E | undefined
}

/** What the tree needs besides the config: how to re-read it, where it runs, the activity log. */
export interface TreeOptions {
  /**
   * Re-read the config file (reloadConfig, and restart before anything is stopped); undefined when
   * the tree was built from a config value (reloadConfig fails, restart keeps the config).
   */
  readonly reload: Effect.Effect<Config, CantReread> | undefined
  readonly environment: ActorEnvironment
  /** The activity log, when there is one (readLog / clearLog). */
  readonly mainLog:
    | { readonly path: string; readonly clear: Effect.Effect<void>; readonly reopen: Effect.Effect<void> }
    | undefined
  /** The daemon's pid (getPID). */
  readonly pid: number
  /** Autostart waits for this (e.g. until the daemon has announced itself); undefined = at once. */
  readonly autostartGate: Effect.Effect<void> | undefined
  /** Runs once the autostart programs have been started (each spawned or failed to); undefined = nothing. */
  readonly afterAutostart?: Effect.Effect<void> | undefined
  /** Runs after each tick is published; undefined = nothing. */
  readonly onTick?: ((tick: TickEvent) => Effect.Effect<void>) | undefined
  /**
   * The events' global serials; undefined = a fresh counter for this tree. A daemon passes one
   * counter to every tree it builds: supervisord's serials go on across a restart (SIGHUP, `reload`),
   * only the pool serials start again at 0.
   */
  readonly serials?: EventSerials | undefined
}

type Mood = "RUNNING" | "SHUTDOWN" | "RESTARTING"

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/** How many autostart spawns are in flight at once. */
const AUTOSTART_IN_FLIGHT = 16

/** Build the tree from a config and start its autostart processes. Closing the scope shuts it down. */
export const make = (
  initial: Config,
  options: TreeOptions
): Effect.Effect<SupervisorShape, never, Scope.Scope | Spawner | EventBus | FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const bus = yield* EventBus
    const services = yield* Effect.context<Spawner | EventBus | FileSystem.FileSystem | Path.Path>()
    const config = yield* Ref.make(initial)
    const serials = options.serials ?? makeEventSerials()
    const rejections = makeEventRejections()
    const groups = new Map<string, Group.Group>()
    const membership = yield* Semaphore.make(1)
    const exitRequest = yield* Deferred.make<ExitRequest>()
    let mood: Mood = "RUNNING"
    let exitStatus = 0
    // Every group's scope is a child of this one, a child of the tree's. It is forked before the
    // shutdown finalizer is added, so at release shutdownAll stops the groups in order first; and
    // The actors' timers, on one fiber: made first, so it outlives every group (a shutdown's stop
    // timers ring until the last process is stopped).
    const alarms = yield* AlarmClock.make
    // if the tree is interrupted while being built, closing it closes every group made so far.
    const groupScope = yield* Scope.fork(yield* Effect.scope)

    const guard = Effect.suspend(() => requireRunning(mood))
    // The daemon's environment is read once, like its working directory: process.env answers each
    // variable through getenv(3), and reading it whole for each of 500 spawns was a tenth of their
    // CPU (profiled). supervisord, likewise, copies the os.environ Python read at startup.
    const environment: ActorEnvironment = { ...options.environment, env: { ...options.environment.env }, alarms }

    /** Active groups in priority order (stable over config order). */
    const activeGroups = () => [...groups.values()].sort((a, b) => a.config.priority - b.config.priority)
    const allActors = () => activeGroups().flatMap((g) => g.actors)
    /** Every process by group, then name (getAllProcessInfo's order), kept until a group comes or goes. */
    let byGroupAndName: ReadonlyArray<ProcessActor> | undefined
    const actorsByName = () =>
      byGroupAndName ??= allActors().sort((a, b) => byName(a.config.group, b.config.group) || byName(a.config.name, b.config.name))
    const allMembers = () => activeGroups().flatMap((g) => g.members)

    /** The active processes a dependency names (undefined when none is active). */
    const targetsOf = (dependency: Dependency): ReadonlyArray<Member> | undefined => {
      const named = dependencyTargets(dependency.target, activeGroups().map((g) => g.config))
      const members = named.flatMap((p) => groups.get(p.group)?.members.filter((m) => m.config.name === p.name) ?? [])
      return members.length === 0 ? undefined : members
    }
    const dependenciesOf = (member: Member) => member.config.dependsOn.flatMap((d) => targetsOf(d) ?? [])
    const starter = yield* DependencyGate.make(targetsOf)

    /** auto_shutdown: a significant process ended; shut down when the policy says so. */
    const memberEnded = (member: Member, snapshot: ProcessSnapshot) =>
      Effect.gen(function*() {
        const policy = initial.supervisord.autoShutdown
        const significant = allMembers().filter((m) => m.config.significant)
        if (mood !== "RUNNING" || !shutdownDue(policy, significant.map((m) => hasEnded(m.config, m.actor.snapshotUnsafe())))) return
        const status = exitStatusOf(snapshot)
        yield* Effect.logWarning(
          `${namespec(member.config.group, member.config.name)} ended (${snapshot.state}), auto_shutdown=${policy}: shutting down with exit status ${status}`
        )
        yield* Effect.ignore(requestExit("shutdown", status))
      })

    const hooks: GroupHooks = {
      start: (member) => Effect.ignore(starter.start(member, false, "autostart")),
      stopping: () => mood !== "RUNNING",
      shutdown: (status) => Effect.ignore(requestExit("shutdown", status)),
      ended: initial.supervisord.autoShutdown === "never" ? undefined : memberEnded
    }

    /** Create a group (its log files can fail to open: that is reported, not a crash). */
    const makeGroup = (groupConfig: GroupConfig) =>
      Effect.gen(function*() {
        const supervisord = (yield* Ref.get(config)).supervisord
        return yield* Group.make(groupConfig, supervisord, environment, hooks).pipe(
          Scope.provide(groupScope),
          Effect.provide(services),
          Effect.provideService(EventSerials, serials),
          Effect.provideService(EventRejections, rejections),
          Effect.mapError((e) => new Failed({ detail: `could not create group ${groupConfig.name}: ${systemErrorAt(e) ?? e.message}` })),
          Effect.tapError((e) => Effect.logError(e.detail))
        )
      })

    // The actor made from each process config object, kept after its group is removed: the AUTO
    // log paths getAllConfigInfo shows for that config (see ConfigInfo.ts).
    const actorOfConfig = new WeakMap<ProcessConfig, ProcessActor>()
    const autoLogsOf = (config: ProcessConfig): AutoLogPaths | undefined => {
      const actor = actorOfConfig.get(config)
      return actor === undefined ? undefined : { stdout: actor.output.stdoutPath, stderr: actor.output.stderrPath }
    }

    /** Make a created group active. */
    const register = (group: Group.Group) =>
      Effect.gen(function*() {
        for (const m of group.members) actorOfConfig.set(m.config, m.actor)
        groups.set(group.config.name, group)
        byGroupAndName = undefined
        yield* bus.publish({ _tag: "PROCESS_GROUP_ADDED", groupName: group.config.name })
        return group
      })

    /**
     * Start the autostart processes of these groups in priority order, AUTOSTART_IN_FLIGHT at a
     * time: each start is a message to its actor and a wait for its spawn, so some in flight keep
     * the actors' fibers busy back to back (measured with 500 programs and the native spawner, CPU
     * time of the daemon until all RUNNING, medians of 4: 1 in flight 1130 ms, 4: 930 ms, 16: 890 ms).
     * Returns once each has been spawned or has failed to. Processes with dependencies come after
     * the others: each opens its gate, which waits on its own.
     */
    const autostart = (some: ReadonlyArray<Group.Group>) => {
      const chosen = some.flatMap((g) => Group.inConfigOrder(g).filter((m) => m.config.autostart))
      return Effect.andThen(
        Effect.forEach(chosen.filter((m) => m.config.dependsOn.length === 0), (m) => Effect.ignore(m.actor.start(false, "autostart")), {
          discard: true,
          concurrency: AUTOSTART_IN_FLIGHT
        }),
        Effect.forEach(chosen.filter((m) => m.config.dependsOn.length > 0), hooks.start, { discard: true })
      )
    }

    const findMember = (spec: string): Effect.Effect<Member, BadName> => {
      const { group, process } = parseNameSpec(spec)
      const member = process === undefined ? undefined : groups.get(group)?.members.find((m) => m.config.name === process)
      return member === undefined ? Effect.fail(new BadName({ detail: spec })) : Effect.succeed(member)
    }
    const findActor = (spec: string): Effect.Effect<ProcessActor, BadName> => Effect.map(findMember(spec), (m) => m.actor)

    const findGroup = (name: string): Effect.Effect<Group.Group, BadName> => {
      const group = groups.get(name)
      return group === undefined ? Effect.fail(new BadName({ detail: name })) : Effect.succeed(group)
    }

    // The last info of each actor: while its snapshot, what it waits for and the second are the
    // same, so is the info (so status polls of many processes rebuild, and re-encode, only what changed).
    const lastInfo = new WeakMap<
      ProcessActor,
      { readonly snapshot: ProcessSnapshot; readonly waiting: string | undefined; readonly info: ProcessInfo }
    >()
    const infoAt = (actor: ProcessActor, nowMillis: number): ProcessInfo => {
      const s = actor.snapshotUnsafe()
      const now = Math.floor(nowMillis / 1000)
      const unmet = starter.waiting(actor)
      const waiting = unmet === undefined ? undefined : waitingFor(unmet)
      const last = lastInfo.get(actor)
      if (last !== undefined && last.snapshot === s && last.waiting === waiting && last.info.now === now) return last.info
      const base = {
        name: actor.config.name,
        group: actor.config.group,
        start: Math.floor(s.laststart / 1000),
        stop: Math.floor(s.laststop / 1000),
        now,
        state: s.state,
        spawnerr: s.spawnerr,
        exitstatus: s.exitstatus,
        stdoutLogfile: actor.output.stdoutPath ?? "",
        stderrLogfile: actor.output.stderrPath ?? "",
        pid: s.pid,
        ...checkInfo(s, actor.config)
      }
      const info = { ...base, description: waiting ?? describe(base), ...(unmet === undefined ? {} : { waitingFor: unmet }) }
      lastInfo.set(actor, { snapshot: s, waiting, info })
      return info
    }
    const info = (actor: ProcessActor): Effect.Effect<ProcessInfo> => Effect.map(Clock.currentTimeMillis, (now) => infoAt(actor, now))

    const resultOf = (member: Member, error: SupervisorError | undefined): ProcessResult => ({
      name: member.config.name,
      group: member.config.group,
      error
    })

    /**
     * supervisord's make_allfunc: act on every process matching `when` at once, then wait for each.
     * The results come as supervisord's do: it looks at the processes still pending at most every
     * POLL_MS and reports those done since, in the given order, and its first look reports what
     * was done at once (a start with startsecs=0, a refusal, a stop of a process in BACKOFF) before
     * what had to be waited for (a start with startsecs=1 that failed at once, a stop). So what is
     * done together (a stop of processes that die at once, starts with the same startsecs) comes in
     * the given order, and a process with startsecs=0 before one that must stay up for a second.
     */
    const forAll = <E extends SupervisorError>(
      members: ReadonlyArray<Member>,
      when: (state: ProcessState) => boolean,
      act: (member: Member) => Effect.Effect<Done<E>>
    ) =>
      Effect.gen(function*() {
        const start = yield* Clock.currentTimeMillis
        const chosen = members.filter((m) => when(m.actor.snapshotUnsafe().state))
        const done = yield* Effect.forEach(chosen, (m, index) =>
          Effect.flatMap(act(m), ({ waited, error }) =>
            Effect.map(Clock.currentTimeMillis, (at) => ({
              turn: 2 * Math.floor((at - start) / POLL_MS) + (waited ? 1 : 0),
              index,
              result: resultOf(m, error)
            }))), { concurrency: "unbounded" })
        return done.sort((a, b) => a.turn - b.turn || a.index - b.index).map((d) => d.result)
      })

    /** An act of forAll done without waiting (a signal, a clear): its outcome. */
    const atOnce = <E>(act: Effect.Effect<void, E>, waited = false): Effect.Effect<Done<E>> =>
      Effect.map(Effect.result(act), (r) => ({ waited, error: r._tag === "Failure" ? r.failure : undefined }))
    /** Start (or stop) one process for forAll: ask, then, with `wait` and while its outcome is still to come, wait for it. */
    const askThenWait = <E>(ask: Effect.Effect<void, E>, pending: () => boolean, outcome: Effect.Effect<void, E>, wait: boolean) =>
      Effect.flatMap(Effect.result(ask), (asked): Effect.Effect<Done<E>> =>
        asked._tag === "Failure"
          ? Effect.succeed({ waited: false, error: asked.failure })
          : wait
          ? atOnce(outcome, pending())
          : Effect.succeed({ waited: false, error: undefined }))
    const startOne = (wait: boolean) => (m: Member) =>
      askThenWait(m.actor.start(false), () => startOutcome(m.actor.snapshotUnsafe()) === "pending", m.actor.awaitStarted, wait)
    const stopOne = (wait: boolean) => (m: Member) =>
      askThenWait(m.actor.stop(false), () => stopOutcome(m.actor.snapshotUnsafe().state) === "pending", m.actor.awaitStopped, wait)
    /** A start through a dependency gate: waited for (an effsup addition, with no supervisord order to follow). */
    const startGated = (wait: boolean) => (m: Member) => atOnce(starter.start(m, wait, "request"), true)

    /** Start every process not running: those without dependencies first, then the others through their gates. */
    const startMany = (members: ReadonlyArray<Member>, wait: boolean) =>
      Effect.gen(function*() {
        const notRunning = (s: ProcessState) => !RUNNING_STATES.has(s)
        const plain = yield* forAll(members.filter((m) => m.config.dependsOn.length === 0), notRunning, startOne(wait))
        const gated = yield* forAll(members.filter((m) => m.config.dependsOn.length > 0), notRunning, startGated(wait))
        return [...plain, ...gated]
      })

    /**
     * Stop every running process (and cancel pending starts). With dependencies among them, in
     * waves: each wave is awaited before the next, so a process stops before what it depends on.
     */
    const stopMany = (members: ReadonlyArray<Member>, wait: boolean) =>
      Effect.gen(function*() {
        yield* Effect.forEach(members, (m) => starter.cancel(m.actor), { discard: true })
        const running = (s: ProcessState) => RUNNING_STATES.has(s)
        if (members.every((m) => m.config.dependsOn.length === 0)) return yield* forAll(members, running, stopOne(wait))
        const waves = stopWaves(members.filter((m) => running(m.actor.snapshotUnsafe().state)).reverse(), dependenciesOf, () => true)
        const results: Array<ProcessResult> = []
        for (const [i, wave] of waves.entries()) {
          results.push(...yield* forAll(wave, running, stopOne(wait || i < waves.length - 1)))
        }
        return results
      })

    /** A process's log file for reading (undefined for NONE), once it exists (an AUTO log is made in the background). */
    const openedLogPath = (actor: ProcessActor, channel: Channel): Effect.Effect<string | undefined> =>
      Effect.andThen(actor.output.opened, Effect.sync(() => channel === "stdout" ? actor.output.stdoutPath : actor.output.stderrPath))
    const logPathOf = (actor: ProcessActor, channel: Channel) =>
      Effect.flatMap(openedLogPath(actor, channel), (path) =>
        path === undefined ? Effect.fail(new NoFile({ detail: "" })) : Effect.succeed(path))

    const checkSignal = (signal: string) => {
      const parsed = parseSignal(signal)
      return parsed === undefined ? Effect.fail(new BadSignal({ detail: signal })) : Effect.succeed(parsed.name)
    }

    const reload = options.reload ?? Effect.fail(new CantReread({ detail: "this supervisor was built from a config value, not a file" }))

    /** Shut down or restart; a shutdown exits with `status` (an exit policy's). */
    const requestExit = (request: ExitRequest, status = 0) =>
      Effect.gen(function*() {
        yield* guard
        mood = request === "shutdown" ? "SHUTDOWN" : "RESTARTING"
        exitStatus = status
        yield* starter.cancelAll
        yield* quiesceAll
        yield* Deferred.succeed(exitRequest, request)
      })

    /** From now on nothing restarts (supervisord: no spawning once the mood is below RUNNING); once is enough. */
    let quiesced = false
    const quiesceAll = Effect.suspend(() => {
      if (quiesced) return Effect.void
      quiesced = true
      return Effect.forEach(allActors(), (a) => a.quiesce, { discard: true })
    })

    /**
     * Stop groups in reverse priority order, the groups of one priority together, logging who we
     * are waiting for. With dependencies, the order is cut into waves (StopOrder.ts): a process
     * stops before what it depends on, and a group is closed once all its processes are stopped.
     */
    const shutdownAll = Effect.gen(function*() {
      if (mood === "RUNNING") mood = "SHUTDOWN"
      yield* starter.cancelAll
      yield* quiesceAll
      yield* bus.publish({ _tag: "SUPERVISOR_STATE_CHANGE_STOPPING" })
      // supervisord's report: the processes not yet stopped, once the first group to stop is
      // signalled (its `killing` lines come first; at the latest once the first wave is), then
      // every 3 seconds. Groups in the order they were added (supervisord's process_groups dict):
      // those of the config by priority then name, then each added by addProcessGroup since
      // (`update` removes a changed group and adds it again, so it moves to the end).
      const waiting = Effect.gen(function*() {
        const names = (yield* Effect.forEach([...groups.values()], Group.unstopped)).flat()
        if (names.length > 0) yield* Effect.logInfo(`waiting for ${names.join(", ")} to die`)
      })
      let reporter: Fiber.Fiber<unknown> | undefined
      const startReporting = Effect.andThen(
        waiting,
        waiting.pipe(Effect.repeat(Schedule.spaced("3 seconds")), Effect.delay("3 seconds"), Effect.forkChild, Effect.map((fiber) => {
          reporter = fiber
        }))
      )
      const order = activeGroups().reverse()
      const left = new Map(order.map((g) => [g, g.members.length]))
      const firstToStop = new Set(order[0]?.actors)
      const closeStopped = Effect.forEach(order, (g) => {
        if (left.get(g) !== 0 || !groups.has(g.config.name)) return Effect.void
        groups.delete(g.config.name)
        byGroupAndName = undefined
        return g.close
      }, { discard: true })
      const groupOf = new Map(order.flatMap((g) => g.members.map((m) => [m, g] as const)))
      const members = order.flatMap((g) => [...g.members].reverse())
      // groups of the same priority have no order between them: they stop in one wave
      const samePriority = (a: Member, b: Member) => groupOf.get(a)!.config.priority === groupOf.get(b)!.config.priority
      for (const wave of stopWaves(members, dependenciesOf, samePriority)) {
        const actors = wave.map((m) => m.actor)
        // the report starts once the first group to stop is signalled, at the latest with the first wave
        const pending = firstToStop.size
        const firstInWave = actors.flatMap((a, i) => firstToStop.has(a) ? [i] : [])
        for (const a of actors) firstToStop.delete(a)
        const index = pending === 0 ? 0 : firstToStop.size === 0 ? firstInWave.at(-1)! : actors.length - 1
        yield* Group.shutdownInOrder(actors, reporter !== undefined || actors.length === 0 ? undefined : { index, then: startReporting })
        for (const m of wave) left.set(groupOf.get(m)!, left.get(groupOf.get(m)!)! - 1)
        yield* closeStopped
      }
      yield* closeStopped
      if (reporter !== undefined) yield* Fiber.interrupt(reporter)
    }).pipe(Effect.uninterruptible)

    // Build every group, then autostart in priority order.
    // A group whose AUTO logs cannot be made (or fcgi socket, made) is left out (the error is logged);
    // the rest run. A log file that cannot be opened fails its program's spawns instead (ChildOutput).
    // Groups are created concurrently (opening their log files is I/O) and registered in config order.
    // Two groups of one name (a [group:a] and a [program:a]): the first in priority order runs, as supervisord's add_process_group keeps it.
    const named = new Set<string>()
    const firstOfName = initial.groups.filter((g) => {
      if (named.has(g.name)) return false
      named.add(g.name)
      return true
    })
    const created = yield* Effect.forEach(firstOfName, (g) => Effect.result(makeGroup(g)), { concurrency: 16 })
    for (const made of created) if (made._tag === "Success") yield* register(made.success)
    yield* Effect.addFinalizer(() => shutdownAll)
    yield* bus.publish({ _tag: "SUPERVISOR_STATE_CHANGE_RUNNING" })
    yield* Effect.forkScoped(publishTicks(options.onTick))
    const autostartAll = Effect.andThen(Effect.suspend(() => autostart(activeGroups())), options.afterAutostart ?? Effect.void)
    if (options.autostartGate === undefined) yield* autostartAll
    else yield* Effect.forkScoped(Effect.andThen(options.autostartGate, autostartAll))

    const readLogWith = <E>(path: Effect.Effect<string, E>, offset: number, length: number) =>
      Effect.flatMap(path, (p) => LogRead.readLog(p, offset, length)).pipe(Effect.provide(services))

    const shape: SupervisorShape = {
      config: Ref.get(config),
      state: Effect.sync(() => ({ statecode: mood === "RUNNING" ? 1 : mood === "RESTARTING" ? 0 : -1, statename: mood })),
      identification: Effect.map(Ref.get(config), (c) => c.supervisord.identifier),
      pid: Effect.succeed(options.pid),

      processInfo: (spec) => Effect.flatMap(findActor(spec), info),
      allProcessInfo: Effect.map(Clock.currentTimeMillis, (now) => actorsByName().map((actor) => infoAt(actor, now))),
      allGroupStatus: Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.forEach([...groups.values()].sort((a, b) => byName(a.config.name, b.config.name)), (g) =>
          Effect.map(g.restarts, (record): GroupStatus => ({
            name: g.config.name,
            priority: g.config.priority,
            supervision: g.config.supervision,
            restarts: record.total,
            recentRestarts: restartsWithin(record, now, g.config.supervision.maxRestartsPeriod)
          })))),
      allConfigInfo: Effect.map(Ref.get(config), (c): ReadonlyArray<ConfigInfo> =>
        c.groups.flatMap((g) => g.processes.map((p) => configInfo(g, p, groups.has(g.name), autoLogsOf(p))))
          .sort((a, b) => byName(a.name, b.name))),

      startProcess: (spec, wait) => guard.pipe(Effect.andThen(findMember(spec)), Effect.flatMap((m) => starter.start(m, wait, "request"))),
      startGroup: (name, wait) => guard.pipe(Effect.andThen(findGroup(name)), Effect.flatMap((g) => startMany(g.members, wait))),
      startAll: (wait) => Effect.andThen(guard, Effect.suspend(() => startMany(allMembers(), wait))),

      // Stopping a process whose start waits on its dependencies cancels that start.
      stopProcess: (spec, wait) =>
        guard.pipe(
          Effect.andThen(findMember(spec)),
          Effect.flatMap((m) => Effect.flatMap(starter.cancel(m.actor), (cancelled) => cancelled ? Effect.void : m.actor.stop(wait)))
        ),
      stopGroup: (name, wait) => guard.pipe(Effect.andThen(findGroup(name)), Effect.flatMap((g) => stopMany(g.members, wait))),
      stopAll: (wait) => Effect.andThen(guard, Effect.suspend(() => stopMany(allMembers(), wait))),

      signalProcess: (spec, signal) =>
        guard.pipe(
          Effect.andThen(findActor(spec)),
          Effect.flatMap((a) => Effect.flatMap(checkSignal(signal), (sig) => a.signal(sig)))
        ),
      // as supervisord, a bad signal is each signallable process's result, not the call's fault
      signalGroup: (name, signal) =>
        guard.pipe(
          Effect.andThen(findGroup(name)),
          Effect.flatMap((g) => forAll(g.members, (s) => SIGNALLABLE_STATES.has(s), (m) => atOnce(Effect.flatMap(checkSignal(signal), (sig) => m.actor.signal(sig)))))
        ),
      signalAll: (signal) =>
        Effect.andThen(
          guard,
          Effect.suspend(() => forAll(allMembers(), (s) => SIGNALLABLE_STATES.has(s), (m) => atOnce(Effect.flatMap(checkSignal(signal), (sig) => m.actor.signal(sig)))))
        ),

      readProcessLog: (spec, channel, offset, length) =>
        Effect.andThen(guard, readLogWith(Effect.flatMap(findActor(spec), (a) => logPathOf(a, channel)), offset, length)),
      tailProcessLog: (spec, channel, offset, length) =>
        guard.pipe(
          Effect.andThen(findActor(spec)),
          Effect.flatMap((a) => openedLogPath(a, channel)),
          Effect.flatMap((path) =>
            path === undefined
              ? Effect.succeed({ bytes: new Uint8Array(0), offset: 0, overflow: false })
              : LogRead.tailLog(path, offset, length).pipe(Effect.provide(services)))
        ),
      clearProcessLogs: (spec) => guard.pipe(Effect.andThen(findActor(spec)), Effect.flatMap((a) => a.output.clear)),
      clearAllProcessLogs: Effect.andThen(guard, Effect.suspend(() => forAll(allMembers(), () => true, (m) => atOnce(m.actor.output.clear)))),
      readMainLog: (offset, length) =>
        Effect.andThen(
          guard,
          options.mainLog === undefined
            ? Effect.fail(new NoFile({ detail: "" }))
            : readLogWith(Effect.succeed(options.mainLog.path), offset, length)
        ),
      clearMainLog: Effect.andThen(guard, Effect.suspend(() => {
        const mainLog = options.mainLog
        if (mainLog === undefined) return Effect.fail(new NoFile({ detail: "" }))
        // supervisord's clearLog: NO_FILE once the file is gone (deleted by hand), else delete and reopen it
        return Effect.flatMap(LogRead.fileExists(mainLog.path).pipe(Effect.provide(services)), (exists) =>
          exists ? mainLog.clear : Effect.fail(new NoFile({ detail: "" })))
      })),
      processLogPath: (spec, channel) => Effect.flatMap(findActor(spec), (a) => logPathOf(a, channel)),
      mainLogPath: options.mainLog === undefined ? Effect.fail(new NoFile({ detail: "" })) : Effect.succeed(options.mainLog.path),

      sendProcessStdin: (spec, data) => guard.pipe(Effect.andThen(findActor(spec)), Effect.flatMap((a) => a.writeStdin(data))),
      sendRemoteCommEvent: (type, data) => bus.publish({ _tag: "REMOTE_COMMUNICATION", type, data }),

      reloadConfig: Effect.gen(function*() {
        yield* guard
        const next = yield* reload
        yield* Ref.set(config, next)
        // supervisord's diff_to_active: the new config against the ACTIVE groups
        return diffGroups([...groups.values()].map((g) => g.config), next.groups)
      }),
      addGroup: (name) =>
        Semaphore.withPermit(membership, Effect.gen(function*() {
          yield* guard
          const groupConfig = (yield* Ref.get(config)).groups.find((g) => g.name === name)
          if (groupConfig === undefined) return yield* new BadName({ detail: name })
          if (groups.has(name)) return yield* new AlreadyAdded({ detail: name })
          yield* autostart([yield* Effect.flatMap(makeGroup(groupConfig), register)])
        })),
      removeGroup: (name) =>
        Semaphore.withPermit(membership, Effect.gen(function*() {
          yield* guard
          const group = yield* findGroup(name)
          if ((yield* Group.unstopped(group)).length > 0) return yield* new StillRunning({ detail: name })
          yield* starter.forget(group.actors)
          groups.delete(name)
          byGroupAndName = undefined
          yield* group.close
          yield* bus.publish({ _tag: "PROCESS_GROUP_REMOVED", groupName: name })
        })),

      reopenLogs: Effect.suspend(() =>
        Effect.forEach(allActors(), (a) => a.output.reopen, { discard: true }).pipe(
          Effect.andThen(options.mainLog?.reopen ?? Effect.void)
        )),

      shutdown: requestExit("shutdown"),
      restart: Effect.gen(function*() {
        yield* guard
        // read and check the new config BEFORE anything stops: a broken one changes nothing
        if (options.reload !== undefined) {
          const next = yield* options.reload.pipe(Effect.tapError((e) =>
            Effect.forEach(e.detail.split("\n"), (line) => Effect.logError(`restart refused, nothing was changed: ${line}`), { discard: true })
          ))
          yield* Ref.set(config, next)
        }
        yield* requestExit("restart")
      }),
      awaitExitRequest: Deferred.await(exitRequest),
      exitStatus: Effect.sync(() => exitStatus),

      subscribe: bus.subscribe,
      subscribeWithDrops: bus.subscribeWithDrops,
      events: Stream.unwrap(bus.subscribe),
      observe: bus.observe
    }
    return shape
  })
