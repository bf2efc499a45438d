#!/usr/bin/env node
/**
 * The `effsup` executable: runs the CLI on Node. The only place that turns an `ExitCode`
 * into the process exit status.
 * @since 0.1.0
 */
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Cause, Effect, Exit } from "effect"
import { main } from "./cli/Main.ts"

const program = main(process.argv.slice(2)).pipe(
  Effect.catchTag("ExitCode", (e) => Effect.sync(() => (process.exitCode = e.code))),
  Effect.provide(NodeServices.layer)
)

NodeRuntime.runMain(program, {
  disableErrorReporting: false,
  teardown: (exit, onExit) => {
    if (Exit.isSuccess(exit)) return onExit(typeof process.exitCode === "number" ? process.exitCode : 0)
    if (Cause.hasInterruptsOnly(exit.cause)) return onExit(0)
    return onExit(1)
  }
})
