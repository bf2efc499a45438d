/**
 * A child's stdout or stderr as the daemon reads it: a connection the daemon makes to the spawn
 * helper's socket (SpawnHelper.ts), which the helper gives the child. It is read as an
 * OutputStream: a stream for consumers that look at the bytes (capture mode, events, strip_ansi),
 * or a callback reader for the common case where the bytes only go to the log file.
 *
 * Every connection reads into one shared buffer (Node's `onread`), as large as the socket has
 * data: no buffer is allocated per read, and a busy child is read in a few large reads instead
 * of many 64 KiB ones (measured: twice the throughput). A chunk handed to a callback reader is a
 * view of that buffer, valid during the call only; what is kept (early output, the stream's
 * unread chunks) is copied.
 * @since 0.1.0
 */
import type * as Arr from "effect/Array"
import * as Cause from "effect/Cause"
import * as Channel from "effect/Channel"
import * as Effect from "effect/Effect"
import * as Latch from "effect/Latch"
import type * as Pull from "effect/Pull"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Net from "node:net"
import type { OutputStream, ReadByCallback } from "../logs/ChildOutput.ts"

/** Unread output beyond which a child's socket is paused until the reader catches up. */
const READ_AHEAD = 1024 * 1024

/** The buffer every child connection reads into; the daemon's one thread reads one at a time. */
const shared = Buffer.allocUnsafe(512 * 1024)
const sharedBuffer = () => shared

/** One of a child's output connections, not yet read. */
export interface OutputConnection {
  /** Its bytes, to be read once: by stream or by callback. */
  readonly output: OutputStream
  /** Close it unread (the spawn failed). */
  readonly destroy: () => void
}

/** Who takes the bytes: the chunk is a view of the shared buffer; return false to pause reading. */
type Consumer = (chunk: Uint8Array) => boolean

/**
 * Connect to the helper's socket at `path` and send `header` (which child, which stream). Output
 * that comes before a reader attaches is kept (copied), up to READ_AHEAD before reading pauses.
 * A connection refused for a full backlog (EAGAIN) is retried; `onRefused` gets any other
 * error before the connection is made (the output then ends at once).
 */
export const connectOutput = (path: string, header: Uint8Array, onRefused: (code: string) => void): OutputConnection => {
  let consumer: Consumer | undefined
  let early: Array<Uint8Array> = []
  let earlyBytes = 0
  let ended = false
  let onEnd: (() => void) | undefined
  let socket: Net.Socket

  const end = () => {
    if (ended) return
    ended = true
    onEnd?.()
  }
  const onRead = (n: number, buffer: Uint8Array): boolean => {
    const chunk = buffer.subarray(0, n)
    if (consumer !== undefined) return consumer(chunk)
    early.push(Buffer.from(chunk))
    earlyBytes += n
    if (earlyBytes < READ_AHEAD) return true
    // paused as a stream too, so that the reader's resume starts reading again
    socket.pause()
    return false
  }
  const open = (delay: number) => {
    const attempt = Net.connect({ path, onread: { buffer: sharedBuffer, callback: onRead } })
    let connected = false
    let superseded = false
    socket = attempt
    attempt.once("connect", () => (connected = true))
    attempt.on("error", (cause: NodeJS.ErrnoException) => {
      if (connected) return
      if (cause.code === "EAGAIN" && delay < 1000 && !ended) {
        superseded = true
        setTimeout(() => open(delay * 2), delay)
      } else {
        onRefused(cause.code ?? "UNKNOWN")
      }
    })
    attempt.on("end", end).on("close", () => {
      if (!superseded) end()
    })
    attempt.write(header)
    attempt.resume()
  }
  open(1)

  /** Attach the one reader: the early chunks first, then each read as it comes. */
  const attach = (next: Consumer, whenEnded: () => void): void => {
    onEnd = whenEnded
    let full = false
    for (const chunk of early) if (!next(chunk)) full = true
    early = []
    earlyBytes = 0
    consumer = next
    // a reader that has no room resumes once it has (it paused the socket)
    if (!ended && !full && socket.isPaused()) socket.resume()
  }
  /** Stop reading until `resume`. */
  const pause = () => socket.pause()
  const resume = () => socket.resume()
  const destroy = () => {
    consumer = () => true
    socket.destroy()
  }

  const readByCallback: ReadByCallback = (onChunk, ready) =>
    Effect.suspend(() => {
      let full = false
      let done = false
      const wake = Latch.makeUnsafe(false)
      attach((chunk) => {
        if (onChunk(chunk)) return true
        full = true
        pause()
        wake.openUnsafe()
        return false
      }, () => {
        done = true
        wake.openUnsafe()
      })
      const loop: Effect.Effect<void> = Effect.suspend(() => {
        if (full) {
          full = false
          return Effect.andThen(ready, Effect.suspend(() => (resume(), loop)))
        }
        if (done || ended) return Effect.void
        wake.closeUnsafe()
        return Effect.andThen(wake.await, loop)
      })
      return Effect.ensuring(loop, Effect.sync(destroy))
    })

  const stream = Stream.fromChannel(Channel.fromTransform((_, scope) =>
    Effect.suspend(() => {
      let unread: Array<Uint8Array> = []
      let unreadBytes = 0
      let done = false
      const arrived = Latch.makeUnsafe(false)
      attach((chunk) => {
        unread.push(Buffer.from(chunk))
        unreadBytes += chunk.length
        arrived.openUnsafe()
        if (unreadBytes < READ_AHEAD) return true
        pause()
        return false
      }, () => {
        done = true
        arrived.openUnsafe()
      })
      const pull: Pull.Pull<Arr.NonEmptyReadonlyArray<Uint8Array>> = Effect.suspend(() => {
        if (unread.length > 0) {
          const batch = unread as Arr.NonEmptyArray<Uint8Array>
          unread = []
          unreadBytes = 0
          if (socket.isPaused()) resume()
          return Effect.succeed(batch)
        }
        if (done || ended) return Cause.done()
        arrived.closeUnsafe()
        return Effect.andThen(arrived.await, pull)
      })
      return Effect.as(Scope.addFinalizer(scope, Effect.sync(destroy)), pull)
    })
  ))

  return { output: Object.assign(stream, { readByCallback }), destroy }
}
