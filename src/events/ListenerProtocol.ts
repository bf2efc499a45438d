/**
 * The event listener protocol, as a pure incremental parser of what a listener writes to its
 * stdout. It owns the listener state (ACKNOWLEDGED / READY / BUSY / UNKNOWN) of one listener
 * process and returns, for each chunk read, the new state plus the actions the pool must take
 * and the log lines supervisord writes, in supervisord's order.
 *
 * Rules (supervisord: dispatchers.py `PEventListenerDispatcher.handle_listener_state_change`):
 * - ACKNOWLEDGED (the state at every spawn): wait for 6 bytes; `READY\n` → READY, anything else
 *   → UNKNOWN. Leftover bytes are parsed in the new state (`RESULT 2\nOKREADY\n` in one write works).
 * - READY: any byte is spurious → UNKNOWN.
 * - BUSY (the pool sent an event, see `sent`): a line `RESULT <n>`, then n bytes, handed to the result
 *   handler. The first 7 bytes of the line are not checked (Q26); the rest is parsed like Python's `int()`.
 *   A bad line → WARN, UNKNOWN, the event is rejected (re-queued at the head of the pool buffer).
 *   Handler says OK → processed, ACKNOWLEDGED; rejects → WARN, ACKNOWLEDGED, re-queued;
 *   fails → WARN, UNKNOWN, re-queued.
 * - UNKNOWN: everything is discarded until the process is respawned (`initial` again).
 * - If the process exits while BUSY, the pool re-queues the event (`hasEventInFlight`).
 * Deliberate difference: a negative length (`RESULT -1`) is a bad result line; supervisord recurses
 * until Python's recursion limit.
 * Also a quirk kept: after `RESULT 0\n` the (empty) result is only handled when more bytes arrive.
 * See shared/reference/supervisord-4.2.5.md §7.3 and §11 Q26.
 * @since 0.1.0
 */
import { decodeChildData } from "./Payload.ts"

/** The protocol state of one listener process (supervisord: states.py `EventListenerStates`). */
export type ListenerState = "ACKNOWLEDGED" | "READY" | "BUSY" | "UNKNOWN"

/** The parser state: the listener state plus bytes read but not yet consumed. */
export interface ProtocolState {
  readonly listener: ListenerState
  /** Bytes read and not yet consumed (supervisord's `state_buffer`). */
  readonly buffer: Uint8Array
  /** The length announced by the current `RESULT <n>` line, while its body is being read. */
  readonly resultLength: number | undefined
  /** The part of the result body read so far. */
  readonly result: Uint8Array
}

/** A log line supervisord writes to its main log. */
export interface ProtocolLog {
  readonly _tag: "Log"
  readonly level: "debug" | "warn"
  readonly message: string
}

/** What the pool must do after a chunk is parsed, in order. */
export type ProtocolAction =
  | ProtocolLog
  /** The event in flight was handled: forget it. */
  | { readonly _tag: "Processed" }
  /** The event in flight was not handled: put it back at the head of the pool buffer. */
  | { readonly _tag: "Rejected" }

/** The verdict of a result handler on a RESULT body. */
export type ResultVerdict = "processed" | "rejected" | "error"

/** Decides what a RESULT body means (supervisord: `[eventlistener:x] result_handler`). */
export type ResultHandler = (result: Uint8Array) => ResultVerdict

/** supervisord's `default_handler`: the body `OK` is processed, anything else is rejected. */
export const defaultResultHandler: ResultHandler = (result) =>
  result.length === 2 && result[0] === 0x4f && result[1] === 0x4b ? "processed" : "rejected"

const EMPTY = new Uint8Array(0)
const READY_TOKEN = new TextEncoder().encode("READY\n")
const RESULT_PREFIX_LENGTH = "RESULT ".length

/** The state of a freshly spawned listener. */
export const initial: ProtocolState = { listener: "ACKNOWLEDGED", buffer: EMPTY, resultLength: undefined, result: EMPTY }

/** Whether the pool may send this listener an event (its process must also be RUNNING). */
export const isReady = (state: ProtocolState): boolean => state.listener === "READY"

/** Whether an event was sent and not yet answered: if the process exits now, the event is re-queued. */
export const hasEventInFlight = (state: ProtocolState): boolean => state.listener === "BUSY"

