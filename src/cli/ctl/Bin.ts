/**
 * The `effsup ctl` path as a program of its own: bin.ts loads this module when cli/Main.ts routes
 * the command line to ctl. The build bundles it separately (dist/app/cli/ctl/Bin.js,
 * package.json "bundle"), tree-shaken for ctl alone and in one file: with the daemon's bundle, ctl
 * loaded ~520 KB in 20 chunks (effect/FileSystem's `make` alone pulls in Stream, Channel and PubSub);
 * alone it is about half of that.
 * Gotcha: it carries its own copy of effect, so nothing from bin.ts's bundle may cross into it.
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { runProcess } from "../RunMain.ts"
import { ctlCommandLine } from "./Main.ts"
import * as Platform from "./Platform.ts"

/** Run ctl on the words after `ctl` as the whole process (exit status: supervisorctl's). */
export const run = (argv: ReadonlyArray<string>, progname: string): void =>
  runProcess(Effect.provide(ctlCommandLine(argv, progname), Platform.layer))
