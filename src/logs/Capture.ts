/**
 * Capture mode (`*_capture_maxbytes > 0`): an incremental, effect-free splitter of one channel's
 * byte stream into the text logged normally and the messages written between
 * `<!--XSUPERVISOR:BEGIN-->` and `<!--XSUPERVISOR:END-->` (PROCESS_COMMUNICATION events).
 *
 * Invariants:
 * - Feeding a stream in any chunking gives the same log bytes and the same captured messages
 *   (up to the Q18 overflow rule, which supervisord applies per piece).
 * - Tokens may span chunks: a chunk ending in a proper prefix of the awaited token holds those
 *   bytes back (at most token length − 1) until the next chunk or `end`.
 * - Outside tokens, bytes are logged; `before<BEGIN>x<END>after` logs `before` then `after`.
 * - Inside tokens, each piece goes to a bounded buffer with supervisord's BoundIO rule (Q18):
 *   if `buffer + piece > maxBytes`, drop `piece.length` bytes from the FRONT, then append; the
 *   buffer can therefore exceed maxBytes. At END the buffer is one captured message.
 *
 * Gotchas (supervisord: dispatchers.py POutputDispatcher.record_output, loggers.py BoundIO):
 * - supervisord also emits PROCESS_LOG events and the debug main-log line for the pieces inside
 *   tokens (DOC≠CODE, Q2); they are reported here as `Capturing` segments so callers can copy that.
 * - supervisord holds back *any* buffer not longer than the token and drops held bytes at EOF;
 *   here only a real token prefix is held and `end` releases it.
 * See shared/reference/supervisord-4.2.5.md §4.4, §11 Q2/Q18.
 * @since 0.1.0
 */

const encoder = new TextEncoder()

/** The token that starts a captured message. */
export const BEGIN_TOKEN: Uint8Array = encoder.encode("<!--XSUPERVISOR:BEGIN-->")
/** The token that ends a captured message. */
export const END_TOKEN: Uint8Array = encoder.encode("<!--XSUPERVISOR:END-->")

/** One piece of output, in stream order. */
export type Segment =
  /** Bytes outside tokens: the normal log. */
  | { readonly _tag: "Log"; readonly bytes: Uint8Array }
  /** Bytes inside tokens, as they arrive (not logged to the file; supervisord still emits PROCESS_LOG for them). */
  | { readonly _tag: "Capturing"; readonly bytes: Uint8Array }
  /** A complete message at the END token (bounded by capture_maxbytes, Q18). */
  | { readonly _tag: "Captured"; readonly bytes: Uint8Array }

/** What one `feed` or `end` produced. */
export interface Split {
  /** Text outside tokens, to be logged. */
  readonly log: ReadonlyArray<Uint8Array>
  /** Each complete BEGIN…END body. */
  readonly captured: ReadonlyArray<Uint8Array>
  /** Everything above plus the `Capturing` pieces, in stream order. */
  readonly segments: ReadonlyArray<Segment>
}

/** An incremental capture-mode splitter for one channel of one spawn. */
export interface Splitter {
  /** Split the next chunk. */
  readonly feed: (chunk: Uint8Array) => Split
  /** The stream ended: release held-back bytes (an unterminated message is never emitted). */
  readonly end: () => Split
  /** Whether the splitter is between BEGIN and END. */
  readonly capturing: () => boolean
}

const LT = 0x3c // "<": both tokens start with it

/** Index of `token` in `haystack` at or after `from`, or -1. */
export const indexOfToken = (haystack: Uint8Array, token: Uint8Array, from: number): number => {
  const last = haystack.length - token.length
  for (let i = haystack.indexOf(token[0]!, from); i !== -1 && i <= last; i = haystack.indexOf(token[0]!, i + 1)) {
    let j = 1
    while (j < token.length && haystack[i + j] === token[j]) j++
    if (j === token.length) return i
  }
  return -1
}

/** Length of the longest suffix of `haystack[from..]` that is a proper prefix of `token` (supervisord's find_prefix_at_end). */
export const prefixAtEnd = (haystack: Uint8Array, token: Uint8Array, from: number): number => {
  const start = Math.max(from, haystack.length - token.length + 1)
  for (let i = haystack.indexOf(LT, start); i !== -1; i = haystack.indexOf(LT, i + 1)) {
    let j = 0
    while (i + j < haystack.length && haystack[i + j] === token[j]) j++
    if (i + j === haystack.length) return j
  }
  return 0
}

/** supervisord's BoundIO.write (Q18): over the bound, drop `piece.length` bytes from the front, then append. */
export const boundAppend = (buffer: Uint8Array, piece: Uint8Array, maxBytes: number): Uint8Array => {
  const kept = buffer.length + piece.length > maxBytes ? buffer.subarray(Math.min(piece.length, buffer.length)) : buffer
  const out = new Uint8Array(kept.length + piece.length)
  out.set(kept, 0)
  out.set(piece, kept.length)
  return out
}

const concat = (a: Uint8Array, b: Uint8Array): Uint8Array => {
  if (a.length === 0) return b
  const out = new Uint8Array(a.length + b.length)
  out.set(a, 0)
  out.set(b, a.length)
  return out
}

const EMPTY = new Uint8Array(0)

/**
 * A splitter bounded by `maxBytes` (capture_maxbytes). `transform` (e.g. ANSI stripping) is applied
 * to every `Log`/`Capturing` piece before it is emitted or buffered, as supervisord strips in `_log`.
 */
export const make = (maxBytes: number, transform: (piece: Uint8Array) => Uint8Array = (p) => p): Splitter => {
  let held: Uint8Array = EMPTY
  let inCapture = false
  let captureBuffer: Uint8Array = EMPTY

  const run = (data: Uint8Array, final: boolean): Split => {
    const log: Array<Uint8Array> = []
    const captured: Array<Uint8Array> = []
    const segments: Array<Segment> = []
    const emit = (raw: Uint8Array) => {
      if (raw.length === 0) return
      const bytes = transform(raw)
      if (bytes.length === 0) return
      if (inCapture) {
        captureBuffer = boundAppend(captureBuffer, bytes, maxBytes)
        segments.push({ _tag: "Capturing", bytes })
      } else {
        log.push(bytes)
        segments.push({ _tag: "Log", bytes })
      }
    }
    let pos = 0
    while (true) {
      const token = inCapture ? END_TOKEN : BEGIN_TOKEN
      const at = indexOfToken(data, token, pos)
      if (at === -1) break
      emit(data.subarray(pos, at))
      if (inCapture) {
        captured.push(captureBuffer)
        segments.push({ _tag: "Captured", bytes: captureBuffer })
        captureBuffer = EMPTY
      }
      inCapture = !inCapture
      pos = at + token.length
    }
    const keep = final ? 0 : prefixAtEnd(data, inCapture ? END_TOKEN : BEGIN_TOKEN, pos)
    emit(data.subarray(pos, data.length - keep))
    held = keep === 0 ? EMPTY : data.slice(data.length - keep)
    if (final) {
      inCapture = false
      captureBuffer = EMPTY
    }
    return { log, captured, segments }
  }

  return {
    feed: (chunk) => run(concat(held, chunk), false),
    end: () => run(held, true),
    capturing: () => inCapture
  }
}
