/**
 * A child's stdout or stderr as an OutputStream, whatever reads the bytes underneath (a pipe
 * read into the shared buffer, or a node:child_process stream): a stream for consumers that
 * look at the bytes (capture mode, events, strip_ansi), or a callback reader for the common case
 * where the bytes only go to the log file.
 *
 * Invariants: reading starts at once, so output written the moment a child starts is kept
 * (copied) until its one reader attaches, up to READ_AHEAD before the source is paused; chunks
 * reach the reader in order, never dropped; a chunk handed to a callback reader is valid during
 * the call only (the source may reuse its memory), and what is kept is copied.
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
import type { OutputStream, ReadByCallback, ReadBySplice, SpliceTarget } from "../logs/ChildOutput.ts"

/** Unread output beyond which a source is paused until its reader catches up. */
export const READ_AHEAD = 1024 * 1024

/** Who takes the bytes: the chunk is valid during the call only; false when it paused the source for want of room. */
export type Consumer = (chunk: Uint8Array) => boolean

/** What an output reader needs from the bytes underneath. */
export interface ByteSource {
  /**
   * Start delivering, once: each chunk to `onChunk`, then `onEnd` at EOF or error. `onChunk` may
   * call `pause` (and even `resume` again) before it returns: the source must not pause on its own.
   */
  readonly start: (onChunk: (chunk: Uint8Array) => void, onEnd: () => void) => void
  /** Stop delivering until `resume`. */
  readonly pause: () => void
  readonly resume: () => void
  /** Close it; nothing more is delivered. */
  readonly destroy: () => void
  /** Splice what it can into `target` from now on, delivering only the rest (sources that can splice). */
  readonly spliceTo?: ((target: SpliceTarget) => void) | undefined
}

/** A child's output read from `source`, which starts reading now. */
export const outputStream = (source: ByteSource): OutputStream => {
  let consumer: Consumer | undefined
  let early: Array<Uint8Array> = []
  let earlyBytes = 0
  let paused = false
  let ended = false
  let onEnd: (() => void) | undefined

  const pause = () => {
    paused = true
    source.pause()
  }
  const resume = () => {
    paused = false
    source.resume()
  }
  source.start((chunk) => {
    // a reader that has no room pauses the source itself
    if (consumer !== undefined) {
      consumer(chunk)
      return
    }
    early.push(Buffer.from(chunk))
    earlyBytes += chunk.length
    if (earlyBytes >= READ_AHEAD) pause()
  }, () => {
    if (ended) return
    ended = true
    onEnd?.()
  })

  /** Attach the one reader: the early chunks first, then each chunk as it comes. */
  const attach = (next: Consumer, whenEnded: () => void): void => {
    onEnd = whenEnded
    let full = false
    for (const chunk of early) if (!next(chunk)) full = true
    early = []
    earlyBytes = 0
    consumer = next
    // a reader that has no room resumes once it has (it paused the source)
    if (!ended && !full && paused) resume()
  }
  const destroy = () => {
    consumer = () => true
    source.destroy()
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
          if (paused) resume()
          return Effect.succeed(batch)
        }
        if (done || ended) return Cause.done()
        arrived.closeUnsafe()
        return Effect.andThen(arrived.await, pull)
      })
      return Effect.as(Scope.addFinalizer(scope, Effect.sync(destroy)), pull)
    })
  ))

  // Early chunks are handed to onChunk first (by attach), so spliced bytes can never overtake them.
  const spliceTo = source.spliceTo
  const readBySplice: ReadBySplice | undefined = spliceTo === undefined ? undefined : (target, onChunk, ready) =>
    Effect.suspend(() => {
      spliceTo(target)
      return readByCallback(onChunk, ready)
    })

  return Object.assign(stream, { readByCallback, readBySplice })
}
