/**
 * Python's `int()` of a string, which supervisord and supervisorctl apply to what they are given as
 * a number: a log offset or length (XML-RPC), a signal (XML-RPC, `supervisorctl signal`), and
 * supervisorctl's `tail -N` / `maintail -N`.
 * Invariant: a string is taken exactly when CPython 3's `int(text)` takes it, with the same value,
 * up to ±2^53.
 * @since 0.1.0
 */

/** The value of one Unicode decimal digit (Nd): its place in its run of ten (`٣` is 3, `５` is 5). */
const digitValue = (c: string): number => {
  let cp = c.codePointAt(0)!
  let n = 0
  while (/\p{Nd}/u.test(String.fromCodePoint(cp - 1))) {
    cp -= 1
    n += 1
  }
  return n % 10
}

/**
 * Python's `int(text)` for a string: spaces around, a sign, decimal digits (any script's, as
 * Python takes them: `"٣"` is 3) with single `_` between them; undefined where `int()` raises
 * ValueError, and beyond ±2^53.
 */
export const pythonIntText = (text: string): number | undefined => {
  const m = /^\s*([+-]?)(\p{Nd}+(?:_\p{Nd}+)*)\s*$/u.exec(text)
  if (m === null) return undefined
  const digits = [...m[2]!.replaceAll("_", "")].map((c) => (/[0-9]/.test(c) ? Number(c) : digitValue(c))).join("")
  const n = Number(`${m[1]}${digits}`) + 0
  return Number.isSafeInteger(n) ? n : undefined
}
