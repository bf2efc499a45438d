/**
 * The value types of supervisord's config (datatypes.py), as pure string decoders:
 * each returns `Result<A, message>` where the message is supervisord's own text for that failure
 * (the reader turns it into a located ConfigIssue). The types of the decoded values live here too.
 * See shared/reference/supervisord-4.2.5.md §1.4 and quirk Q11 (environment tokenizer).
 * @since 0.1.0
 */
import * as Result from "effect/Result"
import { invalidNameCharacter } from "../domain/Names.ts"
import { pythonIntText } from "../domain/PyInt.ts"
import { strRepr } from "../domain/PyRepr.ts"
import { parseSignal } from "../domain/Signals.ts"

/** A decoder from an option's text. */
export type Codec<A> = (raw: string) => Result.Result<A, string>

/** autorestart: always, never, or when the exit code is not in exitcodes. */
export type AutoRestart = "true" | "false" | "unexpected"

/** Where a child's channel is logged. `auto` is resolved to a file in childlogdir when the group is created. */
export type LogFileSetting =
  | { readonly _tag: "Auto" }
  | { readonly _tag: "None" }
  | { readonly _tag: "Syslog" }
  | { readonly _tag: "Path"; readonly path: string }

/** When a dependency counts as met (`depends_on = name:condition`). */
export type DependencyCondition = "running" | "started" | "completed"

/** One entry of `depends_on`: what it names (as written) and the condition it waits for. */
export interface Dependency {
  /** A program name (all its processes), `group:process` or `group:*`. */
  readonly target: string
  readonly condition: DependencyCondition
}

/** A `[group:x]`'s restart strategy (OTP's names). */
export type Strategy = "one_for_one" | "one_for_all" | "rest_for_one"

/** What a `[group:x]` does when it has restarted too often. */
export type OnExhausted = "stop" | "fatal" | "shutdown"

/** `[supervisord] auto_shutdown` (OTP's names). */
export type AutoShutdown = "never" | "any_significant" | "all_significant"

/** supervisord's log level names, lowest to highest verbosity last. */
export type LogLevelName = "critical" | "error" | "warn" | "info" | "debug" | "trace" | "blather"

/** Any text, as written (after expansion). */
export const text: Codec<string> = (raw) => Result.succeed(raw)

const TRUTHY = ["yes", "true", "on", "1"]
const FALSY = ["no", "false", "off", "0"]

/** `yes true on 1` / `no false off 0`, any case. */
export const boolean: Codec<boolean> = (raw) => {
  const v = raw.toLowerCase()
  if (TRUTHY.includes(v)) return Result.succeed(true)
  if (FALSY.includes(v)) return Result.succeed(false)
  return Result.fail(`not a valid boolean value: ${strRepr(raw)}`)
}

/** The blanks Python's `int()` skips around a number: its `str.isspace` set but U+001C–U+001F (JavaScript's `\s` has U+FEFF too). */
const INT_SPACE = "\\t\\n\\v\\f\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
const INT_STRIP_RE = new RegExp(`^[${INT_SPACE}]+|[${INT_SPACE}]+$`, "g")
const strip = (raw: string): string => raw.replace(INT_STRIP_RE, "")
const INT_RE = new RegExp(`^[${INT_SPACE}]*[+-]?\\d+(?:_\\d+)*[${INT_SPACE}]*$`)

/**
 * Python `int(x)`: optional sign, digits (underscores between), surrounding whitespace ({@link INT_SPACE}).
 * Gotcha: Python's ints have no bound; effsup's end at ±(2^53 − 1), where every integer is exact.
 */
export const integer: Codec<number> = (raw) => {
  if (!INT_RE.test(raw)) return Result.fail(`invalid literal for int() with base 10: ${strRepr(raw)}`)
  const n = Number(strip(raw).replace(/_/g, ""))
  return Number.isSafeInteger(n)
    ? Result.succeed(n)
    : Result.fail(`${strip(raw)} is out of range (effsup's integers are at most ${Number.MAX_SAFE_INTEGER} in size)`)
}

/** An integer from `min` to `max` (supervisord's RangeCheckedConversion texts). */
export const integerInRange = (min: number, max: number): Codec<number> => (raw) => {
  if (!INT_RE.test(raw)) return Result.fail(`invalid literal for int() with base 10: ${strRepr(raw)}`)
  const written = strip(raw).replace(/_/g, "")
  const n = Number(written) // inexact beyond 2^53, but on the right side of any safe bound
  if (n < min) return Result.fail(`${written} is below lower bound (${min})`)
  if (n > max) return Result.fail(`${written} is above upper bound (${max})`)
  return Result.succeed(n)
}

