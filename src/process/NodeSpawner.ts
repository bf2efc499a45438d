/**
 * The Spawner on node:child_process. Each child is detached (setsid: its own session and
 * process group, so `kill(-pid)` reaches its descendants and a terminal's Ctrl-C reaches only
 * the daemon). `umask=` is applied around the synchronous fork; `user=` runs the child through
 * util-linux `setpriv --init-groups` so it gets the user's supplementary groups (libuv's
 * uid/gid options drop them all). Child exit is reported by libuv's SIGCHLD handling: nothing polls.
 * @since 0.1.0
 */
import { NodeStream } from "@effect/platform-node"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import * as Cp from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import type { ExitInfo } from "../domain/ExitInfo.ts"
import { type CommandError, type ExecArgs, type FileFacts, resolveCommand } from "./Command.ts"
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

const chunks = (readable: NodeJS.ReadableStream | null): Stream.Stream<Uint8Array> =>
  readable === null
    ? Stream.empty
    : NodeStream.fromReadable<Uint8Array, never>({ evaluate: () => readable as never, onError: () => undefined as never }).pipe(
      Stream.catchCause(() => Stream.empty)
    )

const spawn = (request: SpawnRequest): Effect.Effect<RawChild, SpawnFailure> =>
  Effect.callback<RawChild, SpawnFailure>((resume) => {
    const exec = withUser(request)
    if (exec.file === SETPRIV && process.getuid?.() !== 0) {
      resume(Effect.fail(new SpawnFailure({ message: "Can't drop privilege as nonroot user" })))
      return
    }
    const exited = Deferred.makeUnsafe<ExitInfo>()
    let child: Cp.ChildProcess
    const previousUmask = request.umask === undefined ? undefined : process.umask(request.umask)
    try {
      child = Cp.spawn(exec.file, exec.args, {
        argv0: exec.argv0,
        cwd: request.cwd,
        env: request.env,
        detached: true,
        stdio: ["pipe", "pipe", "pipe"]
      })
    } catch (cause) {
      resume(Effect.fail(new SpawnFailure({ message: spawnMessage(request, cause) })))
      return
    } finally {
      if (previousUmask !== undefined) process.umask(previousUmask)
    }
    child.once("error", (cause) => {
      if (child.pid === undefined) resume(Effect.fail(new SpawnFailure({ message: spawnMessage(request, cause) })))
    })
    child.once("exit", (code, signal) => Deferred.doneUnsafe(exited, Exit.succeed({ code, signal })))
    child.stdin?.on("error", () => undefined)
    child.once("spawn", () => {
      const pid = child.pid!
      resume(Effect.succeed({
        pid,
        stdout: chunks(child.stdout),
        stderr: chunks(child.stderr),
        exit: Deferred.await(exited),
        kill: (signal, group) =>
          Effect.try({
            try: () => {
              process.kill(group ? -pid : pid, signal as NodeJS.Signals)
            },
            catch: (cause) => new KillFailure({ code: errnoOf(cause), message: String(cause) })
          }),
        writeStdin: (data) =>
          Effect.callback<void, StdinFailure>((done) => {
            const stdin = child.stdin
            if (stdin === null || stdin.destroyed || !stdin.writable) {
              done(Effect.fail(new StdinFailure({ message: "EPIPE" })))
              return
            }
            stdin.write(data, (err) => done(err ? Effect.fail(new StdinFailure({ message: errnoOf(err) })) : Effect.void))
          })
      }))
    })
  })

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

/** The Node Spawner layer. */
export const layer: Layer.Layer<Spawner> = Layer.succeed(Spawner, Spawner.of({ resolve, spawn }))
