/**
 * The one event bus every publisher uses (process actors, log pipeline, groups, ticks, RPC).
 * A sliding PubSub: publishing never waits, so a slow subscriber cannot stall supervision;
 * a subscriber that falls more than `capacity` events behind loses the oldest ones.
 * @since 0.1.0
 */
import { Context, Effect, Layer, PubSub, type Scope, Stream } from "effect"
import type { SupervisorEvent } from "./Event.ts"

/** How many events a subscriber may lag behind before it loses the oldest. */
export const DEFAULT_CAPACITY = 4096

/** The event bus service. */
export class EventBus extends Context.Service<EventBus, {
  /** Publish one event to every current subscriber. Never blocks. */
  readonly publish: (event: SupervisorEvent) => Effect.Effect<void>
  /** Subscribe now (events published after this call are seen) and get the stream of them. */
  readonly subscribe: Effect.Effect<Stream.Stream<SupervisorEvent>, never, Scope.Scope>
}>()("effsup/events/EventBus") {
  /** A bus with the given per-subscriber capacity. */
  static readonly layerWith = (capacity: number) =>
    Layer.effect(
      EventBus,
      Effect.gen(function*() {
        const pubsub = yield* Effect.acquireRelease(PubSub.sliding<SupervisorEvent>({ capacity }), PubSub.shutdown)
        return EventBus.of({
          publish: (event) => PubSub.publish(pubsub, event).pipe(Effect.asVoid),
          subscribe: Effect.map(PubSub.subscribe(pubsub), Stream.fromSubscription)
        })
      })
    )

  /** The default bus. */
  static readonly layer = EventBus.layerWith(DEFAULT_CAPACITY)
}
