/**
 * The syslog target (`[supervisord] logfile=syslog`, `stdout_syslog=true` / `stderr_syslog=true`):
 * lines sent as datagrams to the local syslog socket, /dev/log, exactly as supervisord 4.2.5 sends
 * them through Python's `syslog.syslog` (glibc, no openlog): facility user, priority info whatever
 * the level (`<14>`), a BSD timestamp in local time (`Dec  6 16:04:35`, the day space-padded), the
 * ident `supervisord:` and the text, one datagram per line. supervisord's SyslogHandler cuts a
 * record into lines (trailing newlines dropped) and formats each: an activity-log record becomes
 * `2026-12-06 16:04:35,138 INFO supervisord started with pid 10220\n` per line (newline
 * included), a child's output `echoer hello out` per line (the process name, a space, the line;
 * stdout and stderr alike).
 *
 * Invariants: sending never blocks and never fails the caller. A datagram that cannot go (no
 * syslog daemon: ENOENT / ECONNREFUSED; its buffer full: EAGAIN) is dropped, as glibc drops it;
 * unlike glibc, the first failure of a run of failures is reported through `onFailure` (and the
 * next success ends the run), so a missing syslog is never silent.
 * The datagram socket is the platform's (process/Datagram.ts, through the native addon), handed
 * in as {@link DatagramSockets}; supervisor/Layers.ts and the daemon provide it.
 * supervisord: loggers.py SyslogHandler, dispatchers.py _init_normallog.
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { describeErrno } from "../domain/Errno.ts"

/** Sends datagrams from one unbound unix datagram socket. */
export interface DatagramSender {
  /** Send `bytes` to the socket at `path` without waiting: undefined when sent, else the errno code (`ENOENT`, `EAGAIN`). */
  readonly sendUnsafe: (path: string, bytes: Uint8Array) => string | undefined
}

/** Opens a sender whose socket lives as long as the scope, or fails saying why it cannot. */
export type OpenDatagramSender = Effect.Effect<DatagramSender, { readonly message: string }, Scope.Scope>

/** Where syslog gets its datagram sockets: the platform's when provided, else a clear failure. */
export class DatagramSockets extends Context.Reference<OpenDatagramSender>("effsup/logs/Syslog/DatagramSockets", {
  defaultValue: () => Effect.fail({ message: "this runtime provides no unix datagram sockets (DatagramSockets)" })
}) {}

/** The local syslog socket supervisord writes to. */
export const SYSLOG_PATH = "/dev/log"

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
const pad = (n: number) => String(n).padStart(2, "0")

/** glibc's header for a message of supervisord's: `<14>Dec  6 16:04:35 supervisord: ` (local time). */
export const header = (date: Date): string =>
  `<14>${MONTHS[date.getMonth()]} ${String(date.getDate()).padStart(2, " ")} ${pad(date.getHours())}:${
    pad(date.getMinutes())
  }:${pad(date.getSeconds())} supervisord: `

/** supervisord's cut of a record into lines: trailing newlines dropped, then split at each newline. */
export const recordLines = (message: string): ReadonlyArray<string> => message.replace(/\n+$/, "").split("\n")

/** Sends syslog lines. */
export interface Syslog {
  /** Send each text (already formatted, without the header) as one datagram, stamped `date`. */
  readonly sendUnsafe: (date: Date, texts: ReadonlyArray<string>) => void
}

/** Why sending to syslog failed, for a person: `syslog /dev/log: ENOENT (No such file or directory)…`. */
export const failureText = (path: string, code: string): string =>
  `cannot send to syslog at ${path}: ${describeErrno(code)}; its lines are dropped until it can`

/**
 * A syslog sender on its own socket (closed with the scope) that sends to `path`; `onFailure` hears
 * the first failure of each run of failures. Fails when the datagram socket cannot be made (the
 * native addon is not there).
 */
export const make = (
  onFailure: (text: string) => void,
  path: string = SYSLOG_PATH
): Effect.Effect<Syslog, { readonly message: string }, Scope.Scope> => {
  const encoder = new TextEncoder()
  let failing = false
  return Effect.map(Effect.flatMap(DatagramSockets, (open) => open), (sender) => ({
    sendUnsafe: (date, texts) => {
      const head = header(date)
      for (const text of texts) {
        const code = sender.sendUnsafe(path, encoder.encode(head + text))
        if (code === undefined) failing = false
        else if (!failing) {
          failing = true
          onFailure(failureText(path, code))
        }
      }
    }
  }))
}
