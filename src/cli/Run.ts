/**
 * `effsup run [CONFIG]`: the supervisord equivalent, always in the foreground (systemd, Docker
 * and CI style). It loads the config (errors: every problem listed, exit 2), opens the activity
 * log, writes the pidfile, builds the Supervisor layer and the HTTP servers, and then serves until
 * a signal or an RPC asks it to stop: SIGTERM/SIGINT/SIGQUIT shut down (exit 0), SIGHUP restarts
 * with a re-read config, SIGUSR2 reopens every log file. An exit policy (`auto_shutdown`,
 * `on_exhausted=shutdown`) shuts down with the status it decided. Nothing is left running on exit.
 * supervisord: supervisord.py main / runforever. See reference §2.5.
 * @since 0.1.0
 */
import * as Console from "effect/Console"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { Argument, Command, Flag } from "effect/cli"
import { ConfigError, load } from "../config/Load.ts"
import { guessServerUrl } from "../config/Sections.ts"
import type { Config, SupervisordConfig } from "../config/Types.ts"
import { CantReread } from "../domain/Errors.ts"
import * as Server from "../http/Server.ts"
import * as ActivityLog from "../logs/ActivityLog.ts"
import { cleanupAutoLogs } from "../logs/ChildOutput.ts"
import * as Layers from "../supervisor/Layers.ts"
import { type ExitRequest, Supervisor } from "../supervisor/Supervisor.ts"
import { ExitCode } from "./Exit.ts"
import { DAEMON_SIGNALS, signals } from "./Signals.ts"

/** Print a config error the way supervisord does, and exit 2. */
export const reportConfigError = (error: ConfigError) =>
  Effect.andThen(
    Console.error(`Error: ${error.message}\nFor help, use effsup --help`),
    Effect.fail(new ExitCode({ code: 2 }))
  )

const logNotices = (config: Config) =>
  Effect.forEach(config.notices, (n) =>
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

/** Apply `[supervisord] user=`: drop privileges before anything is opened (as supervisord). */
const dropPrivileges = (user: string | undefined) =>
  Effect.gen(function*() {
    if (user === undefined) {
      if (process.getuid?.() === 0) {
        yield* Effect.logFatal(
          "Supervisor is running as root.  Privileges were not dropped because no user is specified in the config file.  If you intend to run as root, you can set user=root in the config file to avoid this message."
        )
      }
      return
    }
    if (process.getuid?.() !== 0) return
    const dropped = yield* Effect.try(() => {
      ;(process as { initgroups?: (user: string, extra: string) => void }).initgroups?.(user, user)
      process.setgid?.(user)
      process.setuid?.(user)
    }).pipe(Effect.result)
    if (dropped._tag === "Failure") return yield* Effect.logFatal(`Can't find username '${user}'`)
    yield* Effect.logInfo(`Set uid to user ${user} succeeded`)
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
  reload: Effect.Effect<Config, CantReread>
): Effect.Effect<{ readonly request: ExitRequest; readonly status: number }, ExitCode, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const activity = yield* ActivityLog.ActivityLog
    yield* logNotices(config)
    yield* dropPrivileges(config.supervisord.user)
    if (!config.supervisord.nocleanup) {
      yield* cleanupAutoLogs(config.supervisord.childlogdir, config.supervisord.identifier).pipe(Effect.ignore)
    }
    const servers = (config.unixHttpServer === undefined ? 0 : 1) + config.inetHttpServers.length
    for (let i = 0; i < servers; i++) yield* Effect.logInfo("RPC interface 'supervisor' initialized")
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
      yield* pidfile(config.supervisord.pidfile)
      yield* Effect.logInfo(`supervisord started with pid ${process.pid}`)
      yield* Deferred.succeed(announced, undefined)
      yield* signals(DAEMON_SIGNALS).pipe(Stream.runForEach((s) => onSignal(supervisor, s)), Effect.forkScoped)
      const request = yield* supervisor.awaitExitRequest
      return { request, status: yield* supervisor.exitStatus }
    }).pipe(Effect.provide(Layer.provideMerge(Server.layer(config), supervisorLayer)))
  }).pipe(
    Effect.scoped,
    Effect.provide(ActivityLog.layer(config.supervisord)),
    Effect.catchTags({
      PlatformError: (e) => fatal(e.message),
      ServerError: (e) => fatal(e.message)
    })
  )

