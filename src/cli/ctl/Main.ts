/**
 * One `effsup ctl` invocation, independent of how its command line was parsed: resolve the
 * server options (flag > `[supervisorctl]` of the config file > `http://localhost:9001`), then run
 * the action (or the interactive shell) on the process's terminal and give supervisorctl's exit code.
 * Used by the effect/cli `ctl` command and by the fast ctl entry (ctl/Bin.ts).
 * See shared/reference/supervisord-4.2.5.md §6.
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type * as FileSystem from "effect/FileSystem"
import type * as Path from "effect/Path"
import { loadCtl } from "../../config/Load.ts"
import type { CtlFlags } from "./Argv.ts"
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
    yield* shell(session, terminal.onInterrupt)
    return 0
  }))

/** Run ctl for parsed flags; a config error prints `Error: …` and gives 2. */
export const ctlMain = (flags: CtlFlags): Effect.Effect<number, never, FileSystem.FileSystem | Path.Path> =>
  loadCtl(flags.configuration, process.env, process.cwd()).pipe(
    Effect.flatMap(({ supervisorctl: ctl }) =>
      runCtl({
        options: {
          serverurl: flags.serverurl ?? ctl.serverurl,
          username: flags.username ?? ctl.username,
          password: flags.password ?? ctl.password,
          interactive: flags.interactive || flags.action.length === 0,
          prompt: ctl.prompt,
          historyFile: ctl.historyFile
        },
        words: flags.action,
        json: flags.json
      })
    ),
    Effect.catchTag("ConfigError", (error) =>
      Effect.sync(() => {
        process.stderr.write(`Error: ${error.message}\nFor help, use effsup ctl -h\n`)
        return 2
      }))
  )
