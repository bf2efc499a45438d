/**
 * effsup's public API for embedding: the `Supervisor` service and the Node layers that build it
 * (`NodeSupervisor`), the typed events, the config loader and types, and the errors the service
 * fails with.
 *
 * @example
 * ```ts
 * import * as Effect from "effect/Effect"
 * import * as Stream from "effect/Stream"
 * import { NodeSupervisor, Supervisor } from "effsup"
 *
 * const program = Effect.gen(function*() {
 *   const supervisor = yield* Supervisor
 *   yield* supervisor.events.pipe(
 *     Stream.filter((e) => e._tag === "PROCESS_STATE_FATAL"),
 *     Stream.runForEach((e) => Effect.log(`${e._tag}`))
 *   )
 * })
 * Effect.runPromise(program.pipe(Effect.provide(NodeSupervisor.layerFromFile("supervisord.conf"))))
 * ```
 * @since 0.1.0
 */
export { Supervisor, type SupervisorShape, type ExitRequest } from "./supervisor/Supervisor.ts"
export * from "./supervisor/Api.ts"
/** The layers that build a Supervisor on Node: `layerFromFile(path)`, `layer(config)`, `layerWith(config)`. */
export * as NodeSupervisor from "./supervisor/Layers.ts"
export * from "./events/Event.ts"
export { EventBus, type EventOrDrop, type EventsDropped } from "./events/EventBus.ts"
export { forGroup, forName, ofType, ofTypes } from "./events/Filters.ts"
export * from "./domain/Errors.ts"
export { ProcessStateCode, type ProcessState } from "./domain/ProcessState.ts"
export type * from "./config/Types.ts"
export { load, ConfigError } from "./config/Load.ts"
