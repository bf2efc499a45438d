/**
 * The activity (main) log: an Effect `Logger` that writes supervisord's line format
 * `YYYY-MM-DD HH:MM:SS,mmm LEVL message` (local time, LogLine.ts) to `[supervisord] logfile` through a
 * RotatingFile (`logfile_maxbytes` / `logfile_backups`), and also to stdout when
 * `nodaemon && !silent`. The `loglevel` option becomes Effect's `MinimumLogLevel`.
 *
 * Invariants: everything else logs with `Effect.log*`; the logger only enqueues (it never
 * blocks a fiber), and releasing the layer writes every enqueued line before closing the file,
 * so a line logged just before shutdown is on disk. Lines logged after the release are dropped,
 * so provide this layer OUTSIDE everything that logs (`program.pipe(Effect.provide(layer))`).
 *
 * Gotchas: supervisord has two levels below DEBG (TRAC 5, BLAT 3); Effect has one (Trace), so
 * `trace` and `blather` both enable Trace, and `Effect.logWithLevel("All", …)` prints BLAT.
 * `logfile=syslog` sends each line to /dev/log instead of a file (Syslog.ts: one datagram per line
 * of a record, each with its timestamp and level, as supervisord does); there is no file then, so
 * reopen and clear do nothing. Multi-line messages are written as they are; an error in a
 * message is rendered on one line (LogLine.render).
 * supervisord: loggers.py, options.py make_logger. See shared/reference/supervisord-4.2.5.md §4.1.
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import type * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import type * as LogLevel from "effect/LogLevel"
import * as References from "effect/References"
import type * as Scope from "effect/Scope"
import type { LogLevelName, SupervisordConfig } from "../config/Types.ts"
import { systemErrorText } from "../domain/Errno.ts"
import { format, render, setLastResortUnsafe } from "./LogLine.ts"
import * as RotatingFile from "./RotatingFile.ts"
import * as Syslog from "./Syslog.ts"

/** The activity log's file, for clearLog / readLog / SIGUSR2. */
export class ActivityLog extends Context.Service<ActivityLog, {
  /** The log file, or undefined when there is none. */
  readonly path: string | undefined
  /** Wait until every line logged so far is in the file. */
  readonly flush: Effect.Effect<void>
  /** Close and reopen the file (SIGUSR2). */
  readonly reopen: Effect.Effect<void>
  /** Delete and reopen the file (clearLog). */
  readonly clear: Effect.Effect<void>
}>()("effsup/logs/ActivityLog") {}

/** The Effect minimum level for a supervisord `loglevel`. */
export const minimumLevel = (name: LogLevelName): LogLevel.LogLevel => {
  switch (name) {
    case "critical":
      return "Fatal"
    case "error":
      return "Error"
    case "warn":
      return "Warn"
    case "info":
      return "Info"
    case "debug":
      return "Debug"
    case "trace":
    case "blather":
      return "Trace"
  }
}

/** Where lines go besides the file: a synchronous sink, or undefined for none. */
export type Echo = ((line: Uint8Array) => void) | undefined

/** stdout, with EPIPE (reader gone) ignored rather than crashing the daemon. */
const stdoutEcho: Effect.Effect<(line: Uint8Array) => void, never, Scope.Scope> = Effect.acquireRelease(
  Effect.sync(() => {
    const ignore = () => {}
    process.stdout.on("error", ignore)
    return ignore
  }),
  (ignore) => Effect.sync(() => process.stdout.off("error", ignore))
).pipe(Effect.as((line: Uint8Array) => {
  process.stdout.write(line)
}))

/** The activity log could not be opened (the message says which file and why, for a person). */
export class ActivityLogError extends Data.TaggedError("ActivityLogError")<{ readonly message: string }> {}

/**
 * The activity log with an explicit echo sink (tests); `layer` echoes to stdout when `nodaemon && !silent`.
 * Its own file's errors (a failed reopen) are logged through itself: to the echo, and to the file
 * if it can be written again by the time the writer comes to that line (else it is dropped with the
 * others of its batch). While it is open it takes LogLine's last-resort lines.
 */
