/**
 * The daemon's life once `effsup run` has its config: serve it until a signal or an RPC asks to stop,
 * and on a restart request serve again with the config read anew (the command line's options still
 * applied). Each start follows supervisord's order: drop privileges (`user=`), raise the limits
 * (`minfds`/`minprocs`, first start only), open the activity log and write what was deferred, clean
 * up old AUTO logs, build the tree and the servers, then — in the background daemon — apply
 * `directory`/`umask` (first start only; applied before the tree is built so that programs and files
 * get them, logged here in supervisord's place), write the pidfile, report "serving" to `effsup run`
 * and start the autostart programs. SIGTERM/SIGINT/SIGQUIT shut down (exit 0), SIGHUP restarts,
 * SIGUSR2 reopens every log file. An exit policy (`auto_shutdown`, `on_exhausted=shutdown`) shuts
 * down with the exit status it decided. Nothing is left running on exit.
 * supervisord: supervisord.py main / run / runforever. See reference §2.5.
 * @since 0.1.0
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import type * as Path from "effect/Path"
import * as Stream from "effect/Stream"
import { hostFacts, load } from "../config/Load.ts"
import { guessServerUrl } from "../config/Sections.ts"
import type { Config, ConfigNotice } from "../config/Types.ts"
import { CantReread } from "../domain/Errors.ts"
import * as Server from "../http/Server.ts"
import * as ActivityLog from "../logs/ActivityLog.ts"
import { cleanupAutoLogs } from "../logs/ChildOutput.ts"
import * as Layers from "../supervisor/Layers.ts"
import { type ExitRequest, Supervisor } from "../supervisor/Supervisor.ts"
import { enterBackground, type StartupReport } from "./Daemonize.ts"
import { dropPrivileges } from "./Privileges.ts"
import { raiseLimits } from "./Rlimits.ts"
import type { Overrides } from "./RunOptions.ts"
import { DAEMON_SIGNALS, signals } from "./Signals.ts"
import { configErrorMessage, UsageError } from "./Usage.ts"

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

/** Write the pidfile now and remove it when the scope closes. */
const pidfile = (path: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const written = yield* fs.writeFileString(path, `${process.pid}\n`).pipe(Effect.result)
    if (written._tag === "Failure") return yield* Effect.logFatal(`could not write pidfile ${path}`)
    yield* Effect.addFinalizer(() => fs.remove(path).pipe(Effect.ignore))
  })

/** What each daemon signal means. */
const onSignal = (supervisor: Supervisor["Service"], signal: NodeJS.Signals) => {
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
        yield* supervisor.reopenLogs
        yield* Effect.logInfo("supervisord logreopen")
      })
    default:
      return Effect.andThen(
        Effect.logWarning(`received ${signal} indicating exit request`),
        supervisor.shutdown.pipe(Effect.ignore)
      )
  }
}

/** Serve one configuration until shutdown or restart is requested; everything is stopped on return. */
const serve = (
  config: Config,
  reload: Effect.Effect<Config, CantReread>,
  first: boolean,
  options: DaemonOptions
): Effect.Effect<{ readonly request: ExitRequest; readonly status: number }, UsageError, FileSystem.FileSystem | Path.Path> =>
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
      const supervisorLayer = Layers.layer(config, {
        reload,
        autostartGate: Deferred.await(announced),
        serverUrl: guessServerUrl(config.unixHttpServer, config.inetHttpServers),
        mainLog: activity.path === undefined
          ? undefined
          : { path: activity.path, clear: activity.clear, reopen: activity.reopen }
      })
      return yield* Effect.gen(function*() {
        const supervisor = yield* Supervisor
        yield* logNotices(background)
        yield* pidfile(sup.pidfile)
        yield* Effect.logInfo(`supervisord started with pid ${process.pid}`)
        options.report.ready()
        yield* Deferred.succeed(announced, undefined)
        yield* signals(DAEMON_SIGNALS).pipe(Stream.runForEach((s) => onSignal(supervisor, s)), Effect.forkScoped)
        const request = yield* supervisor.awaitExitRequest
        return { request, status: yield* supervisor.exitStatus }
      }).pipe(Effect.provide(Layer.provideMerge(Server.layer(config), supervisorLayer)))
    }).pipe(
      Effect.scoped,
      Effect.provide(ActivityLog.layer(sup))
    )
  }).pipe(
    Effect.catchTags({
      PlatformError: (e) => Effect.fail(new UsageError({ message: e.message })),
      ServerError: (e) => Effect.fail(new UsageError({ message: e.message }))
    })
  )

/** The config with the command line's `[supervisord]` options applied. */
export const withOverrides = (config: Config, overrides: Overrides): Config => ({
  ...config,
  supervisord: { ...config.supervisord, ...overrides }
})

/**
 * Run the daemon on `initial` (the command line's options already applied): serve, and on a restart
 * request serve again with the config read anew — or the previous one when the new one is broken,
 * its errors printed to stderr (in front) and logged once the activity log is open again.
 * Gives the exit status of the shutdown (0 unless an exit policy decided otherwise).
 */
export const daemon = (initial: Config, options: DaemonOptions) =>
  Effect.gen(function*() {
    const read = (file: string) => Effect.map(load(file, process.env, process.cwd()), (c) => withOverrides(c, options.overrides))
    const reread = yield* Layers.rereadFile(initial.file, (c) => withOverrides(c, options.overrides))
    let good = initial
    let config = initial
    let first = true
    while (true) {
      const { request, status } = yield* serve(config, reread, first, options)
      if (request === "shutdown") return status
      first = false
      const reloaded = yield* Effect.result(read(good.file))
      if (reloaded._tag === "Success") {
        good = reloaded.success
        config = good
      } else {
        const message = `${configErrorMessage(reloaded.failure)}\nkeeping the previous configuration`
        process.stderr.write(`Error: ${message}\n`)
        config = { ...good, notices: [...good.notices, { level: "crit", message: `could not reload the configuration: ${message}` }] }
      }
    }
  })
