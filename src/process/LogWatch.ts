/**
 * `ready=log:REGEX`: watches a child's output channels for a line that matches. Each watched
 * channel is split into lines on its own (UTF-8, a chunk may end mid-line or mid-character); the
 * unfinished last line is tried too, so a prompt printed without a newline counts. The chunks
 * themselves pass through unchanged, to the log pipeline; once a line matched, the watch costs a
 * flag test per batch. A line longer than LINE_LIMIT is tried in pieces of that size.
 * @since 0.1.0
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Stream from "effect/Stream"
import type { OutputStream } from "../logs/ChildOutput.ts"

/** The longest unfinished line kept; longer ones are tried in pieces of this size. */
const LINE_LIMIT = 64 * 1024

/** A watch over one spawn's output. */
export interface LogWatch {
  /** The channel with the watch on it: the same chunks, looked at on their way. */
  readonly watch: <E>(source: OutputStream<E>) => OutputStream<E>
  /** Completes at the first matching line of any watched channel. */
  readonly matched: Effect.Effect<void>
}

/** A watch for lines matching `pattern` (a JavaScript regular expression's source, already checked by the config). */
export const make = (pattern: string): LogWatch => {
  const regex = new RegExp(pattern)
  const matched = Deferred.makeUnsafe<void>()
  let found = false
  const test = (line: string) => {
    if (!found && regex.test(line)) {
      found = true
      Deferred.doneUnsafe(matched, Exit.void)
    }
  }
  const watch = <E>(source: OutputStream<E>): OutputStream<E> => {
    const decoder = new TextDecoder()
    let pending = ""
    return Stream.mapArray(source, (batch) => {
      if (found) return batch
      for (const chunk of batch) {
        const lines = (pending + decoder.decode(chunk, { stream: true })).split("\n")
        pending = lines.pop()!
        for (const line of lines) test(line)
        while (pending.length > LINE_LIMIT) {
          test(pending.slice(0, LINE_LIMIT))
          pending = pending.slice(LINE_LIMIT)
        }
        if (pending !== "") test(pending)
      }
      return batch
    })
  }
  return { watch, matched: Deferred.await(matched) }
}