const UNITS: Record<string, number> = { kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }

/** `<int>` or `<int>KB|MB|GB` (any case, 1024-based; `10 MB` is fine, `1.5MB` is not). */
export const byteSize: Codec<number> = (raw) => {
  const v = raw.toLowerCase()
  const unit = UNITS[v.slice(-2)]
  return unit === undefined ? integer(v) : Result.map(integer(v.slice(0, -2)), (n) => n * unit)
}

const OCTAL_RE = new RegExp(`^[${INT_SPACE}]*([+-]?)(?:0o)?([0-7]+(?:_[0-7]+)*)[${INT_SPACE}]*$`, "i")

/** Python `int(x, 8)`: `022`, `0o22`, `22`. */
export const octal: Codec<number> = (raw) => {
  const m = OCTAL_RE.exec(raw)
  return m === null
    ? Result.fail(`${raw} can not be converted to an octal type`)
    : Result.succeed((m[1] === "-" ? -1 : 1) * parseInt(m[2]!.replace(/_/g, ""), 8))
}

/** A signal name (with or without `SIG`, any case) or number → its canonical name, e.g. `SIGTERM`. */
export const signal: Codec<string> = (raw) => {
  const parsed = parseSignal(raw)
  if (parsed !== undefined) return Result.succeed(parsed.name)
  return Result.fail(
    pythonIntText(raw) !== undefined || INT_RE.test(raw)
      ? `value ${strRepr(raw)} is not a valid signal number`
      : `value ${strRepr(raw)} is not a valid signal name`
  )
}

/** Comma list of exit codes 0–255; empty → `[]`. */
export const exitcodes: Codec<ReadonlyArray<number>> = (raw) => {
  if (raw === "") return Result.succeed([])
  const codes = raw.split(",").map((x) => integer(x))
  const ok = codes.every((c) => Result.isSuccess(c) && c.success >= 0 && c.success <= 255)
  return ok
    ? Result.succeed(codes.map((c) => Result.getOrThrow(c)))
    : Result.fail(`not a valid list of exit codes: ${strRepr(raw)}`)
}

/** A child's `SUPERVISOR_SERVER_URL`: `AUTO` (any case, surrounding blanks allowed) or the URL as written. */
export const serverUrl: Codec<string> = (raw) => Result.succeed(raw.trim().toUpperCase() === "AUTO" ? "AUTO" : raw)

/** Truthy → `true`, falsy → `false`, or `unexpected` (any case). */
export const autorestart: Codec<AutoRestart> = (raw) => {
  const v = raw.toLowerCase()
  if (TRUTHY.includes(v)) return Result.succeed("true")
  if (FALSY.includes(v)) return Result.succeed("false")
  if (v === "unexpected") return Result.succeed("unexpected")
  return Result.fail(`invalid 'autorestart' value ${strRepr(v)}`)
}

/** `startretries`: an integer, or `infinite` (any case) for retrying forever (`Infinity`). */
export const retries: Codec<number> = (raw) =>
  raw.trim().toLowerCase() === "infinite" ? Result.succeed(Infinity) : integer(raw)

const DECIMAL_RE = /^\s*\d+(?:\.\d+)?\s*$/

/** A duration in seconds, `>= 0`, decimals allowed (`0.5`). */
export const seconds: Codec<number> = (raw) =>
  DECIMAL_RE.test(raw) ? Result.succeed(Number(raw.trim())) : Result.fail(`not a number of seconds: ${strRepr(raw)}`)

/** A duration in seconds, `> 0`. */
export const positiveSeconds: Codec<number> = (raw) =>
  Result.flatMap(seconds(raw), (s) => s > 0 ? Result.succeed(s) : Result.fail(`must be more than 0 seconds: ${strRepr(raw)}`))

/** A fraction from 0 to 1 (`0.2`). */
export const fraction: Codec<number> = (raw) =>
  DECIMAL_RE.test(raw) && Number(raw) <= 1 ? Result.succeed(Number(raw.trim())) : Result.fail(`not a fraction from 0 to 1: ${strRepr(raw)}`)

/** How the wait between restarts grows: supervisord's `linear` (1 s, 2 s, 3 s …), `exponential` or `constant`. */
export type BackoffCurve = "linear" | "exponential" | "constant"

