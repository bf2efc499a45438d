import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Ref } from "effect"
import { TestClock } from "effect/testing"
import * as Backoff from "../../src/process/Backoff.ts"

/** Step a backoff until it is done (at most 20 steps); the delays in seconds. */
const delays = (backoff: Backoff.Backoff) =>
  Effect.gen(function*() {
    const out: Array<number> = []
    while (out.length < 20) {
      const delay = yield* backoff.step
      if (delay === undefined) break
      out.push(Duration.toSeconds(delay))
    }
    return out
  })

describe("Backoff", () => {
  it("reads startretries from the program's options", () => {
    assert.deepStrictEqual(Backoff.backoffSettings({ startretries: 7 }), { retries: 7 })
  })

  it.effect("waits 1 s, 2 s, 3 s … and is done after startretries retries", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* delays(Backoff.make({ retries: 3 })), [1, 2, 3])
      assert.deepStrictEqual(yield* delays(Backoff.make({ retries: 0 })), [])
      assert.deepStrictEqual(yield* delays(Backoff.make({ retries: 5 })), [1, 2, 3, 4, 5])
    }))

  it.effect("once done it stays done; reset starts over from the first delay", () =>
    Effect.gen(function*() {
      const backoff = Backoff.make({ retries: 2 })
      assert.deepStrictEqual(yield* delays(backoff), [1, 2])
      assert.strictEqual(yield* backoff.step, undefined)
      yield* backoff.reset
      assert.deepStrictEqual(yield* delays(backoff), [1, 2])
      yield* backoff.step
      yield* backoff.reset
      assert.deepStrictEqual(Duration.toSeconds((yield* backoff.step)!), 1)
    }))

  it.effect("the delays do not depend on when the steps are taken", () =>
    Effect.gen(function*() {
      const backoff = Backoff.make({ retries: 3 })
      const out: Array<number> = []
      for (let i = 0; i < 3; i++) {
        yield* TestClock.adjust("17 seconds")
        out.push(Duration.toSeconds((yield* backoff.step)!))
      }
      assert.deepStrictEqual(out, [1, 2, 3])
    }))

  it.effect("is a real Schedule: retrying with it sleeps 1 + 2 + 3 s on the clock, then gives up", () =>
    Effect.gen(function*() {
      const attempts = yield* Ref.make(0)
      const failing = Effect.andThen(Ref.update(attempts, (n) => n + 1), Effect.fail("spawn failed"))
      const fiber = yield* failing.pipe(Effect.retry(Backoff.schedule({ retries: 3 })), Effect.flip, Effect.forkChild)
      yield* TestClock.adjust("5999 millis")
      assert.strictEqual(yield* Ref.get(attempts), 3)
      yield* TestClock.adjust("1 millis")
      assert.strictEqual(yield* Fiber.join(fiber), "spawn failed")
      assert.strictEqual(yield* Ref.get(attempts), 4)
    }))
})
