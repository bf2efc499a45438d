/**
 * Reading a child's stdout or stderr socket (a connection to the daemon's output socket) as an OutputStream:
 * a stream for consumers that look at the bytes (capture mode, events, strip_ansi), and a
 * callback reader for the common case where the bytes only go to the log file.
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
import type * as Net from "node:net"
import type { OutputStream, ReadByCallback } from "../logs/ChildOutput.ts"

/** Unread output beyond which a child's socket is paused until the reader catches up. */
const READ_AHEAD = 1024 * 1024

/**
 * Listen to a child's socket in flowing mode (each chunk as libuv reads it; paused mode would copy
 * the buffered chunks into one and stop reading until the consumer had run). `onEnd` runs at EOF,
 * close or error, also if that happened before (the socket was read up to its output, and ended,
 * before this reader came). Returns the detach function, which also destroys the socket; the
 * error listener stays, so an error after the reader is gone cannot crash the daemon.
 */
const listen = (socket: Net.Socket, onData: (chunk: Uint8Array) => void, onEnd: () => void): () => void => {
  socket.on("error", onEnd).on("end", onEnd).on("close", onEnd).on("data", onData)
  if (socket.readableEnded || socket.destroyed) onEnd()
  else socket.resume()
  return () => {
    socket.off("end", onEnd).off("close", onEnd).off("data", onData).destroy()
  }
}

/** The callback reader of a child's socket: no fiber runs per chunk, only to wait for `ready`. */
const readByCallback = (socket: Net.Socket): ReadByCallback => (onChunk, ready) =>
  Effect.suspend(() => {
    let full = false
    let ended = false
    const wake = Latch.makeUnsafe(false)
    const detach = listen(socket, (chunk) => {
      if (onChunk(chunk)) return
      full = true
      socket.pause()
      wake.openUnsafe()
    }, () => {
      ended = true
      wake.openUnsafe()
    })
    const loop: Effect.Effect<void> = Effect.suspend(() => {
      if (full) {
        full = false
        return Effect.andThen(ready, Effect.suspend(() => (socket.resume(), loop)))
      }
      if (ended) return Effect.void
      wake.closeUnsafe()
      return Effect.andThen(wake.await, loop)
    })
    return Effect.ensuring(loop, Effect.sync(detach))
  })

/**
 * A child's output channel as a stream, each pull taking every chunk read since the last one (the
 * socket pauses past READ_AHEAD unread bytes), plus its callback reader. Ends at EOF, and also on
 * a read error.
 */
export const outputOf = (socket: Net.Socket | undefined): OutputStream => {
  if (socket === undefined) return Stream.empty
  const stream = Stream.fromChannel(Channel.fromTransform((_, scope) =>
    Effect.suspend(() => {
      let unread: Array<Uint8Array> = []
      let unreadBytes = 0
      let ended = false
      const arrived = Latch.makeUnsafe(false)
      const detach = listen(socket, (chunk) => {
        unread.push(chunk)
        unreadBytes += chunk.length
        if (unreadBytes >= READ_AHEAD) socket.pause()
        arrived.openUnsafe()
      }, () => {
        ended = true
        arrived.openUnsafe()
      })
      const pull: Pull.Pull<Arr.NonEmptyReadonlyArray<Uint8Array>> = Effect.suspend(() => {
        if (unread.length > 0) {
          const batch = unread as Arr.NonEmptyArray<Uint8Array>
          unread = []
          unreadBytes = 0
          if (socket.isPaused()) socket.resume()
          return Effect.succeed(batch)
        }
        if (ended) return Cause.done()
        arrived.closeUnsafe()
        return Effect.andThen(arrived.await, pull)
      })
      return Effect.as(Scope.addFinalizer(scope, Effect.sync(detach)), pull)
    })
  ))
  return Object.assign(stream, { readByCallback: readByCallback(socket) })
}
