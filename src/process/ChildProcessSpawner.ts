/**
 * The fallback Spawner on node:child_process, for where the native addon cannot load (see
 * NodeSpawner.ts). Each child is detached (setsid: its own session and process group, so
 * `kill(-pid)` reaches its descendants and a terminal's Ctrl-C reaches only the daemon).
 *
 * What it cannot do as the native spawner does: libuv forks the whole daemon, so a spawn costs
 * more as the daemon grows; `umask=` and `redirect_stderr` run the program through
 * `sh -c 'umask …; exec … 2>&1'` (the daemon's own umask is never changed, libuv cannot give two
 * fds one pipe, and argv[0] becomes the file's path); `user=` runs it
 * through util-linux `setpriv --init-groups` so it gets the user's supplementary groups (libuv's
 * uid/gid options drop them all); a child does not die with the daemon (no PDEATHSIG); and it
 * cannot make an fcgi-program's socket (Node's listening sockets are non-blocking, which the
 * children's accept() would inherit): such a group fails to start with a message saying so.
 * Like the native spawner, it gives a child no fd above 2 but a `ready=fd:N` pipe: libuv marks
 * every fd it opens close-on-exec (an fd the daemon itself inherited without it is the exception).
 * @since 0.1.0
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Cp from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import type * as Stream from "node:stream"
import type { ExitInfo } from "../domain/ExitInfo.ts"
import { endedOutput, streamOutput } from "./ChildPipe.ts"
import { resolve } from "./ResolveCommand.ts"
import { killChild } from "./Signals.ts"
import { ListenFailure, type RawChild, type SpawnRequest, SpawnFailure, Spawner, StdinFailure } from "./Spawner.ts"

const SETPRIV = "/usr/bin/setpriv"
const SH = "/bin/sh"

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

interface ExecLine {
  readonly file: string
  readonly args: ReadonlyArray<string>
  readonly argv0: string
}

/** `user=` as setpriv in front of the command line, unless it is the daemon's own user. */
const withUser = (request: SpawnRequest, line: ExecLine): ExecLine | SpawnFailure => {
  if (request.user === undefined) return line
  const me = Os.userInfo()
  if (request.user === me.username || request.user === String(me.uid)) return line
  if (me.uid !== 0) return new SpawnFailure({ message: `couldn't setuid to ${request.user}: Can't drop privilege as nonroot user` })
  const ids = lookupUser(request.user)
  const uid = String(ids?.uid ?? request.user)
  const gid = String(ids?.gid ?? request.user)
  return {
    file: SETPRIV,
    args: ["--reuid", uid, "--regid", gid, "--init-groups", "--", line.file, ...line.args],
    argv0: "setpriv"
  }
}

/** `umask=` and `redirect_stderr` as a shell in front of the command line ($0 is the file, the rest its arguments). */
const withShell = (request: SpawnRequest, line: ExecLine): ExecLine => {
  if (request.umask === undefined && request.stderrToStdout !== true) return line
  const umask = request.umask === undefined ? "" : `umask ${request.umask.toString(8).padStart(4, "0")}; `
  const stderr = request.stderrToStdout === true ? " 2>&1" : ""
  return { file: SH, args: ["-c", `${umask}exec "$0" "$@"${stderr}`, line.file, ...line.args], argv0: "sh" }
}

const spawnMessage = (request: SpawnRequest, cause: unknown): string => {
  const code = errnoOf(cause)
  if (code === "ENOENT" && request.cwd !== undefined) return `couldn't chdir to ${request.cwd}: ENOENT`
  if (code === "EAGAIN") return `Too many processes in process table to spawn '${request.argv[0]}'`
  if (code === "EMFILE" || code === "ENFILE") return `too many open files to spawn '${request.argv[0]}'`
  return `unknown error during fork for '${request.argv[0]}': ${code}`
}

/** stdin (a pipe, or the given fd), stdout, stderr (none with stderrToStdout: the shell's 2>&1 gives it), and for ready=fd:N nothing up to N, then a pipe. */
const stdioFor = (request: SpawnRequest): Array<"pipe" | "ignore" | number> => {
  const stdio: Array<"pipe" | "ignore" | number> = [request.stdinFd ?? "pipe", "pipe", request.stderrToStdout === true ? "ignore" : "pipe"]
  if (request.readyFd !== undefined) {
    while (stdio.length < request.readyFd) stdio.push("ignore")
    stdio.push("pipe")
  }
  return stdio
}

const spawn = (request: SpawnRequest): Effect.Effect<RawChild, SpawnFailure> =>
  Effect.callback<RawChild, SpawnFailure>((resume) => {
    const plain = { file: request.file, args: request.argv.slice(1), argv0: request.argv[0] ?? request.file }
    const line = withUser(request, withShell(request, plain))
    if (line instanceof SpawnFailure) return resume(Effect.fail(line))
    let child: Cp.ChildProcess
    try {
      child = Cp.spawn(line.file, line.args, {
        argv0: line.argv0,
        cwd: request.cwd,
        env: request.env,
        detached: true,
        stdio: stdioFor(request)
      })
    } catch (cause) {
      return resume(Effect.fail(new SpawnFailure({ message: spawnMessage(request, cause) })))
    }
    const exited = Deferred.makeUnsafe<ExitInfo>()
    child.once("error", (cause) => {
      if (child.pid === undefined) resume(Effect.fail(new SpawnFailure({ message: spawnMessage(request, cause) })))
    })
    child.once("spawn", () => {
      const pid = child.pid!
      const stdin = child.stdin
      stdin?.on("error", () => undefined)
      const ready = request.readyFd === undefined ? undefined : child.stdio[request.readyFd] as Stream.Readable | null
      child.once("exit", (code, signal) => Deferred.doneUnsafe(exited, Exit.succeed({ code, signal })))
      resume(Effect.succeed({
        pid,
        stdout: streamOutput(child.stdout!),
        stderr: child.stderr === null ? endedOutput() : streamOutput(child.stderr),
        exit: Deferred.await(exited),
        kill: killChild(pid),
        writeStdin: (data) =>
          Effect.callback<void, StdinFailure>((done) => {
            if (stdin === null) return done(Effect.fail(new StdinFailure({ message: "EBADF" })))
            if (stdin.destroyed || !stdin.writable) return done(Effect.fail(new StdinFailure({ message: "EPIPE" })))
            stdin.write(data, (cause) =>
              done(cause ? Effect.fail(new StdinFailure({ message: errnoOf(cause) })) : Effect.void))
          }),
        readyPipe: ready === undefined || ready === null ? undefined : streamOutput(ready)
      }))
    })
  })

/** The Spawner on node:child_process. */
export const layer: Layer.Layer<Spawner> = Layer.succeed(
  Spawner,
  Spawner.of({
    resolve,
    spawn,
    listen: () =>
      Effect.fail(new ListenFailure({ message: "fcgi-program sockets need effsup's native spawner, which did not load here" }))
  })
)
