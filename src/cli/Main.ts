/**
 * What `effsup ARGV` runs. The common, latency-sensitive case — `effsup ctl [options] action…`,
 * called by scripts in loops — goes straight to ctl without loading effect/cli, the supervisor or
 * @effect/platform-node (it brings its own small platform, ctl/Platform.ts); everything else (help,
 * run, check, …) goes through the effect/cli command tree in Root.ts on Node's platform services.
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { type CtlFlags, parseCtlArgv } from "./ctl/Argv.ts"

/** The platform services a run needs from its caller: none (the fast ctl path), or all of Node's. */
export type Platform = "none" | "full"

const fastCtl = (argv: ReadonlyArray<string>): CtlFlags | undefined =>
  argv[0] === "ctl" ? parseCtlArgv(argv.slice(1)) : undefined

/** Which platform services `main(argv)` needs. */
export const platformOf = (argv: ReadonlyArray<string>): Platform => (fastCtl(argv) === undefined ? "full" : "none")

/** Run effsup on an argv (without the node and script entries) and give the exit status. */
export const main = (argv: ReadonlyArray<string>): Effect.Effect<number, unknown, unknown> => {
  const flags = fastCtl(argv)
  return flags === undefined
    ? Effect.flatMap(Effect.promise(() => import("./Root.ts")), (root) => root.runCli(argv))
    : Effect.flatMap(
      Effect.promise(() => Promise.all([import("./ctl/Main.ts"), import("./ctl/Platform.ts")])),
      ([ctl, platform]) => Effect.provide(ctl.ctlMain(flags), platform.layer)
    )
}
