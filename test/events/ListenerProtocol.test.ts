import { assert, describe, it } from "@effect/vitest"
import {
  feed,
  hasEventInFlight,
  initial,
  isReady,
  type ProtocolAction,
  type ProtocolState,
  type ResultHandler,
  sent,
  unknownStateMessage
} from "../../src/events/ListenerProtocol.ts"

const enc = (s: string) => new Uint8Array(Buffer.from(s, "latin1"))

/** Feed chunks one after another; returns the final state and every action. */
const run = (state: ProtocolState, chunks: ReadonlyArray<string>, handler?: ResultHandler) => {
  const all: Array<ProtocolAction> = []
  for (const chunk of chunks) {
    const [next, actions] = feed(state, "x", enc(chunk), handler)
    all.push(...actions)
    state = next
  }
  return { state, actions: all }
}

const debug = (message: string): ProtocolAction => ({ _tag: "Log", level: "debug", message })
const warn = (message: string): ProtocolAction => ({ _tag: "Log", level: "warn", message })
const toUnknown = (from: string) => [debug(`x: ${from} -> UNKNOWN`), warn(unknownStateMessage("x"))]
const processed: ReadonlyArray<ProtocolAction> = [debug("x: event was processed"), debug("x: BUSY -> ACKNOWLEDGED"), { _tag: "Processed" }]
const rejected: ReadonlyArray<ProtocolAction> = [warn("x: event was rejected"), debug("x: BUSY -> ACKNOWLEDGED"), { _tag: "Rejected" }]

const ready = run(initial, ["READY\n"]).state
const busy = sent(ready)

describe("ListenerProtocol: ACKNOWLEDGED", () => {
  it("READY\\n makes the listener READY", () => {
    const { actions, state } = run(initial, ["READY\n"])
    assert.deepStrictEqual(actions, [debug("x: ACKNOWLEDGED -> READY")])
    assert.isTrue(isReady(state))
    assert.strictEqual(state.buffer.length, 0)
  })

  it("waits for 6 bytes before deciding", () => {
    const first = run(initial, ["REA"])
    assert.deepStrictEqual(first.actions, [])
    assert.strictEqual(first.state.listener, "ACKNOWLEDGED")
    assert.isTrue(isReady(run(first.state, ["DY\n"]).state))
  })

  it("anything else is a protocol violation: UNKNOWN, the rest is discarded", () => {
    for (const junk of ["HELLO!", "READY\r\n", "ready\nREADY\n"]) {
      const { actions, state } = run(initial, [junk])
      assert.deepStrictEqual(actions, toUnknown("ACKNOWLEDGED"))
      assert.strictEqual(state.listener, "UNKNOWN")
      assert.strictEqual(state.buffer.length, 0)
    }
  })

  it("the message is supervisord's, verbatim", () => {
    assert.strictEqual(unknownStateMessage("listener"), "listener: has entered the UNKNOWN state and will no longer receive events, this usually indicates the process violated the eventlistener protocol")
  })
})

describe("ListenerProtocol: READY", () => {
  it("spurious data makes the listener UNKNOWN", () => {
    const { actions, state } = run(ready, ["\n"])
    assert.deepStrictEqual(actions, toUnknown("READY"))
    assert.strictEqual(state.listener, "UNKNOWN")
  })

  it("a second READY\\n in the same write is spurious too", () => {
    const { actions } = run(initial, ["READY\nREADY\n"])
    assert.deepStrictEqual(actions, [debug("x: ACKNOWLEDGED -> READY"), ...toUnknown("READY")])
  })

  it("sending an event makes it BUSY, with the event in flight", () => {
    assert.strictEqual(busy.listener, "BUSY")
    assert.isTrue(hasEventInFlight(busy))
    assert.isFalse(hasEventInFlight(ready))
  })
})