/** `linear`, `exponential` or `constant` (any case). */
export const backoffCurve: Codec<BackoffCurve> = (raw) => {
  const v = raw.trim().toLowerCase()
  return v === "linear" || v === "exponential" || v === "constant"
    ? Result.succeed(v)
    : Result.fail(`invalid 'backoff' value ${strRepr(raw)} (expected linear, exponential or constant)`)
}

/** What a process that failed its health check `healthcheck_retries` times in a row gets. */
export type OnUnhealthy = "restart" | "stop" | "event"

/** `restart`, `stop` or `event` (any case). */
export const onUnhealthy: Codec<OnUnhealthy> = (raw) => {
  const v = raw.trim().toLowerCase()
  return v === "restart" || v === "stop" || v === "event"
    ? Result.succeed(v)
    : Result.fail(`invalid 'on_unhealthy' value ${strRepr(raw)} (expected restart, stop or event)`)
}

/**
 * `AUTO` / `NONE` / `OFF` / `syslog` (any case) or a path.
 * Gotcha: the path is returned as written; `~` expansion and the "directory must exist" check are done by the caller.
 */
export const logfileName: Codec<LogFileSetting> = (raw) => {
  const v = raw.toLowerCase()
  if (v === "none" || v === "off") return Result.succeed({ _tag: "None" })
  if (v === "auto") return Result.succeed({ _tag: "Auto" })
  if (v === "syslog") return Result.succeed({ _tag: "Syslog" })
  return Result.succeed({ _tag: "Path", path: raw })
}

const LEVELS: ReadonlyArray<LogLevelName> = ["critical", "error", "warn", "info", "debug", "trace", "blather"]

/** `critical error warn info debug trace blather`, any case (`warning` is rejected, as in supervisord). */
export const logLevel: Codec<LogLevelName> = (raw) => {
  const v = raw.toLowerCase()
  const level = LEVELS.find((l) => l === v)
  return level === undefined ? Result.fail(`bad logging level name ${strRepr(raw)}`) : Result.succeed(level)
}

/** One of `values` (any case, surrounding blanks allowed); the message names the option. */
export const oneOf = <A extends string>(option: string, values: ReadonlyArray<A>): Codec<A> => (raw) => {
  const v = raw.trim().toLowerCase()
  const found = values.find((x) => x === v)
  return found === undefined
    ? Result.fail(`invalid '${option}' value ${strRepr(raw)} (expected ${values.join(", ")})`)
    : Result.succeed(found)
}

/** A whole number ≥ `min`. */
export const integerAtLeast = (min: number): Codec<number> => (raw) =>
  Result.flatMap(integer(raw), (n) => n < min ? Result.fail(`${n} is below lower bound (${min})`) : Result.succeed(n))

/** `one_for_one`, `one_for_all` or `rest_for_one`. */
export const strategy: Codec<Strategy> = oneOf("strategy", ["one_for_one", "one_for_all", "rest_for_one"])

/** `stop`, `fatal` or `shutdown`. */
export const onExhausted: Codec<OnExhausted> = oneOf("on_exhausted", ["stop", "fatal", "shutdown"])

/** `never`, `any_significant` or `all_significant`. */
export const autoShutdown: Codec<AutoShutdown> = oneOf("auto_shutdown", ["never", "any_significant", "all_significant"])

const CONDITIONS: ReadonlyArray<DependencyCondition> = ["running", "started", "completed"]

/**
 * `depends_on`: a comma list of `target[:condition]`; the condition (`running`, the default, `started`
 * or `completed`) is the part after the LAST colon when it is one of those words, so `g:web` names
 * process `web` of group `g` and `g:web:started` adds a condition. Empty → `[]`.
 */
export const dependencies: Codec<ReadonlyArray<Dependency>> = (raw) => {
  if (raw.trim() === "") return Result.succeed([])
  const parsed: Array<Dependency> = []
  for (const item of raw.split(",").map((x) => x.trim())) {
    const colon = item.lastIndexOf(":")
    const suffix = colon < 0 ? "" : item.slice(colon + 1).toLowerCase()
    const condition = CONDITIONS.find((c) => c === suffix)
    const target = condition === undefined ? item : item.slice(0, colon)
    const invalid = target === "" || target.startsWith(":") || target.endsWith(":") || /[\s/]/.test(target) || target.split(":").length > 2
    if (invalid) return Result.fail(`invalid dependency ${strRepr(item)} (expected name, group:name or group:*, then optionally :running, :started or :completed)`)
    parsed.push({ target, condition: condition ?? "running" })
  }
  return Result.succeed(parsed)
}