/** A startup failure that is not a config error (log file, socket): print it and exit 2. */
const fatal = (message: string) =>
  Effect.andThen(Console.error(`Error: ${message}`), Effect.fail(new ExitCode({ code: 2 })))

/** Read the config again for a restart; keep the old one (and say why) if the new one is bad. */
const reloadOrKeep = (file: string, current: Config) =>
  load(file, process.env, process.cwd()).pipe(
    Effect.catchTag("ConfigError", (error) =>
      Effect.as(Console.error(`Error: ${error.message}\nkeeping the previous configuration`), current))
  )

/** Override `[supervisord]` options with the command line's. */
const withOverrides = (config: Config, overrides: Partial<SupervisordConfig>): Config => ({
  ...config,
  supervisord: { ...config.supervisord, ...overrides }
})

/** Run the daemon: serve, and on a restart request serve again with the re-read config. */
export const daemon = (initial: Config) =>
  Effect.gen(function*() {
    let config = initial
    const reread = yield* Layers.rereadFile(config.file)
    while (true) {
      const { request, status } = yield* serve(config, reread)
      if (request === "shutdown") return status === 0 ? undefined : yield* new ExitCode({ code: status })
      config = yield* reloadOrKeep(config.file, config)
    }
  })

/** The `run` command. */
export const runCommand = Command.make(
  "run",
  {
    config: Argument.String("config").pipe(Argument.withDescription("Path to the config file"), Argument.optional),
    configuration: Flag.String("configuration").pipe(
      Flag.withAlias("c"),
      Flag.withDescription("Path to the config file (as supervisord -c)"),
      Flag.optional
    ),
    nodaemon: Flag.Boolean("nodaemon").pipe(
      Flag.withAlias("n"),
      Flag.withDescription("Accepted for compatibility: effsup always runs in the foreground"),
      Flag.withDefault(false)
    ),
    silent: Flag.Boolean("silent").pipe(Flag.withDescription("Do not copy the activity log to stdout"), Flag.withDefault(false)),
    loglevel: Flag.Literals("loglevel", ["critical", "error", "warn", "info", "debug", "trace", "blather"]).pipe(
      Flag.withAlias("e"),
      Flag.withDescription("Activity log level"),
      Flag.optional
    ),
    logfile: Flag.String("logfile").pipe(Flag.withAlias("l"), Flag.withDescription("Activity log file"), Flag.optional),
    pidfile: Flag.String("pidfile").pipe(Flag.withAlias("j"), Flag.withDescription("Pidfile path"), Flag.optional),
    identifier: Flag.String("identifier").pipe(Flag.withAlias("i"), Flag.withDescription("Supervisor identifier"), Flag.optional),
    childlogdir: Flag.String("childlogdir").pipe(Flag.withAlias("q"), Flag.withDescription("Directory for AUTO child logs"), Flag.optional),
    nocleanup: Flag.Boolean("nocleanup").pipe(Flag.withAlias("k"), Flag.withDescription("Keep old AUTO child logs"), Flag.withDefault(false))
  },
  Effect.fn("effsup.run")(function*(args) {
    const file = Option.getOrUndefined(Option.orElse(args.config, () => args.configuration))
    const loaded = yield* load(file, process.env, process.cwd()).pipe(Effect.catchTag("ConfigError", reportConfigError))
    // effsup always runs in the foreground, so the activity log is also copied to stdout unless --silent.
    const overrides: Partial<{ -readonly [K in keyof SupervisordConfig]: SupervisordConfig[K] }> = { nodaemon: true }
    if (args.silent) overrides.silent = true
    if (args.nocleanup) overrides.nocleanup = true
    if (Option.isSome(args.loglevel)) overrides.loglevel = args.loglevel.value
    if (Option.isSome(args.logfile)) overrides.logfile = args.logfile.value
    if (Option.isSome(args.pidfile)) overrides.pidfile = args.pidfile.value
    if (Option.isSome(args.identifier)) overrides.identifier = args.identifier.value
    if (Option.isSome(args.childlogdir)) overrides.childlogdir = args.childlogdir.value
    yield* daemon(withOverrides(loaded, overrides))
  })
).pipe(Command.withDescription("Run the supervisor in the foreground (supervisord -n)"))
