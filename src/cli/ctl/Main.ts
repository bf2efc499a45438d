/**
 * One `effsup ctl` invocation: read its command line (Argv.ts: `-h`, usage errors), resolve the
 * server options (flag > `[supervisorctl]` of the config file > `http://localhost:9001`), then run
 * the action (or the interactive shell) on the process's terminal and give supervisorctl's exit code.
 * Run by the ctl entry (ctl/Bin.ts) for `effsup ctl ARGV` and for effsup invoked as `supervisorctl`.
 * See shared/reference/supervisord-4.2.5.md §6.
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type * as FileSystem from "effect/FileSystem"
import * as Path from "effect/Path"
import { loadCtl } from "../../config/Load.ts"
import { configErrorMessage, USAGE_EXIT, usageErrorText } from "../Usage.ts"
import { type CtlFlags, ctlUsage, parseCtlArgv } from "./Argv.ts"
import type { CtlOptions, Session } from "./Session.ts"
import { runLine, shell } from "./Shell.ts"
import * as Terminal from "./Terminal.ts"

/** How to run: the resolved connection options, output mode, and the command words (empty = shell). */
export interface CtlRun {
  readonly options: CtlOptions
  readonly words: ReadonlyArray<string>
  readonly json: boolean
}

/**
 * Run one ctl invocation on the process's terminal and return supervisorctl's exit code
 * (the interactive shell always returns 0).
 */
export const runCtl = (run: CtlRun): Effect.Effect<number, never, FileSystem.FileSystem> =>
  Effect.scoped(Effect.gen(function*() {
    const terminal = yield* Terminal.make(run.words.length === 0 ? run.options.historyFile : undefined)
    const session: Session = {
      options: { ...run.options },
      io: terminal.io,
      json: run.json,
      colour: !run.json && process.stdout.isTTY === true && process.env["NO_COLOR"] === undefined,
      exitStatus: 0,
      records: []
    }
    if (run.words.length > 0) {
      yield* runLine(session, run.words.join(" "))
      return session.exitStatus
    }
    yield* shell(session, terminal)
    return 0
  }))

/** Run ctl for parsed flags; a config error is a usage error (exit 2). `progname` is how ctl was invoked. */
export const ctlMain = (flags: CtlFlags, progname: string): Effect.Effect<number, never, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const path = yield* Path.Path
    const { supervisorctl: ctl } = yield* loadCtl(flags.configuration, process.env, process.cwd())
    return yield* runCtl({
      options: {
        serverurl: flags.serverurl ?? ctl.serverurl,
        username: flags.username ?? ctl.username,
        password: flags.password ?? ctl.password,
        interactive: flags.interactive || flags.action.length === 0,
        prompt: ctl.prompt,
        historyFile: flags.historyFile === undefined ? ctl.historyFile : path.resolve(process.cwd(), flags.historyFile)
      },
      words: flags.action,
      json: flags.json
    })
  }).pipe(
    Effect.catchTag("ConfigError", (error) =>
      Effect.sync(() => {
        process.stderr.write(usageErrorText(configErrorMessage(error), progname))
        return USAGE_EXIT
      }))
  )

/**
 * `effsup ctl ARGV` as a whole: `-h` prints the usage text (exit 0), a bad command line is a usage
 * error (exit 2), anything else runs.
 */
export const ctlCommandLine = (
  argv: ReadonlyArray<string>,
  progname: string
): Effect.Effect<number, never, FileSystem.FileSystem | Path.Path> => {
  const line = parseCtlArgv(argv)
  switch (line._tag) {
    case "Help":
      return Effect.sync(() => {
        process.stdout.write(ctlUsage(progname))
        return 0
      })
    case "Usage":
      return Effect.sync(() => {
        process.stderr.write(usageErrorText(line.message, progname))
        return USAGE_EXIT
      })
    case "Run":
      return ctlMain(line.flags, progname)
  }
}
