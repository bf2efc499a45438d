import { assert, describe, it } from "@effect/vitest"
import type { SupervisorEvent } from "../../src/events/Event.ts"
import { forGroup, forName, ofType, ofTypes, processOf } from "../../src/events/Filters.ts"

const state = (processName: string, groupName: string): SupervisorEvent => ({
  _tag: "PROCESS_STATE_RUNNING", processName, groupName, fromState: "STARTING", pid: 1, tries: 0, expected: true
})
const log: SupervisorEvent = { _tag: "PROCESS_LOG_STDOUT", processName: "a", groupName: "g", pid: 1, data: new Uint8Array() }
const added: SupervisorEvent = { _tag: "PROCESS_GROUP_ADDED", groupName: "g" }
const tick: SupervisorEvent = { _tag: "TICK_60", when: 60 }
const all = [state("a", "g"), state("b", "g"), state("web", "web"), log, added, tick]

describe("Filters", () => {
  it("ofType narrows by abstract or concrete type", () => {
    const states = all.filter(ofType("PROCESS_STATE"))
    assert.deepStrictEqual(states.map((e) => e.pid), [1, 1, 1]) // typed: .pid exists on the narrowed events
    assert.deepStrictEqual(all.filter(ofType("TICK_60")).map((e) => e.when), [60])
    assert.strictEqual(all.filter(ofType("EVENT")).length, all.length)
    assert.deepStrictEqual(all.filter(ofTypes(["PROCESS_LOG", "PROCESS_GROUP"])), [log, added])
  })

  it("forName: name, group:name, group:*", () => {
    assert.deepStrictEqual(all.filter(forName("web")), [state("web", "web")])
    assert.deepStrictEqual(all.filter(forName("g:a")), [state("a", "g"), log])
    assert.deepStrictEqual(all.filter(forName("g:*")), [state("a", "g"), state("b", "g"), log, added])
    assert.deepStrictEqual(all.filter(forName("a")), [])
  })

  it("forGroup and processOf", () => {
    assert.deepStrictEqual(all.filter(forGroup("g")).length, 4)
    assert.deepStrictEqual(processOf(log), { group: "g", process: "a" })
    assert.isUndefined(processOf(tick))
  })
})
