/**
 * The Spawner on node:child_process. Each child is detached (setsid: its own session and
 * process group, so `kill(-pid)` reaches its descendants and a terminal's Ctrl-C reaches only
 * the daemon). `umask=` is applied around the synchronous fork; `user=` runs the child through
 * util-linux `setpriv --init-groups` so it gets the user's supplementary groups (libuv's
 * uid/gid options drop them all). The fork itself happens in the spawn helper (SpawnHelper.ts),
 * whose small memory keeps fork(2) cheap; child exits come back from it as they happen: nothing
 * polls. A child's stdout and stderr are connections the daemon makes to the helper's socket
 * (in a 0700 directory under the temp dir, removed with the layer), read by ChildSocket.ts.
 * @since 0.1.0
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import * as Cp from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import type { ExitInfo } from "../domain/ExitInfo.ts"
import { connectOutput, type OutputConnection } from "./ChildSocket.ts"
import { type CommandError, type ExecArgs, type FileFacts, resolveCommand } from "./Command.ts"
import { HELPER_SOURCE, type HelperOrder, type HelperReport, OUTPUT_HEADER_BYTES } from "./SpawnHelper.ts"
import { KillFailure, type RawChild, type SpawnRequest, SpawnFailure, Spawner, StdinFailure } from "./Spawner.ts"

const SETPRIV = "/usr/bin/setpriv"

const errnoOf = (cause: unknown): string => (cause as NodeJS.ErrnoException)?.code ?? "UNKNOWN"

/** uid and primary gid of a user name or numeric uid, from /etc/passwd. */
const lookupUser = (user: string): { readonly uid: number; readonly gid: number } | undefined => {
  const byId = /^\d+$/.test(user)
  for (const line of Fs.readFileSync("/etc/passwd", "utf8").split("\n")) {
    const [name, , uid, gid] = line.split(":")
    if (uid === undefined || gid === undefined) continue
    if (byId ? uid === user : name === user) return { uid: Number(uid), gid: Number(gid) }
  }
  return undefined
}

/** Turn `user=` into the exec line: as the same user nothing changes; otherwise setpriv switches user and groups. */
const withUser = (request: SpawnRequest): { readonly file: string; readonly args: ReadonlyArray<string>; readonly argv0: string } => {
  const plain = { file: request.file, args: request.argv.slice(1), argv0: request.argv[0] ?? request.file }
  if (request.user === undefined) return plain
  const me = Os.userInfo()
  if (request.user === me.username || request.user === String(me.uid)) return plain
  const ids = lookupUser(request.user)
  const uid = String(ids?.uid ?? request.user)
  const gid = String(ids?.gid ?? request.user)
  return {
    file: SETPRIV,
    args: ["--reuid", uid, "--regid", gid, "--init-groups", "--", request.file, ...request.argv.slice(1)],
    argv0: "setpriv"
  }
}

const spawnMessage = (request: SpawnRequest, cause: unknown): string => {
  const code = errnoOf(cause)
  if (code === "ENOENT" && request.cwd !== undefined) return `couldn't chdir to ${request.cwd}: ENOENT`
  if (code === "EAGAIN") return `Too many processes in process table to spawn '${request.argv[0]}'`
  if (code === "EMFILE") return `too many open files to spawn '${request.argv[0]}'`
  return `unknown error during fork for '${request.argv[0]}': ${code}`
}

/** A child the helper was asked to start: the spawn completes with its pid. */
interface Pending {
  readonly request: SpawnRequest
  readonly resume: (effect: Effect.Effect<RawChild, SpawnFailure>) => void
  readonly exited: Deferred.Deferred<ExitInfo>
  pid?: number | undefined
  stdout?: OutputConnection | undefined
  stderr?: OutputConnection | undefined
}

/**
 * Where the spawn helper listens for the output connections: a socket in a fresh directory only
 * this user can enter. The directory is removed with the layer (or by the helper, if the daemon
 * dies first).
 */
const outputDirectory = (logError: (message: string) => void) => {
  // A unix socket path holds at most 107 bytes: a long TMPDIR falls back to /tmp.
  const base = Os.tmpdir().length <= 64 ? Os.tmpdir() : "/tmp"
  try {
    const dir = Fs.mkdtempSync(Path.join(base, "effsup-spawn-"))
    return { path: Path.join(dir, "output.sock"), created: true, remove: () => Fs.rmSync(dir, { recursive: true, force: true }) }
  } catch (cause) {
    // Every spawn then fails to connect its output, as a spawn error of its process.
    logError(`cannot create the directory of the spawn helper's output socket in ${base}: ${errnoOf(cause)}`)
    return { path: Path.join(base, "effsup-spawn-unavailable", "output.sock"), created: false, remove: () => undefined }
  }
}

