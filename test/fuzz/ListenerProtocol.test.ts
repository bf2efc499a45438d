/**
 * Fuzzing the event listener protocol parser (ListenerProtocol.ts), which reads whatever a
 * listener process writes: any bytes, in any chunks, give a valid state and bounded buffers, never
 * a throw; how the bytes are split into reads never changes the outcome; and each event sent is
 * answered (processed or rejected) at most once.
 */
import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { feed, initial, type ProtocolAction, type ProtocolState, type ResultVerdict, sent } from "../../src/events/ListenerProtocol.ts"
import { params, timeoutFor, withinDeadline } from "./fuzz.ts"

const utf8 = new TextEncoder()
const TOKENS = [
  "READY\n", "READY", "\n", "RESULT ", "RESULT 2\nOK", "RESULT 4\nFAIL", "RESULT 0\n", "RESULT -1\n", "RESULT 1_0\n",
  "RESULT  7 \n", "RESULT 99999999999999999999999\n", "RESULT 1e3\n", "RESULT 3\nOK\n", "OK", "ready\n", "\u00e9\u0000"
]
const bytes = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...TOKENS).map((t) => utf8.encode(t)) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 24 }) }
)
const stream = fc.array(bytes, { maxLength: 16 }).map((parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) (out.set(p, at), (at += p.length))
  return out
})
const verdicts = fc.array(fc.constantFrom<ResultVerdict>("processed", "rejected", "error"), { minLength: 1, maxLength: 4 })

/** Feeds `data` in pieces cut at `cuts` (fractions), sending an event whenever the listener is READY. */
const run = (data: Uint8Array, cuts: ReadonlyArray<number>, answers: ReadonlyArray<ResultVerdict>) => {
  const points = [...new Set(cuts.map((c) => Math.floor(c * data.length)))].sort((a, b) => a - b)
  let state: ProtocolState = initial
  let events = 0
  const actions: Array<ProtocolAction> = []
  const handler = () => answers[events % answers.length]!
  let from = 0
  for (const to of [...points, data.length]) {
    if (state.listener === "READY") (state = sent(state), events++)
    const [next, acts] = withinDeadline("feed", () => feed(state, "listener", data.subarray(from, to), handler))
    state = next
    actions.push(...acts)
    from = to
  }
  return { state, actions, events }
}

describe("fuzz: event listener protocol", () => {
  it("any bytes in any chunks: a valid state, bounded buffers, at most one answer per event", () => {
    fc.assert(
      fc.property(stream, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 }), verdicts, (data, cuts, answers) => {
        const { actions, events, state } = run(data, cuts, answers)
        expect(["ACKNOWLEDGED", "READY", "BUSY", "UNKNOWN"]).toContain(state.listener)
        expect(state.buffer.length + state.result.length).toBeLessThanOrEqual(data.length)
        if (state.resultLength !== undefined) {
          expect(Number.isInteger(state.resultLength) || state.resultLength === Infinity).toBe(true)
          expect(state.result.length).toBeLessThanOrEqual(state.resultLength)
        }
        const answered = actions.filter((a) => a._tag === "Processed" || a._tag === "Rejected").length
        expect(answered).toBeLessThanOrEqual(events)
        const unknown = actions.findIndex((a) => a._tag === "Log" && a.message.endsWith("-> UNKNOWN"))
        if (unknown >= 0) {
          expect(state.listener).toBe("UNKNOWN")
          expect(actions.slice(unknown + 1).some((a) => a._tag === "Processed")).toBe(false)
        }
      }),
      params(2000)
    )
  }, timeoutFor(2000, 5))

  it("how the bytes are split into reads does not change the outcome", () => {
    fc.assert(
      fc.property(stream, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 }), verdicts, (data, cuts, answers) => {
        // one event is sent after READY; splitting must not change what follows
        const ready = utf8.encode("READY\n")
        const whole = new Uint8Array([...ready, ...data])
        const once = run(whole, [ready.length / whole.length], answers)
        const split = run(whole, [ready.length / whole.length, ...cuts.map((c) => (ready.length + c * data.length) / whole.length)], answers)
        // a split sends another event whenever the listener is READY again at a cut: only compare runs that sent as many
        fc.pre(split.events === once.events)
        expect(split.state).toEqual(once.state)
        expect(split.actions).toEqual(once.actions)
      }),
      params(2000)
    )
  }, timeoutFor(2000, 5))
})
