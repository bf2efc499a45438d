/**
 * Many timers on one fiber. A process actor has one timer at a time (startsecs, backoff,
 * stopwaitsecs and the stop reports, backoff_reset_after), and a stop of many processes arms one
 * for each at once: as a fiber each (forked, a Node timer, a wake-up at its end) that cost a stop
 * more than its signal did. An alarm clock keeps the alarms of every actor of a tree in one heap,
 * by deadline, and sleeps until the earliest on one fiber, through the Clock (a TestClock drives
 * it). Setting an alarm is a heap insertion; the fiber is woken early only for an alarm earlier
 * than the one it sleeps for, and ends when no alarm is left. Deadlines are on the monotonic
 * clock: a change of the wall clock moves none.
 *
 * An alarm rings by calling its callback on the clock's fiber, in deadline order (alarms set for
 * the same time in the order they were set): the callback must be synchronous and must not throw
 * (an actor's offers a message to its own mailbox).
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as FiberSet from "effect/FiberSet"
import type * as Scope from "effect/Scope"

/** A set alarm. */
export interface Alarm {
  /** Take it off the clock; nothing once it has rung or was cancelled. */
  readonly cancel: () => void
}

/** Alarms on one fiber. */
export interface AlarmClock {
  /** Call `ring` once `delayMs` have passed on the Clock (for 0 or less: at the clock fiber's next turn, never inside `set`). */
  readonly set: (delayMs: number, ring: () => void) => Alarm
}

/** An alarm in the heap; `index` is its place there, -1 once it is out. */
interface Entry {
  readonly at: number
  readonly seq: number
  readonly ring: () => void
  index: number
}

const before = (a: Entry, b: Entry): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq)

const place = (heap: Array<Entry>, entry: Entry, index: number): void => {
  heap[index] = entry
  entry.index = index
}

const siftUp = (heap: Array<Entry>, start: number): void => {
  const entry = heap[start]!
  let i = start
  while (i > 0) {
    const parent = (i - 1) >> 1
    if (!before(entry, heap[parent]!)) break
    place(heap, heap[parent]!, i)
    i = parent
  }
  place(heap, entry, i)
}

const siftDown = (heap: Array<Entry>, start: number): void => {
  const entry = heap[start]!
  let i = start
  while (true) {
    const left = 2 * i + 1
    if (left >= heap.length) break
    const right = left + 1
    const child = right < heap.length && before(heap[right]!, heap[left]!) ? right : left
    if (!before(heap[child]!, entry)) break
    place(heap, heap[child]!, i)
    i = child
  }
  place(heap, entry, i)
}

/** Take `entry` out of the heap (it is in it). */
const remove = (heap: Array<Entry>, entry: Entry): void => {
  const last = heap.pop()!
  const i = entry.index
  entry.index = -1
  if (last === entry) return
  place(heap, last, i)
  siftUp(heap, i)
  siftDown(heap, last.index)
}

/** An alarm clock whose fiber lives in the current scope: closing it rings nothing more. */
export const make: Effect.Effect<AlarmClock, never, Scope.Scope> = Effect.gen(function*() {
  const clock = yield* Clock.Clock
  const run = yield* FiberSet.makeRuntime<never, void, never>()
  const heap: Array<Entry> = []
  let seq = 0
  /** The fiber sleeping until `wakeAt`; none while no alarm is set or while it is ringing. */
  let sleeper: Fiber.Fiber<void> | undefined
  let wakeAt = Number.POSITIVE_INFINITY
  const now = () => Number(clock.monotonicTimeNanosUnsafe()) / 1e6

  /** Ring every alarm that is due, then sleep until the next (or end, with none left). */
  const tick = (): Effect.Effect<void> => {
    const at = now()
    while (heap.length > 0 && heap[0]!.at <= at) {
      const due = heap[0]!
      remove(heap, due)
      due.ring()
    }
    if (heap.length === 0) {
      sleeper = undefined
      wakeAt = Number.POSITIVE_INFINITY
      return Effect.void
    }
    wakeAt = heap[0]!.at
    return Effect.flatMap(clock.sleep(Duration.millis(wakeAt - at)), tick)
  }

  const set = (delayMs: number, ring: () => void): Alarm => {
    const entry: Entry = { at: now() + delayMs, seq: seq++, ring, index: -1 }
    heap.push(entry)
    siftUp(heap, heap.length - 1)
    if (entry.at < wakeAt) {
      // the fiber sleeps for a later alarm (or there is none): it sleeps anew from this one
      // (after a yield: an alarm never rings inside `set`, whoever calls it)
      sleeper?.interruptUnsafe()
      wakeAt = entry.at
      sleeper = run(Effect.andThen(Effect.yieldNow, Effect.suspend(tick)))
    }
    return {
      cancel: () => {
        if (entry.index >= 0) remove(heap, entry)
      }
    }
  }
  return { set }
})
