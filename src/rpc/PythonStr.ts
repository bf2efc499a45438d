/**
 * XML-RPC values as Python sees what supervisord's decoder makes of them, written the way Python's
 * `str()` writes them, or taken as an int (`pythonInt`, a log offset) or a truth value (`pythonTruth`,
 * a `wait` parameter):
 * the text a supervisord method puts into an event payload or a fault when a client passes a value
 * that is not a string (`sendRemoteCommEvent(1, 2.5)` gives the payload `type:1\n2.5`,
 * `sendProcessStdin(name, [1])` the fault `INCORRECT_PARAMETERS: [1]`).
 *
 * Invariants: a float is written as Python's `repr` (shortest round trip, `1e+16`, `1e-05`,
 * `2.5`, `nan`); inside a list or dict a string is quoted as Python quotes it.
 *
 * Gotchas (what supervisord's decoder sees that effsup's does not):
 * - a `<double>` with an integral value is a number like an `<int>`: `2.0` is written `2`
 *   (supervisord: `2.0`);
 * - `<nil/>` is decoded as `""` (supervisord: `None`); `<base64>` is written as its UTF-8 text, as
 *   supervisord decodes it (bytes that are not UTF-8 are a 400 there, U+FFFD here).
 * See shared/reference/supervisord-4.2.5.md §5.
 * @since 0.1.0
 */
import { pythonIntText } from "../domain/PyInt.ts"
import type { XmlRpcValue } from "./XmlRpc.ts"

/** A float as Python's `repr(float)` writes it: `2.5`, `100.0`, `1e+16`, `1e-05`, `-0.0`, `nan`, `inf`. */
export const pythonFloat = (x: number): string => {
  if (Number.isNaN(x)) return "nan"
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf"
  const sign = x < 0 || Object.is(x, -0) ? "-" : ""
  // toExponential() without an argument gives the shortest digits that round-trip, as repr does
  const [mantissa, exponent] = Math.abs(x).toExponential().split("e") as [string, string]
  const digits = mantissa.replace(".", "")
  const e = Number(exponent)
  if (e < -4 || e >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits
    return `${sign}${m}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`
  }
  if (e < 0) return `${sign}0.${"0".repeat(-e - 1)}${digits}`
  return `${sign}${digits.slice(0, e + 1).padEnd(e + 1, "0")}.${digits.slice(e + 1) || "0"}`
}

const utf8 = new TextDecoder("utf-8")
const pad = (n: number, width = 2) => String(n).padStart(width, "0")

// Python's str.isprintable: every category but Cc, Cf, Cs, Co, Cn, Zl, Zp, Zs, and the space is printable
const UNPRINTABLE = /[\p{C}\p{Z}]/u

/** A string as Python's `repr` quotes it: `'a'`, `"it's"`, with `\n`, `\xNN`, `\uNNNN` escapes. */
const quote = (s: string): string => {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'"
  let out = q
  for (const ch of s) {
    const code = ch.codePointAt(0)!
    if (ch === q || ch === "\\") out += `\\${ch}`
    else if (ch === "\t") out += "\\t"
    else if (ch === "\n") out += "\\n"
    else if (ch === "\r") out += "\\r"
    else if (code < 0x20 || code === 0x7f || (code > 0x7f && UNPRINTABLE.test(ch))) {
      const hex = code.toString(16)
      out += code <= 0xff ? `\\x${hex.padStart(2, "0")}` : code <= 0xffff ? `\\u${hex.padStart(4, "0")}` : `\\U${hex.padStart(8, "0")}`
    } else out += ch
  }
  return out + q
}

const dateStr = (d: Date) =>
  `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
  `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`

// datetime's repr leaves out a zero second (never the hour or minute)
const dateRepr = (d: Date) =>
  `datetime.datetime(${[d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()]
    .slice(0, d.getUTCSeconds() === 0 ? 5 : 6).join(", ")})`

/** Python's `repr` of the value supervisord decodes: how a list or dict writes its items. */
const pythonRepr = (value: XmlRpcValue): string => {
  if (typeof value === "string") return quote(value)
  if (value instanceof Uint8Array) return quote(utf8.decode(value))
  if (value instanceof Date) return dateRepr(value)
  if (Array.isArray(value)) return `[${(value as ReadonlyArray<XmlRpcValue>).map(pythonRepr).join(", ")}]`
  if (typeof value === "object") {
    return `{${Object.entries(value as { readonly [key: string]: XmlRpcValue }).map(([k, v]) => `${quote(k)}: ${pythonRepr(v)}`).join(", ")}}`
  }
  return pythonStr(value)
}

/**
 * Python's `int()` of the value supervisord decodes from this XML-RPC value, what its log methods
 * make of an offset or a length: a number cut toward zero (`0.5` is 0), a boolean 1 or 0, a string
 * (or base64 text) of decimal digits (a sign, spaces around, `_` between digits: `" +7 "`, `"1_0"`, `"٣"`). Undefined where
 * `int()` fails (NaN, infinities, other strings and values: supervisord answers HTTP 500 there), and
 * beyond ±2^53, which supervisord would take.
 */
export const pythonInt = (value: XmlRpcValue): number | undefined => {
  if (typeof value === "boolean") return value ? 1 : 0
  // supervisord decodes base64 to its text
  const text = value instanceof Uint8Array ? utf8.decode(value) : value
  const n = typeof text === "number" ? Math.trunc(text) + 0 : typeof text === "string" ? pythonIntText(text) : undefined
  return n !== undefined && Number.isSafeInteger(n) ? n : undefined
}

/**
 * Python's truth value of the value supervisord decodes from this XML-RPC value, what its `if wait:`
 * makes of a `wait` parameter: false for `false`, 0, an empty string, base64, array or struct (and
 * `<nil/>`, decoded as ""), true for anything else (NaN and dates too).
 */
export const pythonTruth = (value: XmlRpcValue): boolean => {
  if (typeof value === "boolean") return value
  if (typeof value === "number") return value !== 0
  if (typeof value === "string" || value instanceof Uint8Array || Array.isArray(value)) return value.length > 0
  if (value instanceof Date) return true
  return Object.keys(value).length > 0
}

/** Python's `str()` of the value supervisord decodes from this XML-RPC value: `1`, `2.5`, `True`, `[1, 'a']`, `2020-01-01 00:00:00`. */
export const pythonStr = (value: XmlRpcValue): string => {
  if (typeof value === "string") return value
  if (typeof value === "boolean") return value ? "True" : "False"
  if (typeof value === "number") return Number.isSafeInteger(value) ? String(value) : pythonFloat(value)
  if (value instanceof Uint8Array) return utf8.decode(value)
  if (value instanceof Date) return dateStr(value)
  return pythonRepr(value)
}
