/**
 * The checks a `[program:x]` can name, as values: `ready=` (when a started process counts as
 * ready) and `healthcheck=` (whether a running one is still alive), with their codecs and their
 * canonical text (what status lines and log lines show). Only the spec lives here; running a
 * check is process/ work (Probe.ts, Readiness.ts, Health.ts).
 *
 * Grammar (the kind is case-insensitive):
 * - `tcp:PORT`, `tcp:HOST:PORT`, `tcp:[IPV6]:PORT`: a TCP connection is accepted (host: localhost);
 * - `http://…`, `https://…`, or `http:PORT[/PATH]` (http://localhost:PORT/PATH): a GET answers 2xx or 3xx;
 * - `exec:COMMAND`: `/bin/sh -c COMMAND`, run like the program (user, directory, environment), exits 0;
 * - `log:REGEX` (ready= only): a line of the program's stdout or stderr matches (JavaScript syntax);
 * - `fd:N` (ready= only, s6's notification-fd): the program writes a newline to its fd N (3 or more).
 * Invariant: a check is plain data (strings and numbers), so reread compares it structurally.
 * @since 0.1.0
 */
import * as Result from "effect/Result"
import { strRepr } from "../domain/PyRepr.ts"
import type { Codec } from "./Codecs.ts"

/** A check that probes the program from outside: usable for readiness and for health. */
export type Probe =
  | { readonly _tag: "Tcp"; readonly host: string; readonly port: number }
  | { readonly _tag: "Http"; readonly url: string }
  | { readonly _tag: "Exec"; readonly command: string }

/** What `ready=` can wait for: a probe, or a line of the program's own output. */
export type ReadyCheck =
  | Probe
  /** The JavaScript regular expression's source, checked when the config is read. */
  | { readonly _tag: "Log"; readonly pattern: string }
  /** The fd (3 or more) of the child's end of the pipe it writes a newline to. */
  | { readonly _tag: "Fd"; readonly fd: number }

/** The text of a check as status and log lines show it, e.g. `tcp:localhost:8080`. */
export const checkText = (check: ReadyCheck): string => {
  switch (check._tag) {
    case "Tcp":
      return `tcp:${check.host.includes(":") ? `[${check.host}]` : check.host}:${check.port}`
    case "Http":
      return check.url
    case "Exec":
      return `exec:${check.command}`
    case "Log":
      return `log:${check.pattern}`
    case "Fd":
      return `fd:${check.fd}`
  }
}

const PORT_RE = /^\d{1,5}$/

const port = (text: string): number | undefined => {
  if (!PORT_RE.test(text)) return undefined
  const n = Number(text)
  return n >= 1 && n <= 65535 ? n : undefined
}

const tcp = (rest: string): Probe | undefined => {
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(rest)
  if (bracketed !== null) {
    const p = port(bracketed[2]!)
    return p === undefined ? undefined : { _tag: "Tcp", host: bracketed[1]!, port: p }
  }
  const colon = rest.lastIndexOf(":")
  const host = colon < 0 ? "localhost" : rest.slice(0, colon)
  const p = port(colon < 0 ? rest : rest.slice(colon + 1))
  return p === undefined || host === "" || host.includes(":") ? undefined : { _tag: "Tcp", host, port: p }
}

const http = (value: string): Probe | undefined => {
  const lower = value.toLowerCase()
  if (lower.startsWith("http://") || lower.startsWith("https://")) {
    return URL.canParse(value) ? { _tag: "Http", url: value } : undefined
  }
  const short = /^http:(\d+)(\/.*)?$/i.exec(value)
  if (short === null || port(short[1]!) === undefined) return undefined
  return { _tag: "Http", url: `http://localhost:${short[1]}${short[2] ?? "/"}` }
}

/** The probe a value names, or a reason it names none. */
const parseProbe = (value: string): Result.Result<Probe, string> | undefined => {
  const colon = value.indexOf(":")
  const kind = value.slice(0, colon < 0 ? value.length : colon).toLowerCase()
  const rest = value.slice(colon + 1)
  switch (kind) {
    case "tcp":
      return Result.fromNullishOr(tcp(rest), () => `not a valid tcp check (tcp:PORT or tcp:HOST:PORT): ${strRepr(value)}`)
    case "http":
    case "https":
      return Result.fromNullishOr(http(value), () => `not a valid http check (http://HOST:PORT/PATH or http:PORT/PATH): ${strRepr(value)}`)
    case "exec":
      return rest.trim() === "" ? Result.fail(`exec: needs a command: ${strRepr(value)}`) : Result.succeed({ _tag: "Exec", command: rest.trim() })
    default:
      return undefined
  }
}

const KINDS = "tcp:PORT, tcp:HOST:PORT, http://HOST:PORT/PATH, exec:COMMAND"

/** `healthcheck=`: tcp, http or exec. */
export const probe: Codec<Probe> = (raw) =>
  parseProbe(raw.trim()) ?? Result.fail(`not a valid health check ${strRepr(raw)} (expected ${KINDS})`)

/** The highest `fd:N` accepted (the spawner places it below the usual 1024 open-file limit). */
export const MAX_READY_FD = 1023

/** `fd:N`: 3 to MAX_READY_FD (0–2 are the child's stdin, stdout and stderr). */
const readyFd = (raw: string, value: string): Result.Result<ReadyCheck, string> => {
  const n = /^\d{1,4}$/.test(value.slice(3).trim()) ? Number(value.slice(3).trim()) : NaN
  return n >= 3 && n <= MAX_READY_FD
    ? Result.succeed({ _tag: "Fd", fd: n })
    : Result.fail(`not a valid fd check ${strRepr(raw)} (fd:N with N from 3 to ${MAX_READY_FD}: 0, 1 and 2 are stdin, stdout and stderr)`)
}

/**
 * `ready=`: a probe, `log:REGEX` or `fd:N`. `notify` (systemd's protocol) needs the native
 * spawner and is refused with a clear message until it is there.
 */
export const readyCheck: Codec<ReadyCheck> = (raw) => {
  const value = raw.trim()
  const asProbe = parseProbe(value)
  if (asProbe !== undefined) return asProbe
  const lower = value.toLowerCase()
  if (lower.startsWith("log:")) {
    const pattern = value.slice(4)
    if (pattern === "") return Result.fail(`log: needs a regular expression: ${strRepr(raw)}`)
    try {
      new RegExp(pattern)
    } catch (e) {
      return Result.fail(`not a valid regular expression in ${strRepr(raw)}: ${(e as Error).message}`)
    }
    return Result.succeed({ _tag: "Log", pattern })
  }
  if (lower.startsWith("fd:")) return readyFd(raw, value)
  if (lower === "notify") {
    return Result.fail(`ready=${value} is not supported yet (it needs the native spawner); use tcp:, http:, log: or exec:`)
  }
  return Result.fail(`not a valid ready check ${strRepr(raw)} (expected ${KINDS}, log:REGEX or fd:N)`)
}
