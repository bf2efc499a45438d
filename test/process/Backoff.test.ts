import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Random, Ref } from "effect"
import { TestClock } from "effect/testing"
import * as Backoff from "../../src/process/Backoff.ts"
import { processConfig } from "../support/Configs.ts"

/** supervisord's backoff with `retries` (the defaults of every other option), then `over`. */
const linear = (retries: number, over: Partial<Backoff.BackoffSettings> = {}): Backoff.BackoffSettings => ({
  ...Backoff.backoffSettings(processConfig({ startretries: retries })),
  ...over
})

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
  it("reads the program's options; the defaults are supervisord's", () => {
    assert.deepStrictEqual(Backoff.backoffSettings(processConfig({ startretries: 7 })), {
      curve: "linear", initial: 1, max: undefined, jitter: 0, retries: 7
    })
    assert.deepStrictEqual(
      Backoff.backoffSettings(processConfig({ startretries: Infinity, backoff: "exponential", backoffInitial: 0.5, backoffMax: 30, backoffJitter: 0.2 })),
      { curve: "exponential", initial: 0.5, max: 30, jitter: 0.2, retries: Infinity }
    )
  })

  it.effect("waits 1 s, 2 s, 3 s … and is done after startretries retries", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* delays(Backoff.make(linear(3))), [1, 2, 3])
      assert.deepStrictEqual(yield* delays(Backoff.make(linear(0))), [])
      assert.deepStrictEqual(yield* delays(Backoff.make(linear(5))), [1, 2, 3, 4, 5])
    }))

  it.effect("once done it stays done; reset starts over from the first delay", () =>
    Effect.gen(function*() {
      const backoff = Backoff.make(linear(2))
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
      const backoff = Backoff.make(linear(3))
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
      const fiber = yield* failing.pipe(Effect.retry(Backoff.schedule(linear(3))), Effect.flip, Effect.forkChild)
      yield* TestClock.adjust("5999 millis")
      assert.strictEqual(yield* Ref.get(attempts), 3)
      yield* TestClock.adjust("1 millis")
      assert.strictEqual(yield* Fiber.join(fiber), "spawn failed")
      assert.strictEqual(yield* Ref.get(attempts), 4)
    }))
  it.effect("exponential doubles from backoff_initial, constant repeats it, backoff_max caps both", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* delays(Backoff.make(linear(6, { curve: "exponential" }))), [1, 2, 4, 8, 16, 32])
      assert.deepStrictEqual(yield* delays(Backoff.make(linear(6, { curve: "exponential", initial: 0.5, max: 5 }))), [0.5, 1, 2, 4, 5, 5])
      assert.deepStrictEqual(yield* delays(Backoff.make(linear(3, { curve: "constant", initial: 2.5 }))), [2.5, 2.5, 2.5])
      assert.deepStrictEqual(yield* delays(Backoff.make(linear(5, { initial: 2, max: 7 }))), [2, 4, 6, 7, 7])
    }))

  it.effect("startretries=infinite never runs out", () =>
    Effect.gen(function*() {
      const backoff = Backoff.make(linear(Infinity, { curve: "exponential", max: 60 }))
      const got = yield* delays(backoff)
      assert.strictEqual(got.length, 20)
      assert.deepStrictEqual(got.slice(5, 8), [32, 60, 60])
      for (let i = 0; i < 1000; i++) assert.isDefined(yield* backoff.step)
    }))

  it.effect("jitter shortens each wait by a random part of up to the fraction, never beyond the cap", () =>
    Effect.gen(function*() {
      const settings = linear(Infinity, { curve: "exponential", max: 8, jitter: 0.5 })
      const got = yield* delays(Backoff.make(settings))
      const exact = got.map((_, i) => Backoff.nthDelay(settings, i + 1))
      for (const [i, d] of got.entries()) {
        assert.isAtMost(d, exact[i]!)
        assert.isAtLeast(d, exact[i]! * 0.5)
      }
      assert.isFalse(got.every((d, i) => d === exact[i]), "some wait was shortened")
      // Seeded, the waits are reproducible.
      const seeded = () => delays(Backoff.make(settings)).pipe(Random.withSeed("effsup"))
      assert.deepStrictEqual(yield* seeded(), yield* seeded())
    }))
})
