/**
 * The daemon's life once `effsup run` has its config: serve it until a signal or an RPC asks to stop,
 * and on a restart request serve again with the config read anew (the command line's options still
 * applied). Each start follows supervisord's order: drop privileges (`user=`), raise the limits
 * (`minfds`/`minprocs`, first start only), open the activity log and write what was deferred, clean
 * up old AUTO logs, build the tree and the servers, then — in the background daemon — apply
 * `directory`/`umask` (first start only; applied before the tree is built so that programs and files
 * get them, logged here in supervisord's place), write the pidfile, report "serving" to `effsup run`
 * and start the autostart programs. SIGTERM/SIGINT/SIGQUIT shut down (exit 0), SIGHUP restarts,
 * SIGUSR2 reopens every log file, SIGUSR1 does nothing. An exit policy (`auto_shutdown`, `on_exhausted=shutdown`) shuts
 * down with the exit status it decided. Nothing is left running on exit.
 * A restart (SIGHUP or the restart RPC) reads and checks the config before anything stops: with a
 * broken one nothing changes and the errors are in the activity log (supervisord would exit).
 * supervisord: supervisord.py main / run / runforever. See reference §2.5.
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import type * as Path from "effect/Path"
import * as Queue from "effect/Queue"
import * as Ref from "effect/Ref"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { hostFacts } from "../config/Load.ts"
import { guessServerUrl } from "../config/Sections.ts"
import type { Config, ConfigNotice } from "../config/Types.ts"
import { CantReread } from "../domain/Errors.ts"
import * as Server from "../http/Server.ts"
import * as ActivityLog from "../logs/ActivityLog.ts"
import { cleanupAutoLogs } from "../logs/ChildOutput.ts"
import { errorLine, format, writeLastResortUnsafe } from "../logs/LogLine.ts"
import * as Layers from "../supervisor/Layers.ts"
import { type ExitRequest, Supervisor } from "../supervisor/Supervisor.ts"
import { makeHeapReducer, nodeHeapProbe, settleDaemonHeap } from "./DaemonHeap.ts"
import { pidfile } from "./Pidfile.ts"
import { enterBackground, type StartupReport } from "./Daemonize.ts"
import { dropPrivileges } from "./Privileges.ts"
import { raiseLimits } from "./Rlimits.ts"
import type { Overrides } from "./RunOptions.ts"
import { DAEMON_SIGNALS, signals } from "./Signals.ts"
import { UsageError } from "./Usage.ts"

/** How long after its autostart programs have been started the daemon compacts its heap (DaemonHeap.ts). */
const COMPACT_AFTER_START = Duration.millis(250)

/**
 * The longest a request waits for the autostart pass (Server.layer's `answering`): supervisord
 * would wait as long as a spawn blocks it (a log file that is a FIFO nobody reads); effsup answers
 * by then anyway.
 */
const ANSWER_AFTER_AT_MOST = Duration.seconds(10)

/** How the daemon was asked to run, besides its config. */
export interface DaemonOptions {
  /** Where the first start reports, and whether this is the background daemon. */
  readonly report: StartupReport
  /** The `[supervisord]` options set on the command line (they win over the file, on restarts too). */
  readonly overrides: Overrides
  /** `--profile_options`, if given (not supported: a warning). */
  readonly profileOptions: string | undefined
}

const LEVEL_ORDER: Readonly<Record<ConfigNotice["level"], number>> = { crit: 0, warn: 1, info: 2 }

/** Log notices as supervisord flushes its parse messages: the criticals, then the warnings, then the infos. */
const logNotices = (notices: ReadonlyArray<ConfigNotice>) =>
  Effect.forEach([...notices].sort((a, b) => LEVEL_ORDER[a.level] - LEVEL_ORDER[b.level]), (n) =>
    n.level === "crit" ? Effect.logFatal(n.message) : n.level === "warn" ? Effect.logWarning(n.message) : Effect.logInfo(n.message), {
    discard: true
  })

/**
 * What each daemon signal means. An exit signal also sets `exitAsked`: one that comes while a
 * restart is under way (the tree no longer takes requests) turns it into a shutdown, as in
 * supervisord, where the last mood asked for wins.
 */
const onSignal = (supervisor: Supervisor["Service"], signal: NodeJS.Signals, exitAsked: Ref.Ref<boolean>) => {
  switch (signal) {
    case "SIGHUP":
      return Effect.gen(function*() {
        const state = yield* supervisor.state
        if (state.statename !== "RUNNING") {
          return yield* Effect.logWarning("ignored SIGHUP indicating restart request (shutdown in progress)")
        }
        yield* Effect.logWarning("received SIGHUP indicating restart request")
        yield* supervisor.restart.pipe(Effect.ignore)
      })
    case "SIGUSR2":
      return Effect.gen(function*() {
        yield* Effect.logInfo("received SIGUSR2 indicating log reopen request")
        // written before the reopen, so both lines end the file logrotate moved away (as supervisord's)
        yield* Effect.logInfo("supervisord logreopen")
        yield* supervisor.reopenLogs
      })
    case "SIGUSR1":
      // handled only so that Node does not open its inspector (see Signals.ts); supervisord's words
      // for a signal it takes and ignores
      return Effect.logTrace("received SIGUSR1 indicating nothing")
    default:
      return Effect.andThen(
        Effect.logWarning(`received ${signal} indicating exit request`),
        Effect.andThen(Ref.set(exitAsked, true), supervisor.shutdown.pipe(Effect.ignore))
      )
  }
}