describe("ListenerProtocol: BUSY", () => {
  it("RESULT 2\\nOK: processed, back to ACKNOWLEDGED", () => {
    const { actions, state } = run(busy, ["RESULT 2\nOK"])
    assert.deepStrictEqual(actions, processed)
    assert.strictEqual(state.listener, "ACKNOWLEDGED")
    assert.isFalse(hasEventInFlight(state))
  })

  it("RESULT 2\\nOKREADY\\n in one write: processed, then READY from the leftover", () => {
    const { actions, state } = run(busy, ["RESULT 2\nOKREADY\n"])
    assert.deepStrictEqual(actions, [...processed, debug("x: ACKNOWLEDGED -> READY")])
    assert.isTrue(isReady(state))
  })

  it("a result split over many reads", () => {
    const { actions, state } = run(busy, ["RES", "ULT 2", "\nO", "K", "READY", "\n"])
    assert.deepStrictEqual(actions, [...processed, debug("x: ACKNOWLEDGED -> READY")])
    assert.isTrue(isReady(state))
  })

  it("any other body is rejected: re-queued, back to ACKNOWLEDGED", () => {
    const { actions, state } = run(busy, ["RESULT 4\nFAIL"])
    assert.deepStrictEqual(actions, rejected)
    assert.strictEqual(state.listener, "ACKNOWLEDGED")
  })

  it("the first 7 bytes of the result line are not checked (Q26), the length is parsed like Python's int()", () => {
    assert.deepStrictEqual(run(busy, ["XXXXXX 2\nOK"]).actions, processed)
    assert.deepStrictEqual(run(busy, ["RESULT 2\r\nOK"]).actions, processed)
    assert.deepStrictEqual(run(busy, ["RESULT +02 \nOK"]).actions, processed)
    assert.deepStrictEqual(run(busy, ["RESULT 1_0\n0123456789"]).actions, rejected)
  })

  it("a bad result line: WARN, UNKNOWN, the event is re-queued and the rest discarded", () => {
    for (const line of ["RESULT x", "RESULT", "RESULT 1__0", "RESULT -1", "OK"]) {
      const { actions, state } = run(busy, [`${line}\nREADY\n`])
      assert.deepStrictEqual(actions, [warn(`x: bad result line: '${line}'`), ...toUnknown("BUSY"), { _tag: "Rejected" }])
      assert.strictEqual(state.listener, "UNKNOWN")
      assert.strictEqual(state.buffer.length, 0)
    }
  })

  it("an undecodable bad result line is shown as a bytes repr", () => {
    const { actions } = run(busy, ["RESULT \xff\n"])
    assert.deepStrictEqual(actions[0], warn("x: bad result line: 'Undecodable: b'RESULT \\xff''"))
  })

  it("RESULT 0: the empty body is only judged when more bytes arrive (supervisord quirk)", () => {
    const first = run(busy, ["RESULT 0\n"])
    assert.deepStrictEqual(first.actions, [])
    assert.strictEqual(first.state.listener, "BUSY")
    const second = run(first.state, ["READY\n"])
    assert.deepStrictEqual(second.actions, [...rejected, debug("x: ACKNOWLEDGED -> READY")])
  })

  it("a result handler that fails: WARN, UNKNOWN, re-queued", () => {
    const { actions, state } = run(busy, ["RESULT 2\nOK"], () => "error")
    assert.deepStrictEqual(actions, [warn("x: event caused an error"), ...toUnknown("BUSY"), { _tag: "Rejected" }])
    assert.strictEqual(state.listener, "UNKNOWN")
  })

  it("without a newline the line is still awaited", () => {
    const { actions, state } = run(busy, ["RESULT 2"])
    assert.deepStrictEqual(actions, [])
    assert.strictEqual(state.listener, "BUSY")
  })
})

describe("ListenerProtocol: UNKNOWN", () => {
  it("everything is discarded until the listener is respawned", () => {
    const unknown = run(initial, ["junk!!"]).state
    const { actions, state } = run(unknown, ["READY\n", "RESULT 2\nOK"])
    assert.deepStrictEqual(actions, [])
    assert.strictEqual(state.listener, "UNKNOWN")
    assert.strictEqual(state.buffer.length, 0)
  })
})
