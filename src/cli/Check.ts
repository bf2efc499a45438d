/**
 * `effsup check [CONFIG] [--json]`: validate a config without running anything. Prints every
 * problem with file:line and exits 2, or prints the resolved groups and processes (and the
 * notices, e.g. unknown options with a suggestion) and exits 0.
 * @since 0.1.0
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { Argument, Command, Flag } from "effect/cli"
import { type ConfigError, load } from "../config/Load.ts"
import type { Config } from "../config/Types.ts"
import { ExitCode } from "./Exit.ts"
import { configErrorMessage, USAGE_EXIT, usageErrorText } from "./Usage.ts"

/** Print a config error as a usage error (every issue located) and exit 2. */
const reportConfigError = (error: ConfigError) =>
  Effect.andThen(
    Effect.sync(() => process.stderr.write(usageErrorText(configErrorMessage(error), "effsup check"))),
    Effect.fail(new ExitCode({ code: USAGE_EXIT }))
  )

/** A human summary of a resolved config: one line per process. */
export const summarize = (config: Config): string => {
  const lines = [`config: ${config.file}`]
  for (const notice of config.notices) lines.push(`${notice.level}: ${notice.message}`)
  for (const group of config.groups) {
    lines.push(`[${group.kind}:${group.name}] priority=${group.priority}`)
    for (const p of group.processes) {
      lines.push(
        `  ${p.group === p.name ? p.name : `${p.group}:${p.name}`}: ${p.command} ` +
          `(autostart=${p.autostart} autorestart=${p.autorestart} startsecs=${p.startsecs} startretries=${p.startretries} ` +
          `stopsignal=${p.stopsignal} priority=${p.priority})`
      )
    }
  }
  return lines.join("\n")
}

/** The `check` command. */
export const checkCommand = Command.make(
  "check",
  {
    config: Argument.String("config").pipe(Argument.withDescription("Path to the config file"), Argument.optional),
    configuration: Flag.String("configuration").pipe(Flag.withAlias("c"), Flag.withDescription("Path to the config file"), Flag.optional),
    json: Flag.Boolean("json").pipe(Flag.withDescription("Print the resolved config as JSON"), Flag.withDefault(false))
  },
  Effect.fn("effsup.check")(function*(args) {
    const file = Option.getOrUndefined(Option.orElse(args.config, () => args.configuration))
    const config = yield* load(file, process.env, process.cwd()).pipe(Effect.catchTag("ConfigError", reportConfigError))
    yield* Console.log(args.json ? JSON.stringify(config, null, 2) : summarize(config))
  })
).pipe(Command.withDescription("Validate a config file and print the resolved programs"))
