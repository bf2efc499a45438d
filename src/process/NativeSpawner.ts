/**
 * The Spawner on the native addon (native/spawner.c): the daemon starts every child itself in
 * shared memory (clone(CLONE_VM), no copy of the daemon), at a cost that does not grow with the
 * daemon's memory, and is every child's parent, as supervisord is. The daemon's thread does not
 * wait while the kernel loads the child's program: a spawn completes from the event loop once the
 * child has exec'd, and the daemon starts other programs meanwhile. Each child gets its own
 * session and process group (so `kill(-pid)` reaches its descendants and a terminal's Ctrl-C
 * reaches only the daemon), its `umask=`, `directory=` and `user=` (uid, primary gid and the
 * supplementary groups of the user database, applied in the child), and PR_SET_PDEATHSIG: if the
 * daemon dies, even by SIGKILL, the kernel kills every child it started.
 *
 * Its stdout and stderr are pipes the daemon reads (ChildPipe.ts); its stdin is a pipe the
 * daemon writes, opened as a stream only when something is written. Its exit comes from its
 * pidfd, watched on the event loop: nothing polls, and no other child is ever reaped by mistake.
 * Failures before exec come back as spawn errors with supervisord's texts.
 * It remembers each child's session while anything is left in it after the child exited, and
 * when its scope closes, kills what is left (Orphans.ts): no descendant outlives the daemon.
 *
 * An fcgi-program's socket is made here too (`listen`, in the addon: blocking, close-on-exec) and
 * given to each of its children as fd 0; `ready=fd:N` gets a pipe whose write end is the child's
 * fd N. A child gets no other fd of the daemon's: everything above 2 (but fd N) is closed at exec.
 *
 * Gotcha: PR_SET_PDEATHSIG fires when the *thread* that spawned the child ends. Spawns happen on
 * the thread that runs the layer: an embedder running it in a worker_thread loses the children
 * with that worker.
 * @since 0.1.0
 */
import * as Deferred from "effect/Deferred"
import type { FcgiSocket, SocketOwner } from "../config/FcgiSocket.ts"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Scope from "effect/Scope"
import * as Fs from "node:fs"
import * as Net from "node:net"
import type { ExitInfo } from "../domain/ExitInfo.ts"
import * as FdReserve from "../logs/FdReserve.ts"
import { endedOutput, pipeOutput } from "./ChildPipe.ts"
import { exitInfoOf, type NativeAddon, type NativeListen, type NativeSpawnError, type NativeStarted, type NativeUser } from "./NativeAddon.ts"
import { adoptOrphans, killLeftBehind, occupiedSessions, sharedLeftBehind } from "./Orphans.ts"
import { resolve } from "./ResolveCommand.ts"
import { killChild } from "./Signals.ts"
import {
  ListenFailure,
  type ListeningSocket,
  type RawChild,
  type SpawnRequest,
  SpawnFailure,
  Spawner,
  StdinFailure
} from "./Spawner.ts"

/** How long after a child's exit its session is looked at (descendants signalled with it are gone by then). */
const SESSION_CHECK_MS = 1000

/** Fds a spawn opens at once: three pipes, a ready=fd:N pipe, the exec-error pipe and the pidfd. */
const FDS_PER_SPAWN = 11

/** What a spawn failure's text names: the program, its directory and user. */
interface AboutSpawn {
  readonly name: string
  readonly cwd: string | undefined
  readonly user: string | undefined
}

/** The few strings of a request its failure's text needs (a callback keeping them keeps no environment). */
const aboutSpawn = (request: SpawnRequest): AboutSpawn => ({ name: request.argv[0] ?? request.file, cwd: request.cwd, user: request.user })

/** A started child's pid and stdin writer, shared by its started and exit callbacks. */
interface StartedChild {
  pid: number
  stdin: ReturnType<typeof stdinWriter> | undefined
}

/** supervisord's spawnerr text for a failure at `stage` (see its process.py _spawn_as_child / drop_privileges). */
const failureMessage = (request: AboutSpawn, error: NativeSpawnError): string => {
  const code = error.code ?? "UNKNOWN"
  const name = request.name
  switch (error.stage) {
    case "chdir":
      return `couldn't chdir to ${request.cwd}: ${code}`
    case "exec":
      return `couldn't exec ${name}: ${code}`
    case "setgroups":
      return `couldn't setuid to ${request.user}: Could not set groups of effective user`
    case "setgid":
      return `couldn't setuid to ${request.user}: Could not set group id of effective user`
    case "setuid":
      return `couldn't setuid to ${request.user}: ${code}`
  }
  if (code === "EMFILE" || code === "ENFILE") return `too many open files to spawn '${name}'`
  if (code === "EAGAIN") return `Too many processes in process table to spawn '${name}'`
  return `unknown error during fork for '${name}': ${code}`
}

