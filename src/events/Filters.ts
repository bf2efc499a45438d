/**
 * Predicates for picking events out of the bus stream: by event type (abstract types match their
 * subtypes, like an `[eventlistener:x] events=` subscription) and by process or group name.
 * Type filters are refinements, so `Stream.filter(events, ofType("PROCESS_STATE"))` is a stream of
 * process state events.
 * @since 0.1.0
 */
import { type ConcreteTypesOf, type EventTypeName, matches, matchesAny } from "../domain/EventTypes.ts"
import { type NameSpec, parseNameSpec } from "../domain/Names.ts"
import type { EventName, SupervisorEvent } from "./Event.ts"

/** The event variant(s) whose `_tag` is `N`, narrowed to that tag. */
export type EventOf<N extends EventName> = N extends EventName
  ? SupervisorEvent extends infer E ? E extends SupervisorEvent ? N extends E["_tag"] ? E & { readonly _tag: N } : never : never
  : never
  : never

/** The events a subscription to `type` receives (e.g. `PROCESS_STATE` → every `PROCESS_STATE_*`). */
export const ofType = <S extends EventTypeName>(type: S) =>
(event: SupervisorEvent): event is EventOf<ConcreteTypesOf<S>> => matches(type, event._tag)

/** The events an `events=` list of type names receives. */
export const ofTypes = (types: ReadonlyArray<string>) => (event: SupervisorEvent): boolean => matchesAny(types, event._tag)

/** The group an event is about, if any (process, log, communication and group events). */
export const groupOf = (event: SupervisorEvent): string | undefined => "groupName" in event ? event.groupName : undefined

/** The process an event is about, if any (process state, log and communication events). */
export const processOf = (event: SupervisorEvent): NameSpec | undefined =>
  "processName" in event ? { group: event.groupName, process: event.processName } : undefined

/** Events about the process or group named by `spec`: `name`, `group:name`, `group:*` or `group:`. */
export const forName = (spec: string) => {
  const wanted = parseNameSpec(spec)
  return (event: SupervisorEvent): boolean => {
    if (groupOf(event) !== wanted.group) return false
    return wanted.process === undefined || processOf(event)?.process === wanted.process
  }
}

/** Events about group `group`: its processes' events and its own PROCESS_GROUP_* events. */
export const forGroup = (group: string) => (event: SupervisorEvent): boolean => groupOf(event) === group
