/**
 * `effsup ctl`: supervisorctl for effsup and for a real supervisord 4.2.5. One-shot
 * (`effsup ctl -s unix:///tmp/s.sock status web`: the words after the flags are the command line)
 * or an interactive shell when no action is given. Same flags as supervisorctl (`-c -s -u -p -i`)
 * plus `--json`. Server options: flag > `[supervisorctl]` of the config file > `http://localhost:9001`.
 *
 * Exit code: the handler fails with `ExitCode { code }` (cli/Exit.ts) when supervisorctl would exit
 * non-zero; Root.ts and cli/RunMain.ts turn it into the process status. `runCtl`/`ctlMain` (ctl/Main.ts) return the code.
 *
 * Gotchas: effect/cli rejects unknown flags, so `ctl tail -f web` needs the `--` that
 * {@link ctlArgv} inserts before the action (apply it to argv before `Command.runWith`).
 * See shared/reference/supervisord-4.2.5.md §6.
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { Argument, Command, Flag } from "effect/cli"
import { ExitCode } from "./Exit.ts"
import { ctlMain } from "./ctl/Main.ts"

export { ctlArgv } from "./ctl/Argv.ts"

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
  ctlMain({
    configuration: Option.getOrUndefined(flags.configuration),
    serverurl: Option.getOrUndefined(flags.serverurl),
    username: Option.getOrUndefined(flags.username),
    password: Option.getOrUndefined(flags.password),
    interactive: flags.interactive,
    json: flags.json,
    action: flags.action
  }).pipe(Effect.flatMap((code) => code === 0 ? Effect.void : Effect.fail(new ExitCode({ code }))))
).pipe(Command.withDescription(DESCRIPTION))
