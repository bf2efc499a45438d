import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Queue, Stream } from "effect"
import type { SupervisorEvent } from "../../src/events/Event.ts"
import type { EventOrDrop } from "../../src/events/EventBus.ts"
import * as EventFeed from "../../src/http/EventFeed.ts"
import type { ProcessInfo } from "../../src/supervisor/Api.ts"
import { Supervisor, type SupervisorShape } from "../../src/supervisor/Supervisor.ts"
import { makeFakeSupervisor, processInfo } from "../support/FakeSupervisor.ts"

const running = (name: string): SupervisorEvent => ({
  _tag: "PROCESS_STATE_RUNNING",
  processName: name,
  groupName: name,
  fromState: "STARTING",
  pid: 4242,
  tries: 0,
  expected: false
})
const tick = (when: number): SupervisorEvent => ({ _tag: "TICK_5", when })

/** A feed over a fake supervisor whose bus is a queue the test feeds. */
const setup = (options: { readonly entries?: number; readonly overrides?: Partial<SupervisorShape> } = {}) =>
  Effect.gen(function*() {
    const bus = yield* Queue.unbounded<EventOrDrop>()
    const fake = makeFakeSupervisor({ overrides: { subscribeWithDrops: Effect.succeed(Stream.fromQueue(bus)), ...options.overrides } })
    const supervisor = yield* Effect.provide(Effect.service(Supervisor), fake.layer)
    const drops: Array<number> = []
    const until = yield* Deferred.make<void>()
    const feed = yield* EventFeed.make(supervisor, {
      until: Deferred.await(until),
      onDrops: (n) => drops.push(n),
      limits: { entries: options.entries ?? 100, bytes: 1_000_000 }
    })
    /** Read `n` events of a client that last saw `lastEventId`. */
    const read = (n: number, lastEventId?: string) =>
      feed.stream(lastEventId).pipe(Stream.take(n), Stream.runCollect, Effect.forkChild({ startImmediately: true }))
    /** Read a live client's events until it has the one numbered `seq` (with or without a gap on the way). */
    const readUntil = (seq: number) =>
      feed.stream(undefined).pipe(
        Stream.takeUntil((e) => e.id === `${feed.bootId}-${seq}` && e.event !== "hello"),
        Stream.runCollect,
        Effect.forkChild({ startImmediately: true })
      )
    const publish = (...events: ReadonlyArray<EventOrDrop>) => Queue.offerAll(bus, events)
    return { feed, read, readUntil, publish, drops, until }
  })

const names = (events: ReadonlyArray<EventFeed.SseEvent>) => events.map((e) => e.event)
const data = (e: EventFeed.SseEvent | undefined) => JSON.parse(e!.data)

