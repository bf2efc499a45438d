/**
 * TICK_5 / TICK_60 / TICK_3600 from Effect's `Clock` (so TestClock drives them in tests).
 *
 * Invariants (supervisord: supervisord.py `Supervisor.tick`, `timeslice`):
 * - the slice of a period is the start of the period containing "now": `when - when % period`;
 * - the slices at start are remembered, so the first tick of each period fires at the next
 *   boundary after start, never immediately;
 * - a tick fires when its slice changes, with `when` = the new slice (an integer, epoch seconds);
 *   if the clock jumps several periods, one tick fires for the latest slice;
 * - ticks due at the same instant come in the order TICK_5, TICK_60, TICK_3600.
 * Unlike supervisord, which notices a boundary on its next (≤ 1 s) loop pass, effsup sleeps until
 * the boundary, so ticks are on time; `when` is the same either way.
 * See shared/reference/supervisord-4.2.5.md §7.1.
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type { TickEvent } from "./Event.ts"
import { EventBus } from "./EventBus.ts"

/** The tick types and their periods in seconds, in emission order. */
export const TICK_PERIODS: ReadonlyArray<readonly [TickEvent["_tag"], number]> = [
  ["TICK_5", 5],
  ["TICK_60", 60],
  ["TICK_3600", 3600]
]

// Every period is a multiple of the shortest, so waking at its boundaries sees every other boundary.
const SHORTEST_MS = 5_000

/** The start (epoch seconds) of the `period`-second slice containing `millis`. */
export const timeslice = (periodSeconds: number, millis: number): number =>
  Math.floor(millis / (periodSeconds * 1000)) * periodSeconds

/** The last slice seen for each tick type, in TICK_PERIODS order. */
export type TickSlices = ReadonlyArray<number>

/** The slices at `millis`: what supervisord remembers when it starts. */
export const slicesAt = (millis: number): TickSlices => TICK_PERIODS.map(([, period]) => timeslice(period, millis))

/** The ticks due when the clock reads `millis`, given the slices seen last, and the new slices. */
export const dueTicks = (last: TickSlices, millis: number): readonly [TickSlices, ReadonlyArray<TickEvent>] => {
  const now = slicesAt(millis)
  const events = TICK_PERIODS.flatMap(([_tag, _], i): Array<TickEvent> => now[i] !== last[i] ? [{ _tag, when: now[i]! }] : [])
  return [now, events]
}

const nextTicks = (last: TickSlices) =>
  Effect.gen(function*() {
    const before = yield* Clock.currentTimeMillis
    yield* Effect.sleep(SHORTEST_MS - (before % SHORTEST_MS))
    const [slices, events] = dueTicks(last, yield* Clock.currentTimeMillis)
    return [events, Option.some(slices)] as const // a timer that fired early yields no events: wait again
  })

/** Every tick from now on, at the boundaries of the `Clock`. Never ends. */
export const ticks: Stream.Stream<TickEvent> = Stream.unwrap(
  Effect.map(Clock.currentTimeMillis, (start) => Stream.paginate(slicesAt(start), nextTicks))
)

/**
 * Publish every tick to the bus, forever, running `after` on each once it is published (for a
 * caller that wants only the ticks: no subscription to the whole bus, which every event would wake).
 */
export const publishTicks = (
  after: ((tick: TickEvent) => Effect.Effect<void>) | undefined
): Effect.Effect<never, never, EventBus> =>
  Effect.flatMap(EventBus, (bus) =>
    Stream.runForEach(ticks, after === undefined ? bus.publish : (tick) => Effect.andThen(bus.publish(tick), after(tick))).pipe(
      Effect.andThen(Effect.never)
    ))
