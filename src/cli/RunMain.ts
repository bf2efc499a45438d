/**
 * Runs a command as the whole process: the number it succeeds with is the exit status, an
 * interruption (Ctrl-C, SIGTERM) exits 0 and a failure 1. The only module that sets
 * `process.exitCode`; used by bin.ts and by the separately bundled ctl entry (ctl/Bin.ts).
 * @since 0.1.0
 */
import { runMain } from "@effect/platform-node/NodeRuntime"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"

/** Run `program` on Node's runtime (signals interrupt it) and exit with its status. */
export const runProcess = (program: Effect.Effect<number, unknown>): void =>
  runMain(Effect.flatMap(program, (code) => Effect.sync(() => (process.exitCode = code))), {
    teardown: (exit, onExit) => {
      if (Exit.isSuccess(exit)) return onExit(typeof process.exitCode === "number" ? process.exitCode : 0)
      if (Cause.hasInterruptsOnly(exit.cause)) return onExit(0)
      return onExit(1)
    }
  })
