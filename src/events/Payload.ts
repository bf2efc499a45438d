/**
 * The listener-protocol rendering of events: the payload text of each event type and the
 * `ver:3.0 …` envelope a pool writes to a listener's stdin, byte for byte as supervisord 4.2.5
 * (effsup's own `GROUP_STRATEGY_*` payloads use the same `key:value` token style).
 *
 * Invariants (checked against goldens captured from a real supervisord, test/fixtures/events):
 * - PROCESS_STATE tokens are `processname groupname from_state` then the per-state extras
 *   (`tries` for STARTING/BACKOFF, `expected pid` for EXITED, `pid` for RUNNING/STOPPING/STOPPED).
 * - PROCESS_LOG carries a `channel:` token (Q3); PROCESS_GROUP ends with `\n` (Q4).
 * - Child data that is not valid UTF-8 becomes `Undecodable: b'…'` (a Python bytes repr).
 * - The envelope's `len:` counts characters (code points) of the payload, not bytes (Q6);
 *   the whole envelope is then UTF-8 encoded.
 * effsup's PROCESS_HEALTH_* payloads follow PROCESS_LOG's shape: `processname:x groupname:g pid:N
 * failures:3` then, for UNHEALTHY, a newline and the last check's failure; PROCESS_DESCENDANTS_LEFT's
 * is `processname:x groupname:g pid:N pids:M,K`.
 * supervisord: events.py `*.payload`, process.py `EventListenerPool._eventEnvelope`.
 * See shared/reference/supervisord-4.2.5.md §7.1-7.2 and §11 Q3, Q4, Q6.
 * @since 0.1.0
 */
import type { ProcessStateEvent, SupervisorEvent } from "./Event.ts"
import { bytesRepr } from "../domain/PyRepr.ts"

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })
const utf8 = new TextEncoder()

/** Child output as supervisord puts it in a payload: UTF-8 text, or `Undecodable: b'…'`. */
export const decodeChildData = (data: Uint8Array): string => {
  try {
    return strictUtf8.decode(data)
  } catch {
    return `Undecodable: ${bytesRepr(data)}`
  }
}

const processStateExtras = (e: ProcessStateEvent): ReadonlyArray<readonly [string, string | number]> => {
  switch (e._tag) {
    case "PROCESS_STATE_STARTING":
    case "PROCESS_STATE_BACKOFF":
      return [["tries", e.tries]]
    case "PROCESS_STATE_EXITED":
      return [["expected", e.expected ? 1 : 0], ["pid", e.pid]]
    case "PROCESS_STATE_RUNNING":
    case "PROCESS_STATE_STOPPING":
    case "PROCESS_STATE_STOPPED":
      return [["pid", e.pid]]
    case "PROCESS_STATE_FATAL":
    case "PROCESS_STATE_UNKNOWN":
      return []
  }
}

/** The payload text of `event`, exactly as supervisord 4.2.5 renders it. */
export const payload = (event: SupervisorEvent): string => {
  switch (event._tag) {
    case "PROCESS_STATE_STOPPED":
    case "PROCESS_STATE_EXITED":
    case "PROCESS_STATE_STARTING":
    case "PROCESS_STATE_STOPPING":
    case "PROCESS_STATE_BACKOFF":
    case "PROCESS_STATE_FATAL":
    case "PROCESS_STATE_RUNNING":
    case "PROCESS_STATE_UNKNOWN": {
      const tokens: ReadonlyArray<readonly [string, string | number]> = [
        ["processname", event.processName],
        ["groupname", event.groupName],
        ["from_state", event.fromState],
        ...processStateExtras(event)
      ]
      return tokens.map(([k, v]) => `${k}:${v}`).join(" ")
    }
    case "PROCESS_LOG_STDOUT":
    case "PROCESS_LOG_STDERR": {
      const channel = event._tag === "PROCESS_LOG_STDOUT" ? "stdout" : "stderr"
      return `processname:${event.processName} groupname:${event.groupName} pid:${event.pid} channel:${channel}\n${
        decodeChildData(event.data)
      }`
    }
    case "PROCESS_COMMUNICATION_STDOUT":
    case "PROCESS_COMMUNICATION_STDERR":
      return `processname:${event.processName} groupname:${event.groupName} pid:${event.pid}\n${
        decodeChildData(event.data)
      }`
    case "REMOTE_COMMUNICATION":
      return `type:${event.type}\n${event.data}`
    case "SUPERVISOR_STATE_CHANGE_RUNNING":
    case "SUPERVISOR_STATE_CHANGE_STOPPING":
      return ""
    case "PROCESS_GROUP_ADDED":
    case "PROCESS_GROUP_REMOVED":
      return `groupname:${event.groupName}\n`
    case "TICK_5":
    case "TICK_60":
    case "TICK_3600":
      return `when:${event.when}`
    case "PROCESS_HEALTH_UNHEALTHY":
      return `processname:${event.processName} groupname:${event.groupName} pid:${event.pid} failures:${event.failures}\n${event.message}`
    case "PROCESS_HEALTH_HEALTHY":
      return `processname:${event.processName} groupname:${event.groupName} pid:${event.pid}`
    case "PROCESS_DESCENDANTS_LEFT":
      return `processname:${event.processName} groupname:${event.groupName} pid:${event.pid} pids:${event.pids.join(",")}`
    case "GROUP_STRATEGY_RESTART":
      return `groupname:${event.groupName} strategy:${event.strategy} processname:${event.processName} restarting:${event.processNames.join(",")}`
    case "GROUP_STRATEGY_EXHAUSTED":
      return `groupname:${event.groupName} processname:${event.processName} max_restarts:${event.maxRestarts} period:${event.period} action:${event.action}`
  }
}

/** Python's `len(str)`: the number of code points, which is what `len:` reports (Q6). */
export const characterLength = (s: string): number => {
  let n = 0
  for (const _ of s) n++
  return n
}

/** What the envelope header needs besides the event. */
export interface EnvelopeInput {
  /** `[supervisord] identifier` (default `supervisor`). */
  readonly identifier: string
  /** The global serial, assigned when the first pool accepted the event. */
  readonly serial: number
  /** The pool (eventlistener group) name. */
  readonly pool: string
  /** The pool's own serial for this event. */
  readonly poolSerial: number
  readonly event: SupervisorEvent
}

/** The envelope as text: the `ver:3.0 …` header line followed by the payload. */
export const envelopeText = (input: EnvelopeInput): string => {
  const body = payload(input.event)
  return `ver:3.0 server:${input.identifier} serial:${input.serial} pool:${input.pool} poolserial:${input.poolSerial} eventname:${input.event._tag} len:${
    characterLength(body)
  }\n${body}`
}

/** The bytes a pool writes to a listener's stdin for one event. */
export const envelope = (input: EnvelopeInput): Uint8Array => utf8.encode(envelopeText(input))
