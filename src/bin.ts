#!/usr/bin/env -S node --max-semi-space-size=1
/**
 * The `effsup` executable: runs the CLI on Node. The shebang gives V8 a small young generation: a
 * supervisor lives long and allocates little, and this keeps the daemon's RSS about 30 MiB lower (the
 * flag only works at startup). Startup matters for `effsup ctl` too (scripts call it in loops): Node's
 * compile cache is enabled before anything else loads, and only what the command needs is loaded —
 * the fast ctl path is a separate bundle (cli/ctl/Bin.ts) with neither effect/cli, the supervisor nor
 * @effect/platform-node's services; the rest gets Node's platform services and the effect/cli tree.
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import * as Module from "node:module"
import { fastCtl } from "./cli/Main.ts"

Module.enableCompileCache?.()

const argv = process.argv.slice(2)
const flags = fastCtl(argv)

if (flags !== undefined) {
  ;(await import("./cli/ctl/Bin.ts")).run(flags)
} else {
  const [{ runProcess }, { runCli }, NodeServices, E] = await Promise.all([
    import("./cli/RunMain.ts"),
    import("./cli/Root.ts"),
    import("@effect/platform-node/NodeServices"),
    import("effect/Effect")
  ])
  // the subcommands are chosen at run time, so their service needs are only known here: Node's
  runProcess(E.provide(runCli(argv), NodeServices.layer as Layer.Layer<never>) as Effect.Effect<number, unknown>)
}
