/**
 * The root `effsup` command and its subcommands: run (supervisord), ctl (supervisorctl),
 * check, echo-config and pidproxy.
 * @since 0.1.0
 */
import { Command } from "effect/cli"
import { checkCommand } from "./Check.ts"
import { ctlArgv, ctlCommand } from "./Ctl.ts"
import { echoConfigCommand } from "./EchoConfig.ts"
import { pidproxyCommand } from "./Pidproxy.ts"
import { runCommand } from "./Run.ts"

/** The package version (also returned by getSupervisorVersion). */
export const VERSION = "0.1.0"

/** The root command. */
export const cli = Command.make("effsup").pipe(
  Command.withDescription("A supervisord-compatible process supervisor on Effect"),
  Command.withSubcommands([runCommand, ctlCommand, checkCommand, echoConfigCommand, pidproxyCommand])
)

/** Run the CLI on an argv (without the node and script entries). `ctl`'s action words pass through untouched. */
export const main = (argv: ReadonlyArray<string>) => Command.runWith(cli, { version: VERSION })(ctlArgv(argv))
