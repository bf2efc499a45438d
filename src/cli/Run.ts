/**
 * `effsup run [options] [CONFIG]`: the supervisord equivalent. It reads supervisord's command line
 * (RunOptions.ts: `-h` prints the usage text, `-v` the version, a bad line is a usage error, exit 2),
 * loads the config (every problem listed, exit 2) and applies the command line's options over it.
 * With `nodaemon` (`-n`, or `nodaemon=true`) it serves in the foreground; otherwise it starts itself
 * again in the background (Daemonize.ts) and exits 0 once that daemon serves, or with its startup
 * error. The daemon's life is Serve.ts.
 * supervisord: supervisord.py main, options.py ServerOptions.realize. See reference §1.16, §2.5.
 * @since 0.1.0
 */
import * as Fs from "node:fs"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import type * as FileSystem from "effect/FileSystem"
import type * as Path from "effect/Path"
import { hostFacts, load } from "../config/Load.ts"
import { VERSION } from "../domain/Version.ts"
import { detach, type StartupReport, startupReport } from "./Daemonize.ts"
import { unknownUser } from "./Privileges.ts"
import { parseRunArgv, type PathFacts, type RunOptions, runUsage } from "./RunOptions.ts"
import { daemon, withOverrides } from "./Serve.ts"
import { configErrorMessage, USAGE_EXIT, UsageError, usageErrorText } from "./Usage.ts"

/** What the command line's path options are checked against: this process's directory, HOME and file system. */
const pathFacts = (): PathFacts => ({
  cwd: process.cwd(),
  home: process.env["HOME"],
  isDirectory: (path) => {
    try {
      return Fs.statSync(path).isDirectory()
    } catch {
      return false
    }
  }
})

/** Load the config named (or found), apply the command line, check `-u`; then serve or go to the background. */
const start = (options: RunOptions, report: StartupReport) =>
  Effect.gen(function*() {
    const loaded = yield* load(options.configuration, process.env, process.cwd()).pipe(
      Effect.mapError((error) => new UsageError({ message: configErrorMessage(error) }))
    )
    const config = withOverrides(loaded, options.overrides)
    if (options.overrides.user !== undefined) {
      const problem = unknownUser(options.overrides.user, (yield* hostFacts(process.env, process.cwd())).users)
      if (problem !== undefined) return yield* new UsageError({ message: problem })
    }
    if (!config.supervisord.nodaemon && !report.background) return yield* detach
    return yield* daemon(config, { report, overrides: options.overrides, profileOptions: options.profileOptions })
  })

/** `effsup run ARGV` as a whole: gives the exit status. `progname` is how usage errors name the command. */
export const runMain = (
  argv: ReadonlyArray<string>,
  progname: string
): Effect.Effect<number, never, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const report = startupReport()
    const line = parseRunArgv(argv, pathFacts())
    switch (line._tag) {
      case "Help":
        return yield* Effect.as(Console.log(runUsage(progname).replace(/\n$/, "")), 0)
      case "Version":
        return yield* Effect.as(Console.log(VERSION), 0)
      case "Usage":
        report.failed(usageErrorText(line.message, progname), USAGE_EXIT)
        return USAGE_EXIT
      case "Run":
        return yield* start(line.options, report).pipe(
          Effect.catchTag("UsageError", (error) =>
            Effect.sync(() => {
              report.failed(usageErrorText(error.message, progname), USAGE_EXIT)
              return USAGE_EXIT
            }))
        )
    }
  })
