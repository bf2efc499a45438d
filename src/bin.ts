#!/usr/bin/env -S node --max-semi-space-size=1
/**
 * The `effsup` executable: runs the CLI on Node. The only place that turns an `ExitCode`
 * into the process exit status. The shebang gives V8 a small young generation: a supervisor lives
 * long and allocates little, and this keeps the daemon's RSS about 30 MiB lower (the flag only
 * works at startup). Startup matters for `effsup ctl` too (scripts call it in loops):
 * Node's compile cache is enabled before anything else loads, the platform modules are imported
 * one by one instead of through the package barrel, and Main loads only the subcommand it runs.
 * @since 0.1.0
 */
import type { NodeServices } from "@effect/platform-node/NodeServices"
import type * as Effect from "effect/Effect"
import * as Module from "node:module"

Module.enableCompileCache?.()

const [{ runMain }, { layer: nodeServices }, { Cause, Effect: E, Exit }, { main }] = await Promise.all([
  import("@effect/platform-node/NodeRuntime"),
  import("@effect/platform-node/NodeServices"),
  import("effect"),
  import("./cli/Main.ts")
])

const program = (main(process.argv.slice(2)) as Effect.Effect<number, unknown, NodeServices>).pipe(
  E.flatMap((code) => E.sync(() => (process.exitCode = code))),
  E.provide(nodeServices)
)

runMain(program, {
  teardown: (exit, onExit) => {
    if (Exit.isSuccess(exit)) return onExit(typeof process.exitCode === "number" ? process.exitCode : 0)
    if (Cause.hasInterruptsOnly(exit.cause)) return onExit(0)
    return onExit(1)
  }
})