export const layerWith = (
  config: SupervisordConfig,
  echo: Effect.Effect<Echo, never, Scope.Scope>,
  syslogPath: string = Syslog.SYSLOG_PATH
): Layer.Layer<ActivityLog, ActivityLogError, FileSystem.FileSystem> =>
  Layer.unwrap(Effect.gen(function*() {
    const copy = yield* echo
    const encoder = new TextEncoder()
    if (config.logfile === "syslog") return yield* syslogLayer(config, copy, syslogPath)
    let file: RotatingFile.RotatingFile | undefined
    const write = (line: Uint8Array) => {
      file?.writeUnsafe(line)
      copy?.(line)
    }
    const logger = Logger.make<unknown, void>(({ cause, date, logLevel, message }) =>
      write(encoder.encode(format(date, logLevel, render(message, cause))))
    )
    const level = minimumLevel(config.loglevel)
    // made under its own logger: what the file reports about itself is in this format too
    file = yield* RotatingFile.make(config.logfile, { maxBytes: config.logfileMaxbytes, backups: config.logfileBackups }).pipe(
      Effect.provideService(Logger.CurrentLoggers, new Set([logger])),
      Effect.provideService(References.MinimumLogLevel, level),
      Effect.mapError((e) => new ActivityLogError({ message: `could not open the activity log ${config.logfile}: ${systemErrorText(e)}` }))
    )
    const opened = file
    yield* Effect.acquireRelease(Effect.sync(() => setLastResortUnsafe(write)), () => Effect.sync(() => setLastResortUnsafe(undefined)))
    return Layer.mergeAll(
      Layer.succeed(ActivityLog, ActivityLog.of({ path: opened.path, flush: opened.flush, reopen: opened.reopen, clear: opened.clear })),
      Logger.layer([logger]),
      Layer.succeed(References.MinimumLogLevel, level)
    )
  }))

/**
 * `logfile=syslog`: every line to syslog (and the echo), LogLine's last-resort lines too; a failure
 * to send is said on the echo, or on stderr without one. Fails when the datagram socket cannot be made.
 */
const syslogLayer = (config: SupervisordConfig, copy: Echo, path: string) =>
  Effect.gen(function*() {
    const encoder = new TextEncoder()
    const warn = (text: string) => {
      const line = encoder.encode(format(new Date(), "Warn", text))
      if (copy === undefined) process.stderr.write(line)
      else copy(line)
    }
    const syslog = yield* Syslog.make(warn, path).pipe(
      Effect.mapError((e) => new ActivityLogError({ message: `could not open the activity log (logfile=syslog): ${e.message}` }))
    )
    const logger = Logger.make<unknown, void>(({ cause, date, logLevel, message }) => {
      const text = render(message, cause)
      copy?.(encoder.encode(format(date, logLevel, text)))
      syslog.sendUnsafe(date, Syslog.recordLines(text).map((line) => format(date, logLevel, line)))
    })
    const decoder = new TextDecoder()
    const lastResort = (line: Uint8Array) => {
      copy?.(line)
      syslog.sendUnsafe(new Date(), [decoder.decode(line)])
    }
    yield* Effect.acquireRelease(Effect.sync(() => setLastResortUnsafe(lastResort)), () => Effect.sync(() => setLastResortUnsafe(undefined)))
    return Layer.mergeAll(
      Layer.succeed(ActivityLog, ActivityLog.of({ path: undefined, flush: Effect.void, reopen: Effect.void, clear: Effect.void })),
      Logger.layer([logger]),
      Layer.succeed(References.MinimumLogLevel, minimumLevel(config.loglevel))
    )
  })

/** The activity log for `[supervisord]`: the logger, the minimum level and the ActivityLog service. */
export const layer = (config: SupervisordConfig): Layer.Layer<ActivityLog, ActivityLogError, FileSystem.FileSystem> =>
  layerWith(config, config.nodaemon && !config.silent ? stdoutEcho : Effect.succeed(undefined))
