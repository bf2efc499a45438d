/**
 * A child's stdout or stderr as an OutputStream, whatever reads the bytes underneath (a pipe
 * read into the shared buffer, or a node:child_process stream): a stream for consumers that
 * look at the bytes (capture mode, events, strip_ansi), or a callback reader (or mover) for
 * the common case where the bytes only go to the log file.
 *
 * Invariants: reading starts at once, so output written the moment a child starts is kept
 * (copied) until its one reader attaches, up to READ_AHEAD before the source is paused; chunks
 * reach the reader in order, never dropped; a chunk handed to a callback reader is valid during
 * the call only (the source may reuse its memory), and what is kept is copied.
 *
 * Memory: a daemon holds two of these per running program, so a reader is one object whose
 * methods live on its prototype, and its Stream channel is only built if it is read as a stream.
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
import type { MoveTarget, OutputStream } from "../logs/ChildOutput.ts"

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
  /** Move what it can into `target` from now on, delivering only the rest (sources that can move). */
  readonly moveTo?: ((target: MoveTarget) => void) | undefined
  /**
   * Deliver at once everything the source holds now (sources that can tell): true when that
   * emptied it or it ended, false when the reader paused it first.
   */
  readonly settle?: (() => boolean) | undefined
}

/** The prototype of Effect's streams: a reader is a Stream whose `channel` is made on demand. */
const StreamPrototype: object = Object.getPrototypeOf(Stream.empty)

class Reader {
  consumer: Consumer | undefined = undefined
  early: Array<Uint8Array> = []
  earlyBytes = 0
  paused = false
  ended = false
  onEnd: (() => void) | undefined = undefined
  /** Read by callback: a chunk delivered is in the consumer's hands (see `settle`). */
  byCallback = false
  made: Channel.Channel<Arr.NonEmptyReadonlyArray<Uint8Array>> | undefined = undefined
  readonly source: ByteSource
  readonly readByMove: OutputStream["readByMove"]

  constructor(source: ByteSource) {
    this.source = source
    // Early chunks are handed to the reader first (by attach), so moved bytes never overtake them.
    this.readByMove = source.moveTo === undefined ? undefined : moveReader
    source.start((chunk) => this.take(chunk), () => this.end())
  }

  take(chunk: Uint8Array): void {
    // a reader that has no room pauses the source itself
    if (this.consumer !== undefined) {
      this.consumer(chunk)
      return
    }
    this.early.push(Buffer.from(chunk))
    this.earlyBytes += chunk.length
    if (this.earlyBytes >= READ_AHEAD) this.pause()
  }

  end(): void {
    if (this.ended) return
    this.ended = true
    this.onEnd?.()
  }

  pause(): void {
    this.paused = true
    this.source.pause()
  }

  resume(): void {
    this.paused = false
    this.source.resume()
  }

  /** Attach the one reader: the early chunks first, then each chunk as it comes. */
  attach(next: Consumer, whenEnded: () => void): void {
    this.onEnd = whenEnded
    let full = false
    for (const chunk of this.early) if (!next(chunk)) full = true
    this.early = []
    this.earlyBytes = 0
    this.consumer = next
    // a reader that has no room resumes once it has (it paused the source)
    if (!this.ended && !full && this.paused) this.resume()
  }

  destroy(): void {
    this.consumer = () => true
    this.source.destroy()
  }

  /**
   * Hand the callback reader everything the source holds now: true when the source is then empty
   * or ended. False when it cannot tell: read as a stream (chunks wait in the stream), not yet
   * attached, paused for want of room, or a source that cannot settle.
   */
  settle(): boolean {
    if (this.ended) return true
    if (!this.byCallback || this.paused) return false
    return this.source.settle?.() ?? false
  }

  readByCallback(onChunk: (chunk: Uint8Array) => boolean, ready: Effect.Effect<void>): Effect.Effect<void> {
    return Effect.suspend(() => {
      let full = false
      let done = false
      // The drain, while it waits for the consumer to fill up or the end (no latch: a daemon has
      // two drains per program, and this is one closure per wait instead of a latch's eight).
      let waiting: ((effect: Effect.Effect<void>) => void) | undefined
      const wake = () => {
        const resume = waiting
        waiting = undefined
        resume?.(Effect.void)
      }
      this.byCallback = true
      this.attach((chunk) => {
        if (onChunk(chunk)) return true
        full = true
        this.pause()
        wake()
        return false
      }, () => {
        done = true
        wake()
      })
      // Checked again as the wait begins: whatever came before it is not missed.
      const nextWake = Effect.callback<void>((resume) => {
        if (full || done || this.ended) return resume(Effect.void)
        waiting = resume
        return Effect.sync(() => {
          if (waiting === resume) waiting = undefined
        })
      })
      const loop: Effect.Effect<void> = Effect.suspend(() => {
        if (full) {
          full = false
          return Effect.andThen(ready, Effect.suspend(() => (this.resume(), loop)))
        }
        if (done || this.ended) return Effect.void
        return Effect.andThen(nextWake, loop)
      })
      return Effect.ensuring(loop, Effect.sync(() => this.destroy()))
    })
  }

  /** The Stream's channel, made the first time the reader is read as a stream. */
  get channel(): Channel.Channel<Arr.NonEmptyReadonlyArray<Uint8Array>> {
    this.made ??= Channel.fromTransform((_, scope) =>
      Effect.suspend(() => {
        let unread: Array<Uint8Array> = []
        let unreadBytes = 0
        let done = false
        const arrived = Latch.makeUnsafe(false)
        this.attach((chunk) => {
          unread.push(Buffer.from(chunk))
          unreadBytes += chunk.length
          arrived.openUnsafe()
          if (unreadBytes < READ_AHEAD) return true
          this.pause()
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
            if (this.paused) this.resume()
            return Effect.succeed(batch)
          }
          if (done || this.ended) return Cause.done()
          arrived.closeUnsafe()
          return Effect.andThen(arrived.await, pull)
        })
        return Effect.as(Scope.addFinalizer(scope, Effect.sync(() => this.destroy())), pull)
      })
    )
    return this.made
  }
}
Object.setPrototypeOf(Reader.prototype, StreamPrototype)

/** readByMove of a reader whose source can move (a method: `this` is the reader). */
function moveReader(
  this: Reader,
  target: MoveTarget,
  onChunk: (chunk: Uint8Array) => boolean,
  ready: Effect.Effect<void>
): Effect.Effect<void> {
  return Effect.suspend(() => {
    this.source.moveTo!(target)
    return this.readByCallback(onChunk, ready)
  })
}

/** A child's output read from `source`, which starts reading now. */
export const outputStream = (source: ByteSource): OutputStream =>
  // A Reader is a Stream through its prototype (see StreamPrototype), which TypeScript cannot see.
  new Reader(source) as unknown as OutputStream
