/**
 * The root `effsup` command on effect/cli and its subcommands: check, echo-config and pidproxy, and
 * the entries of run (supervisord) and ctl (supervisorctl) in `effsup --help`. run and ctl read their
 * own command lines as supervisord and supervisorctl do (cli/Main.ts routes them before effect/cli),
 * so their entries here only describe them. Each subcommand's module is loaded only when it runs,
 * and the full command tree only for help and the others.
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { Command } from "effect/cli"
import { VERSION } from "../domain/Version.ts"
import { ExitCode } from "./Exit.ts"

type Subcommand = Command.Command.SubcommandEntry

/** The entries of the commands that read their own command lines. */
const described: ReadonlyArray<Subcommand> = [
  Command.make("run").pipe(
    Command.withDescription("Run the supervisor, in the background unless nodaemon (supervisord; options: effsup run -h)")
  ),
  Command.make("ctl").pipe(
    Command.withDescription("Control a running effsup or supervisord (supervisorctl; options: effsup ctl -h)")
  )
]

const loaders: Record<string, () => Promise<ReadonlyArray<Subcommand>>> = {
  pidproxy: () => import("./Pidproxy.ts").then((m) => [m.pidproxyCommand])
}

const everything = async (): Promise<ReadonlyArray<Subcommand>> => {
  const [check, echo, pidproxy] = await Promise.all([import("./Check.ts"), import("./EchoConfig.ts"), import("./Pidproxy.ts")])
  return [...described, check.checkCommand, echo.echoConfigCommand, pidproxy.pidproxyCommand]
}

/** The root command with the given subcommands. */
export const cli = (subcommands: ReadonlyArray<Subcommand>) =>
  Command.make("effsup").pipe(
    Command.withDescription("A supervisord-compatible process supervisor on Effect"),
    Command.withSubcommands(subcommands as [Subcommand, ...Array<Subcommand>])
  )

/**
 * pidproxy's COMMAND is taken as it is, as supervisord's pidproxy takes it: its flags
 * (`pidproxy x.pid /bin/sh -c '…'`) are the command's, not effsup's, so they follow a `--`.
 */
const verbatimCommand = (argv: ReadonlyArray<string>): ReadonlyArray<string> =>
  argv[0] === "pidproxy" && argv.length > 2 && !argv[1]!.startsWith("-") ? [argv[0], argv[1]!, "--", ...argv.slice(2)] : argv

/**
 * Run the CLI on an argv (without the node and script entries) and give the exit status.
 * The subcommands are chosen at run time, so the services they need are only known to bin.ts
 * (the Node ones).
 */
export const runCli = (argv: ReadonlyArray<string>): Effect.Effect<number, unknown, unknown> =>
  Effect.promise(() => (loaders[argv[0] ?? ""] ?? everything)()).pipe(
    Effect.flatMap((subcommands) => Command.runWith(cli(subcommands), { version: VERSION })(verbatimCommand(argv))),
    Effect.as(0),
    Effect.catch((e) => (e instanceof ExitCode ? Effect.succeed(e.code) : Effect.fail(e)))
  )
