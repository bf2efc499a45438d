/**
 * A process group as a supervision subtree: its own scope owning one ChildOutput and one
 * ProcessActor per process. Processes are kept in priority order (then name); starting walks
 * that order, stopping walks it in reverse. Closing a group stops its children and flushes
 * their logs before the files are closed. An `[eventlistener:x]` group also owns its ListenerPool,
 * which its processes' stdout feeds. An `[fcgi-program:x]` group owns its listening socket: made
 * before its processes (a failure fails the group, with supervisord's message), given to each as
 * fd 0, open across their restarts, and closed (a unix socket's file removed) after they stopped.
 * A `[group:x]` with a strategy other than one_for_one or a `max_restarts` supervises its members
 * itself (Strategy.ts): their actors run with autorestart off and the group restarts them. The
 * group also watches its significant members for the tree's exit policy (ExitPolicy.ts). Both
 * run in the group's scope, so they end with it.
 * supervisord: process.py ProcessGroup (start_necessary, stop_all, get_unstopped_processes).
 * @since 0.1.0
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as FileSystem from "effect/FileSystem"
import type * as Path from "effect/Path"
import type * as PlatformError from "effect/PlatformError"
import * as Ref from "effect/Ref"
import * as Scope from "effect/Scope"
import type { FcgiSocket, GroupConfig, LogFileSetting, ProcessConfig, SupervisordConfig } from "../config/Types.ts"
import { STOPPED_STATES } from "../domain/ProcessState.ts"
import type { EventBus } from "../events/EventBus.ts"
import * as ChildOutput from "../logs/ChildOutput.ts"
import * as ProcessActor from "../process/ProcessActor.ts"
import { ListenFailure, Spawner } from "../process/Spawner.ts"
import * as ExitPolicy from "./ExitPolicy.ts"
import * as ListenerPool from "./ListenerPool.ts"
import type { GroupHooks, Member } from "./Member.ts"
import * as Strategy from "./Strategy.ts"

/** A running group. */
export interface Group {
  readonly config: GroupConfig
  /** Actors in priority order (then process name). */
  readonly actors: ReadonlyArray<ProcessActor.ProcessActor>
  /** The same processes with their configs, in the same order. */
  readonly members: ReadonlyArray<Member>
  /** What its strategy has restarted (nothing for a group that does not manage its members). */
  readonly restarts: Effect.Effect<Strategy.RestartRecord>
  /** Close the group: stop every process (reverse priority), flush and close logs. */
  readonly close: Effect.Effect<void>
}

/**
 * The processes a group runs: one per name, as supervisord keeps them in a dict. A name given twice
 * (`programs=a,a`, or two programs with one `process_name`) runs the later config, in the earlier's
 * place (a Map, like a dict, keeps a key where it was first set). getAllConfigInfo still lists both.
 */
export const distinctByName = (processes: ReadonlyArray<ProcessConfig>): ReadonlyArray<ProcessConfig> => {
  const byName = new Map<string, ProcessConfig>()
  for (const p of processes) byName.set(p.name, p)
  return byName.size === processes.length ? processes : [...byName.values()]
}

/** Processes in start order: by priority; equal priorities keep config order (a stable sort, as supervisord). */
export const startOrder = (processes: ReadonlyArray<ProcessConfig>): ReadonlyArray<ProcessConfig> =>
  [...processes].sort((a, b) => a.priority - b.priority)

/**
 * A group's members in the order of its config (a `[group:x]`'s `programs=`, then process number):
 * the order supervisord's autostart goes through them, whatever their priorities (requests to start
 * or stop a group, and shutdown, go by priority).
 */
export const inConfigOrder = (group: Group): ReadonlyArray<Member> => {
  const at = new Map(group.config.processes.map((p, i) => [p, i] as const))
  return [...group.members].sort((a, b) => at.get(a.config)! - at.get(b.config)!)
}

/** A channel's log: its path, or its AUTO file, made now in the background in the group's scope (ChildOutput.opened waits for it), or none. */
const channelLog = (
  setting: LogFileSetting,
  supervisord: SupervisordConfig,
  processConfig: ProcessConfig,
  channel: "stdout" | "stderr"
): Effect.Effect<ChildOutput.ChannelLog, PlatformError.PlatformError, Scope.Scope | FileSystem.FileSystem> => {
  switch (setting._tag) {
    case "Path":
      // An empty value (`stdout_logfile=`) is a path supervisord shows as written but never opens: no log.
      return Effect.succeed(setting.path === "" ? undefined : setting.path)
    case "Auto":
      return ChildOutput.createAutoLog(supervisord.childlogdir, processConfig.name, channel, supervisord.identifier, {
        maxBytes: processConfig[channel].logfileMaxbytes,
        backups: processConfig[channel].logfileBackups
      })
    default:
      return Effect.succeed(undefined)
  }
}

/**
 * Create a group: open its logs and create its actors (nothing is started). The group's scope is
 * a child of the current one, so closing that scope closes a group even before anyone holds it
 * (an interruption while the tree is being built leaks nothing).
 */
