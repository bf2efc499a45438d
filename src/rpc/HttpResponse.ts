/**
 * An incremental reader of one HTTP/1.x response, fed the bytes of a connection as they arrive:
 * the status (after the headers, which it reads for the body's framing only), then the body as it
 * comes — `Content-Length` bytes, chunked (`Transfer-Encoding: chunked`, the chunk framing and
 * trailers removed), or everything up to the close — then its end. rpc/Client.ts reads effsup's
 * and supervisord's answers with it (supervisord's medusa streams `/logtail` chunked).
 *
 * Invariants: pure (no I/O); the reader never calls its sink after `end` or after it reported a
 * problem, and ignores bytes after the response (the client sends one request per connection).
 * Problems are reported with Node's http client's words ("socket hang up" for a connection
 * closed before the headers, "aborted" for one closed in the body, `Parse Error: …` otherwise).
 * Interim 1xx responses are skipped; 204 and 304 have no body.
 * @since 0.1.0
 */

/** What a reader reports a response to. */
export interface ResponseSink {
  /** The status line and headers were read (`reason`: the status line's phrase, trimmed); the body (if any) follows. */
  readonly head: (status: number, reason: string) => void
  /** A piece of the body, framing removed (a view of the bytes pushed, not a copy). */
  readonly body: (bytes: Uint8Array) => void
  /** The body is complete. */
  readonly end: () => void
}

/** The reader of one response; each method returns a problem's description, or undefined. */
export interface ResponseReader {
  /** The next bytes of the connection. */
  readonly push: (bytes: Uint8Array) => string | undefined
  /** The peer closed the connection: the end of a body read to the close, else a problem if the response is incomplete. */
  readonly close: () => string | undefined
}

/** Longest status line, header or chunk-size line accepted (Node's http client allows 16 KiB of headers). */
const MAX_LINE = 64 * 1024

const CR = 13
const LF = 10

const latin1 = new TextDecoder("latin1")

type State = "Head" | "Length" | "ChunkSize" | "ChunkData" | "ChunkEnd" | "Trailers" | "UntilClose" | "Done"

/** A reader reporting to `sink`. */
export const makeResponseReader = (sink: ResponseSink): ResponseReader => {
  let state: State = "Head"
  let remaining = 0 // bytes left of the body (Length) or of the chunk (ChunkData)
  let lines: Array<string> = []
  let buffer: Uint8Array = new Uint8Array(0)
  let at = 0

  /** The next whole line (without its CRLF or LF), or undefined until one has arrived. */
  const line = (): string | undefined => {
    const lf = buffer.indexOf(LF, at)
    if (lf < 0) return undefined
    const text = latin1.decode(buffer.subarray(at, lf > at && buffer[lf - 1] === CR ? lf - 1 : lf))
    at = lf + 1
    return text
  }

  const finish = () => {
    state = "Done"
    sink.end()
  }

  /** Start the body the head in `lines` announces. */
  const startBody = (): string | undefined => {
    const [statusLine = "", ...fields] = lines
    lines = []
    const matched = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(statusLine)
    if (matched === null) return "Parse Error: Expected HTTP/"
    const code = Number(matched[1])
    if (code < 200) return undefined // an interim response: the final one follows
    let chunked = false
    let length: string | undefined
    for (const field of fields) {
      const colon = field.indexOf(":")
      if (colon <= 0) return "Parse Error: Invalid header token"
      const name = field.slice(0, colon).trim().toLowerCase()
      const value = field.slice(colon + 1).trim()
      if (name === "transfer-encoding") chunked = /(?:^|,)\s*chunked$/i.test(value)
      else if (name === "content-length") length = value
    }
    if (!chunked && length !== undefined && !/^\d+$/.test(length)) return "Parse Error: Invalid character in Content-Length"
    sink.head(code, statusLine.slice(matched[0].length).trim())
    if (code === 204 || code === 304) finish()
    else if (chunked) state = "ChunkSize"
    else if (length === undefined) state = "UntilClose"
    else if ((remaining = Number(length)) === 0) finish()
    else state = "Length"
    return undefined
  }

  /** Hand on up to `remaining` bytes of body; true once they are all in. */
  const take = (): boolean => {
    const n = Math.min(remaining, buffer.length - at)
    sink.body(buffer.subarray(at, at + n))
    at += n
    remaining -= n
    return remaining === 0
  }

  /** Advance through what is buffered; a problem's description, or undefined. */
  const advance = (): string | undefined => {
    while (state !== "Done" && at < buffer.length) {
      if (state === "Length") {
        if (take()) finish()
      } else if (state === "ChunkData") {
        if (take()) state = "ChunkEnd"
      } else if (state === "UntilClose") {
        sink.body(buffer.subarray(at))
        at = buffer.length
      } else {
        const text = line()
        if (text === undefined) return buffer.length - at > MAX_LINE ? "Parse Error: Header overflow" : undefined
        if (state === "Head") {
          if (text !== "") lines.push(text)
          else if (lines.length > 0) {
            const problem = startBody()
            if (problem !== undefined) return problem
          }
        } else if (state === "ChunkSize") {
          const size = /^([0-9a-fA-F]{1,12})[ \t]*(?:;.*)?$/.exec(text)?.[1]
          if (size === undefined) return "Parse Error: Invalid character in chunk size"
          remaining = Number.parseInt(size, 16)
          state = remaining === 0 ? "Trailers" : "ChunkData"
        } else if (state === "ChunkEnd") {
          if (text !== "") return "Parse Error: Expected LF after chunk data"
          state = "ChunkSize"
        } else if (text === "") finish() // the empty line after the trailers
      }
    }
    return undefined
  }

  const push = (bytes: Uint8Array): string | undefined => {
    if (state === "Done") return undefined
    if (at < buffer.length) {
      const joined = new Uint8Array(buffer.length - at + bytes.length)
      joined.set(buffer.subarray(at))
      joined.set(bytes, buffer.length - at)
      buffer = joined
    } else buffer = bytes
    at = 0
    const problem = advance()
    if (problem !== undefined) state = "Done"
    return problem
  }

  const close = (): string | undefined => {
    if (state === "Done") return undefined
    if (state === "UntilClose") {
      finish()
      return undefined
    }
    const problem = state === "Head" ? "socket hang up" : "aborted"
    state = "Done"
    return problem
  }

  return { push, close }
}
