/**
 * `effsup echo-config`: print a commented sample config with every section and option at its
 * default (the equivalent of echo_supervisord_conf).
 * @since 0.1.0
 */
import * as Console from "effect/Console"
import { Command } from "effect/cli"
import { sampleConfig } from "../config/Sample.ts"

/** The `echo-config` command. */
export const echoConfigCommand = Command.make("echo-config", {}, () => Console.log(sampleConfig)).pipe(
  Command.withDescription("Print a commented sample config file")
)
