/**
 * supervisord's activity-log line, `YYYY-MM-DD HH:MM:SS,mmm LEVL message` (local time): the one
 * format of every line the daemon writes, and the way to it for what happens outside any Effect
 * logger (Node's warnings, an uncaught exception, a failure that ends the program after the
 * activity log is closed): {@link writeLastResortUnsafe} writes through the open activity log when
 * there is one, else to stderr.
 *
 * Gotchas: an error in a line is one line (its message, the errno text of a system error, the
 * first frame of a defect's stack), not a multi-line stack trace, so that every line the daemon
 * writes starts with a timestamp and a level. Messages that are multi-line by design (a program's
 * output at DEBG) are written as they are, as supervisord does.
 * Pure but for the last-resort sink; loaded by ctl too, so it imports nothing heavy.
 * supervisord: loggers.py. See shared/reference/supervisord-4.2.5.md §4.1.
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import type * as LogLevel from "effect/LogLevel"
import { systemErrorAt } from "../domain/Errno.ts"

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

const pad = (n: number, width = 2) => String(n).padStart(width, "0")

/** `YYYY-MM-DD HH:MM:SS,mmm` in local time (Python's asctime with `,msecs`). */
export const timestamp = (d: Date): string =>
  `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${
    pad(d.getSeconds())
  },${pad(d.getMilliseconds(), 3)}`

/** One log line, newline included: `2026-11-23 02:12:37,811 INFO supervisord started with pid 6528\n`. */
export const format = (date: Date, level: LogLevel.LogLevel, message: string): string =>
  `${timestamp(date)} ${LEVEL_NAMES[level]} ${message}\n`

/** The first `at …` frame of a stack, if any. */
const firstFrame = (stack: string | undefined): string | undefined => /^\s+at (.+)$/m.exec(stack ?? "")?.[1]

/**
 * An error or defect as one line: a system error as `path: EACCES (Permission denied)`, an Error as
 * its name and message (and, for a defect, where it was thrown), anything else as JSON.
 */
export const errorLine = (error: unknown, defect = false): string => {
  if (typeof error === "string") return error
  if (error instanceof Error) {
    const system = systemErrorAt(error)
    if (system !== undefined) return system
    const text = `${error.name === "Error" ? "" : `${error.name}: `}${error.message}`.replace(/\s*\n\s*/g, " ")
    const at = defect ? firstFrame(error.stack) : undefined
    return at === undefined ? text : `${text} (at ${at})`
  }
  try {
    return JSON.stringify(error) ?? String(error)
  } catch {
    return String(error)
  }
}

/** A cause as one line: its failures and defects (`; ` between them), or `interrupted`. */
export const causeLine = (cause: Cause.Cause<unknown>): string =>
  cause.reasons.map((reason) =>
    Cause.isFailReason(reason) ? errorLine(reason.error) : Cause.isDieReason(reason) ? `defect: ${errorLine(reason.defect, true)}` : "interrupted"
  ).join("; ")

const part = (value: unknown): string => {
  if (typeof value === "string") return value
  if (value instanceof Error) return errorLine(value)
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}

/** The message text of one `Effect.log*` call: its arguments joined by spaces, then the cause if any. */
export const render = (message: unknown, cause: Cause.Cause<unknown>): string => {
  const text = (Array.isArray(message) ? message : [message]).map(part).join(" ")
  return cause.reasons.length > 0 ? `${text} ${causeLine(cause)}`.trim() : text
}

/** Where {@link writeLastResortUnsafe} writes while the activity log is open. */
let lastResort: ((line: Uint8Array) => void) | undefined

/** Set (or, with undefined, clear) the activity log's synchronous sink for last-resort lines. */
export const setLastResortUnsafe = (sink: ((line: Uint8Array) => void) | undefined): void => {
  lastResort = sink
}

const encoder = new TextEncoder()

/** Write one line in the activity log's format, through the open activity log if there is one, else to stderr. */
export const writeLastResortUnsafe = (level: LogLevel.LogLevel, message: string): void => {
  const line = encoder.encode(format(new Date(), level, message))
  if (lastResort !== undefined) lastResort(line)
  else process.stderr.write(line)
}
