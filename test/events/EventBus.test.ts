import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Scope, Stream } from "effect"
import type { SupervisorEvent } from "../../src/events/Event.ts"
import { EventBus } from "../../src/events/EventBus.ts"

const tick = (when: number): SupervisorEvent => ({ _tag: "TICK_5", when })
const whens = (xs: ReadonlyArray<SupervisorEvent | { readonly _tag: "EventsDropped"; readonly count: number }>) =>
  xs.map((x) => x._tag === "EventsDropped" ? `dropped ${x.count}` : x._tag === "TICK_5" ? x.when : x._tag)

describe("EventBus", () => {
  it.effect("subscribers see events published after they subscribed, in order", () =>
    Effect.gen(function*() {
      const bus = yield* EventBus
      yield* bus.publish(tick(0))
      const stream = yield* bus.subscribe
      for (let i = 1; i <= 3; i++) yield* bus.publish(tick(i))
      assert.deepStrictEqual(whens(yield* Stream.runCollect(Stream.take(stream, 3))), [1, 2, 3])
    }).pipe(Effect.provide(EventBus.layer)))

  it.effect("an observer sees every event by the time publish returns, more than a buffer holds, until its scope closes", () =>
    Effect.gen(function*() {
      const bus = yield* EventBus
      const seen: Array<SupervisorEvent> = []
      yield* bus.publish(tick(0))
      const scope = yield* Scope.make()
      yield* Scope.provide(bus.observe((event) => seen.push(event)), scope)
      for (let i = 1; i <= 10; i++) {
        yield* bus.publish(tick(i))
        assert.strictEqual(seen.length, i) // no fiber in between: seen within the publish
      }
      yield* Scope.close(scope, Exit.void)
      yield* bus.publish(tick(11))
      assert.deepStrictEqual(whens(seen), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    }).pipe(Effect.provide(EventBus.layerWith(4))))

  it.effect("a slow subscriber blocks neither the publisher nor a fast subscriber, and learns how many it lost", () =>
    Effect.gen(function*() {
      const bus = yield* EventBus
      const slow = yield* bus.subscribeWithDrops
      const plainSlow = yield* bus.subscribe
      const fast = yield* bus.subscribeWithDrops
      const fastSeen = yield* Stream.take(fast, 10).pipe(Stream.runCollect, Effect.forkChild({ startImmediately: true }))
      for (let i = 1; i <= 10; i++) {
        yield* bus.publish(tick(i)) // would suspend forever if publishing waited for `slow`
        yield* Effect.yieldNow
      }
      assert.deepStrictEqual(whens(yield* Fiber.join(fastSeen)), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
      assert.deepStrictEqual(whens(yield* Stream.runCollect(Stream.take(slow, 5))), ["dropped 6", 7, 8, 9, 10])
      assert.deepStrictEqual(whens(yield* Stream.runCollect(Stream.take(plainSlow, 4))), [7, 8, 9, 10])
    }).pipe(Effect.provide(EventBus.layerWith(4))))

  it.effect("after a loss the subscriber keeps receiving, with a new marker per loss", () =>
    Effect.gen(function*() {
      const bus = yield* EventBus
      const stream = yield* bus.subscribeWithDrops
      const pull = yield* Stream.toPull(stream)
      for (let i = 1; i <= 3; i++) yield* bus.publish(tick(i))
      const first = yield* pull
      for (let i = 4; i <= 9; i++) yield* bus.publish(tick(i))
      const second = yield* pull
      assert.deepStrictEqual(whens([...first, ...second]), ["dropped 1", 2, 3, "dropped 4", 8, 9])
    }).pipe(Effect.provide(EventBus.layerWith(2))))
})
