/**
 * Loads the native spawner addon (native/spawner.c, built by node-gyp or shipped prebuilt under
 * `prebuilds/`) with node-gyp-build, from the package's root, and types what it exports. Where
 * it cannot load (not Linux, no prebuilt binary and nothing built), `loadNativeAddon` says why,
 * and effsup falls back to node:child_process.
 * @since 0.1.0
 */
import type { ExitInfo } from "../domain/ExitInfo.ts"
import { signalName } from "../domain/Signals.ts"
import * as Fs from "node:fs"
import { createRequire } from "node:module"
import * as Path from "node:path"

/** A user as the child should run: uid, primary gid and supplementary groups (getgrouplist). */
export interface NativeUser {
  readonly name: string
  readonly uid: number
  readonly gid: number
  readonly groups: ReadonlyArray<number>
}

/** Where a child failed before exec: the errno name, and the step (chdir, exec, setuid, …). */
export interface NativeSpawnError {
  readonly code?: string
  readonly stage?: string
}

/** A child that has exec'd: its pid and the daemon's ends of its pipes (-1: none). */
export type NativeStarted = readonly [pid: number, stdin: number, stdout: number, stderr: number, ready: number]

/** What the addon exports (see native/spawner.c for each function's contract). */
export interface NativeAddon {
  /**
   * Make the fd slots spawns use (sixteen sets of five fds low in the fd table that keep a child
   * from copying all the daemon's fds): call it before the daemon opens its log files.
   */
  readonly prepare: () => void
  /**
   * Start a child (shared memory, no copy of the daemon: new session, umask, chdir, user,
   * PR_SET_PDEATHSIG) and return its pid at once, before it has exec'd. `onStarted` is called
   * from the loop once it has: with its pid and the daemon's ends of its stdin (write), stdout and
   * stderr (read) pipes, and only then is its exit watched (`onExit` gets the exit code or the
   * signal number, and whether it dumped core, once it has been reaped); or with an Error with
   * `code` (errno name) and `stage` (where) when it failed before exec (reaped, nothing of it
   * open, `onExit` never called). Throws (`stage` "pipe" or "clone") when no child could be made.
   * `options.stdin` makes the child's fd 0 a duplicate of that fd (then stdin is -1);
   * `options.readyFd` (3..1023) gives the child the write end of a pipe at that fd, whose
   * (non-blocking) read end is `ready` (else -1); `options.stderrToStdout` (1) makes the child's
   * fd 2 its stdout pipe too (then stderr is -1).
   */
  readonly spawn: (
    file: string,
    argv: ReadonlyArray<string>,
    envp: ReadonlyArray<string>,
    cwd: string | null,
    umask: number,
    user: NativeUser | null,
    onExit: (code: number | null, signal: number | null, dumped: boolean) => void,
    options: { readonly stdin?: number | undefined; readonly readyFd?: number | undefined; readonly stderrToStdout?: 0 | 1 } | undefined,
    onStarted: (error: NativeSpawnError | null, started?: NativeStarted) => void
  ) => number
  /**
   * Make a blocking, close-on-exec listening socket: a unix one (replacing what is at `path`, then
   * chown (-1: unchanged) and chmod (-1: unchanged)) or an IPv4 TCP one with SO_REUSEADDR. Throws an
   * Error with `stage`, `errno` (negative: getaddrinfo's) and `reason` (strerror) when it cannot.
   */
  readonly listen: (spec: NativeListen) => number
  /** A user by name or uid, through the system's user database (NSS); null when unknown. */
  readonly lookupUser: (nameOrUid: string) => NativeUser | null
  /** PR_SET_CHILD_SUBREAPER: adopt the orphans of our descendants (or stop); whether it was set before. */
  readonly setSubreaper: (on: boolean) => boolean
  /** This process's children, when at least one of them is a zombie; none (quickly) when none is. */
  readonly zombieCandidates: () => ReadonlyArray<number>
  /** Whether that child has ended and waits to be reaped (without reaping it). */
  readonly isZombie: (pid: number) => boolean
  /** Reap that zombie child: its exit code or signal number, and whether it dumped core; null if it is not one. */
  readonly reap: (pid: number) => readonly [code: number | null, signal: number | null, dumped: boolean] | null
  /** Set a pipe's capacity (F_SETPIPE_SZ); the new capacity, or -1 when refused. */
  readonly growPipe: (fd: number, bytes: number) => number
  /** Give the pages malloc holds free back to the kernel, in every arena (malloc_trim); whether any were. */
  readonly trimMalloc: () => boolean
  /**
   * Grow the fd table to hold `fds` fds now (capped at the fd limit), so that it does not grow step
   * by step later; the size made sure of, or 0. With `background`, on a thread of its own (the
   * growth's wait for an RCU grace period is not the caller's): 0 at once.
   */
  readonly growFdTable: (fds: number, background?: boolean) => number
  /** Call `onReadable` on the event loop whenever `fd` is readable (or at its end), until stopped or closed. */
  readonly watch: (fd: number, onReadable: () => void) => NativeWatch
  /** Resume the calls of a stopped watch. */
  readonly watchStart: (watch: NativeWatch) => void
  /** Pause the calls of a watch. */
  readonly watchStop: (watch: NativeWatch) => void
  /** End a watch for good (the fd is the caller's to close). */
  readonly watchClose: (watch: NativeWatch) => void
  /** read(2) into `buffer`: the byte count (0 at EOF) or a negative errno (-EAGAIN: nothing yet). */
  readonly read: (fd: number, buffer: Uint8Array) => number
  /**
   * Move mode for a watched pipe: on each wake-up the addon moves what it holds into `file` (an
   * fd appended to by seeking to its end; read(2) and write(2) through one buffer, not splice(2):
   * see native/spawner.c) and calls onReadable only once `budget` bytes have moved, at the pipe's
   * end, or on an error (the bytes of a failed write are lost; the file reports its next one).
   */
  readonly startMoving: (watch: NativeWatch, file: number, budget: number) => void
  /** End move mode: the bytes it moved since startMoving. */
  readonly stopMoving: (watch: NativeWatch) => number
  /** A unix datagram socket (close-on-exec, non-blocking; native/dgram.c): its fd, or a negative errno. */
  readonly dgramSocket: () => number
  /** Bind it to a path and ask for senders' credentials: 0, or a negative errno. */
  readonly dgramBind: (fd: number, path: string) => number
  /** Send one datagram to the socket at `path` without blocking: the bytes sent, or a negative errno. */
  readonly dgramSend: (fd: number, path: string, bytes: Uint8Array) => number
  /** Receive one datagram into `buffer`: its length and the sender's pid (0: unknown), or a negative errno. */
  readonly dgramReceive: (fd: number, buffer: Uint8Array) => readonly [length: number, pid: number] | number
}

