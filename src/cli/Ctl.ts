/**
 * `effsup ctl`: supervisorctl for effsup and for a real supervisord 4.2.5. One-shot
 * (`effsup ctl -s unix:///tmp/s.sock status web`: the words after the flags are the command line)
 * or an interactive shell when no action is given. Same flags as supervisorctl (`-c -s -u -p -i`)
 * plus `--json`. Server options: flag > `[supervisorctl]` of the config file > `http://localhost:9001`.
 *
 * Exit code: the handler fails with `ExitCode { code }` (cli/Exit.ts) when supervisorctl would exit
 * non-zero; bin.ts turns it into the process status. `runCtl` returns the code for embedding and tests.
 *
 * Gotchas: effect/cli rejects unknown flags, so `ctl tail -f web` needs the `--` that
 * {@link ctlArgv} inserts before the action (apply it to argv before `Command.runWith`).
 * See shared/reference/supervisord-4.2.5.md §6.
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type * as FileSystem from "effect/FileSystem"
import * as Option from "effect/Option"
import { Argument, Command, Flag } from "effect/cli"
import { loadCtl } from "../config/Load.ts"
import { ExitCode } from "./Exit.ts"
import type { CtlOptions, Session } from "./ctl/Session.ts"
import { runLine, shell } from "./ctl/Shell.ts"
import * as Terminal from "./ctl/Terminal.ts"

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

/** ctl's own flags that take a value (everything else before the action is a boolean flag). */
const VALUE_FLAGS = new Set(["-c", "--configuration", "-s", "--serverurl", "-u", "--username", "-p", "--password"])

/**
 * Insert `--` before the ctl action in a full effsup argv (`["ctl", "-s", url, "tail", "-f", "x"]`
 * → `["ctl", "-s", url, "--", "tail", "-f", "x"]`), so the action's own dashes (`-f`, `-100`) reach
 * it untouched, as with supervisorctl's getopt. Argv without a `ctl` subcommand is returned as is.
 */
export const ctlArgv = (argv: ReadonlyArray<string>): ReadonlyArray<string> => {
  const at = argv.indexOf("ctl")
  if (at < 0) return argv
  for (let i = at + 1; i < argv.length; i++) {
    const word = argv[i]!
    if (word === "--") return argv
    if (VALUE_FLAGS.has(word)) i++
    else if (!word.startsWith("-")) return [...argv.slice(0, i), "--", ...argv.slice(i)]
  }
  return argv
}

const optional = (name: string, alias: string, description: string) =>
  Flag.String(name).pipe(Flag.withAlias(alias), Flag.withDescription(description), Flag.optional)

const DESCRIPTION = [
  "Control a running effsup or supervisord (supervisorctl).",
  "Actions: status [name|group:*|all ...], start|stop|restart name|group:*|all ..., signal SIG name ...,",
  "pid [name|all], tail [-f|-N] name [stdout|stderr], maintail [-f|-N], fg name, clear name|all,",
  "avail, reread, update [all|group ...], add group ..., remove group ..., reload, shutdown, version,",
  "help [action]. Without an action, an interactive shell starts. Exit codes follow supervisorctl (LSB)."
].join("\n")

/** The `ctl` subcommand. */
export const ctlCommand = Command.make("ctl", {
  configuration: optional("configuration", "c", "Configuration file path (searched if not given)"),
  serverurl: optional("serverurl", "s", "URL of the server: unix:///path or http://host:port"),
  username: optional("username", "u", "Username for authentication with the server"),
  password: optional("password", "p", "Password for authentication with the server"),
  interactive: Flag.Boolean("interactive").pipe(
    Flag.withAlias("i"),
    Flag.withDescription("Interactive mode: confirm shutdown/reload, prompt for credentials on 401"),
    Flag.withDefault(false)
  ),
  json: Flag.Boolean("json").pipe(Flag.withDescription("Print results as JSON (one array per command)"), Flag.withDefault(false)),
  action: Argument.String("action").pipe(
    Argument.withDescription("The action and its arguments (see above); none starts the shell"),
    Argument.variadic()
  )
}, (flags) =>
  Effect.gen(function*() {
    const loaded = yield* loadCtl(Option.getOrUndefined(flags.configuration), process.env, process.cwd()).pipe(
      Effect.catchTag("ConfigError", (error) =>
        Effect.sync(() => process.stderr.write(`Error: ${error.message}\nFor help, use effsup ctl -h\n`)).pipe(
          Effect.andThen(Effect.fail(new ExitCode({ code: 2 })))
        ))
    )
    const ctl = loaded.supervisorctl
    const code = yield* runCtl({
      options: {
        serverurl: Option.getOrElse(flags.serverurl, () => ctl.serverurl),
        username: Option.getOrElse(flags.username, () => ctl.username),
        password: Option.getOrElse(flags.password, () => ctl.password),
        interactive: flags.interactive || flags.action.length === 0,
        prompt: ctl.prompt,
        historyFile: ctl.historyFile
      },
      words: flags.action,
      json: flags.json
    })
    if (code !== 0) return yield* new ExitCode({ code })
  })).pipe(Command.withDescription(DESCRIPTION))
