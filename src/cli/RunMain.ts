/**
 * Runs a command as the whole process: the number it succeeds with is the exit status, an
 * interruption (Ctrl-C, SIGTERM) exits 0 and a failure 1. The only module that sets
 * `process.exitCode`; used by bin.ts and by the separately bundled ctl entry (ctl/Bin.ts).
 *
 * Nothing the process reports by itself escapes the activity log's line format (LogLine.ts): a
 * failure that ends the program, an `Effect.log*` outside the activity log (before it opens, after
 * it closes), Node's warnings, an uncaught exception or unhandled rejection are each written as one
 * `YYYY-MM-DD HH:MM:SS,mmm LEVL message` line, through the activity log while it is open, else to
 * stderr. (Effect's own reporting would print `[09:28:59.497] ERROR (#50): …` and a stack.)
 * @since 0.1.0
 */
import { runMain } from "@effect/platform-node/NodeRuntime"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Logger from "effect/Logger"
import * as Runtime from "effect/Runtime"
import { causeLine, errorLine, render, writeLastResortUnsafe } from "../logs/LogLine.ts"

/** Effect's logger for whatever logs outside the activity log (which replaces it while open). */
const lastResortLogger = Logger.make<unknown, void>(({ cause, logLevel, message }) =>
  writeLastResortUnsafe(logLevel, render(message, cause))
)

/** Node's own reports (warnings; uncaught errors, which end the process with status 1) as log lines. */
const routeNodeReports = (): void => {
  process.removeAllListeners("warning") // Node's default listener prints `(node:123) Warning: …`
  process.on("warning", (warning) => writeLastResortUnsafe("Warn", `${warning.name}: ${warning.message}`))
  const fatal = (what: string) => (error: unknown) => {
    writeLastResortUnsafe("Fatal", `effsup stops on an ${what}: ${errorLine(error, true)}`)
    process.exit(1)
  }
  process.on("uncaughtException", fatal("uncaught exception"))
  process.on("unhandledRejection", fatal("unhandled rejection"))
}

/** Run `program` on Node's runtime (signals interrupt it) and exit with its status. */
export const runProcess = (program: Effect.Effect<number, unknown>): void => {
  routeNodeReports()
  runMain(
    program.pipe(
      Effect.flatMap((code) => Effect.sync(() => (process.exitCode = code))),
      Effect.provideService(Logger.CurrentLoggers, new Set([lastResortLogger]))
    ),
    {
      disableErrorReporting: true,
      teardown: (exit, onExit) => {
        if (Exit.isSuccess(exit)) return onExit(typeof process.exitCode === "number" ? process.exitCode : 0)
        if (Cause.hasInterruptsOnly(exit.cause)) return onExit(0)
        // an error that says it was already reported (effect/cli's) is not printed again
        if (Runtime.getErrorReported(Cause.squash(exit.cause))) {
          writeLastResortUnsafe("Fatal", `effsup stops on an unexpected error: ${causeLine(exit.cause)}`)
        }
        return onExit(1)
      }
    }
  )
}
