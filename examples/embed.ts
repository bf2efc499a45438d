/**
 * Embedding effsup in an Effect program: build the Supervisor layer from a config file, watch
 * the typed event stream, and react — when `flaky` goes FATAL, start `fallback`. Releasing the
 * layer at the end stops every child. Run it with: node examples/embed.ts
 */
import { Console, Effect, Stream } from "effect"
import { NodeSupervisor, ofType, Supervisor } from "../src/index.ts"

const program = Effect.gen(function*() {
  const supervisor = yield* Supervisor
  const events = yield* supervisor.subscribe
  yield* events.pipe(
    Stream.tap((event) => Console.log(`event: ${event._tag}${"processName" in event ? ` ${event.processName}` : ""}`)),
    Stream.filter(ofType("PROCESS_STATE_FATAL")),
    Stream.filter((event) => event.processName === "flaky"),
    Stream.take(1),
    Stream.runDrain
  )
  yield* Console.log("flaky gave up: starting fallback")
  yield* supervisor.startProcess("fallback", true)
  const info = yield* supervisor.processInfo("fallback")
  yield* Console.log(`fallback is ${info.state} (${info.description})`)
})

Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(NodeSupervisor.layerFromFile(new URL("embed.conf", import.meta.url).pathname))))
  .then(() => Console.log("done: every child stopped").pipe(Effect.runSync))