const CONTROL_CHARACTER = /\p{Cc}/u

/**
 * A process or group name: stripped, without space, `:` or `/` (supervisord's rule), nor a control
 * character (effsup's: supervisord accepts one, but such a name cannot be typed to supervisorctl,
 * nor sent in XML-RPC, which has no way to write most of them).
 */
export const name: Codec<string> = (raw) => {
  const s = raw.trim()
  const bad = invalidNameCharacter(s) ?? CONTROL_CHARACTER.exec(s)?.[0]
  return bad === undefined ? Result.succeed(s) : Result.fail(`Invalid name: ${strRepr(raw)} because of character: ${strRepr(bad)}`)
}

/** Comma list of stripped strings; empty → `[]` (empty items are kept, as in supervisord). */
export const listOfStrings: Codec<ReadonlyArray<string>> = (raw) =>
  Result.succeed(raw === "" ? [] : raw.split(",").map((x) => x.trim()))

const WORD_RE = /[A-Za-z0-9_/.+\-():]/

/**
 * Python's non-POSIX `shlex.shlex` tokens with supervisord's extra word characters (`/.+-():`).
 * Quotes stay in the token; `#` starts a comment; any other character is a one-character token.
 */
const shlexTokens = (text: string): Result.Result<ReadonlyArray<string>, string> => {
  const tokens: Array<string> = []
  let i = 0
  let state: string | undefined = " "
  const skipLine = () => {
    const nl = text.indexOf("\n", i)
    i = nl < 0 ? text.length : nl + 1
  }
  while (state !== undefined) {
    let token = ""
    let pushback: string | undefined
    for (;;) {
      const c: string = i < text.length ? text[i++]! : ""
      if (state === " ") {
        if (c === "") { state = undefined; break }
        if (/[ \t\r\n]/.test(c)) { if (token !== "") break; continue }
        if (c === "#") { skipLine(); continue }
        token = c
        if (WORD_RE.test(c)) state = "a"
        else if (c === "'" || c === "\"") state = c
        else break
      } else if (state === "'" || state === "\"") {
        if (c === "") return Result.fail("No closing quotation")
        token += c
        if (c === state) { state = " "; break }
      } else {
        if (c === "") { state = undefined; break }
        if (/[ \t\r\n]/.test(c)) { state = " "; if (token !== "") break; continue }
        if (c === "#") { skipLine(); continue }
        if (WORD_RE.test(c) || c === "'" || c === "\"") { token += c; continue }
        pushback = c
        state = " "
        break
      }
    }
    if (token === "") break
    tokens.push(token)
    if (pushback !== undefined) tokens.push(pushback)
  }
  return Result.succeed(tokens)
}

/**
 * `KEY=val,KEY2="v a l"` → a record, with supervisord's shlex quirks (Q11): triples `KEY = VALUE` separated by
 * any one token, quotes stripped from values, unquoted values end at the first non-word character
 * (`A=$HOME` → `$`, `A=hello world` → `hello`).
 */
export const environment: Codec<Readonly<Record<string, string>>> = (raw) => {
  const lexed = shlexTokens(raw)
  if (Result.isFailure(lexed)) return Result.fail(lexed.failure)
  const tokens = lexed.success
  const env: Record<string, string> = {}
  for (let i = 0; i < tokens.length; i += 4) {
    if (i + 2 >= tokens.length || tokens[i + 1] !== "=") {
      return Result.fail(`Unexpected end of key/value pairs in value '${raw}'`)
    }
    env[tokens[i]!] = tokens[i + 2]!.replace(/^['"]+|['"]+$/g, "")
  }
  return Result.succeed(env)
}

const portNumber = integerInRange(1, 65535)

/** `port`, `:port`, `*:port` or `host:port` (host lower-cased; `*` or empty = all interfaces → `""`). */
export const inetAddress: Codec<{ readonly host: string; readonly port: number }> = (raw) => {
  const colon = raw.lastIndexOf(":")
  if (colon < 0) {
    const port = portNumber(raw)
    return Result.isFailure(port)
      ? Result.fail(`not a valid port number: ${strRepr(raw)} `)
      : Result.succeed({ host: "", port: port.success })
  }
  const portText = raw.slice(colon + 1)
  if (portText === "") return Result.fail("no port number specified in ''")
  const host = raw.slice(0, colon).toLowerCase()
  return Result.map(portNumber(portText), (port) => ({ host: host === "*" ? "" : host, port }))
}