/**
 * Build the supervisor and then the control servers, run `body` with the supervisor, and wind
 * down in the order that lets no client hold the daemon: the servers stop accepting, the
 * programs stop (clients already connected are still answered meanwhile, SHUTDOWN_STATE), and
 * only then is every connection closed, with a bounded wait (http/Connections.ts). What `body`
 * adds to the enclosing scope (pidfile, signal handlers) outlives all of it. The servers answer
 * each request once `answering` completes.
 */
const supervised = <A, E, R>(
  config: Config,
  supervisorLayer: Layer.Layer<Supervisor>,
  answering: Effect.Effect<void>,
  body: (supervisor: Supervisor["Service"]) => Effect.Effect<A, E, R>
): Effect.Effect<A, E | Server.ServerError, R | Scope.Scope> =>
  Effect.gen(function*() {
    const programs = yield* Scope.make()
    const connections = yield* Scope.make()
    let stopAccepting: Effect.Effect<void> = Effect.void
    return yield* Effect.gen(function*() {
      const supervision = yield* Layer.buildWithScope(supervisorLayer, programs)
      const servers = yield* Layer.buildWithScope(Server.layer(config, undefined, answering), connections).pipe(Effect.provide(supervision))
      stopAccepting = Context.get(servers, Server.ControlServers).stopAccepting
      return yield* body(Context.get(supervision, Supervisor))
    }).pipe(
      Effect.onExit((exit) =>
        Effect.andThen(stopAccepting, Effect.andThen(Scope.close(programs, exit), Scope.close(connections, exit)))
      )
    )
  })

/**
 * Why serving ended: a shutdown, a restart with the (already checked) config to serve next, or a
 * defect (logged in the activity log, everything stopped).
 */
type Served = { readonly _tag: "Shutdown"; readonly status: number } | { readonly _tag: "Restart"; readonly next: Config } | { readonly _tag: "Crashed" }

/** Serve one configuration until shutdown or restart is requested; everything is stopped on return. */
const serve = (
  config: Config,
  reload: Effect.Effect<Config, CantReread>,
  first: boolean,
  options: DaemonOptions,
  received: Queue.Dequeue<NodeJS.Signals>,
  exitAsked: Ref.Ref<boolean>,
  serials: Layers.EventSerials
): Effect.Effect<Served, UsageError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const sup = config.supervisord
    const host = yield* hostFacts(process.env, process.cwd())
    const privileges = yield* dropPrivileges(sup.user, host.users ?? [])
    const limits = first ? yield* raiseLimits(sup.minfds, sup.minprocs) : []
    const background = first && options.report.background ? enterBackground(sup.directory, sup.umask) : []
    return yield* Effect.gen(function*() {
      const activity = yield* ActivityLog.ActivityLog
      yield* logNotices([...config.notices, ...privileges, ...limits])
      if (options.profileOptions !== undefined) {
        yield* Effect.logWarning(`profile_options ${options.profileOptions} ignored: effsup does not run under Python's profiler`)
      }
      if (!sup.nocleanup) yield* cleanupAutoLogs(sup.childlogdir, sup.identifier).pipe(Effect.ignore)
      const announced = yield* Deferred.make<void>()
      const autostarted = yield* Deferred.make<void>()
      const heap = makeHeapReducer(nodeHeapProbe(Layers.releaseFreedMemory))
      Layers.growFdTableFor(config)
      const supervisorLayer = Layers.layer(config, {
        reload,
        autostartGate: Deferred.await(announced),
        // What malloc holds free after the burst (V8's compile zones, buffers) goes back to the
        // kernel before the first answer (0.5–4 ms; RSS then 3–4 MiB lower at 500 programs); the
        // compaction comes a moment later, so that what was asked meanwhile (a poll for the new
        // states) is answered first.
        afterAutostart: Effect.andThen(
          Effect.andThen(Effect.sync(Layers.releaseFreedMemory), Deferred.succeed(autostarted, undefined)),
          Effect.andThen(Effect.sleep(COMPACT_AFTER_START), Effect.sync(() => {
            settleDaemonHeap()
            heap.compact()
          }))
        ),
        onTick: (tick) => tick._tag === "TICK_5" ? Effect.sync(heap.look) : Effect.void,
        serials,
        serverUrl: guessServerUrl(config.unixHttpServer, config.inetHttpServers),
        mainLog: activity.path === undefined
          ? undefined
          : { path: activity.path, clear: activity.clear, reopen: activity.reopen }
      })
      // requests are answered once every autostart program has been spawned, as supervisord's loop
      // does; after the first wait, at once (cached: no timer per request)
      const answering = Effect.asVoid(yield* Effect.cached(Effect.timeoutOption(Deferred.await(autostarted), ANSWER_AFTER_AT_MOST)))
      return yield* supervised(config, supervisorLayer, answering, (supervisor) =>
        Effect.gen(function*() {
        // handle signals before anything is announced or started (they are queued since the daemon began)
        yield* Stream.fromQueue(received).pipe(
          Stream.runForEach((s) => onSignal(supervisor, s, exitAsked)),
          Effect.forkScoped({ startImmediately: true })
        )
        yield* logNotices(background)
        if (yield* pidfile(sup.pidfile)) yield* Effect.logInfo(`supervisord started with pid ${process.pid}`)
        options.report.ready()
        yield* Deferred.succeed(announced, undefined)
        const request: ExitRequest = yield* supervisor.awaitExitRequest
        // a restart is requested only once the re-read config was found good, and the tree keeps it
        const served: Served = request === "shutdown"
          ? { _tag: "Shutdown", status: yield* supervisor.exitStatus }
          : { _tag: "Restart", next: yield* supervisor.config }
        return served
      }))
    }).pipe(
      // a bug: in the activity log (one line), then everything stops as in a shutdown
      Effect.catchDefect((defect) =>
        Effect.as(Effect.logFatal(`effsup stops on an unexpected error: ${errorLine(defect, true)}`), { _tag: "Crashed" } satisfies Served)
      ),
      Effect.scoped,
      Effect.provide(ActivityLog.layer(sup)),
      Effect.provide(Layers.datagramSockets)
    )
  }).pipe(
    Effect.catchTags({
      ActivityLogError: (e) => Effect.fail(new UsageError({ message: e.message })),
      ServerError: (e) => Effect.fail(new UsageError({ message: e.message }))
    })
  )

