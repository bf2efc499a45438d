import { assert, describe, it } from "@effect/vitest"
import {
  ABSTRACT_EVENT_TYPES,
  ancestors,
  CONCRETE_EVENT_TYPES,
  type ConcreteEventTypeName,
  type ConcreteTypesOf,
  EVENT_TYPE_NAMES,
  isAbstractEventType,
  isEventTypeName,
  matches,
  matchesAny
} from "../../src/domain/EventTypes.ts"
import type { EventName } from "../../src/events/Event.ts"

// Type-level: the concrete names are exactly the tags of SupervisorEvent.
type Same<A, B> = [A] extends [B] ? [B] extends [A] ? true : false : false
const sameNames: Same<ConcreteEventTypeName, EventName> = true
const processStates: Same<ConcreteTypesOf<"PROCESS_STATE">, `PROCESS_STATE_${string}` & EventName> = true
const everything: Same<ConcreteTypesOf<"EVENT">, Exclude<EventName, `PROCESS_HEALTH_${string}`>> = true
const health: Same<ConcreteTypesOf<"PROCESS_HEALTH">, `PROCESS_HEALTH_${string}` & EventName> = true

describe("EventTypes", () => {
  it("knows supervisord's 27 names, 7 of them abstract, and effsup's 3 (PROCESS_HEALTH and its 2 kinds)", () => {
    assert.isTrue(sameNames && processStates && everything && health)
    assert.strictEqual(EVENT_TYPE_NAMES.filter((n) => matches("EVENT", n)).length, 27)
    assert.strictEqual(CONCRETE_EVENT_TYPES.filter((n) => matches("EVENT", n)).length, 20)
    assert.deepStrictEqual(EVENT_TYPE_NAMES.filter((n) => !matches("EVENT", n)), ["PROCESS_HEALTH", "PROCESS_HEALTH_UNHEALTHY", "PROCESS_HEALTH_HEALTHY"])
    assert.deepStrictEqual([...ABSTRACT_EVENT_TYPES].sort(), EVENT_TYPE_NAMES.filter(isAbstractEventType).sort())
  })

  it("isEventTypeName is exact (config upper-cases first) and ignores Object.prototype", () => {
    assert.isTrue(isEventTypeName("TICK_60"))
    assert.isFalse(isEventTypeName("tick_60"))
    assert.isFalse(isEventTypeName("TICK_10"))
    assert.isFalse(isEventTypeName("toString"))
  })

  it("ancestors walk up to EVENT", () => {
    assert.deepStrictEqual(ancestors("PROCESS_LOG_STDERR"), ["PROCESS_LOG_STDERR", "PROCESS_LOG", "EVENT"])
    assert.deepStrictEqual(ancestors("REMOTE_COMMUNICATION"), ["REMOTE_COMMUNICATION", "EVENT"])
    assert.deepStrictEqual(ancestors("NOPE"), [])
  })

  it("a subscription matches itself and its subtypes only", () => {
    assert.isTrue(matches("EVENT", "TICK_5"))
    assert.isTrue(matches("PROCESS_STATE", "PROCESS_STATE_EXITED"))
    assert.isTrue(matches("PROCESS_STATE_EXITED", "PROCESS_STATE_EXITED"))
    assert.isFalse(matches("PROCESS_STATE_EXITED", "PROCESS_STATE"))
    assert.isFalse(matches("PROCESS_STATE", "PROCESS_LOG_STDOUT"))
    assert.isFalse(matches("TICK", "PROCESS_GROUP_ADDED"))
    assert.isFalse(matches("NOPE", "TICK_5"))
    for (const name of CONCRETE_EVENT_TYPES) assert.strictEqual(matches("EVENT", name), !name.startsWith("PROCESS_HEALTH_"))
  })

  it("effsup's health events are a tree of their own: EVENT never receives them", () => {
    assert.deepStrictEqual(ancestors("PROCESS_HEALTH_UNHEALTHY"), ["PROCESS_HEALTH_UNHEALTHY", "PROCESS_HEALTH"])
    assert.isTrue(matches("PROCESS_HEALTH", "PROCESS_HEALTH_HEALTHY"))
    assert.isFalse(matches("EVENT", "PROCESS_HEALTH_UNHEALTHY"))
    assert.isFalse(matches("PROCESS_STATE", "PROCESS_HEALTH_UNHEALTHY"))
    assert.isFalse(matches("PROCESS_HEALTH", "PROCESS_STATE_RUNNING"))
  })

  it("matchesAny over an events= list", () => {
    assert.isTrue(matchesAny(["TICK_60", "PROCESS_GROUP"], "PROCESS_GROUP_REMOVED"))
    assert.isFalse(matchesAny(["TICK_60", "PROCESS_GROUP"], "TICK_5"))
    assert.isFalse(matchesAny([], "TICK_5"))
  })
})
