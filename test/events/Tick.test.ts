import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Stream } from "effect"
import { TestClock } from "effect/testing"
import type { TickEvent } from "../../src/events/Event.ts"
import { EventBus } from "../../src/events/EventBus.ts"
import { dueTicks, publishTicks, slicesAt, ticks, timeslice } from "../../src/events/Tick.ts"

const collect = (n: number) => ticks.pipe(Stream.take(n), Stream.runCollect, Effect.forkChild({ startImmediately: true }))

describe("Tick", () => {
  it("timeslice is the start of the period containing the instant (epoch seconds)", () => {
    assert.strictEqual(timeslice(5, 1795405323_999), 1795405320)
    assert.strictEqual(timeslice(60, 1795405380_000), 1795405380)
    assert.strictEqual(timeslice(3600, 1795405380_000), 1795402800)
  })

  it("dueTicks: nothing within a slice; TICK_5, TICK_60, TICK_3600 in that order on a shared boundary", () => {
    const start = slicesAt(3599_000)
    assert.deepStrictEqual(dueTicks(start, 3599_999)[1], [])
    assert.deepStrictEqual(dueTicks(start, 3600_000)[1], [
      { _tag: "TICK_5", when: 3600 },
      { _tag: "TICK_60", when: 3600 },
      { _tag: "TICK_3600", when: 3600 }
    ])
  })

  it("dueTicks: a clock jump of several periods gives one tick per type, for the latest slice", () => {
    assert.deepStrictEqual(dueTicks(slicesAt(0), 17_500)[1], [{ _tag: "TICK_5", when: 15 }])
  })

  it.effect("the first tick is at the next boundary after start, never at start", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(60_000) // exactly on a boundary
      const fiber = yield* collect(1)
      yield* TestClock.adjust("4999 millis")
      assert.isUndefined(fiber.pollUnsafe())
      yield* TestClock.adjust("1 millis")
      assert.deepStrictEqual(yield* Fiber.join(fiber), [{ _tag: "TICK_5", when: 65 }])
    }))

  it.effect("a start between boundaries waits only for the rest of the period", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(1795405318_250)
      const fiber = yield* collect(3)
      yield* TestClock.adjust("1750 millis")
      yield* TestClock.adjust("5 seconds")
      const got: ReadonlyArray<TickEvent> = yield* Fiber.join(fiber)
      assert.deepStrictEqual(got, [
        { _tag: "TICK_5", when: 1795405320 },
        { _tag: "TICK_60", when: 1795405320 },
        { _tag: "TICK_5", when: 1795405325 }
      ])
    }))

  it.effect("an hour of ticks: 720 TICK_5, 60 TICK_60, 1 TICK_3600", () =>
    Effect.gen(function*() {
      const fiber = yield* collect(781)
      for (let i = 0; i < 720; i++) yield* TestClock.adjust("5 seconds")
      const got = yield* Fiber.join(fiber)
      const count = (tag: string) => got.filter((t) => t._tag === tag).length
      assert.deepStrictEqual([count("TICK_5"), count("TICK_60"), count("TICK_3600")], [720, 60, 1])
      assert.deepStrictEqual(got.at(-1), { _tag: "TICK_3600", when: 3600 })
    }))

  it.effect("publishTicks publishes each tick to the bus and runs `after` on it", () =>
    Effect.gen(function*() {
      const bus = yield* EventBus
      const published: Array<string> = []
      const events = yield* bus.subscribe
      yield* Effect.forkScoped(Stream.runForEach(events, (e) => Effect.sync(() => published.push(e._tag))))
      const seen: Array<string> = []
      yield* Effect.forkScoped(publishTicks((tick) => Effect.sync(() => seen.push(tick._tag))))
      yield* Effect.yieldNow
      yield* TestClock.adjust("60 seconds")
      yield* Effect.yieldNow
      assert.deepStrictEqual(seen, [...Array<string>(12).fill("TICK_5"), "TICK_60"])
      assert.deepStrictEqual(published, seen)
    }).pipe(Effect.scoped, Effect.provide(EventBus.layer)))
})
