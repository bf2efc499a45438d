/**
 * A child's stdin as a bounded queue: `supervisor.sendProcessStdin` answers once its bytes are
 * queued, as supervisord does, and one drain fiber per child writes them in order while the child
 * reads. Nobody waits on a child that does not read: not the caller, not the process actor, not
 * a stop or a shutdown (the drain fiber is interrupted when the child is gone).
 *
 * supervisord buffers without bound. Here a write that would take the queue past `limit` bytes is
 * refused whole (`StdinRefused` with reason "full", mapped to a FAILED fault and logged with the
 * counts): nothing is cut in half, and the daemon's memory stays bounded. Once a write fails
 * (EPIPE: the child closed its stdin) the queue is closed: queued bytes are dropped and later
 * writes are refused with reason "closed" (supervisord's NO_FILE).
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import type { RawChild } from "./Spawner.ts"

/** The most bytes one child's stdin queue holds (a sendProcessStdin body is at most 16 MiB). */
export const STDIN_QUEUE_LIMIT = 8 * 1024 * 1024

/** A write the queue did not take: it is `full` (the child is not reading) or `closed` (its stdin is gone). */
export class StdinRefused extends Data.TaggedError("StdinRefused")<{
  readonly reason: "full" | "closed"
  /** Bytes queued when the write came. */
  readonly queued: number
  /** Bytes in the refused write. */
  readonly size: number
  readonly limit: number
}> {}

/** One child's stdin queue. */
export interface StdinQueue {
  /** Queue `data` for the child; succeeds at once unless the queue is full or closed. */
  readonly offer: (data: Uint8Array) => Effect.Effect<void, StdinRefused>
  /** Bytes waiting to be written. */
  readonly queued: () => number
}

/**
 * A queue writing with `write` (the child's own stdin write, which waits until the child took the
 * bytes). `run` starts the drain fiber where its owner can interrupt it (the actor's per-child
 * fiber set): only one runs at a time, started by the first write into an empty queue.
 */
export const make = (
  write: RawChild["writeStdin"],
  run: (drain: Effect.Effect<void>) => Effect.Effect<unknown>,
  limit: number = STDIN_QUEUE_LIMIT
): StdinQueue => {
  const chunks: Array<Uint8Array> = []
  let queued = 0
  let draining = false
  let closed = false

  const drain: Effect.Effect<void> = Effect.gen(function*() {
    while (chunks.length > 0) {
      const chunk = chunks[0]!
      const written = yield* Effect.result(write(chunk))
      chunks.shift()
      queued -= chunk.length
      if (written._tag === "Failure") {
        closed = true
        chunks.length = 0
        queued = 0
      }
    }
  }).pipe(Effect.ensuring(Effect.sync(() => (draining = false))))

  const offer = (data: Uint8Array): Effect.Effect<void, StdinRefused> =>
    Effect.suspend(() => {
      if (closed || queued + data.length > limit) {
        return Effect.fail(new StdinRefused({ reason: closed ? "closed" : "full", queued, size: data.length, limit }))
      }
      if (data.length === 0) return Effect.void
      chunks.push(data)
      queued += data.length
      if (draining) return Effect.void
      draining = true
      return Effect.asVoid(run(drain))
    })

  return { offer, queued: () => queued }
}

/** The queue of a child without a stdin to write (an fcgi-program's fd 0 is its socket): every write is refused as closed. */
export const closed: StdinQueue = {
  offer: (data) => Effect.fail(new StdinRefused({ reason: "closed", queued: 0, size: data.length, limit: 0 })),
  queued: () => 0
}
