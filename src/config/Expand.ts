/**
 * supervisord's value expansion: Python `%`-formatting of a string against a mapping
 * (`%(name)s`, `%(process_num)02d`, `%%`), with supervisord's error texts, plus the textual
 * `%(here)s` substitution it applies per file (options.py `expand`, `UnhosedConfigParser.expand_here`).
 * See shared/reference/supervisord-4.2.5.md §1.1 and §1.3.
 *
 * Invariant: pure; failures are returned as the message supervisord prints, never thrown.
 * @since 0.1.0
 */
import * as Result from "effect/Result"
import { strRepr } from "../domain/PyRepr.ts"
import { MAX_EXPANDED_CHARS, MAX_VALUE_CHARS } from "./Limits.ts"

/** The names a value may refer to; numbers format with `%d`, strings with `%s`. */
export type Vars = Readonly<Record<string, string | number>>

const SPEC_RE = /^([-+ #0]*)(\d*)(?:\.(\d*))?[hlL]?/

const pad = (text: string, flags: string, width: number, numeric: boolean): string => {
  if (text.length >= width) return text
  if (flags.includes("-")) return text.padEnd(width)
  if (numeric && flags.includes("0")) {
    const sign = /^[-+ ]/.test(text) ? text[0]! : ""
    return sign + text.slice(sign.length).padStart(width - sign.length, "0")
  }
  return text.padStart(width)
}

/** Format one `%` conversion of `value`; a string for the output or an Error-like message. */
const convert = (value: string | number, conv: string, flags: string, width: number, precision: string | undefined) => {
  switch (conv) {
    case "s":
    case "r":
    case "a": {
      const text = conv === "s" ? String(value) : typeof value === "string" ? strRepr(value) : String(value)
      return Result.succeed(pad(precision === undefined ? text : text.slice(0, Number(precision)), flags, width, false))
    }
    case "d":
    case "i":
    case "u":
    case "x":
    case "X":
    case "o": {
      if (typeof value !== "number") return Result.fail(`%${conv} format: a real number is required, not str`)
      const n = Math.trunc(value)
      const base = conv === "x" || conv === "X" ? 16 : conv === "o" ? 8 : 10
      let digits = Math.abs(n).toString(base)
      if (conv === "X") digits = digits.toUpperCase()
      if (precision !== undefined) digits = digits.padStart(Number(precision), "0")
      const sign = n < 0 ? "-" : flags.includes("+") ? "+" : flags.includes(" ") ? " " : ""
      return Result.succeed(pad(sign + digits, flags, width, true))
    }
    case "e":
    case "E":
    case "f":
    case "F":
    case "g":
    case "G": {
      if (typeof value !== "number") return Result.fail("must be real number, not str")
      const digits = precision === undefined ? 6 : Number(precision)
      // Python's alternate forms (#) and precisions beyond JavaScript's (100) are left out
      if (flags.includes("#") || digits > 100) return Result.fail(`this %${conv} conversion is not supported by effsup (use s or d)`)
      let text = floatText(Math.abs(value), conv.toLowerCase(), digits)
      if (conv === "E" || conv === "G") text = text.toUpperCase()
      const sign = value < 0 ? "-" : flags.includes("+") ? "+" : flags.includes(" ") ? " " : ""
      return Result.succeed(pad(sign + text, flags, width, true))
    }
    case "c": {
      if (typeof value === "number") {
        if (value < 0 || value > 0x10ffff) return Result.fail("%c arg not in range(0x110000)")
        return Result.succeed(pad(String.fromCodePoint(value), flags, width, false))
      }
      return [...value].length === 1 ? Result.succeed(pad(value, flags, width, false)) : Result.fail("%c requires int or char")
    }
    default:
      return Result.fail(`the %${conv} conversion is not supported by effsup (use s or d)`)
  }
}

/** Python's `%e`, `%f` and `%g` of a non-negative number (`digits` of precision): exponents have two digits at least. */
const floatText = (n: number, conv: string, digits: number): string => {
  const exponent = (t: string) => t.replace(/e([+-])(\d)$/, "e$10$2")
  if (conv === "f") return n.toFixed(digits)
  if (conv === "e") return exponent(n.toExponential(digits))
  // %g: `digits` significant digits (0 counts as 1), exponent form when the exponent is < -4 or >= them, trailing zeros dropped
  const significant = Math.max(digits, 1)
  const power = n === 0 ? 0 : Math.floor(Math.log10(n))
  const text = power < -4 || power >= significant
    ? exponent(n.toExponential(significant - 1)).replace(/\.?0+e/, "e")
    : n.toFixed(Math.max(significant - 1 - power, 0))
  return text.includes("e") || !text.includes(".") ? text : text.replace(/\.?0+$/, "")
}

/** What is left of the characters a whole config may expand to (Limits.ts); spent by {@link expand}. */
export interface ExpansionBudget {
  chars: number
}

/**
 * Expand `template` against `vars` like Python's `template % vars`. `name` names the value in errors
 * (supervisord uses `section.option`, e.g. `program:x.command`). A result longer than
 * MAX_VALUE_CHARS, or than what is left of `budget`, is an error: a few bytes of `%(ENV_X)s` must
 * not expand into gigabytes (Limits.ts). Exceeding the budget leaves it negative.
 */
export const expand = (template: string, vars: Vars, name: string, budget?: ExpansionBudget): Result.Result<string, string> => {
  const badly = (why: string) =>
    Result.fail(`Format string ${strRepr(template)} for ${strRepr(name)} is badly formatted: ${why}`)
  /** The bounds, checked as the text grows so that no more work is done than they allow. */
  const exceeded = (length: number) => {
    if (length > MAX_VALUE_CHARS) return Result.fail(`${strRepr(name)} expands to more than ${MAX_VALUE_CHARS} characters (effsup's limit)`)
    if (budget === undefined || length <= budget.chars) return undefined
    budget.chars = -1
    return Result.fail(`the config's values expand to more than ${MAX_EXPANDED_CHARS} characters in all (effsup's limit)`)
  }
  let out = ""
  let i = 0
  while (i < template.length) {
    const pct = template.indexOf("%", i)
    if (pct < 0) {
      out += template.slice(i)
      break
    }
    out += template.slice(i, pct)
    let j = pct + 1
    if (template[j] === "%") {
      out += "%"
      i = j + 1
      continue
    }
    let key: string | undefined
    if (template[j] === "(") {
      let depth = 1
      let k = j + 1
      for (; k < template.length && depth > 0; k++) {
        if (template[k] === "(") depth++
        else if (template[k] === ")") depth--
      }
      if (depth > 0) return badly("incomplete format key")
      key = template.slice(j + 1, k - 1)
      j = k
    }
    const spec = SPEC_RE.exec(template.slice(j))!
    j += spec[0].length
    if (j >= template.length) return badly("incomplete format")
    const conv = template[j]!
    if (!"sradiuxXoeEfFgGc".includes(conv)) {
      return badly(`unsupported format character ${strRepr(conv)} (0x${conv.charCodeAt(0).toString(16)}) at index ${j}`)
    }
    if (key === undefined) return badly("every conversion must name a variable, as in %(name)s")
    const value = vars[key]
    if (value === undefined) {
      const available = Object.keys(vars).sort().join(", ")
      return Result.fail(
        `Format string ${strRepr(template)} for ${strRepr(name)} contains names (${strRepr(key)}) which cannot be expanded. Available names: ${available}`
      )
    }
    const width = spec[2] === "" ? 0 : Number(spec[2])
    // a width or precision alone may ask for more than any value may hold: refuse before padding
    const digits = "sra".includes(conv) ? 0 : Number(spec[3] ?? 0)
    const widest = exceeded(out.length + Math.max(width, digits))
    if (widest !== undefined) return widest
    const piece = convert(value, conv, spec[1]!, width, spec[3])
    if (Result.isFailure(piece)) return badly(piece.failure)
    out += piece.success
    const over = exceeded(out.length)
    if (over !== undefined) return over
    i = j + 1
  }
  const over = exceeded(out.length)
  if (over !== undefined) return over
  if (budget !== undefined) budget.chars -= out.length
  return Result.succeed(out)
}

/** Replace every literal `%(here)s` with `here` (supervisord does this textually, per file, before expansion). */
export const substituteHere = (value: string, here: string): string =>
  value.includes("%(here)s") ? value.split("%(here)s").join(here) : value