/** The state after the pool wrote an event to a READY listener. */
export const sent = (state: ProtocolState): ProtocolState => ({ ...state, listener: "BUSY" })

/** The warning supervisord logs when a listener enters UNKNOWN. */
export const unknownStateMessage = (name: string): string =>
  `${name}: has entered the UNKNOWN state and will no longer receive events, ` +
  "this usually indicates the process violated the eventlistener protocol"

// Python's int() on bytes: ASCII whitespace around an optional sign and digits with single underscores.
const PY_INT = /^[ \t\n\r\v\f]*([+-]?\d+(?:_\d+)*)[ \t\n\r\v\f]*$/

// Only ASCII matters to PY_INT, so any single-byte decoding will do (this one never throws).
const singleByte = new TextDecoder("latin1")

const parseResultLength = (line: Uint8Array): number | undefined => {
  const m = PY_INT.exec(singleByte.decode(line.subarray(RESULT_PREFIX_LENGTH)))
  if (m === null) return undefined
  const n = Number(m[1]!.replaceAll("_", ""))
  return n >= 0 ? n : undefined
}

const concat = (a: Uint8Array, b: Uint8Array): Uint8Array => {
  if (a.length === 0) return b
  if (b.length === 0) return a
  const out = new Uint8Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}

const startsWith = (data: Uint8Array, token: Uint8Array): boolean =>
  data.length >= token.length && token.every((b, i) => data[i] === b)

/**
 * Parse one chunk the listener `name` wrote to stdout. Returns the new state and the actions.
 * (The `'x' stdout output:` debug line of each read is the output pipeline's, not this module's.)
 */
export const feed = (
  state: ProtocolState,
  name: string,
  data: Uint8Array,
  handler: ResultHandler = defaultResultHandler
): readonly [ProtocolState, ReadonlyArray<ProtocolAction>] => {
  const actions: Array<ProtocolAction> = []
  const log = (level: ProtocolLog["level"], message: string) => actions.push({ _tag: "Log", level, message })
  let { buffer, listener, result, resultLength } = { ...state, buffer: concat(state.buffer, data) }
  const change = (to: ListenerState) => {
    log("debug", `${name}: ${listener} -> ${to}`)
    listener = to
    if (to === "UNKNOWN") log("warn", unknownStateMessage(name))
  }

  while (buffer.length > 0) {
    if (listener === "UNKNOWN") {
      buffer = EMPTY
    } else if (listener === "ACKNOWLEDGED") {
      if (buffer.length < READY_TOKEN.length) break
      if (startsWith(buffer, READY_TOKEN)) {
        change("READY")
        buffer = buffer.subarray(READY_TOKEN.length)
      } else {
        change("UNKNOWN")
        buffer = EMPTY
      }
    } else if (listener === "READY") {
      change("UNKNOWN") // spurious data
      buffer = EMPTY
    } else if (resultLength === undefined) {
      const pos = buffer.indexOf(0x0a)
      if (pos < 0) break
      const line = buffer.subarray(0, pos)
      buffer = buffer.subarray(pos + 1)
      resultLength = parseResultLength(line)
      if (resultLength === undefined) {
        log("warn", `${name}: bad result line: '${decodeChildData(line)}'`)
        change("UNKNOWN")
        buffer = EMPTY
        actions.push({ _tag: "Rejected" })
      }
    } else {
      const needed = resultLength - result.length
      result = concat(result, buffer.subarray(0, needed))
      buffer = buffer.subarray(needed)
      if (result.length === resultLength) {
        const verdict = handler(result)
        if (verdict === "processed") {
          log("debug", `${name}: event was processed`)
          change("ACKNOWLEDGED")
          actions.push({ _tag: "Processed" })
        } else {
          log("warn", `${name}: ${verdict === "rejected" ? "event was rejected" : "event caused an error"}`)
          change(verdict === "rejected" ? "ACKNOWLEDGED" : "UNKNOWN")
          actions.push({ _tag: "Rejected" })
        }
        result = EMPTY
        resultLength = undefined
      }
    }
  }
  return [{ listener, buffer, resultLength, result }, actions]
}