export const make = (
  config: GroupConfig,
  supervisord: SupervisordConfig,
  environment: ProcessActor.ActorEnvironment,
  hooks: GroupHooks
): Effect.Effect<Group, PlatformError.PlatformError | ListenFailure, Scope.Scope | Spawner | EventBus | FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const scope = yield* Scope.fork(yield* Effect.scope)
    const managed = Strategy.isManaged(config.supervision)
    const restarts = yield* Ref.make(Strategy.NO_RESTARTS)
    const build = Effect.gen(function*() {
      const spawner = yield* Spawner
      // Made first, so closed last: after every process of the group has stopped.
      const socket = config.socket === undefined ? undefined : yield* listen(spawner, config.socket)
      const actorEnvironment = socket === undefined ? environment : { ...environment, stdinFd: socket.fd }
      const pool = config.kind === "eventlistener" && config.listener !== undefined
        ? yield* ListenerPool.make({ name: config.name, listener: config.listener, identifier: supervisord.identifier })
        : undefined
      // Processes are built concurrently (a log file at a path may cost a trip to the threadpool) and kept in start order.
      const members = yield* Effect.forEach(startOrder(distinctByName(config.processes)), (processConfig) =>
        Effect.gen(function*() {
          const stdoutLog = yield* channelLog(processConfig.stdout.logfile, supervisord, processConfig, "stdout")
          const stderrLog = processConfig.redirectStderr
            ? undefined
            : yield* channelLog(processConfig.stderr.logfile, supervisord, processConfig, "stderr")
          const output = yield* ChildOutput.make({
            processName: processConfig.name,
            groupName: config.name,
            stdoutLog,
            stderrLog,
            stdout: processConfig.stdout,
            stderr: processConfig.stderr,
            stripAnsi: supervisord.stripAnsi,
            listenerStdout: config.kind === "eventlistener"
          })
          // A group that restarts its members itself runs them with autorestart off (Strategy.ts).
          const makeActor = ProcessActor.make(managed ? Strategy.memberConfig(processConfig) : processConfig, output, actorEnvironment)
          // A listener's stdout feeds its pool's protocol parser (and is still logged).
          const actor = yield* pool === undefined
            ? makeActor
            : Effect.provideService(makeActor, Spawner, pool.spawnerFor(processConfig.name, spawner))
          return { actor, config: processConfig } satisfies Member
        }), { concurrency: 16 })
      if (pool !== undefined) yield* pool.attach(members.map((m) => m.actor))
      if (managed) yield* Effect.forkScoped(Strategy.supervise(config, members, hooks, restarts))
      const ended = hooks.ended
      if (ended !== undefined) {
        for (const member of members.filter((m) => m.config.significant)) {
          yield* Effect.forkScoped(ExitPolicy.watchEnded(member, (s) => ended(member, s)))
        }
      }
      return members
    })
    const members = yield* build.pipe(Scope.provide(scope), Effect.onError((cause) => Scope.close(scope, Exit.failCause(cause))))
    const actors = members.map((m) => m.actor)
    const close = Effect.gen(function*() {
      // a shutdown or a group removal has stopped them all already, as a rule
      if (!actors.every((a) => STOPPED_STATES.has(a.snapshotUnsafe().state))) yield* stopAll(actors)
      yield* Scope.close(scope, Exit.void)
    })
    return { config, actors, members, restarts: Ref.get(restarts), close }
  })

/** An fcgi-program's socket for the group's scope, logged as supervisord logs it; a failure says which socket. */
const listen = (spawner: Spawner["Service"], socket: FcgiSocket) =>
  Effect.andThen(
    Effect.logInfo(`Creating socket ${socket.url}`),
    Effect.acquireRelease(
      spawner.listen(socket).pipe(
        Effect.mapError((e) => new ListenFailure({ message: `Could not create FastCGI socket ${socket.url}: ${e.message}` }))
      ),
      () => Effect.logInfo(`Closing socket ${socket.url}`)
    )
  )

/**
 * Stop a set of processes for shutdown in the given order: each signalled (its request taken, so
 * its `killing` line is logged) before the next, then all are awaited; `signalled.then` runs once
 * `actors[signalled.index]` (and so every one before it) is signalled. All requests are queued at
 * once, each to be taken after the previous one: the actors take them back to back as they wake,
 * in order, without a round trip through the caller.
 */
export const shutdownInOrder = (
  actors: ReadonlyArray<ProcessActor.ProcessActor>,
  signalled?: { readonly index: number; readonly then: Effect.Effect<void> }
): Effect.Effect<void> =>
  Effect.suspend(() => {
    const took = actors.map(() => Deferred.makeUnsafe<void>())
    const last = took[actors.length - 1]
    return Effect.forEach(actors, (actor, i) =>
      actor.shutdownInTurn(i === 0 ? Effect.void : Deferred.await(took[i - 1]!), Deferred.succeed(took[i]!, undefined))).pipe(
        Effect.tap(signalled === undefined ? Effect.void : Effect.andThen(Deferred.await(took[signalled.index]!), signalled.then)),
        Effect.tap(last === undefined ? Effect.void : Deferred.await(last)),
        // all were signalled: waiting for each in turn takes as long as waiting for all at once, without a fiber each
        Effect.flatMap((stopped) => Effect.all(stopped, { discard: true }))
      )
  })

/** Stop every process of a set for shutdown: all signalled in reverse priority order, then wait for all. */
export const stopAll = (actors: ReadonlyArray<ProcessActor.ProcessActor>): Effect.Effect<void> =>
  shutdownInOrder([...actors].reverse())

/** Names of the processes of a group that are not in a stopped state. */
export const unstopped = (group: Group): Effect.Effect<ReadonlyArray<string>> =>
  Effect.map(
    Effect.forEach(group.actors, (a) => Effect.map(a.snapshot, (s) => [a.config.name, s.state] as const)),
    (states) => states.filter(([, state]) => !STOPPED_STATES.has(state)).map(([name]) => name)
  )
