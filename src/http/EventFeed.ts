/**
 * `GET /api/v1/events`: the typed event bus as Server-Sent Events. One collector fiber takes
 * every bus event, turns it into an SSE event (name = supervisord's event name, data = JSON) and
 * appends it to a bounded replay ring (EventRing.ts); each client reads the ring from its own
 * cursor, woken when something is appended. Nothing per client is buffered beyond its cursor.
 *
 * Protocol:
 * - every connection starts with `event: hello`, data `{ bootId, seq, resumed }`;
 * - every event has `id: <bootId>-<seq>`; a client that reconnects with `Last-Event-ID` gets
 *   exactly the events after it (`resumed: true`) while the ring still holds them;
 * - otherwise (`resumed: false`) it gets `event: gap` with `{ reason, missed }` first:
 *   `restarted` (the id is from another run of the daemon), `expired` (the ring no longer holds
 *   them; also sent mid-stream to a client that falls that far behind), `dropped` (the collector
 *   itself lost events on the bus), `unknown` (an id this daemon never sent). After `hello` with
 *   `resumed: false` or any `gap`, a client must re-read the state it keeps (`GET /processes`).
 * - PROCESS_STATE events carry `namespec`; each is followed, once the process's info shows the
 *   new state, by `event: process` whose data is that process info (as `GET /processes/{ns}`),
 *   so a client can keep its rows without another request.
 *
 * Gotcha: the process actor announces a state on the bus before its snapshot (what processInfo
 * reads) shows it, after the transition's actions; reading the info when the event arrives can
 * give the previous state. So a watcher per process (the newest state event replaces it) re-reads
 * the in-memory snapshot after the event — at once, then at most 50 ms apart — until it shows
 * that state, then appends the `process` event. The actor always publishes the state it
 * announced, unless it announces another one first (which replaces the watcher), so the wait
 * ends; the 60 s bound only guards against a stuck actor (then the info is sent as it is).
 * @since 0.1.0
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as FiberMap from "effect/FiberMap"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { namespec } from "../domain/Names.ts"
import type { SupervisorEvent } from "../events/Event.ts"
import type { EventOrDrop } from "../events/EventBus.ts"
import type { Supervisor } from "../supervisor/Supervisor.ts"
import type * as Api from "./Api.ts"
import { processInfoJson } from "./ApiJson.ts"
import { EventRing, type RingEntry, type RingLimits } from "./EventRing.ts"

/** One Server-Sent Event as sent (the API's SseEvent schema). */
export type SseEvent = typeof Api.SseEvent.Type

/** The event stream of one daemon run. */
export interface EventFeed {
  /** Identifies this run of the daemon's servers; part of every event id. */
  readonly bootId: string
  /** The SSE events for a client that last saw `lastEventId` (or none), until the server closes. */
  readonly stream: (lastEventId: string | undefined) => Stream.Stream<SseEvent>
}

/** Why a client missed events. */
export type GapReason = "restarted" | "expired" | "dropped" | "unknown"

const text = new TextDecoder()

/** The JSON data of a bus event: its fields without `_tag`, plus `namespec`; bytes as UTF-8 text. */
const eventData = (event: SupervisorEvent): string => {
  const { _tag, ...fields } = event
  if (!("processName" in event)) return JSON.stringify(fields)
  const spec = namespec(event.groupName, event.processName)
  return "data" in event && event.data instanceof Uint8Array
    ? JSON.stringify({ ...fields, namespec: spec, data: text.decode(event.data) })
    : JSON.stringify({ ...fields, namespec: spec })
}

/** How long a watcher waits at most for a process's info to show the state just announced. */
const SETTLE_LIMIT = "60 seconds"
/** How often it looks: 1 ms, 1.5 ms, 2.25 ms … but never more than 50 ms apart. */
const SETTLE_SCHEDULE = Schedule.min([Schedule.exponential("1 millis", 1.5), Schedule.spaced("50 millis")])

/** Parses `<bootId>-<seq>`. */
const parseId = (id: string): { readonly bootId: string; readonly seq: number } | undefined => {
  const m = /^([0-9a-f]+)-(\d+)$/.exec(id.trim())
  return m === null ? undefined : { bootId: m[1]!, seq: Number(m[2]) }
}

/**
 * Starts collecting bus events into a ring with `limits` (until `scope` closes) and returns the
 * feed. Every client stream ends when `until` completes. `onDrops` learns of events the collector lost.
 */
