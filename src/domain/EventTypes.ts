/**
 * The supervisord event type names, concrete and abstract, and their hierarchy, plus effsup's own
 * types. It lives in `domain/` so config validation (`[eventlistener:x] events=`) can check names
 * without depending on `events/`.
 *
 * Invariants: every name has exactly one parent except the roots: `EVENT`, supervisord's, and
 * one root per family of effsup's own types (`PROCESS_HEALTH`, `PROCESS_DESCENDANTS`, `GROUP_STRATEGY`), so that a
 * listener subscribed to `EVENT` sees exactly supervisord's types and gets effsup's only when it
 * names them; the hierarchy is at most two levels deep below a root; a subscription to a type
 * matches that type and every type below it (supervisord dispatches with `isinstance`).
 * supervisord: events.py `EventTypes`. See shared/reference/supervisord-4.2.5.md §7.1.
 * @since 0.1.0
 */

/** The parent of every event type name; the roots (`EVENT`, `PROCESS_HEALTH`, `PROCESS_DESCENDANTS`, `GROUP_STRATEGY`) have none. */
export const EVENT_TYPE_PARENT = {
  EVENT: undefined,
  PROCESS_STATE: "EVENT",
  PROCESS_STATE_STOPPED: "PROCESS_STATE",
  PROCESS_STATE_EXITED: "PROCESS_STATE",
  PROCESS_STATE_STARTING: "PROCESS_STATE",
  PROCESS_STATE_STOPPING: "PROCESS_STATE",
  PROCESS_STATE_BACKOFF: "PROCESS_STATE",
  PROCESS_STATE_FATAL: "PROCESS_STATE",
  PROCESS_STATE_RUNNING: "PROCESS_STATE",
  PROCESS_STATE_UNKNOWN: "PROCESS_STATE",
  PROCESS_COMMUNICATION: "EVENT",
  PROCESS_COMMUNICATION_STDOUT: "PROCESS_COMMUNICATION",
  PROCESS_COMMUNICATION_STDERR: "PROCESS_COMMUNICATION",
  PROCESS_LOG: "EVENT",
  PROCESS_LOG_STDOUT: "PROCESS_LOG",
  PROCESS_LOG_STDERR: "PROCESS_LOG",
  REMOTE_COMMUNICATION: "EVENT",
  SUPERVISOR_STATE_CHANGE: "EVENT",
  SUPERVISOR_STATE_CHANGE_RUNNING: "SUPERVISOR_STATE_CHANGE",
  SUPERVISOR_STATE_CHANGE_STOPPING: "SUPERVISOR_STATE_CHANGE",
  TICK: "EVENT",
  TICK_5: "TICK",
  TICK_60: "TICK",
  TICK_3600: "TICK",
  PROCESS_GROUP: "EVENT",
  PROCESS_GROUP_ADDED: "PROCESS_GROUP",
  PROCESS_GROUP_REMOVED: "PROCESS_GROUP",
  PROCESS_HEALTH: undefined,
  PROCESS_HEALTH_UNHEALTHY: "PROCESS_HEALTH",
  PROCESS_HEALTH_HEALTHY: "PROCESS_HEALTH",
  PROCESS_DESCENDANTS: undefined,
  PROCESS_DESCENDANTS_LEFT: "PROCESS_DESCENDANTS",
  GROUP_STRATEGY: undefined,
  GROUP_STRATEGY_RESTART: "GROUP_STRATEGY",
  GROUP_STRATEGY_EXHAUSTED: "GROUP_STRATEGY"
} as const

/** Any event type name supervisord knows, abstract or concrete. */
export type EventTypeName = keyof typeof EVENT_TYPE_PARENT

/** The abstract type names: they are never emitted, only subscribed to. */
export const ABSTRACT_EVENT_TYPES = [
  "EVENT",
  "PROCESS_STATE",
  "PROCESS_COMMUNICATION",
  "PROCESS_LOG",
  "SUPERVISOR_STATE_CHANGE",
  "TICK",
  "PROCESS_GROUP",
  "PROCESS_HEALTH",
  "PROCESS_DESCENDANTS",
  "GROUP_STRATEGY"
] as const

/** An abstract event type name. */
export type AbstractEventTypeName = typeof ABSTRACT_EVENT_TYPES[number]

/** A concrete event type name: the `_tag` of an emitted event. */
export type ConcreteEventTypeName = Exclude<EventTypeName, AbstractEventTypeName>

/** Every event type name, in supervisord's declaration order (effsup's last). */
export const EVENT_TYPE_NAMES = Object.keys(EVENT_TYPE_PARENT) as ReadonlyArray<EventTypeName>

/** The concrete event type names, in supervisord's declaration order (effsup's last). */
export const CONCRETE_EVENT_TYPES = EVENT_TYPE_NAMES.filter(
  (name): name is ConcreteEventTypeName => !(ABSTRACT_EVENT_TYPES as ReadonlyArray<string>).includes(name)
)

type ParentOf<K extends EventTypeName> = (typeof EVENT_TYPE_PARENT)[K]
type GrandparentOf<K extends EventTypeName> = ParentOf<K> extends infer P extends EventTypeName ? ParentOf<P> : undefined

/**
 * The concrete names a subscription to `S` receives (type level): `EVENT` gives supervisord's types only.
 * Relies on the hierarchy being at most two levels below a root.
 */
export type ConcreteTypesOf<S extends EventTypeName> = S extends ConcreteEventTypeName ? S
  : {
    [K in ConcreteEventTypeName]: [ParentOf<K>] extends [S] ? K : [GrandparentOf<K>] extends [S] ? K : never
  }[ConcreteEventTypeName]

/** Whether `name` is an event type name, spelled exactly (callers upper-case config input first). */
export const isEventTypeName = (name: string): name is EventTypeName => Object.hasOwn(EVENT_TYPE_PARENT, name)

/** Whether `name` is an abstract event type name. */
export const isAbstractEventType = (name: string): name is AbstractEventTypeName =>
  (ABSTRACT_EVENT_TYPES as ReadonlyArray<string>).includes(name)

/** `name` followed by its ancestors up to `EVENT`; empty for an unknown name. */
export const ancestors = (name: string): ReadonlyArray<EventTypeName> => {
  const chain: Array<EventTypeName> = []
  let current: EventTypeName | undefined = isEventTypeName(name) ? name : undefined
  while (current !== undefined) {
    chain.push(current)
    current = EVENT_TYPE_PARENT[current]
  }
  return chain
}

/** supervisord's concrete types (those below `EVENT`), in its declaration order; effsup's own are the rest. */
export const SUPERVISORD_EVENT_TYPES: ReadonlyArray<ConcreteEventTypeName> = CONCRETE_EVENT_TYPES.filter((name) =>
  ancestors(name).includes("EVENT")
)

/**
 * Whether a subscription to `subscription` receives an event named `eventName`: the names are
 * equal or `subscription` is an ancestor of `eventName`. Unknown names never match.
 */
export const matches = (subscription: string, eventName: string): boolean =>
  ancestors(eventName).includes(subscription as EventTypeName)

/** Whether an event named `eventName` matches any of `subscriptions` (an `events=` list). */
export const matchesAny = (subscriptions: ReadonlyArray<string>, eventName: string): boolean =>
  subscriptions.some((s) => matches(s, eventName))