/** The config with the command line's `[supervisord]` options applied. */
export const withOverrides = (config: Config, overrides: Overrides): Config => ({
  ...config,
  supervisord: { ...config.supervisord, ...overrides }
})

/**
 * Why the daemon ends when no activity log is open: on stderr (in front) and appended to the last
 * activity log file it had (in the background, where stderr is /dev/null), if that can be written.
 */
const lastWords = (logfile: string, message: string) =>
  Effect.gen(function*() {
    writeLastResortUnsafe("Fatal", message)
    const fs = yield* FileSystem.FileSystem
    yield* fs.writeFileString(logfile, format(new Date(), "Fatal", message), { flag: "a" }).pipe(Effect.ignore)
  })

/** The exit status of a daemon that cannot serve again after a restart (as a startup error). */
const RESTART_FAILED_EXIT = 2

/**
 * Run the daemon on `initial` (the command line's options already applied): serve, and on a restart
 * request serve again with the config the restart read anew; gives the exit status (of a shutdown: 0
 * unless an exit policy decided otherwise). The decision is
 * the tree's (restart): the config is read and checked before anything stops, and a broken one
 * changes nothing (its errors go to the activity log, the programs keep running). Failing to start
 * is a usage error the first time (as supervisord's); after a restart the activity log is closed,
 * so the reason goes to stderr in its format, and the daemon exits.
 */
export const daemon = (initial: Config, options: DaemonOptions): Effect.Effect<number, UsageError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    // effsup's handlers replace Node's from the start and for the daemon's whole life, restarts
    // included: a signal that comes before a serve is ready (or between two) waits for it
    const received = yield* Queue.unbounded<NodeJS.Signals>()
    const exitAsked = yield* Ref.make(false)
    yield* signals(DAEMON_SIGNALS).pipe(
      Stream.runForEach((s) => Queue.offer(received, s)),
      Effect.forkScoped({ startImmediately: true })
    )
    const reread = yield* Layers.rereadFile(initial.file, (c) => withOverrides(c, options.overrides))
    let config = initial
    let previous = initial
    let first = true
    // one counter for the daemon's life: supervisord's event serials go on across a restart
    const serials = Layers.makeEventSerials()
    while (true) {
      const serving = serve(config, reread, first, options, received, exitAsked, serials)
      const served: Served | { readonly _tag: "Failed" } = yield* first ? serving : serving.pipe(
        Effect.catchTag("UsageError", (e) =>
          Effect.as(lastWords(previous.supervisord.logfile, `could not restart: ${e.message}`), { _tag: "Failed" } as const)
        )
      )
      switch (served._tag) {
        case "Shutdown":
          return served.status
        case "Crashed":
          return 1
        case "Failed":
          return RESTART_FAILED_EXIT
        case "Restart":
          if (yield* Ref.get(exitAsked)) return 0
          first = false
          previous = config
          config = served.next
      }
    }
  }).pipe(Effect.scoped)
