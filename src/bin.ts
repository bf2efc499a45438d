#!/usr/bin/env -S node --max-semi-space-size=1
/**
 * The `effsup` executable: runs the CLI on Node, and the only place that turns the CLI's result
 * into the process exit status. The shebang gives V8 a small young generation: a supervisor lives
 * long and allocates little, and this keeps the daemon's RSS about 30 MiB lower (the flag only
 * works at startup). Startup matters for `effsup ctl` too (scripts call it in loops): Node's compile
 * cache is enabled before anything else loads, platform modules are imported one by one, and only
 * what the command needs is loaded (`ctl` needs neither effect/cli, the supervisor nor @effect/platform-node).
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import * as Module from "node:module"

Module.enableCompileCache?.()

const argv = process.argv.slice(2)
const [{ runMain }, Cause, Exit, E, { main, platformOf }] = await Promise.all([
  import("@effect/platform-node/NodeRuntime"),
  import("effect/Cause"),
  import("effect/Exit"),
  import("effect/Effect"),
  import("./cli/Main.ts")
])

const run = (main(argv) as Effect.Effect<number>).pipe(E.flatMap((code) => E.sync(() => (process.exitCode = code))))
const program = platformOf(argv) === "none"
  ? run
  : E.provide(run, (await import("@effect/platform-node/NodeServices")).layer as Layer.Layer<never>)

runMain(program, {
  teardown: (exit, onExit) => {
    if (Exit.isSuccess(exit)) return onExit(typeof process.exitCode === "number" ? process.exitCode : 0)
    if (Cause.hasInterruptsOnly(exit.cause)) return onExit(0)
    return onExit(1)
  }
})
