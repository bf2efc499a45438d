#!/usr/bin/env node
/**
 * The `effsup` executable: runs the CLI on Node. The daemon (`run`) tunes V8's heap for a
 * long-lived process first (cli/DaemonHeap.ts), whether it was started through this file's
 * shebang or as `node bin.js`. Startup matters for `effsup ctl` too (scripts call it in loops): Node's
 * compile cache is enabled before anything else loads, and only what the command needs is loaded
 * (cli/Main.ts routes): the ctl path is a separate bundle (cli/ctl/Bin.ts) with neither effect/cli,
 * the supervisor nor @effect/platform-node's services; `run` gets Node's platform services without
 * effect/cli; the rest gets both. Even the daemon's heap tuning is imported only for `run`: its
 * static import of node:v8, node:vm and node:perf_hooks (their ESM facades) cost every `effsup ctl`
 * ~4 ms.
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import * as Module from "node:module"
import { route } from "./cli/Main.ts"

Module.enableCompileCache?.()

const chosen = route(process.argv.slice(2), process.argv[1] ?? "effsup")

if (chosen._tag === "Ctl") {
  ;(await import("./cli/ctl/Bin.ts")).run(chosen.argv, chosen.progname)
} else {
  if (chosen._tag === "Run") (await import("./cli/DaemonHeap.ts")).tuneDaemonHeap()
  const [{ runProcess }, NodeServices, E] = await Promise.all([
    import("./cli/RunMain.ts"),
    import("@effect/platform-node/NodeServices"),
    import("effect/Effect")
  ])
  // the commands are chosen at run time, so their service needs are only known here: Node's
  const program: Effect.Effect<number, unknown, unknown> = chosen._tag === "Run"
    ? (await import("./cli/Run.ts")).runMain(chosen.argv, chosen.progname)
    : (await import("./cli/Root.ts")).runCli(chosen.argv)
  runProcess(E.provide(program, NodeServices.layer as Layer.Layer<never>) as Effect.Effect<number, unknown>)
}