/** Who the child runs as: the daemon's own user (null), another one, or why it cannot. */
const userFor = (addon: NativeAddon, user: string | undefined): NativeUser | null | SpawnFailure => {
  if (user === undefined) return null
  const found = addon.lookupUser(user)
  const fail = (why: string) => new SpawnFailure({ message: `couldn't setuid to ${user}: ${why}` })
  if (found === null) return fail(/^\d+$/.test(user) ? `Can't find uid ${user}` : `Can't find username '${user}'`)
  const me = process.getuid?.()
  if (found.uid === me) return null
  if (me !== 0) return fail("Can't drop privilege as nonroot user")
  // the primary group first, as supervisord puts it
  return { ...found, groups: [found.gid, ...found.groups.filter((g) => g !== found.gid)] }
}

/** What the addon throws when a socket could not be made. */
interface NativeListenError {
  readonly stage?: string
  readonly errno?: number
  readonly reason?: string
}

/** A gid from a group name or number (/etc/group); undefined when unknown. */
const groupId = (group: string): number | undefined => {
  if (/^\d+$/.test(group)) return Number(group)
  for (const line of Fs.readFileSync("/etc/group", "utf8").split("\n")) {
    const [name, , gid] = line.split(":")
    if (name === group && gid !== undefined) return Number(gid)
  }
  return undefined
}

/** uid and gid to chown a socket to (-1: unchanged), or why not. */
const ownerIds = (addon: NativeAddon, owner: SocketOwner | undefined): { readonly uid: number; readonly gid: number } | string => {
  if (owner === undefined) return { uid: -1, gid: -1 }
  const user = addon.lookupUser(owner.user)
  if (user === null) return `Invalid user:group definition ${owner.user}`
  const gid = owner.group === undefined ? -1 : groupId(owner.group)
  return gid === undefined ? `Invalid user:group definition ${owner.user}:${owner.group}` : { uid: user.uid, gid }
}

/** supervisord's text for a failed socket step (Python's OSError string, inside its ValueError for chown/chmod). */
const listenMessage = (socket: FcgiSocket, error: NativeListenError): string => {
  const os = `[Errno ${error.errno ?? 0}] ${error.reason ?? "unknown error"}`
  const path = socket._tag === "Unix" ? socket.path : ""
  switch (error.stage) {
    case "chown":
      return `Could not change ownership of socket file: ${os}: '${path}'`
    case "chmod":
      return `Could not change permissions of socket file: ${os}: '${path}'`
  }
  return os
}

/** Make an fcgi-program's socket with the addon; closed (a unix one's file unlinked) with the scope. */
const listenWith = (addon: NativeAddon) => (socket: FcgiSocket): Effect.Effect<ListeningSocket, ListenFailure, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.suspend(() => {
      let spec: NativeListen
      if (socket._tag === "Unix") {
        const ids = ownerIds(addon, socket.owner)
        if (typeof ids === "string") return Effect.fail(new ListenFailure({ message: ids }))
        spec = { path: socket.path, mode: socket.mode, ...ids, backlog: socket.backlog }
      } else {
        spec = { host: socket.host, port: socket.port, backlog: socket.backlog }
      }
      try {
        return Effect.succeed({ fd: addon.listen(spec) })
      } catch (cause) {
        return Effect.fail(new ListenFailure({ message: listenMessage(socket, cause as NativeListenError) }))
      }
    }),
    ({ fd }) =>
      Effect.sync(() => {
        Fs.closeSync(fd)
        if (socket._tag === "Unix") Fs.rmSync(socket.path, { force: true })
      })
  )

/** The daemon's end of a child's stdin: the fd until something is written, then a stream on it. */
const stdinWriter = (fd: number) => {
  let socket: Net.Socket | undefined
  let closed = false
  const write = (data: Uint8Array): Effect.Effect<void, StdinFailure> =>
    Effect.callback<void, StdinFailure>((done) => {
      if (closed) return done(Effect.fail(new StdinFailure({ message: "EPIPE" })))
      if (socket === undefined) {
        socket = new Net.Socket({ fd, readable: false, writable: true })
        socket.on("error", () => undefined)
      }
      if (socket.destroyed || !socket.writable) return done(Effect.fail(new StdinFailure({ message: "EPIPE" })))
      socket.write(data, (cause) =>
        done(cause ? Effect.fail(new StdinFailure({ message: (cause as NodeJS.ErrnoException).code ?? String(cause) })) : Effect.void))
    })
  const close = () => {
    if (closed) return
    closed = true
    if (socket !== undefined) socket.destroy()
    else Fs.closeSync(fd)
  }
  return { write, close }
}

