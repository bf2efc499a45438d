/**
 * The spawn helper: a tiny long-lived Node process that forks children for the daemon.
 *
 * Why it exists: libuv forks with fork(2), whose cost grows with the parent's memory (measured
 * here: 1.2 ms from a bare Node, 6 ms from one holding 100 MB, 6–9 ms from the daemon). The
 * helper loads nothing but a few Node built-ins (child_process, net, fs, path), so every fork
 * costs the bare-Node price however large the daemon grows. A child's stdout and stderr are connections the daemon
 * made to the helper's socket (OUTPUT_HEADER_BYTES first say whose and which), so the daemon reads
 * them as its own sockets; the helper keeps the child's stdin and writes to it what the daemon
 * sends, reports each exit, and when the daemon goes away (the channel closes, however the daemon
 * died) SIGKILLs what is left of every child's process group (no orphans) and removes the
 * socket's directory.
 * Why connections rather than passing the child's pipes back over IPC (SCM_RIGHTS): Node
 * acknowledges every passed handle before it sends the next message, two round trips per child
 * on the daemon's busy event loop, which serialised every spawn behind the daemon's other work;
 * and the daemon can read its own connections into one shared buffer (ChildSocket.ts).
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
 * Helper → daemon: `ready` once it listens for output connections (with the errno name if it
 * cannot); then per child, in this order: `spawned` (pid), then `exited`; or a single `failed`
 * with the errno name of the fork. `written` answers a stdin order.
 */
export type HelperReport =
  | { readonly kind: "ready"; readonly error: string | null }
  | { readonly id: number; readonly kind: "spawned"; readonly pid: number }
  | { readonly id: number; readonly kind: "written"; readonly write: number; readonly error: string | null }
  | { readonly id: number; readonly kind: "exited"; readonly code: number | null; readonly signal: string | null }
  | { readonly id: number; readonly kind: "failed"; readonly code: string }

/**
 * Each output connection starts with this many bytes from the daemon: the spawn id (uint32,
 * little-endian), then 1 for stdout or 2 for stderr, then three zero bytes. The child's output
 * flows the other way.
 */
export const OUTPUT_HEADER_BYTES = 8

/**
 * The helper program (plain JavaScript for `node -e HELPER_SOURCE <socket path>`). A child is
 * forked once its order and both its output connections are here, and the helper closes its own
 * ends at once, so the daemon sees EOF when the child's side is closed.
 */
export const HELPER_SOURCE = String.raw`
"use strict"
process.title = "effsup: spawn helper"
const Cp = require("node:child_process")
const Fs = require("node:fs")
const Net = require("node:net")
const Path = require("node:path")
const outputPath = process.argv[1]
const live = new Map()
const pending = new Map()
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
const entry = (id) => {
  let e = pending.get(id)
  if (e === undefined) pending.set(id, e = {})
  return e
}
const spawn = (id, order, out, err) => {
  let child
  const previous = order.umask === null ? undefined : process.umask(order.umask)
  try {
    child = Cp.spawn(order.file, order.args, {
      argv0: order.argv0, cwd: order.cwd ?? undefined, env: order.env, detached: true, stdio: ["pipe", out, err]
    })
  } catch (cause) {
    report({ id, kind: "failed", code: errno(cause) })
    return
  } finally {
    if (previous !== undefined) process.umask(previous)
    out.destroy()
    err.destroy()
  }
  child.once("error", (cause) => {
    if (child.pid === undefined) report({ id, kind: "failed", code: errno(cause) })
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
const trySpawn = (id) => {
  const e = pending.get(id)
  if (e === undefined || e.order === undefined || e.out === undefined || e.err === undefined) return
  pending.delete(id)
  spawn(id, e.order, e.out, e.err)
}
const server = Net.createServer((socket) => {
  socket.on("error", () => {})
  const readHeader = () => {
    const header = socket.read(8)
    if (header === null) return
    socket.off("readable", readHeader)
    if (header.length < 8 || (header[4] !== 1 && header[4] !== 2)) return socket.destroy()
    const id = header.readUInt32LE(0)
    const e = entry(id)
    const key = header[4] === 1 ? "out" : "err"
    if (e[key] !== undefined) return socket.destroy()
    e[key] = socket
    trySpawn(id)
  }
  socket.on("readable", readHeader)
})
server.on("error", (cause) => report({ kind: "ready", error: errno(cause) }))
try { Fs.unlinkSync(outputPath) } catch {}
server.listen({ path: outputPath, backlog: 4096 }, () => report({ kind: "ready", error: null }))
process.on("message", (order) => {
  if (order.kind === "stdin") return writeStdin(order)
  entry(order.id).order = order
  trySpawn(order.id)
})
process.on("disconnect", () => {
  for (const { pid } of live.values()) { try { process.kill(-pid, "SIGKILL") } catch {} }
  // the daemon may have died without removing the socket's directory
  try { Fs.rmSync(Path.dirname(outputPath), { recursive: true, force: true }) } catch {}
  process.exit(0)
})
`
