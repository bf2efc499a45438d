import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Scope } from "effect"
import { TestClock } from "effect/testing"
import * as AlarmClock from "../../src/process/AlarmClock.ts"

/** A clock in its own scope, and the names of the alarms rung so far, in order. */
const withClock = <A>(body: (clock: AlarmClock.AlarmClock, rung: Array<string>, scope: Scope.Closeable) => Effect.Effect<A>) =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const clock = yield* Scope.provide(AlarmClock.make, scope)
    const rung: Array<string> = []
    return yield* body(clock, rung, scope).pipe(Effect.ensuring(Scope.close(scope, Exit.void)))
  })

describe("AlarmClock", () => {
  it.effect("rings each alarm when its time comes, by deadline, same times in the order set", () =>
    withClock((clock, rung) =>
      Effect.gen(function*() {
        clock.set(3000, () => rung.push("c"))
        clock.set(1000, () => rung.push("a"))
        clock.set(2000, () => rung.push("b1"))
        clock.set(2000, () => rung.push("b2"))
        yield* TestClock.adjust("999 millis")
        assert.deepStrictEqual(rung, [])
        yield* TestClock.adjust("1 millis")
        assert.deepStrictEqual(rung, ["a"])
        yield* TestClock.adjust("1 seconds")
        assert.deepStrictEqual(rung, ["a", "b1", "b2"])
        yield* TestClock.adjust("5 seconds")
        assert.deepStrictEqual(rung, ["a", "b1", "b2", "c"])
      })
    ))

  it.effect("an alarm earlier than the one the clock sleeps for rings on time", () =>
    withClock((clock, rung) =>
      Effect.gen(function*() {
        clock.set(10_000, () => rung.push("late"))
        yield* TestClock.adjust("1 seconds")
        clock.set(500, () => rung.push("early"))
        yield* TestClock.adjust("500 millis")
        assert.deepStrictEqual(rung, ["early"])
        yield* TestClock.adjust("9 seconds")
        assert.deepStrictEqual(rung, ["early", "late"])
      })
    ))

  it.effect("a cancelled alarm never rings, the others still do; cancelling twice or after it rang does nothing", () =>
    withClock((clock, rung) =>
      Effect.gen(function*() {
        const alarms = [1, 2, 3, 4, 5].map((s) => clock.set(s * 1000, () => rung.push(`${s}`)))
        alarms[0]!.cancel()
        alarms[2]!.cancel()
        alarms[2]!.cancel()
        yield* TestClock.adjust("2 seconds")
        alarms[1]!.cancel()
        yield* TestClock.adjust("10 seconds")
        assert.deepStrictEqual(rung, ["2", "4", "5"])
      })
    ))

  it.effect("an alarm set for now (or the past) rings without the clock moving, not inside set", () =>
    withClock((clock, rung) =>
      Effect.gen(function*() {
        clock.set(0, () => rung.push("now"))
        clock.set(-5, () => rung.push("past"))
        assert.deepStrictEqual(rung, [])
        yield* TestClock.adjust("0 millis")
        yield* Effect.yieldNow
        assert.deepStrictEqual(rung, ["past", "now"])
      })
    ))

  it.effect("rings again after it had nothing left to ring", () =>
    withClock((clock, rung) =>
      Effect.gen(function*() {
        clock.set(1000, () => rung.push("first"))
        yield* TestClock.adjust("5 seconds")
        clock.set(1000, () => rung.push("second"))
        yield* TestClock.adjust("1 seconds")
        assert.deepStrictEqual(rung, ["first", "second"])
      })
    ))

  it.effect("once its scope is closed, nothing rings", () =>
    withClock((clock, rung, scope) =>
      Effect.gen(function*() {
        clock.set(1000, () => rung.push("a"))
        yield* Scope.close(scope, Exit.void)
        yield* TestClock.adjust("5 seconds")
        assert.deepStrictEqual(rung, [])
      })
    ))

  it.effect("keeps deadline order through many sets and cancels (the heap)", () =>
    withClock((clock, rung) =>
      Effect.gen(function*() {
        // a fixed pseudo-random order of 200 deadlines, every third cancelled
        const delays = Array.from({ length: 200 }, (_, i) => ((i * 7919) % 200) * 10 + 10)
        const alarms = delays.map((d) => clock.set(d, () => rung.push(String(d))))
        alarms.forEach((a, i) => i % 3 === 0 && a.cancel())
        yield* TestClock.adjust("10 seconds")
        const expected = delays.filter((_, i) => i % 3 !== 0).sort((a, b) => a - b).map(String)
        assert.deepStrictEqual(rung, expected)
      })
    ))
})