export const make = (
  supervisor: Supervisor["Service"],
  options: {
    readonly until: Effect.Effect<void>
    readonly onDrops: (count: number) => void
    readonly limits?: RingLimits
  }
): Effect.Effect<EventFeed, never, Scope.Scope> =>
  Effect.gen(function*() {
    const bootId = [...crypto.getRandomValues(new Uint8Array(6))].map((b) => b.toString(16).padStart(2, "0")).join("")
    const ring = new EventRing(options.limits)
    let appended = Deferred.makeUnsafe<void>()
    const idOf = (seq: number) => `${bootId}-${seq}`
    const append = (event: string, data: string) => {
      ring.push(event, data)
      const woken = appended
      appended = Deferred.makeUnsafe<void>()
      Deferred.doneUnsafe(woken, Effect.void)
    }
    const gapData = (reason: GapReason, missed: number | null) => JSON.stringify({ reason, missed })

    const watchers = yield* FiberMap.make<string>()
    /** Append the `process` event of `spec` once its info shows `state` (see the module's Gotcha). */
    const settle = (spec: string, state: string) => {
      const read = Effect.flatMap(supervisor.processInfo(spec), (info) =>
        info.state === state ? Effect.succeed(info) : Effect.fail(info))
      return read.pipe(
        Effect.retry(SETTLE_SCHEDULE),
        Effect.timeout(SETTLE_LIMIT),
        Effect.catch(() => supervisor.processInfo(spec)),
        Effect.map((info) => append("process", JSON.stringify(processInfoJson(info)))),
        Effect.ignore
      )
    }

    const collect = (item: EventOrDrop) =>
      Effect.gen(function*() {
        if (item._tag === "EventsDropped") {
          options.onDrops(item.count)
          return append("gap", gapData("dropped", item.count))
        }
        append(item._tag, eventData(item))
        if (item._tag.startsWith("PROCESS_STATE_") && "processName" in item) {
          const spec = namespec(item.groupName, item.processName)
          yield* FiberMap.run(watchers, spec, settle(spec, item._tag.slice("PROCESS_STATE_".length)))
        }
      })
    const events = yield* supervisor.subscribeWithDrops
    yield* events.pipe(Stream.runForEach(collect), Effect.forkScoped)

    const toSse = (entry: RingEntry): SseEvent => ({ id: idOf(entry.seq), event: entry.event, data: entry.data })

    const stream = (lastEventId: string | undefined): Stream.Stream<SseEvent> =>
      Stream.suspend(() => {
        const first: Array<SseEvent> = []
        let cursor = ring.last
        const hello = (resumed: boolean) =>
          first.push({ id: idOf(cursor), event: "hello", data: JSON.stringify({ bootId, seq: cursor, resumed }) })
        const gap = (reason: GapReason, missed: number | null) =>
          first.push({ id: idOf(cursor), event: "gap", data: gapData(reason, missed) })
        const last = lastEventId === undefined || lastEventId === "" ? undefined : parseId(lastEventId)
        if (lastEventId === undefined || lastEventId === "") {
          hello(false)
        } else if (last === undefined || last.bootId !== bootId) {
          hello(false)
          gap(last === undefined ? "unknown" : "restarted", null)
        } else {
          const found = ring.since(last.seq)
          if (found._tag === "Entries") {
            cursor = last.seq
            hello(true)
          } else {
            hello(false)
            gap(found._tag === "Expired" ? "expired" : "unknown", found._tag === "Expired" ? found.missed : null)
          }
        }
        // each pull: what was appended after the cursor, waiting until there is something
        const pull: Effect.Effect<readonly [SseEvent, ...Array<SseEvent>]> = Effect.suspend(() => {
          const woken = appended
          const found = ring.since(cursor)
          const out: Array<SseEvent> = first.splice(0)
          if (found._tag === "Entries") {
            for (const entry of found.entries) out.push(toSse(entry))
          } else {
            out.push({ id: idOf(ring.last), event: "gap", data: gapData("expired", found._tag === "Expired" ? found.missed : null) })
          }
          cursor = ring.last
          return out.length > 0 ? Effect.succeed(out as [SseEvent, ...Array<SseEvent>]) : Effect.andThen(Deferred.await(woken), pull)
        })
        return Stream.fromPull(Effect.succeed(pull)).pipe(Stream.interruptWhen(options.until))
      })

    return { bootId, stream }
  })