describe("http/EventFeed", () => {
  it.effect("starts with hello, numbers every event, and follows a state event with the settled process info", () =>
    Effect.gen(function*() {
      const { feed, read, publish } = yield* setup()
      const client = yield* read(4)
      yield* publish(running("cat"), tick(5))
      const events = yield* Fiber.join(client)
      assert.strictEqual(events[0]!.event, "hello")
      assert.deepStrictEqual(data(events[0]), { bootId: feed.bootId, seq: 0, resumed: false })
      assert.sameMembers(names(events.slice(1)), ["PROCESS_STATE_RUNNING", "TICK_5", "process"])
      assert.deepStrictEqual(events.slice(1).map((e) => e.id).sort(), [1, 2, 3].map((n) => `${feed.bootId}-${n}`))
      const state = events.find((e) => e.event === "PROCESS_STATE_RUNNING")
      assert.deepStrictEqual(data(state), {
        processName: "cat",
        groupName: "cat",
        fromState: "STARTING",
        pid: 4242,
        tries: 0,
        expected: false,
        namespec: "cat"
      })
      assert.include(data(events.find((e) => e.event === "process")), { namespec: "cat", statename: "RUNNING", state: 20 })
      assert.deepStrictEqual(data(events.find((e) => e.event === "TICK_5")), { when: 5 })
    }))

  // real time: the watcher re-reads a few milliseconds apart
  it.live("waits for the process info to show the announced state before sending it", () =>
    Effect.gen(function*() {
      let reads = 0
      const info = (): ProcessInfo => processInfo({ name: "cat", state: ++reads < 4 ? "STARTING" : "RUNNING" })
      const { read, publish } = yield* setup({ overrides: { processInfo: () => Effect.sync(info) } })
      const client = yield* read(3)
      yield* publish(running("cat"))
      const events = yield* Fiber.join(client)
      assert.deepStrictEqual(names(events), ["hello", "PROCESS_STATE_RUNNING", "process"])
      assert.strictEqual(data(events[2]).statename, "RUNNING")
      assert.isAtLeast(reads, 4)
    }))

  it.effect("resumes a client after its Last-Event-ID with exactly the events it missed", () =>
    Effect.gen(function*() {
      const { feed, read, publish } = yield* setup()
      const live = yield* read(6)
      yield* publish(tick(5), tick(10), tick(15), tick(20), tick(25))
      const all = yield* Fiber.join(live)
      const resumed = yield* Fiber.join(yield* read(4, all[2]!.id))
      assert.deepStrictEqual(names(resumed), ["hello", "TICK_5", "TICK_5", "TICK_5"])
      assert.deepStrictEqual(data(resumed[0]), { bootId: feed.bootId, seq: 2, resumed: true })
      assert.deepStrictEqual(resumed.slice(1), all.slice(3))
    }))

  it.effect("sends an explicit gap when the events a client missed are no longer buffered", () =>
    Effect.gen(function*() {
      const { feed, read, readUntil, publish } = yield* setup({ entries: 4 })
      const live = yield* readUntil(10)
      yield* publish(...Array.from({ length: 10 }, (_, i) => tick(i)))
      yield* Fiber.join(live)
      const late = yield* Fiber.join(yield* read(2, `${feed.bootId}-1`))
      assert.deepStrictEqual(names(late), ["hello", "gap"])
      assert.deepStrictEqual(data(late[0]), { bootId: feed.bootId, seq: 10, resumed: false })
      assert.deepStrictEqual(data(late[1]), { reason: "expired", missed: 5 })
      assert.strictEqual(late[1]!.id, `${feed.bootId}-10`)
    }))

  it.effect("sends a gap to a connected client that falls behind the buffer, then goes on", () =>
    Effect.gen(function*() {
      const { feed, readUntil, publish } = yield* setup({ entries: 3 })
      const slow = yield* Effect.scoped(Effect.gen(function*() {
        const pull = yield* Stream.toPull(feed.stream(undefined))
        const hello = yield* pull
        const observer = yield* readUntil(8)
        yield* publish(...Array.from({ length: 8 }, (_, i) => tick(i)))
        yield* Fiber.join(observer) // the ring now holds only the last 3
        const behind = yield* pull
        yield* publish(tick(100))
        const after = yield* pull
        return [...hello, ...behind, ...after]
      }))
      assert.deepStrictEqual(names(slow), ["hello", "gap", "TICK_5"])
      assert.deepStrictEqual(data(slow[1]), { reason: "expired", missed: 5 })
      assert.deepStrictEqual(data(slow[2]), { when: 100 })
    }))

  it.effect("turns events the collector lost on the bus into a gap for everyone", () =>
    Effect.gen(function*() {
      const { read, publish, drops } = yield* setup()
      const client = yield* read(3)
      yield* publish(tick(1), { _tag: "EventsDropped", count: 3 })
      const events = yield* Fiber.join(client)
      assert.deepStrictEqual(names(events), ["hello", "TICK_5", "gap"])
      assert.deepStrictEqual(data(events[2]), { reason: "dropped", missed: 3 })
      assert.deepStrictEqual(drops, [3])
    }))

  it.effect("tells a client with an id from another run, or a made-up one, that it has a gap", () =>
    Effect.gen(function*() {
      const { feed, read } = yield* setup()
      const other = yield* Fiber.join(yield* read(2, "abcdef-3"))
      assert.deepStrictEqual(names(other), ["hello", "gap"])
      assert.deepStrictEqual(data(other[1]), { reason: "restarted", missed: null })
      for (const id of ["garbage", `${feed.bootId}-99`]) {
        const events = yield* Fiber.join(yield* read(2, id))
        assert.deepStrictEqual(data(events[1]), { reason: "unknown", missed: null })
      }
    }))

  it.effect("ends every client stream when the server closes", () =>
    Effect.gen(function*() {
      const { feed, until } = yield* setup()
      const client = yield* feed.stream(undefined).pipe(Stream.runCollect, Effect.forkChild({ startImmediately: true }))
      yield* Deferred.succeed(until, undefined)
      assert.deepStrictEqual(names(yield* Fiber.join(client)), ["hello"])
    }))
})