/** The header of an output connection: which child (spawn id), which stream (1 stdout, 2 stderr). */
const outputHeader = (id: number, stream: 1 | 2): Uint8Array => {
  const header = Buffer.alloc(OUTPUT_HEADER_BYTES)
  header.writeUInt32LE(id, 0)
  header[4] = stream
  return header
}

const killGroup = (pid: number, signal: string, group: boolean): Effect.Effect<void, KillFailure> =>
  Effect.try({
    try: () => {
      process.kill(group ? -pid : pid, signal as NodeJS.Signals)
    },
    catch: (cause) => new KillFailure({ code: errnoOf(cause), message: String(cause) })
  })

/**
 * The daemon's end of the spawn helper (SpawnHelper.ts): forks it (again, if it died) when asked
 * to spawn, routes its reports to the children they belong to, and keeps the event loop alive
 * only while a child is starting or running (as libuv's own child handles would). If the helper dies, its children
 * are killed and reported as ended by SIGKILL, and the next spawn starts a new helper.
 */
const makeHelperConnection = (logError: (message: string) => void) => {
  const children = new Map<number, Pending>()
  const writes = new Map<number, (error: string | null) => void>()
  let helper: Cp.ChildProcess | undefined
  let closing = false
  let nextId = 1
  let nextWrite = 1
  const output = outputDirectory(logError)
  // The current helper listens for output connections (its `ready` report); until then spawns wait.
  let ready = false
  let outputError: string | undefined
  let whenReady: Array<() => void> = []

  const helperReady = (error: string | null) => {
    ready = true
    outputError = error ?? undefined
    if (error !== null && output.created) logError(`the spawn helper cannot listen on ${output.path}: ${error}`)
    const waiting = whenReady
    whenReady = []
    for (const send of waiting) send()
  }

  /** Send the helper an order (starting the helper if needed); `onError` if it cannot be sent. */
  const order = (message: HelperOrder, onError: (err: Error) => void): void => {
    connect().send(message, (err: Error | null) => {
      if (err !== null) onError(err)
    })
  }

  /** Stdin is written by the helper, which holds the child's end: the bytes travel in the order. */
  const writeStdin = (id: number) => (data: Uint8Array): Effect.Effect<void, StdinFailure> =>
    Effect.callback<void, StdinFailure>((done) => {
      if (!children.has(id)) {
        done(Effect.fail(new StdinFailure({ message: "EPIPE" })))
        return
      }
      const write = nextWrite++
      writes.set(write, (error) => done(error === null ? Effect.void : Effect.fail(new StdinFailure({ message: error }))))
      order({ kind: "stdin", id, write, data: Buffer.from(data).toString("base64") }, (err) => {
        writes.delete(write)
        done(Effect.fail(new StdinFailure({ message: errnoOf(err) })))
      })
    })

  const rawChild = (id: number, child: Pending, pid: number): RawChild => ({
    pid,
    stdout: child.stdout?.output ?? Stream.empty,
    stderr: child.stderr?.output ?? Stream.empty,
    exit: Deferred.await(child.exited),
    kill: (signal, group) => killGroup(pid, signal, group),
    writeStdin: writeStdin(id)
  })

  const holdLoop = () => {
    if (children.size > 0) helper?.channel?.ref()
    else helper?.channel?.unref()
  }

  const settle = (id: number, child: Pending, exit: ExitInfo) => {
    children.delete(id)
    Deferred.doneUnsafe(child.exited, Exit.succeed(exit))
    holdLoop()
  }

  const fail = (id: number, child: Pending, message: string) => {
    children.delete(id)
    child.stdout?.destroy()
    child.stderr?.destroy()
    holdLoop()
    child.resume(Effect.fail(new SpawnFailure({ message })))
  }

  const onReport = (report: HelperReport) => {
    if (report.kind === "ready") return helperReady(report.error)
    if (report.kind === "written") {
      writes.get(report.write)?.(report.error)
      writes.delete(report.write)
      return
    }
    const child = children.get(report.id)
    if (child === undefined) return
    switch (report.kind) {
      case "spawned":
        child.pid = report.pid
        return child.resume(Effect.succeed(rawChild(report.id, child, report.pid)))
      case "exited":
        return settle(report.id, child, { code: report.code, signal: report.signal })
      case "failed":
        return fail(report.id, child, spawnMessage(child.request, { code: report.code }))
    }
  }

  const onHelperExit = (gone: Cp.ChildProcess) => (code: number | null, signal: string | null) => {
    if (helper === gone) {
      helper = undefined
      ready = false
    }
    if (!closing) {
      const running = [...children.values()].filter((c) => c.pid !== undefined).length
      logError(
        `spawn helper (pid ${gone.pid}) ended unexpectedly (${signal ?? `exit status ${code}`}); ` +
          `its ${running} running children were killed`
      )
    }
    for (const [write, answer] of writes) {
      writes.delete(write)
      answer("EPIPE")
    }
    for (const [id, child] of children) {
      if (child.pid === undefined) {
        fail(id, child, `unknown error during fork for '${child.request.argv[0]}': spawn helper exited`)
        continue
      }
      try {
        process.kill(-child.pid, "SIGKILL")
      } catch {
        // already gone
      }
      settle(id, child, { code: null, signal: "SIGKILL" })
    }
  }

  const connect = (): Cp.ChildProcess => {
    if (helper !== undefined && helper.connected) return helper
    const started = Cp.spawn(process.execPath, ["--max-semi-space-size=1", "--lite-mode", "-e", HELPER_SOURCE, output.path], {
      stdio: ["ignore", "ignore", "ignore", "ipc"],
      // Every child gets its whole environment in its order; none of the daemon's (NODE_OPTIONS…) should shape the helper.
      env: {},
      detached: true
    })
    started.unref()
    ready = false
    // a `ready` is about the current helper only (a dying one's must not open the gate for the next)
    started.on("message", (report: HelperReport) => (report.kind === "ready" && helper !== started ? undefined : onReport(report)))
    started.once("exit", onHelperExit(started))
    started.on("error", () => undefined)
    helper = started
    holdLoop()
    return started
  }

  const spawn = (request: SpawnRequest): Effect.Effect<RawChild, SpawnFailure> =>
    Effect.callback<RawChild, SpawnFailure>((resume) => {
      const exec = withUser(request)
      if (exec.file === SETPRIV && process.getuid?.() !== 0) {
        resume(Effect.fail(new SpawnFailure({ message: "Can't drop privilege as nonroot user" })))
        return
      }
      const id = nextId++
      children.set(id, { request, resume, exited: Deferred.makeUnsafe<ExitInfo>() })
      holdLoop()
      const noOutput = (code: string) => {
        const child = children.get(id)
        if (child !== undefined && child.pid === undefined) {
          fail(id, child, `couldn't connect the output of '${request.argv[0]}' to the spawn helper: ${code}`)
        }
      }
      // The output connections first: the helper forks once it has them and the order.
      const send = () => {
        const child = children.get(id)
        if (child === undefined) return
        if (outputError !== undefined) return noOutput(outputError)
        child.stdout = connectOutput(output.path, outputHeader(id, 1), noOutput)
        child.stderr = connectOutput(output.path, outputHeader(id, 2), noOutput)
        order({
          kind: "spawn",
          id,
          file: exec.file,
          args: exec.args,
          argv0: exec.argv0,
          cwd: request.cwd ?? null,
          env: request.env,
          umask: request.umask ?? null
        }, (err) => {
          const child = children.get(id)
          if (child !== undefined) fail(id, child, spawnMessage(request, err))
        })
      }
      connect()
      if (ready) send()
      else whenReady.push(send)
    })

  const close = Effect.sync(() => {
    closing = true
    if (helper?.connected) helper.disconnect()
    output.remove()
  })

  return { spawn, close, start: connect }
}

/** What is at a path, for command resolution (synchronous: cheap, and spawning is synchronous anyway). */
const statFacts = (file: string): FileFacts | undefined => {
  try {
    const info = Fs.statSync(file)
    return { directory: info.isDirectory(), mode: info.mode }
  } catch {
    return undefined
  }
}

const resolve = (command: string, path: string, cwd: string): Effect.Effect<ExecArgs, CommandError> =>
  Effect.suspend(() => Effect.fromResult(resolveCommand(command, path, cwd, statFacts)))

/** The Node Spawner layer: children are forked by a spawn helper that lives as long as the layer. */
export const layer: Layer.Layer<Spawner> = Layer.effect(
  Spawner,
  // The helper is started with the layer, so its Node start-up overlaps the daemon's own.
  Effect.acquireRelease(
    Effect.gen(function*() {
      const context = yield* Effect.context<never>()
      const connection = makeHelperConnection((message) => Effect.runForkWith(context)(Effect.logError(message)))
      connection.start()
      return connection
    }),
    (connection) => connection.close
  ).pipe(
    Effect.map((connection) => Spawner.of({ resolve, spawn: connection.spawn }))
  )
)
