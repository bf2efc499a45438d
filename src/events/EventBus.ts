/**
 * The one event bus every publisher uses (process actors, log pipeline, groups, ticks, RPC).
 *
 * Policy: a sliding PubSub. Publishing never waits, so a slow subscriber can stall neither
 * supervision nor the other subscribers; a subscriber that falls more than `capacity` events
 * behind loses the oldest ones it has not read. Subscribers that must know about such losses use
 * `subscribeWithDrops`, whose stream carries an `EventsDropped { count }` marker where events went
 * missing (listener pools use it to log the loss; supervisord itself never loses events here,
 * because its notify is synchronous).
 *
 * Invariant: every published event gets the next sequence number, assigned in the same
 * synchronous step as the publish, so subscribers see sequence numbers in increasing order and a
 * gap is exactly the number of events this subscriber lost.
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as PubSub from "effect/PubSub"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { SupervisorEvent } from "./Event.ts"

/** How many events a subscriber may lag behind before it loses the oldest. */
export const DEFAULT_CAPACITY = 4096

/** In a `subscribeWithDrops` stream: `count` events were lost here because the subscriber fell behind. */
export interface EventsDropped {
  readonly _tag: "EventsDropped"
  readonly count: number
}

/** An element of a `subscribeWithDrops` stream. */
export type EventOrDrop = SupervisorEvent | EventsDropped

interface Sequenced {
  readonly seq: number
  readonly event: SupervisorEvent
}

/** Turns sequence numbers into drop markers; `expected` is the next sequence number due. */
const withDropMarkers = (
  expected: number,
  item: Sequenced
): readonly [number, ReadonlyArray<EventOrDrop>] =>
  item.seq > expected
    ? [item.seq + 1, [{ _tag: "EventsDropped", count: item.seq - expected }, item.event]]
    : [Math.max(expected, item.seq + 1), [item.event]]

/** The event bus service. */
export class EventBus extends Context.Service<EventBus, {
  /** Publish one event to every current subscriber. Never blocks. */
  readonly publish: (event: SupervisorEvent) => Effect.Effect<void>
  /** Subscribe now (events published after this call are seen) and get the stream of them. */
  readonly subscribe: Effect.Effect<Stream.Stream<SupervisorEvent>, never, Scope.Scope>
  /** Like `subscribe`, with an `EventsDropped` marker wherever this subscriber lost events. */
  readonly subscribeWithDrops: Effect.Effect<Stream.Stream<EventOrDrop>, never, Scope.Scope>
  /**
   * Call `observer` with every event from now on, in the publisher's own step (before `publish`
   * returns), until the scope closes. For quick, synchronous bookkeeping (counters): it loses no
   * event and costs no fiber, but it runs inside every publish, so it must not block or throw.
   */
  readonly observe: (observer: (event: SupervisorEvent) => void) => Effect.Effect<void, never, Scope.Scope>
}>()("effsup/events/EventBus") {
  /** A bus with the given per-subscriber capacity. */
  static readonly layerWith = (capacity: number) =>
    Layer.effect(
      EventBus,
      Effect.gen(function*() {
        const pubsub = yield* Effect.acquireRelease(PubSub.sliding<Sequenced>({ capacity }), PubSub.shutdown)
        let published = 0
        const observers = new Set<(event: SupervisorEvent) => void>()
        return EventBus.of({
          publish: (event) =>
            Effect.suspend(() => {
              for (const observer of observers) observer(event)
              const item = { seq: ++published, event }
              // sliding: only a full buffer needs the strategy's surplus handling
              return PubSub.publishUnsafe(pubsub, item) ? Effect.void : Effect.asVoid(PubSub.publish(pubsub, item))
            }),
          subscribe: Effect.map(PubSub.subscribe(pubsub), (sub) => Stream.map(Stream.fromSubscription(sub), (s) => s.event)),
          subscribeWithDrops: Effect.map(PubSub.subscribe(pubsub), (sub) => {
            const first = published + 1 // the subscription sees every event published from now on
            return Stream.mapAccum(Stream.fromSubscription(sub), () => first, withDropMarkers)
          }),
          observe: (observer) =>
            Effect.acquireRelease(Effect.sync(() => void observers.add(observer)), () => Effect.sync(() => void observers.delete(observer)))
        })
      })
    )

  /** The default bus. */
  static readonly layer = EventBus.layerWith(DEFAULT_CAPACITY)
}
