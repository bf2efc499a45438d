/**
 * Which program `effsup ARGV` is. `effsup ctl …` (called by scripts in loops, so latency matters)
 * is the ctl entry (ctl/Bin.ts, bundled on its own: no effect/cli, no supervisor, no
 * @effect/platform-node); `effsup run …` is the daemon's entry (Run.ts); both read their command
 * line as supervisorctl and supervisord do, with getopt. Everything else (help, check, echo-config,
 * pidproxy) goes through the effect/cli command tree in Root.ts.
 * Invoked under the name `supervisord` or `supervisorctl` (a symlink to the executable), effsup is
 * that program: `ln -s "$(command -v effsup)" /usr/local/bin/supervisord` makes it a drop-in.
 * Pure and free of effect, so deciding costs bin.ts nothing to load.
 * @since 0.1.0
 */

/** The program a command line runs; `progname` is how its usage errors and help name it. */
export type Route =
  | { readonly _tag: "Ctl"; readonly argv: ReadonlyArray<string>; readonly progname: string }
  | { readonly _tag: "Run"; readonly argv: ReadonlyArray<string>; readonly progname: string }
  | { readonly _tag: "Cli"; readonly argv: ReadonlyArray<string> }

/** Route `argv` (without the node and script entries); `invokedAs` is the script path (`process.argv[1]`). */
export const route = (argv: ReadonlyArray<string>, invokedAs: string): Route => {
  const name = invokedAs.slice(invokedAs.lastIndexOf("/") + 1)
  if (name === "supervisorctl") return { _tag: "Ctl", argv, progname: invokedAs }
  if (name === "supervisord") return { _tag: "Run", argv, progname: invokedAs }
  if (argv[0] === "ctl") return { _tag: "Ctl", argv: argv.slice(1), progname: "effsup ctl" }
  if (argv[0] === "run") return { _tag: "Run", argv: argv.slice(1), progname: "effsup run" }
  return { _tag: "Cli", argv }
}
