/**
 * A config file's bytes as text. supervisord reads its files as UTF-8 and refuses one with a byte
 * that does not decode, at once ("'utf-8' codec can't decode byte 0xe9 in position 43: invalid
 * continuation byte"); effsup does the same, and says where: the line, and the byte's offset in
 * the file. A leading byte order mark is refused too: supervisord reads it as text, so its first
 * line is not a section header ("File contains no section headers").
 *
 * Invariant: pure; the decoder never replaces a byte, so no config is read differently from what
 * its file holds.
 * @since 0.1.0
 */
import * as Result from "effect/Result"
import type { ConfigIssue } from "./Types.ts"

/** Why a byte sequence is not UTF-8 (Python's wording). */
export type Utf8Reason = "invalid start byte" | "invalid continuation byte" | "unexpected end of data"

/** The first sequence that is not UTF-8: where it starts, its first byte, and why. */
export interface Utf8Problem {
  readonly offset: number
  readonly byte: number
  readonly reason: Utf8Reason
}

/** The continuation bytes a lead byte needs, and the range its first continuation must be in (RFC 3629). */
const sequence = (lead: number): { readonly length: number; readonly low: number; readonly high: number } | undefined => {
  if (lead >= 0xc2 && lead <= 0xdf) return { length: 1, low: 0x80, high: 0xbf }
  if (lead === 0xe0) return { length: 2, low: 0xa0, high: 0xbf }
  if (lead === 0xed) return { length: 2, low: 0x80, high: 0x9f }
  if (lead >= 0xe1 && lead <= 0xef) return { length: 2, low: 0x80, high: 0xbf }
  if (lead === 0xf0) return { length: 3, low: 0x90, high: 0xbf }
  if (lead >= 0xf1 && lead <= 0xf3) return { length: 3, low: 0x80, high: 0xbf }
  if (lead === 0xf4) return { length: 3, low: 0x80, high: 0x8f }
  return undefined
}

/** The first invalid UTF-8 sequence of `bytes`, or undefined when all of it decodes. */
export const firstInvalidUtf8 = (bytes: Uint8Array): Utf8Problem | undefined => {
  let i = 0
  while (i < bytes.length) {
    const lead = bytes[i]!
    if (lead < 0x80) {
      i++
      continue
    }
    const seq = sequence(lead)
    if (seq === undefined) return { offset: i, byte: lead, reason: "invalid start byte" }
    for (let k = 1; k <= seq.length; k++) {
      if (i + k >= bytes.length) return { offset: i, byte: lead, reason: "unexpected end of data" }
      const b = bytes[i + k]!
      const [low, high] = k === 1 ? [seq.low, seq.high] : [0x80, 0xbf]
      if (b < low || b > high) return { offset: i, byte: lead, reason: "invalid continuation byte" }
    }
    i += seq.length + 1
  }
  return undefined
}

const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })

/** The 1-based line of a byte offset. */
const lineAt = (bytes: Uint8Array, offset: number): number => {
  let line = 1
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++
  return line
}

/** The text of `file`'s bytes, or the located issue of its first byte that is not UTF-8. */
export const decodeConfigText = (bytes: Uint8Array, file: string): Result.Result<string, ConfigIssue> => {
  let text: string
  try {
    text = strict.decode(bytes)
  } catch {
    const problem = firstInvalidUtf8(bytes) ?? { offset: 0, byte: bytes[0] ?? 0, reason: "invalid start byte" }
    return Result.fail({
      file,
      line: lineAt(bytes, problem.offset),
      section: undefined,
      option: undefined,
      message: `the file is not valid UTF-8: byte 0x${problem.byte.toString(16).padStart(2, "0")} at offset ${problem.offset} ` +
        `cannot be decoded (${problem.reason})`
    })
  }
  if (text.startsWith("\ufeff")) {
    return Result.fail({
      file,
      line: 1,
      section: undefined,
      option: undefined,
      message: "File contains no section headers: the file starts with a byte order mark (U+FEFF), which supervisord reads as text; save it without one"
    })
  }
  return Result.succeed(text)
}
