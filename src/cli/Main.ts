/**
 * What `effsup ARGV` runs. The common, latency-sensitive case — `effsup ctl [options] action…`,
 * called by scripts in loops — is the fast ctl path (ctl/Bin.ts, bundled on its own): no effect/cli,
 * no supervisor, no @effect/platform-node. Everything else (help, run, check, …) goes through the
 * effect/cli command tree in Root.ts on Node's platform services.
 * Pure and free of effect, so deciding costs bin.ts nothing to load.
 * @since 0.1.0
 */
import { type CtlFlags, parseCtlArgv } from "./ctl/Argv.ts"

/** The parsed flags when `argv` (without the node and script entries) takes the fast ctl path, else undefined. */
export const fastCtl = (argv: ReadonlyArray<string>): CtlFlags | undefined =>
  argv[0] === "ctl" ? parseCtlArgv(argv.slice(1)) : undefined