/** What `listen` makes: a unix socket at `path`, or a TCP one on `host:port`. */
export type NativeListen =
  | { readonly path: string; readonly mode: number; readonly uid: number; readonly gid: number; readonly backlog?: number | undefined }
  | { readonly host: string; readonly port: number; readonly backlog?: number | undefined }

/** A watched fd (see `watch`). */
export interface NativeWatch {
  readonly __nativeWatch: unique symbol
}

/** The addon, or why it is not there. */
export type NativeLoad =
  | { readonly _tag: "Loaded"; readonly addon: NativeAddon }
  | { readonly _tag: "Unavailable"; readonly reason: string }

/** The directory of effsup's package.json above `from` (sources, tsc output, or the bundle). */
const packageRoot = (from: string): string | undefined => {
  for (let dir = from; ; dir = Path.dirname(dir)) {
    try {
      if (JSON.parse(Fs.readFileSync(Path.join(dir, "package.json"), "utf8")).name === "effsup") return dir
    } catch {
      // no package.json here, or not ours
    }
    if (Path.dirname(dir) === dir) return undefined
  }
}

let loaded: NativeLoad | undefined

/** Load the addon once per process. */
export const loadNativeAddon = (): NativeLoad => {
  if (loaded !== undefined) return loaded
  loaded = load()
  return loaded
}

const load = (): NativeLoad => {
  if (process.platform !== "linux") return { _tag: "Unavailable", reason: `not Linux (${process.platform})` }
  const root = packageRoot(import.meta.dirname)
  if (root === undefined) return { _tag: "Unavailable", reason: "effsup's package directory was not found" }
  try {
    const require = createRequire(import.meta.url)
    const nodeGypBuild = require("node-gyp-build") as (dir: string) => Partial<NativeAddon>
    const addon = nodeGypBuild(root)
    if (typeof addon.spawn !== "function") return { _tag: "Unavailable", reason: "the addon has no spawner for this platform" }
    return { _tag: "Loaded", addon: addon as NativeAddon }
  } catch (cause) {
    return { _tag: "Unavailable", reason: String((cause as Error)?.message ?? cause).split("\n")[0]! }
  }
}

/** How a child ended, from what the addon reports (`onExit`, `reap`): its exit code, or its signal and whether it dumped core. */
export const exitInfoOf = (code: number | null, signal: number | null, dumped: boolean): ExitInfo =>
  signal === null ? { code, signal: null } : { code, signal: signalName(signal), ...(dumped ? { coreDumped: true } : {}) }
