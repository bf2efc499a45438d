/**
 * The activity (main) log: an Effect `Logger` that writes supervisord's line format
 * `YYYY-MM-DD HH:MM:SS,mmm LEVL message` (local time) to `[supervisord] logfile` through a
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
 * `logfile=syslog` is refused for now. Multi-line messages are written as they are.
 * supervisord: loggers.py, options.py make_logger. See shared/reference/supervisord-4.2.5.md §4.1.
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import type * as LogLevel from "effect/LogLevel"
import * as PlatformError from "effect/PlatformError"
import * as References from "effect/References"
import type * as Scope from "effect/Scope"
import type { LogLevelName, SupervisordConfig } from "../config/Types.ts"
import * as RotatingFile from "./RotatingFile.ts"

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

/** supervisord's four-letter level names, per Effect level. */
export const LEVEL_NAMES: Readonly<Record<LogLevel.LogLevel, string>> = {
  All: "BLAT",
  Trace: "TRAC",
  Debug: "DEBG",
  Info: "INFO",
  Warn: "WARN",
  Error: "ERRO",
  Fatal: "CRIT",
  None: ""
}

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

const pad = (n: number, width = 2) => String(n).padStart(width, "0")

/** `YYYY-MM-DD HH:MM:SS,mmm` in local time (Python's asctime with `,msecs`). */
export const timestamp = (d: Date): string =>
  `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${
    pad(d.getSeconds())
  },${pad(d.getMilliseconds(), 3)}`

/** One log line, newline included: `2026-11-23 02:12:37,811 INFO supervisord started with pid 6528\n`. */
export const format = (date: Date, level: LogLevel.LogLevel, message: string): string =>
  `${timestamp(date)} ${LEVEL_NAMES[level]} ${message}\n`

const part = (value: unknown): string => {
  if (typeof value === "string") return value
  if (value instanceof Error) return value.message
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}

/** The message text of one `Effect.log*` call: its arguments joined by spaces, then the cause if any. */
export const render = (message: unknown, cause: Cause.Cause<unknown>): string => {
  const text = (Array.isArray(message) ? message : [message]).map(part).join(" ")
  return cause.reasons.length > 0 ? `${text} ${Cause.pretty(cause)}` : text
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

/** The activity log with an explicit echo sink (tests); `layer` echoes to stdout when `nodaemon && !silent`. */
export const layerWith = (
  config: SupervisordConfig,
  echo: Effect.Effect<Echo, never, Scope.Scope>
): Layer.Layer<ActivityLog, PlatformError.PlatformError, FileSystem.FileSystem> =>
  Layer.unwrap(Effect.gen(function*() {
    if (config.logfile === "syslog") {
      return yield* PlatformError.badArgument({
        module: "ActivityLog",
        method: "layer",
        description: "logfile=syslog is not supported yet; use a file path (or /dev/stdout with logfile_maxbytes=0)"
      })
    }
    const file = yield* RotatingFile.make(config.logfile, {
      maxBytes: config.logfileMaxbytes,
      backups: config.logfileBackups
    })
    const copy = yield* echo
    const encoder = new TextEncoder()
    const logger = Logger.make<unknown, void>(({ cause, date, logLevel, message }) => {
      const line = encoder.encode(format(date, logLevel, render(message, cause)))
      file.writeUnsafe(line)
      copy?.(line)
    })
    return Layer.mergeAll(
      Layer.succeed(ActivityLog, ActivityLog.of({ path: file.path, flush: file.flush, reopen: file.reopen, clear: file.clear })),
      Logger.layer([logger]),
      Layer.succeed(References.MinimumLogLevel, minimumLevel(config.loglevel))
    )
  }))

/** The activity log for `[supervisord]`: the logger, the minimum level and the ActivityLog service. */
export const layer = (config: SupervisordConfig): Layer.Layer<ActivityLog, PlatformError.PlatformError, FileSystem.FileSystem> =>
  layerWith(config, config.nodaemon && !config.silent ? stdoutEcho : Effect.succeed(undefined))
