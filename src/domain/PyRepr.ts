/**
 * Python's `repr()` of `bytes` and `str`, which supervisord writes verbatim into event payloads
 * (`Undecodable: b'\xff'`), into log lines (`'listener' stdout output:\nb'READY\n'`) and into
 * config error messages (`not a valid boolean value: 'maybe'`). The one implementation for
 * config/, events/ and logs/ alike, hence in domain/.
 * Invariant: the output is what CPython 3 prints for the same value, including its choice of
 * quote (single unless the value contains `'` and no `"`).
 * @since 0.1.0
 */

const hex = (n: number, width: number): string => n.toString(16).padStart(width, "0")

const quoteFor = (hasSingle: boolean, hasDouble: boolean): "'" | "\"" => hasSingle && !hasDouble ? "\"" : "'"

const SIMPLE_ESCAPES: Readonly<Record<number, string>> = { 0x5c: "\\\\", 0x0a: "\\n", 0x0d: "\\r", 0x09: "\\t" }

/** `repr(b)` for a Python `bytes` value, e.g. `b'READY\n'`, `b'\xff\xfe'`. */
export const bytesRepr = (bytes: Uint8Array): string => {
  const quote = quoteFor(bytes.includes(0x27), bytes.includes(0x22))
  let out = "b" + quote
  for (const b of bytes) {
    const simple = SIMPLE_ESCAPES[b]
    if (simple !== undefined) out += simple
    else if (b === quote.charCodeAt(0)) out += "\\" + quote
    else if (b < 0x20 || b >= 0x7f) out += "\\x" + hex(b, 2)
    else out += String.fromCharCode(b)
  }
  return out + quote
}

// Python's str.isprintable is false for categories Cc, Cf, Cs, Co, Cn, Zl, Zp and Zs other than the space.
const NON_PRINTABLE = /[\p{C}\p{Z}]/u

/** Printable ASCII without a quote or a backslash: what repr() puts between single quotes unchanged (most names). */
const PLAIN_ASCII = /^[\x20-\x21\x23-\x26\x28-\x5b\x5d-\x7e]*$/

/** `repr(s)` for a Python `str` value, e.g. `'listener'`. */
export const strRepr = (s: string): string => {
  if (PLAIN_ASCII.test(s)) return `'${s}'`
  const quote = quoteFor(s.includes("'"), s.includes("\""))
  let out = quote
  for (const ch of s) {
    const cp = ch.codePointAt(0)!
    const simple = SIMPLE_ESCAPES[cp]
    if (simple !== undefined) out += simple
    else if (ch === quote) out += "\\" + quote
    else if (ch !== " " && NON_PRINTABLE.test(ch)) {
      out += cp < 0x100 ? "\\x" + hex(cp, 2) : cp < 0x10000 ? "\\u" + hex(cp, 4) : "\\U" + hex(cp, 8)
    } else out += ch
  }
  return out + quote
}
