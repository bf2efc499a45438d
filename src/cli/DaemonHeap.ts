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
 *   what survived before the next one (V8 picks 10–300 % from its own timing otherwise). Only once
 *   the autostart burst is over (`settleDaemonHeap`, at the compaction after it): during a start the
 *   live heap grows by 30 KiB a program, and at 20 % V8 ran six concurrent full markings while 500
 *   programs started (its worker threads' CPU 500 → 260 ms with V8's own growth, the compaction after
 *   the start leaves the same heap).
 *
 * A flag named on Node's command line or in NODE_OPTIONS is left as given. Only the daemon
 * command sets them: an application embedding the supervisor as a Layer owns its process's V8.
 *
 * A compaction frees much that was malloc'd (ArrayBuffer backing stores, buffers of a burst), and
 * V8's worker threads free their compilation zones, but glibc keeps freed pages in each thread's
 * arena (a thread gets its own at its first allocation, up to 8 per core): 6–9 MiB at 500 programs
 * (RSS 92.6–98.7 → 86.8–89.8 MiB with MALLOC_ARENA_MAX=1 set from outside; capping the arenas with
 * mallopt at run time comes too late, the threads have theirs). So the daemon's compaction ends
 * with malloc_trim (the probe's `releaseFreed`; Serve.ts passes NodeSupervisor.releaseFreedMemory),
 * which gives every arena's free pages back: RSS 1.5 s after a start of 500 programs 91.4–94.6 →
 * 84.2–85.2 MiB (4 interleaved runs each); the trim takes 0.5–4 ms.
 *
 * The daemon gives memory back itself instead of through V8's memory reducer
 * (`--memory-reducer-gc-count=0`, the one memory reducer setting V8 reads at run time). V8 arms its
 * reducer at the first full collection, then runs two more 8 s later once allocation is low: after a
 * start that is 70 ms of CPU in a daemon that went idle, repeating what the daemon had already done.
 * The daemon knows when its bursts end (`makeHeapReducer`, used by Serve.ts):
 * - a moment after its autostart programs have been started it compacts the heap (one
 *   memory-reducing full collection, about 60 ms at 500 programs, RSS 100 → 93 MiB), so what it
 *   holds right after a start is what it holds when settled;
 * - at each TICK_5 it compacts again if the heap has grown by 10 % and 4 MiB since, and the event
 *   loop was busy less than 5 % of the time since the previous tick: after a `restart all` of 500
 *   programs, RSS is back from 116 to 95 MiB within 5 s, where V8's reducer took 8 s.
 *
 * V8's optimizing compilers (Maglev, Turbofan) are off during the autostart burst and on again
 * when it is over (`settleDaemonHeap`): most of a start's code runs once per program, and what they
 * made of it was thrown away soon after. Their work during a start of 500 programs was a third of
 * the CPU of V8's worker threads (beside the 500 children on a 2-core VM), and their code pages and
 * zones were 10–12 MiB of the daemon's RSS once all were RUNNING (103 → 91 MiB, with the malloc
 * trim Serve.ts does at that moment); once the daemon's code is hot again (requests, output) they
 * come back. A user who chose how V8 compiles (`--jitless`, `--max-opt`, `--maglev`, `--turbofan`,
 * in either form, on Node's command line or in NODE_OPTIONS) keeps that choice; Maglev is only
 * touched where Node was built with it.
 * @since 0.1.0
 */
import { performance } from "node:perf_hooks"
import * as V8 from "node:v8"
import * as Vm from "node:vm"

/** The flags `tuneDaemonHeap` sets at startup, with their values. */
export const DAEMON_HEAP_FLAGS: ReadonlyArray<string> = [
  "--semi-space-growth-factor=1",
  "--memory-reducer-gc-count=0"
]

/** The flags `settleDaemonHeap` sets once the autostart burst is over. */
export const SETTLED_HEAP_FLAGS: ReadonlyArray<string> = ["--heap-growing-percent=20"]

/**
 * The flag's name as Node's options name it, without a `no-`: `--heap-growing-percent` for
 * `--heap_growing_percent=5`, `--turbofan` for `--no-turbofan`.
 */
export const flagName = (flag: string): string => flag.split("=")[0]!.replaceAll("_", "-").replace(/^--no-/, "--")

/** The V8 flags the user gave Node (its command line and NODE_OPTIONS), by name. */
const givenFlags = (): ReadonlyArray<string> =>
  [...process.execArgv, ...(process.env["NODE_OPTIONS"] ?? "").split(/\s+/)].map(flagName)

/** Set `flags` in this process's V8, except those the user gave Node themselves. */
const setUnlessGiven = (flags: ReadonlyArray<string>): void => {
  const given = givenFlags()
  for (const flag of flags) if (!given.includes(flagName(flag))) V8.setFlagsFromString(flag)
}

/** Flags by which a user chooses how V8 compiles: given any, the daemon leaves its compilers alone. */
const COMPILER_CHOICES: ReadonlyArray<string> = ["--jitless", "--max-opt", "--maglev", "--turbofan"]

/**
 * The flags that turn V8's optimizing compilers off (`on` false) or on again: none when the user
 * chose how V8 compiles (`given`, by flagName); Maglev only where Node was built with it.
 */
export const compilerFlags = (on: boolean, given: ReadonlyArray<string>, hasMaglev: boolean): ReadonlyArray<string> =>
  COMPILER_CHOICES.some((choice) => given.includes(choice))
    ? []
    : [...(hasMaglev ? ["maglev"] : []), "turbofan"].map((tier) => `--${on ? "" : "no-"}${tier}`)

/** Whether this Node's V8 has Maglev (Node's build variables; not on every architecture). */
const builtWithMaglev = (): boolean => (process.config.variables as Readonly<Record<string, unknown>>)["v8_enable_maglev"] === 1

/** Turn this process's optimizing compilers off or on (see compilerFlags). */
const setCompilers = (on: boolean): void => {
  for (const flag of compilerFlags(on, givenFlags(), builtWithMaglev())) V8.setFlagsFromString(flag)
}

/** Set DAEMON_HEAP_FLAGS in this process's V8, except those the user gave Node themselves, and turn the optimizing compilers off. */
export const tuneDaemonHeap = (): void => {
  setUnlessGiven(DAEMON_HEAP_FLAGS)
  setCompilers(false)
}

/**
 * Set SETTLED_HEAP_FLAGS (the daemon, before its compaction after the autostart burst), except
 * those the user gave, and turn the optimizing compilers on again.
 */
export const settleDaemonHeap = (): void => {
  setUnlessGiven(SETTLED_HEAP_FLAGS)
  setCompilers(true)
}

/** V8's `gc` function (exposed for a new context only: the daemon's global gets no `gc`). */
const collector = (): ((options: { type: "major"; execution: "sync"; flavor: "last-resort" }) => void) => {
  V8.setFlagsFromString("--expose-gc")
  return Vm.runInNewContext("gc")
}

/** One memory-reducing full collection now. */
const compactNow = (): void => collector()({ type: "major", execution: "sync", flavor: "last-resort" })

const MiB = 1024 * 1024

/** Whether a heap of `committed` bytes has grown enough since it was compacted at `compacted` bytes to compact it again. */
export const heapGrown = (committed: number, compacted: number): boolean =>
  committed - compacted >= Math.max(compacted / 10, 4 * MiB)

/** Above this share of busy time since the previous look, the daemon is working, and compacting waits. */
export const BUSY_SHARE = 0.05

/** What a heap reducer reads and does; `nodeHeapProbe` is this process's. */
export interface HeapProbe {
  /** The heap's committed size in bytes. */
  readonly committed: () => number
  /** The share (0–1) of time the event loop was busy since the previous call. */
  readonly busyShare: () => number
  /** One memory-reducing full collection. */
  readonly compact: () => void
}

/**
 * This process: V8's heap statistics, Node's event loop utilization, V8's collector followed by
 * `releaseFreed` (the daemon passes malloc_trim: see the module doc).
 */
export const nodeHeapProbe = (releaseFreed: () => void = () => undefined): HeapProbe => {
  let since = performance.eventLoopUtilization()
  return {
    committed: () => V8.getHeapStatistics().total_heap_size,
    busyShare: () => {
      const now = performance.eventLoopUtilization()
      const share = performance.eventLoopUtilization(now, since).utilization
      since = now
      return share
    },
    compact: () => {
      compactNow()
      releaseFreed()
    }
  }
}

/** The daemon's memory reducer (see the module doc). */
export interface HeapReducer {
  /** Compact now (the daemon, after its autostart burst). */
  readonly compact: () => void
  /** A look at a TICK_5: compact if the heap grew since the last compaction and the loop was idle since the last look. */
  readonly look: () => void
}

/** A heap reducer over `probe`; the heap's size now counts as compacted. */
export const makeHeapReducer = (probe: HeapProbe = nodeHeapProbe()): HeapReducer => {
  let compacted = probe.committed()
  const compact = () => {
    probe.compact()
    compacted = probe.committed()
  }
  return {
    compact,
    look: () => {
      const idle = probe.busyShare() < BUSY_SHARE
      if (idle && heapGrown(probe.committed(), compacted)) compact()
    }
  }
}
