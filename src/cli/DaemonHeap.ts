/**
 * V8 heap settings for the daemon process (`effsup run`), applied at startup. A supervisor lives
 * long with a small live heap, but a crash-looping program makes it allocate fast (hundreds of
 * restarts a second with the native spawner). With V8's defaults the young generation then grows
 * step by step to 128 MiB, and old-generation garbage is collected late: the daemon's RSS climbed
 * from 84 MiB after 1 000 crash restarts to 126 MiB after 50 000, with a flat live heap. Two flags,
 * which V8 reads at each collection (so they take effect when set at run time, unlike
 * `--max-semi-space-size`), keep it at 84 → 88 MiB over the same run, at the same restart rate:
 * - `--semi-space-growth-factor=1`: the young generation keeps its initial size (2 × 1 MiB);
 * - `--heap-growing-percent=20`: after a full collection the old generation may grow by 20 % of
 *   what survived before the next one (V8 picks 10–300 % from its own timing otherwise).
 *
 * A flag named on Node's command line or in NODE_OPTIONS is left as given. Only the daemon
 * command sets them: an application embedding the supervisor as a Layer owns its process's V8.
 *
 * Starting hundreds of programs leaves pages of garbage in the heap that V8's memory reducer gives
 * back only seconds later; the daemon compacts its heap a moment after its autostart programs have
 * been started (`compactDaemonHeap`, called by Serve.ts: one memory-reducing full collection, about
 * 60 ms at 500 programs, RSS 100 → 93 MiB), so what it holds right after a start is what it holds
 * when settled.
 * @since 0.1.0
 */
import * as V8 from "node:v8"
import * as Vm from "node:vm"

/** The flags `tuneDaemonHeap` sets, with their values. */
export const DAEMON_HEAP_FLAGS: ReadonlyArray<string> = ["--semi-space-growth-factor=1", "--heap-growing-percent=20"]

/** The flag's name as Node's options name it (`--heap-growing-percent` or `--heap_growing_percent`). */
const flagName = (flag: string) => flag.split("=")[0]!.replaceAll("_", "-")

/** Set DAEMON_HEAP_FLAGS in this process's V8, except those the user gave Node themselves. */
export const tuneDaemonHeap = (): void => {
  const given = [...process.execArgv, ...(process.env["NODE_OPTIONS"] ?? "").split(/\s+/)].map(flagName)
  for (const flag of DAEMON_HEAP_FLAGS) if (!given.includes(flagName(flag))) V8.setFlagsFromString(flag)
}

/** V8's `gc` function (exposed for a new context only: the daemon's global gets no `gc`). */
const collector = (): ((options: { type: "major"; execution: "sync"; flavor: "last-resort" }) => void) => {
  V8.setFlagsFromString("--expose-gc")
  return Vm.runInNewContext("gc")
}

/** One memory-reducing full collection now (the daemon, after its autostart burst). */
export const compactDaemonHeap = (): void => collector()({ type: "major", execution: "sync", flavor: "last-resort" })
