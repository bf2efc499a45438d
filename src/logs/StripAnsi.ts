/**
 * `strip_ansi`: removes ANSI escape sequences from child output before it is logged or published,
 * with supervisord's definition of a sequence: `ESC [` followed by anything up to and including
 * the first terminator byte among `HfABCDRsuJKhlpm`.
 *
 * Invariants: effect-free; stateful per stream, so a sequence cut across chunks is still removed
 * (supervisord strips each read separately and lets the tail of a cut sequence through). Chunks
 * without an ESC byte are returned as is (no copy).
 * supervisord: dispatchers.py stripEscapes. See shared/reference/supervisord-4.2.5.md §4.2.
 * @since 0.1.0
 */

const ESC = 0x1b
const OPEN = 0x5b // "["
const TERMINATORS = new Set(Array.from("HfABCDRsuJKhlpm", (c) => c.charCodeAt(0)))

/** A stateful stripper for one stream: call it on each chunk in order. */
export type Stripper = (chunk: Uint8Array) => Uint8Array

/** A new stripper with no sequence in progress. */
export const make = (): Stripper => {
  // "text": copying; "esc": an ESC ended the previous chunk; "seq": inside ESC [ … until a terminator
  let state: "text" | "esc" | "seq" = "text"
  return (chunk) => {
    if (state === "text" && chunk.indexOf(ESC) === -1) return chunk
    const out = new Uint8Array(chunk.length + 1)
    let n = 0
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!
      if (state === "seq") {
        if (TERMINATORS.has(b)) state = "text"
      } else if (state === "esc") {
        if (b === OPEN) state = "seq"
        else {
          out[n++] = ESC
          state = "text"
          i-- // look at b again as text
        }
      } else if (b === ESC) {
        if (i + 1 === chunk.length) state = "esc"
        else if (chunk[i + 1] === OPEN) {
          state = "seq"
          i++
        } else out[n++] = b
      } else {
        const next = chunk.indexOf(ESC, i)
        const end = next === -1 ? chunk.length : next
        out.set(chunk.subarray(i, end), n)
        n += end - i
        i = end - 1
      }
    }
    return out.subarray(0, n)
  }
}
