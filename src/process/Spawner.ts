/**
 * The platform seam for running children: `spawn` starts one process in its own process
 * group with pipes for stdin/stdout/stderr and reports how it ended. The Node implementation
 * is NodeSpawner.ts; tests may provide a scripted one. Lifetimes are the caller's: the process
 * actor owns the stop protocol (stopsignal, stopwaitsecs, SIGKILL).
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { FcgiSocket } from "../config/FcgiSocket.ts"
import type { ExitInfo } from "../domain/ExitInfo.ts"
import type { OutputStream } from "../logs/ChildOutput.ts"
import type { CommandError, ExecArgs } from "./Command.ts"

/** Everything needed to exec one child. */
export interface SpawnRequest {
  /** The resolved file to exec. */
  readonly file: string
  /** argv, with argv[0] as written in the command. */
  readonly argv: ReadonlyArray<string>
  /** Full environment of the child. */
  readonly env: Readonly<Record<string, string>>
  readonly cwd: string | undefined
  readonly umask: number | undefined
  /** `user=` (name or uid): the child runs as that user with its groups. */
  readonly user: string | undefined
  /** The child's fd 0 is this fd (an fcgi-program's listening socket) instead of a pipe; it has no stdin to write. */
  readonly stdinFd?: number | undefined
  /** `ready=fd:N`: the child's fd N (3 or more) is the write end of a pipe, read through {@link RawChild.readyPipe}. */
  readonly readyFd?: number | undefined
  /**
   * `redirect_stderr`: the child's fd 2 is its stdout pipe (as supervisord dup2s it), so what it
   * writes to both comes through {@link RawChild.stdout} in the order written; its stderr ends at once.
   */
  readonly stderrToStdout?: boolean | undefined
}

/** The parent could not start the child; `message` is supervisord's spawnerr text. */
export class SpawnFailure extends Data.TaggedError("SpawnFailure")<{ readonly message: string }> {}

/** Signalling failed; `code` is the errno name (ESRCH when the process is already gone). */
export class KillFailure extends Data.TaggedError("KillFailure")<{ readonly code: string; readonly message: string }> {}

/** Writing to the child's stdin failed (EPIPE when it closed it). */
export class StdinFailure extends Data.TaggedError("StdinFailure")<{ readonly message: string }> {}

/** A running child. */
export interface RawChild {
  readonly pid: number
  /** The child's stdout; its callback reader, when present, lets a log drain skip the stream. */
  readonly stdout: OutputStream
  readonly stderr: OutputStream
  /** Completes when the child has exited (not waiting for its pipes). */
  readonly exit: Effect.Effect<ExitInfo>
  /** Send a signal to the child, or to its whole process group. */
  readonly kill: (signal: string, group: boolean) => Effect.Effect<void, KillFailure>
  /** Write to the child's stdin. */
  readonly writeStdin: (data: Uint8Array) => Effect.Effect<void, StdinFailure>
  /** With {@link SpawnRequest.readyFd}: what the child writes to that fd (it ends when every copy of the fd is closed). */
  readonly readyPipe?: OutputStream | undefined
}

/** A listening socket the daemon made for an fcgi-program group (closed, and unlinked, with its scope). */
export interface ListeningSocket {
  /** The daemon's fd of the socket, given to each child as its fd 0 ({@link SpawnRequest.stdinFd}). */
  readonly fd: number
}

/** The socket could not be made; `message` is the reason as supervisord words it (`[Errno 98] Address already in use`). */
export class ListenFailure extends Data.TaggedError("ListenFailure")<{ readonly message: string }> {}

/** The Spawner service. */
export class Spawner extends Context.Service<Spawner, {
  /** Resolve a `command=` line to the file to exec (PATH search, supervisord's checks and messages). */
  readonly resolve: (command: string, path: string, cwd: string) => Effect.Effect<ExecArgs, CommandError>
  readonly spawn: (request: SpawnRequest) => Effect.Effect<RawChild, SpawnFailure>
  /** Make an fcgi-program's listening socket, open until the scope closes. */
  readonly listen: (socket: FcgiSocket) => Effect.Effect<ListeningSocket, ListenFailure, Scope.Scope>
  /**
   * After a child exited: the pids of its descendants still alive (in its session, adopted by the
   * daemon), ascending. Optional: a spawner that cannot tell leaves it out.
   */
  readonly leftBehind?: (pid: number) => Effect.Effect<ReadonlyArray<number>>
}>()("effsup/process/Spawner") {}
