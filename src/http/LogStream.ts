/**
 * A log file followed as Server-Sent Events, for the console's log views
 * (`GET /api/v1/processes/{namespec}/log/{channel}/follow`, `GET /api/v1/mainlog/follow`):
 * - `start` `{ offset }`: the byte offset the view begins at (the last `tail` bytes by default),
 *   which is where "load earlier output" reads back from;
 * - `log` `{ offset, text }`: bytes appended at `offset`, decoded as UTF-8 across chunk borders;
 * - `reset` `{ reason: "rotated" | "truncated" }`: the file was replaced or cleared, the view
 *   starts over at offset 0.
 * Each event's id is `<inode>:<next offset>`, so a client reconnecting with `Last-Event-ID`
 * continues exactly where it stopped (or gets `reset` if the file changed meanwhile).
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type { SseEvent } from "./EventFeed.ts"
import { type FollowItem, followItems } from "./Tail.ts"

/** Bytes of existing output a view starts with, unless the client asks for another amount. */
export const DEFAULT_TAIL = 16 * 1024

/** Parses a log stream's event id `<inode>:<offset>`. */
const parseId = (id: string | undefined): { readonly ino: string; readonly offset: number } | undefined => {
  const m = id === undefined ? null : /^(\d*):(\d+)$/.exec(id.trim())
  return m === null ? undefined : { ino: m[1]!, offset: Number(m[2]) }
}

/** The SSE events following `file`, starting `tail` bytes before its end or after `lastEventId`, until `until`. */
export const logEvents = (
  file: string,
  options: { readonly tail: number | undefined; readonly lastEventId: string | undefined; readonly until: Effect.Effect<void> }
) => {
  const resume = parseId(options.lastEventId)
  const follow = resume === undefined
    ? { initialBytes: Math.max(0, options.tail ?? DEFAULT_TAIL) }
    : { resume }
  let decoder = new TextDecoder()
  let ino = ""
  const toSse = (item: FollowItem): SseEvent => {
    switch (item._tag) {
      case "Start":
        ino = item.ino
        return { id: `${ino}:${item.offset}`, event: "start", data: JSON.stringify({ offset: item.offset }) }
      case "Reset":
        ino = item.ino
        decoder = new TextDecoder()
        return { id: `${ino}:0`, event: "reset", data: JSON.stringify({ reason: item.reason }) }
      case "Data":
        return {
          id: `${ino}:${item.offset + item.bytes.length}`,
          event: "log",
          data: JSON.stringify({ offset: item.offset, text: decoder.decode(item.bytes, { stream: true }) })
        }
    }
  }
  return Stream.unwrap(followItems(file, follow)).pipe(Stream.map(toSse), Stream.interruptWhen(options.until))
}
