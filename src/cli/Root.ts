/**
 * The root `effsup` command on effect/cli and its subcommands: run (supervisord), ctl
 * (supervisorctl), check, echo-config and pidproxy. Each subcommand's module is loaded only when
 * it runs, and the full command tree only for help and the others.
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { Command } from "effect/cli"
import { VERSION } from "../domain/Version.ts"
import { ExitCode } from "./Exit.ts"
import { ctlArgv } from "./ctl/Argv.ts"


type Subcommand = Command.Command.SubcommandEntry

const loaders: Record<string, () => Promise<ReadonlyArray<Subcommand>>> = {
  ctl: () => import("./Ctl.ts").then((m) => [m.ctlCommand]),
  pidproxy: () => import("./Pidproxy.ts").then((m) => [m.pidproxyCommand])
}

const everything = async (): Promise<ReadonlyArray<Subcommand>> => {
  const [run, ctl, check, echo, pidproxy] = await Promise.all([
    import("./Run.ts"),
    import("./Ctl.ts"),
    import("./Check.ts"),
    import("./EchoConfig.ts"),
    import("./Pidproxy.ts")
  ])
  return [run.runCommand, ctl.ctlCommand, check.checkCommand, echo.echoConfigCommand, pidproxy.pidproxyCommand]
}

/** The root command with the given subcommands. */
export const cli = (subcommands: ReadonlyArray<Subcommand>) =>
  Command.make("effsup").pipe(
    Command.withDescription("A supervisord-compatible process supervisor on Effect"),
    Command.withSubcommands(subcommands as [Subcommand, ...Array<Subcommand>])
  )

/**
 * Run the CLI on an argv (without the node and script entries) and give the exit status.
 * `ctl`'s action words pass through untouched. The subcommands are chosen at run time, so the
 * services they need are only known to bin.ts (the Node ones).
 */
export const runCli = (argv: ReadonlyArray<string>): Effect.Effect<number, unknown, unknown> =>
  Effect.promise(() => (loaders[argv[0] ?? ""] ?? everything)()).pipe(
    Effect.flatMap((subcommands) => Command.runWith(cli(subcommands), { version: VERSION })(ctlArgv(argv))),
    Effect.as(0),
    Effect.catch((e) => (e instanceof ExitCode ? Effect.succeed(e.code) : Effect.fail(e)))
  )
