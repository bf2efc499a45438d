/**
 * The spawn helper: a tiny long-lived Node process that forks children for the daemon.
 *
 * Why it exists: libuv forks with fork(2), whose cost grows with the parent's memory (measured
 * here: 1.2 ms from a bare Node, 6 ms from one holding 100 MB, 6–9 ms from the daemon). The
 * helper loads nothing but node:child_process and node:net, so every fork costs the bare-Node
 * price however large the daemon grows. A child's stdout and stderr are connections to the
 * daemon's private output socket (OUTPUT_HEADER_BYTES first say whose and which); the helper
 * keeps its stdin and writes to it what the daemon sends, reports each exit, and when the daemon
 * goes away (the channel closes, however the daemon died) SIGKILLs what is left of every
 * child's process group (no orphans) and removes the output socket's directory.
 * Why connections rather than passing the child's pipes back over IPC (SCM_RIGHTS): Node
 * acknowledges every passed handle before it sends the next message, two round trips per child
 * on the daemon's busy event loop, which serialised every spawn behind the daemon's other work.
 * Children see the helper as their parent, so the signals a child may send its parent
 * (`kill -TERM $PPID` in an event listener is a common supervisord idiom) are passed on to the daemon.
 *
 * The helper runs as `node -e HELPER_SOURCE`, so it works the same from the sources, the tsc
 * output, the bundle, or a program embedding the Supervisor layer. This module is pure data.
 * @since 0.1.0
 */

/** Daemon → helper: start one child (detached: its own session and process group)… */
export interface SpawnOrder {
  readonly kind: "spawn"
  readonly id: number
  readonly file: string
  readonly args: ReadonlyArray<string>
  readonly argv0: string
  readonly cwd: string | null
  readonly env: Readonly<Record<string, string>>
  readonly umask: number | null
}

/** …or write to a child's stdin (base64); the helper answers `written` with the errno name on failure. */
export interface StdinOrder {
  readonly kind: "stdin"
  readonly id: number
  readonly write: number
  readonly data: string
}

/** What the daemon sends the helper. */
export type HelperOrder = SpawnOrder | StdinOrder

/**
 * Helper → daemon, in this order per child: `spawned` (pid), then `exited`; or a single `failed`
 * with the errno name, of connecting its output or of the fork. `written` answers a stdin order. The child's stdout and stderr arrive
 * separately, as connections to the daemon's output socket.
 */
export type HelperReport =
  | { readonly id: number; readonly kind: "spawned"; readonly pid: number }
  | { readonly id: number; readonly kind: "written"; readonly write: number; readonly error: string | null }
  | { readonly id: number; readonly kind: "exited"; readonly code: number | null; readonly signal: string | null }
  | { readonly id: number; readonly kind: "failed"; readonly code: string; readonly stage: "output" | "spawn" }

/**
 * Each connection to the daemon's output socket starts with this many bytes: the spawn id
 * (uint32, little-endian), then 1 for stdout or 2 for stderr, then three zero bytes. The child's
 * output follows.
 */
export const OUTPUT_HEADER_BYTES = 8

/**
 * The helper program (plain JavaScript for `node -e HELPER_SOURCE <output socket path>`). Spawn
 * orders are served one after the other, in the order they came. A child's output connections
 * are made, and their headers written, before it is forked: its first bytes come after them. The
 * helper closes its own ends once the child holds them, so the daemon sees EOF when the child's
 * side is closed.
 */
export const HELPER_SOURCE = String.raw`
"use strict"
process.title = "effsup: spawn helper"
const Cp = require("node:child_process")
const Net = require("node:net")
const outputPath = process.argv[1]
const live = new Map()
const daemon = process.ppid
for (const signal of ["SIGTERM", "SIGINT", "SIGQUIT", "SIGHUP", "SIGUSR1", "SIGUSR2"]) {
  process.on(signal, () => { try { process.kill(daemon, signal) } catch {} })
}
const report = (message) => { if (process.connected) process.send(message, undefined, () => {}) }
const errno = (cause) => (cause && cause.code) || "UNKNOWN"
const writeStdin = (order) => {
  const stdin = live.get(order.id)?.stdin
  const answer = (error) => report({ id: order.id, kind: "written", write: order.write, error })
  if (stdin === undefined || stdin.destroyed || !stdin.writable) return answer("EPIPE")
  stdin.write(Buffer.from(order.data, "base64"), (cause) => answer(cause ? errno(cause) : null))
}
// A connection to the daemon's output socket, its header written. A full backlog (the daemon is
// busy) is retried.
const output = (id, stream) => new Promise((resolve, reject) => {
  const header = Buffer.alloc(8)
  header.writeUInt32LE(id, 0)
  header[4] = stream
  const attempt = (delay) => {
    const socket = Net.connect(outputPath)
    socket.once("error", (cause) => {
      if (cause.code === "EAGAIN" && delay < 1000) setTimeout(() => attempt(delay * 2), delay)
      else reject(cause)
    })
    socket.once("connect", () => socket.write(header, (cause) => cause ? reject(cause) : resolve(socket)))
  }
  attempt(1)
})
const spawn = async (order) => {
  const id = order.id
  let out, err
  try {
    ;[out, err] = await Promise.all([output(id, 1), output(id, 2)])
  } catch (cause) {
    report({ id, kind: "failed", code: errno(cause), stage: "output" })
    return
  }
  let child
  const previous = order.umask === null ? undefined : process.umask(order.umask)
  try {
    child = Cp.spawn(order.file, order.args, {
      argv0: order.argv0, cwd: order.cwd ?? undefined, env: order.env, detached: true, stdio: ["pipe", out, err]
    })
  } catch (cause) {
    report({ id, kind: "failed", code: errno(cause), stage: "spawn" })
    return
  } finally {
    if (previous !== undefined) process.umask(previous)
    out.destroy()
    err.destroy()
  }
  child.once("error", (cause) => {
    if (child.pid === undefined) report({ id, kind: "failed", code: errno(cause), stage: "spawn" })
  })
  child.once("spawn", () => {
    const pid = child.pid
    live.set(id, { pid, stdin: child.stdin })
    child.stdin.on("error", () => {})
    report({ id, kind: "spawned", pid })
    child.once("exit", (code, signal) => {
      live.delete(id)
      report({ id, kind: "exited", code, signal })
    })
  })
}
let spawning = Promise.resolve()
process.on("message", (order) => {
  if (order.kind === "stdin") return writeStdin(order)
  spawning = spawning.then(() => spawn(order))
})
process.on("disconnect", () => {
  for (const { pid } of live.values()) { try { process.kill(-pid, "SIGKILL") } catch {} }
  // the daemon may have died without removing its output socket's directory
  try { require("node:fs").rmSync(require("node:path").dirname(outputPath), { recursive: true, force: true }) } catch {}
  process.exit(0)
})
`