/** The native Spawner: spawns with the addon and adopts orphans (Orphans.ts) while the scope is open. */
export const make = (addon: NativeAddon): Effect.Effect<Spawner["Service"], never, Scope.Scope> =>
  Effect.gen(function*() {
    // Now, while the daemon holds few fds (its log files are opened after the spawner is made).
    addon.prepare()
    /** Children started and not yet reaped, by pid. */
    const live = new Set<number>()
    const isOurs = (pid: number) => live.has(pid)
    yield* adoptOrphans(addon, isOurs)
    /** Sessions (= pids) of children that are alive or left descendants behind. */
    const sessions = new Set<number>()
    // A session is forgotten once nothing is left in it, looked at 1–2 SESSION_CHECK_MS after its
    // leader exited: one /proc scan per interval for all of them (a crash loop exits hundreds of
    // times a second; a scan and a timer each would be most of its garbage).
    let exitedRecently: Array<number> = []
    let exitedBefore: Array<number> = []
    let sweep: ReturnType<typeof setInterval> | undefined
    const sweepSessions = () => {
      if (exitedBefore.length > 0) {
        const occupied = occupiedSessions(isOurs)
        for (const sid of exitedBefore) if (!occupied.has(sid)) sessions.delete(sid)
      }
      exitedBefore = exitedRecently
      exitedRecently = []
      if (exitedBefore.length === 0) {
        clearInterval(sweep)
        sweep = undefined
      }
    }
    const forgetIfEmpty = (sid: number) => {
      exitedRecently.push(sid)
      if (sweep === undefined) sweep = setInterval(sweepSessions, SESSION_CHECK_MS).unref()
    }
    yield* Effect.addFinalizer(() => Effect.sync(() => clearInterval(sweep)))
    // added after adoptOrphans, so this runs first: the daemon still adopts what the kill orphans
    yield* Effect.addFinalizer(() => killLeftBehind(sessions, isOurs))

    /**
     * A child's exit callback, in a scope of its own: what a child keeps until it exits must not
     * keep its spawn request (its whole environment) or the spawning fiber's continuation alive.
     */
    const exitCallback = (exited: Deferred.Deferred<ExitInfo>, child: StartedChild) =>
      (code: number | null, signal: number | null, dumped: boolean) => {
        live.delete(child.pid)
        forgetIfEmpty(child.pid)
        child.stdin?.close()
        Deferred.doneUnsafe(exited, Exit.succeed(exitInfoOf(code, signal, dumped)))
      }

    // The daemon's thread does not wait for the child's exec (native/spawner.c): the spawn
    // completes from the loop once the child has exec'd, or failed before.
    const spawnNow = (request: SpawnRequest): Effect.Effect<RawChild, SpawnFailure> => {
      const about = aboutSpawn(request)
      // out of fds, the control plane keeps its reserve: the spawn fails as it would at the limit
      if (!FdReserve.roomFor(FDS_PER_SPAWN)) return Effect.fail(new SpawnFailure({ message: failureMessage(about, { code: "EMFILE" }) }))
      const user = userFor(addon, request.user)
      if (user instanceof SpawnFailure) return Effect.fail(user)
      const env: Array<string> = []
      for (const k in request.env) env.push(`${k}=${request.env[k]}`)
      const options = { stdin: request.stdinFd, readyFd: request.readyFd, stderrToStdout: request.stderrToStdout === true ? 1 as const : 0 as const }
      return Effect.callback<RawChild, SpawnFailure>((resume) => {
        const exited = Deferred.makeUnsafe<ExitInfo>()
        const child: StartedChild = { pid: 0, stdin: undefined }
        let abandoned = false
        const onStarted = (error: NativeSpawnError | null, started?: NativeStarted) => {
          if (error !== null || started === undefined) {
            if (!abandoned) resume(Effect.fail(new SpawnFailure({ message: failureMessage(about, error ?? {}) })))
            return
          }
          const [pid, stdinFd, stdoutFd, stderrFd, readyFd] = started
          child.pid = pid
          live.add(pid)
          sessions.add(pid)
          if (abandoned) {
            // nobody waits for it any more: it goes, and its exit is reaped as any other
            process.kill(pid, "SIGKILL")
            for (const fd of [stdinFd, stdoutFd, stderrFd, readyFd]) if (fd >= 0) Fs.closeSync(fd)
            return
          }
          // An fcgi-program's child has the socket as its stdin: nothing to write to (supervisord: NO_FILE).
          child.stdin = stdinFd < 0 ? undefined : stdinWriter(stdinFd)
          resume(Effect.succeed<RawChild>({
            pid,
            stdout: pipeOutput(addon, stdoutFd),
            stderr: stderrFd < 0 ? endedOutput() : pipeOutput(addon, stderrFd),
            exit: Deferred.await(exited),
            kill: killChild(pid),
            writeStdin: child.stdin?.write ?? (() => Effect.fail(new StdinFailure({ message: "EBADF" }))),
            readyPipe: readyFd < 0 ? undefined : pipeOutput(addon, readyFd)
          }))
        }
        try {
          addon.spawn(request.file, request.argv, env, request.cwd ?? null, request.umask ?? -1, user, exitCallback(exited, child), options, onStarted)
        } catch (cause) {
          resume(Effect.fail(new SpawnFailure({ message: failureMessage(about, cause as NativeSpawnError) })))
        }
        return Effect.sync(() => {
          abandoned = true
        })
      })
    }
    const spawn = (request: SpawnRequest): Effect.Effect<RawChild, SpawnFailure> => Effect.suspend(() => spawnNow(request))

    return Spawner.of({
      resolve,
      spawn,
      listen: listenWith(addon),
      leftBehind: sharedLeftBehind(isOurs)
    })
  })
