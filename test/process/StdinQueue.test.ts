import { assert, describe, it } from "@effect/vitest"
import { Effect, FiberSet, Queue } from "effect"
import { StdinFailure } from "../../src/process/Spawner.ts"
import * as StdinQueue from "../../src/process/StdinQueue.ts"

const bytes = (n: number, fill = 120) => new Uint8Array(n).fill(fill)

/** A child's stdin that takes one write per `accept`, or fails one per `refuse`. */
const stuckChild = Effect.gen(function*() {
  const written: Array<number> = []
  const permits = yield* Queue.unbounded<boolean>()
  const write = (data: Uint8Array) =>
    Effect.gen(function*() {
      if (!(yield* Queue.take(permits))) return yield* new StdinFailure({ message: "EPIPE" })
      written.push(data.length)
    })
  /** Let the drain fiber run until it waits again. */
  const settle = Effect.forEach(Array.from({ length: 10 }), () => Effect.yieldNow, { discard: true })
  return {
    written,
    write,
    accept: Effect.andThen(Queue.offer(permits, true), settle),
    refuse: Effect.andThen(Queue.offer(permits, false), settle)
  }
})

describe("StdinQueue", () => {
  it.effect("takes writes at once while the child does not read, up to the limit, and refuses the one beyond whole", () =>
    Effect.gen(function*() {
      const child = yield* stuckChild
      const fibers = yield* FiberSet.make()
      const queue = StdinQueue.make(child.write, (drain) => FiberSet.run(fibers, drain), 100)
      yield* queue.offer(bytes(40))
      yield* queue.offer(bytes(60))
      assert.strictEqual(queue.queued(), 100)
      const refused = yield* Effect.flip(queue.offer(bytes(1)))
      assert.deepStrictEqual({ ...refused }, { _tag: "StdinRefused", reason: "full", queued: 100, size: 1, limit: 100 })
      assert.deepStrictEqual(child.written, [])
    }))

  it.effect("writes in order, one at a time, and frees room as the child reads", () =>
    Effect.gen(function*() {
      const child = yield* stuckChild
      const fibers = yield* FiberSet.make()
      const queue = StdinQueue.make(child.write, (drain) => FiberSet.run(fibers, drain), 100)
      yield* queue.offer(bytes(10))
      yield* queue.offer(bytes(20))
      yield* queue.offer(bytes(30))
      yield* child.accept
      assert.deepStrictEqual(child.written, [10])
      assert.strictEqual(queue.queued(), 50)
      yield* child.accept
      yield* child.accept
      assert.deepStrictEqual(child.written, [10, 20, 30])
      assert.strictEqual(queue.queued(), 0)
      // an empty queue starts a new drain on the next write
      yield* queue.offer(bytes(5))
      yield* child.accept
      assert.deepStrictEqual(child.written, [10, 20, 30, 5])
    }))

  it.effect("closes on a failed write: the rest is dropped and later writes are refused as closed", () =>
    Effect.gen(function*() {
      const child = yield* stuckChild
      const fibers = yield* FiberSet.make()
      const queue = StdinQueue.make(child.write, (drain) => FiberSet.run(fibers, drain), 100)
      yield* queue.offer(bytes(10))
      yield* queue.offer(bytes(20))
      yield* child.refuse
      assert.strictEqual(queue.queued(), 0)
      const refused = yield* Effect.flip(queue.offer(bytes(1)))
      assert.strictEqual(refused.reason, "closed")
    }))

  it.effect("a drain interrupted with its child leaves no fiber behind, and a later write starts a new one", () =>
    Effect.gen(function*() {
      const child = yield* stuckChild
      const fibers = yield* FiberSet.make()
      const queue = StdinQueue.make(child.write, (drain) => FiberSet.run(fibers, drain), 100)
      yield* queue.offer(bytes(10))
      assert.strictEqual(yield* FiberSet.size(fibers), 1)
      yield* FiberSet.clear(fibers)
      assert.strictEqual(yield* FiberSet.size(fibers), 0)
      yield* queue.offer(bytes(1))
      assert.strictEqual(yield* FiberSet.size(fibers), 1)
    }))
})
