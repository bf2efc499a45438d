import { assert, describe, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { SUPERVISORD_EVENT_TYPES } from "../../src/domain/EventTypes.ts"
import type { SupervisorEvent } from "../../src/events/Event.ts"
import { characterLength, decodeChildData, envelope, envelopeText, payload } from "../../src/events/Payload.ts"

interface Golden {
  readonly identifier: string
  readonly serial: number
  readonly pool: string
  readonly poolSerial: number
  readonly event: Record<string, unknown> & { readonly _tag: string }
  readonly envelopeBase64: string
}

const goldens: ReadonlyArray<Golden> = JSON.parse(
  readFileSync(new URL("../fixtures/events/goldens.json", import.meta.url), "utf8")
)

const toEvent = (raw: Golden["event"]): SupervisorEvent => {
  const { dataBase64, ...rest } = raw
  return (typeof dataBase64 === "string"
    ? { ...rest, data: new Uint8Array(Buffer.from(dataBase64, "base64")) }
    : rest) as unknown as SupervisorEvent
}

const bytes = (...xs: ReadonlyArray<number | string>): Uint8Array =>
  new Uint8Array(xs.flatMap((x) => typeof x === "number" ? [x] : [...Buffer.from(x, "latin1")]))

describe("Payload: goldens captured from supervisord 4.2.5", () => {
  it("covers every concrete supervisord type except PROCESS_STATE_UNKNOWN and TICK_3600", () => {
    const seen = new Set(goldens.map((g) => g.event._tag))
    assert.deepStrictEqual(
      SUPERVISORD_EVENT_TYPES.filter((t) => !seen.has(t)),
      ["PROCESS_STATE_UNKNOWN", "TICK_3600"]
    )
  })

  for (const g of goldens) {
    it(`serial ${g.serial} ${g.event._tag} renders byte for byte`, () => {
      const actual = envelope({ ...g, event: toEvent(g.event) })
      assert.deepStrictEqual(Buffer.from(actual).toString("base64"), g.envelopeBase64)
    })
  }
})

describe("Payload: cases the capture cannot produce", () => {
  it("PROCESS_STATE_UNKNOWN has the base tokens only", () => {
    assert.strictEqual(
      payload({ _tag: "PROCESS_STATE_UNKNOWN", processName: "a", groupName: "g", fromState: "RUNNING", pid: 9, tries: 2, expected: true }),
      "processname:a groupname:g from_state:RUNNING"
    )
  })

  it("PROCESS_STATE_STOPPED after BACKOFF carries pid:0", () => {
    assert.strictEqual(
      payload({ _tag: "PROCESS_STATE_STOPPED", processName: "a", groupName: "a", fromState: "BACKOFF", pid: 0, tries: 1, expected: true }),
      "processname:a groupname:a from_state:BACKOFF pid:0"
    )
  })

  it("effsup's GROUP_STRATEGY_* use supervisord's key:value tokens", () => {
    assert.strictEqual(
      payload({ _tag: "GROUP_STRATEGY_RESTART", groupName: "g", strategy: "rest_for_one", processName: "b", processNames: ["b", "c"] }),
      "groupname:g strategy:rest_for_one processname:b restarting:b,c"
    )
    assert.strictEqual(
      payload({ _tag: "GROUP_STRATEGY_EXHAUSTED", groupName: "g", processName: "b", maxRestarts: 3, period: 5, action: "fatal" }),
      "groupname:g processname:b max_restarts:3 period:5 action:fatal"
    )
  })

  it("effsup's PROCESS_DESCENDANTS_LEFT names the process and the pids left behind", () => {
    assert.strictEqual(
      payload({ _tag: "PROCESS_DESCENDANTS_LEFT", processName: "a", groupName: "g", pid: 10, pids: [12, 15] }),
      "processname:a groupname:g pid:10 pids:12,15"
    )
  })

  it("TICK_3600", () => {
    assert.strictEqual(envelopeText({ identifier: "x", serial: 1, pool: "p", poolSerial: 0, event: { _tag: "TICK_3600", when: 1795402800 } }),
      "ver:3.0 server:x serial:1 pool:p poolserial:0 eventname:TICK_3600 len:15\nwhen:1795402800")
  })

  it("len counts code points, the bytes are UTF-8 (Q6)", () => {
    const event: SupervisorEvent = { _tag: "REMOTE_COMMUNICATION", type: "t", data: "😀é" }
    assert.strictEqual(characterLength(payload(event)), 9)
    const out = envelope({ identifier: "s", serial: 0, pool: "p", poolSerial: 0, event })
    assert.strictEqual(Buffer.from(out).toString("utf8"), "ver:3.0 server:s serial:0 pool:p poolserial:0 eventname:REMOTE_COMMUNICATION len:9\ntype:t\n😀é")
  })

  it("a UTF-8 BOM in child data is kept, a lone continuation byte is undecodable", () => {
    assert.strictEqual(decodeChildData(bytes(0xef, 0xbb, 0xbf, "x")), "\ufeffx")
    assert.strictEqual(decodeChildData(bytes("a", 0x80)), "Undecodable: b'a\\x80'")
    assert.strictEqual(decodeChildData(bytes(0xed, 0xa0, 0x80)), "Undecodable: b'\\xed\\xa0\\x80'") // surrogate
  })
  it("effsup's PROCESS_HEALTH_* events: PROCESS_LOG's shape, the failure after the tokens", () => {
    const common = { processName: "web", groupName: "web", pid: 42 }
    assert.strictEqual(
      envelopeText({ identifier: "s", serial: 3, pool: "p", poolSerial: 1, event: { _tag: "PROCESS_HEALTH_UNHEALTHY", ...common, failures: 3, message: "tcp:localhost:80: ECONNREFUSED" } }),
      "ver:3.0 server:s serial:3 pool:p poolserial:1 eventname:PROCESS_HEALTH_UNHEALTHY len:78\nprocessname:web groupname:web pid:42 failures:3\ntcp:localhost:80: ECONNREFUSED"
    )
    assert.strictEqual(payload({ _tag: "PROCESS_HEALTH_HEALTHY", ...common, failures: 0, message: "" }), "processname:web groupname:web pid:42")
  })
})
