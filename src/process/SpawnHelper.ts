/**
 * The spawn helper: a tiny long-lived Node process that forks children for the daemon.
 *
 * Why it exists: libuv forks with fork(2), whose cost grows with the parent's memory (measured
 * here: 1.2 ms from a bare Node, 6 ms from one holding 100 MB, 6–9 ms from the daemon). The
 * helper loads nothing but node:child_process, so every fork costs the bare-Node price however
 * large the daemon grows. The helper passes each child's stdout and stderr back over the IPC
 * channel (SCM_RIGHTS), keeps its stdin and writes to it what the daemon sends, reports each
 * exit, and when the daemon goes away (the channel closes, however the daemon died) SIGKILLs
 * what is left of every child's process group: no orphans.
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
 * Helper → daemon, in this order per child: `spawned` (pid, with the stdout handle), `stderr`
 * (with its handle), then `exited`; or a single `failed` with the errno name. `written` answers
 * a stdin order. Each handle costs an acknowledged round trip, so stdin stays with the helper:
 * it is rarely written, and small.
 */
export type HelperReport =
  | { readonly id: number; readonly kind: "spawned"; readonly pid: number }
  | { readonly id: number; readonly kind: "stderr" }
  | { readonly id: number; readonly kind: "written"; readonly write: number; readonly error: string | null }
  | { readonly id: number; readonly kind: "exited"; readonly code: number | null; readonly signal: string | null }
  | { readonly id: number; readonly kind: "failed"; readonly code: string }

/**
 * The helper program (plain JavaScript for `node -e`). The read ends are stopped at once, before
 * the event loop can poll them: otherwise the helper would read (and lose) output the child
 * writes while the handles wait in the IPC queue.
 */
export const HELPER_SOURCE = String.raw`
"use strict"
process.title = "effsup: spawn helper"
const Cp = require("node:child_process")
const live = new Map()
const daemon = process.ppid
for (const signal of ["SIGTERM", "SIGINT", "SIGQUIT", "SIGHUP", "SIGUSR1", "SIGUSR2"]) {
  process.on(signal, () => { try { process.kill(daemon, signal) } catch {} })
}
const report = (message, handle) => { if (process.connected) process.send(message, handle, () => {}) }
const errno = (cause) => (cause && cause.code) || "UNKNOWN"
const writeStdin = (order) => {
  const stdin = live.get(order.id)?.stdin
  const answer = (error) => report({ id: order.id, kind: "written", write: order.write, error })
  if (stdin === undefined || stdin.destroyed || !stdin.writable) return answer("EPIPE")
  stdin.write(Buffer.from(order.data, "base64"), (cause) => answer(cause ? errno(cause) : null))
}
process.on("message", (order) => {
  if (order.kind === "stdin") return writeStdin(order)
  const id = order.id
  let child
  const previous = order.umask === null ? undefined : process.umask(order.umask)
  try {
    child = Cp.spawn(order.file, order.args, {
      argv0: order.argv0, cwd: order.cwd ?? undefined, env: order.env, detached: true, stdio: "pipe"
    })
  } catch (cause) {
    report({ id, kind: "failed", code: errno(cause) })
    return
  } finally {
    if (previous !== undefined) process.umask(previous)
  }
  for (const stream of [child.stdout, child.stderr]) if (stream && stream._handle) stream._handle.readStop()
  child.once("error", (cause) => {
    if (child.pid === undefined) report({ id, kind: "failed", code: errno(cause) })
  })
  child.once("spawn", () => {
    const pid = child.pid
    live.set(id, { pid, stdin: child.stdin })
    child.stdin.on("error", () => {})
    report({ id, kind: "spawned", pid }, child.stdout)
    report({ id, kind: "stderr" }, child.stderr)
    child.once("exit", (code, signal) => {
      live.delete(id)
      report({ id, kind: "exited", code, signal })
    })
  })
})
process.on("disconnect", () => {
  for (const { pid } of live.values()) { try { process.kill(-pid, "SIGKILL") } catch {} }
  process.exit(0)
})
`
