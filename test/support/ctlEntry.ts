/**
 * Test entry that runs only `effsup ctl` (for end-to-end tests, independent of cli/Main.ts):
 * `node test/support/ctlEntry.ts -s unix:///tmp/x.sock status`. Exits with ctl's exit code.
 * @since 0.1.0
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { Cause, Effect, Exit } from "effect"
import { Command } from "effect/cli"
import { ctlArgv, ctlCommand } from "../../src/cli/Ctl.ts"

const cli = Command.make("effsup").pipe(Command.withSubcommands([ctlCommand]))

const program = Command.runWith(cli, { version: "0.1.0" })(ctlArgv(["ctl", ...process.argv.slice(2)])).pipe(
  Effect.catchTag("ExitCode", (e) => Effect.sync(() => (process.exitCode = e.code))),
  Effect.provide(NodeServices.layer)
)

NodeRuntime.runMain(program, {
  teardown: (exit, onExit) =>
    onExit(Exit.isSuccess(exit) ? (typeof process.exitCode === "number" ? process.exitCode : 0) : Cause.hasInterruptsOnly(exit.cause) ? 0 : 1)
})
