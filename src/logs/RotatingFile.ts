/**
 * An append-only log file with supervisord's size-based rotation (`RotatingFileHandler`), used for
 * child logs and the activity log.
 *
 * Invariants:
 * - One fd is kept open. A regular file is written synchronously by the caller whenever nothing
 *   is queued (appending to the page cache is cheaper than a trip through libuv's threadpool, and
 *   a chunk that is written at once is never kept alive long enough to cost the GC anything).
 *   Otherwise callers enqueue and a single writer fiber drains the queue, one writev per run of
 *   chunks. Bytes are never reordered and never lost: closing the scope writes everything still
 *   queued before the fd is closed.
 * - Rotation follows supervisord exactly at chunk granularity: after each *chunk*, if the file
 *   size is `>= maxBytes` (and `maxBytes > 0`), `path.(backups-1) → path.backups … path → path.1`
 *   and `path` is reopened empty (`backups = 0`: truncated). A batch is cut at that chunk, so a
 *   single chunk larger than maxBytes ends up whole in one file, as in supervisord.
 * - `flush`, `reopen` and `clear` are queued like writes, so they apply after every earlier write.
 * - I/O errors never fail a caller: they are logged (once per run of failures) and the bytes of
 *   the failed batch are dropped; the next batch tries again (and reopens the file if needed).
 * - A pipe or FIFO (also behind `/dev/stdout`) is written through a non-blocking stream: a reader
 *   that stops reading never holds a libuv thread. While it runs, the queue pushes back on the
 *   child as for a file; but `flush` waits at most FLUSH_LIMIT, so a process's exit, a stop and a
 *   shutdown never wait on such a reader. What it has not taken when the file closes (or when the
 *   reader goes away) is dropped, and the loss is logged with its byte count.
 * - `make` opens whatever the path names (stat, open, fstat, lstat, to know what it is);
 *   `createExclusive` creates a new file (AUTO child logs) with a single open(2) on libuv's
 *   threadpool and keeps that fd. Until it is there, bytes are queued and `opened` waits; the
 *   writer and `close` wait for it too, so nothing is written to, or left open on, a file being made.
 * - The fd of a log file never eats into the control plane's reserve (FdReserve.ts): out of fds
 *   at creation, the error is logged and the file is opened at its next write instead (the
 *   process still starts); a later open refused that way is an I/O error like any other.
 * - Each open file is one instance of the class `File`, its methods on the prototype: a daemon
 *   keeps two per program for its whole life, and closures over per-file state cost four times
 *   the heap (measured: 1.0 KiB per open file, against 4.2 KiB).
 *
 * Gotchas: anything else that is not a regular file (a tty, a character device) is written by the
 * writer fiber through the threadpool, so a stalled reader holds up the queue, never the daemon.
 * A regular file on a hung network filesystem does block the daemon, as it blocks supervisord.
 * Rotation only applies to a regular file named by a path that is not a symlink.
 * supervisord logs `Illegal seek` on every write to `/dev/stdout` with maxbytes > 0 (issues
 * #1078/#1224), and with stdout redirected to a file it would rename the `/dev/stdout` link itself;
 * here a pipe, tty, `/dev/null` or symlinked path simply never rotates. Files are opened with
 * O_APPEND, which works on pipes too.
 * See shared/reference/supervisord-4.2.5.md §4.3.
 * @since 0.1.0
 */
import type * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FileSystem from "effect/FileSystem"
import * as Latch from "effect/Latch"
import * as PlatformError from "effect/PlatformError"
import type * as Scope from "effect/Scope"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Path from "node:path"
import { fromErrno, systemErrorText } from "../domain/Errno.ts"
import * as FdReserve from "./FdReserve.ts"

/** A rotating, batched, append-only log file. */
export interface RotatingFile {
  /** The file's path (a file made by `createExclusive` may draw another name while it is being made). */
  readonly path: string
  /** Completes once the file is open, or could not be (at once unless `createExclusive` is still making it). */
  readonly opened: Effect.Effect<void>
  /**
   * Append bytes. supervisord's rule: after each write, if size >= maxBytes (and maxBytes > 0) rotate:
   * path.(backups-1) → path.backups … path → path.1, reopen path empty; backups=0 → truncate.
   * Waits only when too much is queued (backpressure). The caller may reuse the chunk's memory
   * once this returns: bytes that wait in the queue are a copy.
   */
  readonly write: (bytes: Uint8Array) => Effect.Effect<void>
  /**
   * Write or enqueue bytes synchronously, never waiting (for Logger callbacks and callback readers).
   * Reports whether there is room for more: false once the queue holds HIGH_WATER_MARK bytes (then
   * wait for `ready`). Dropped once the file is closed.
   */
  readonly writeUnsafe: (bytes: Uint8Array) => boolean
  /** Completes once the queue is below HIGH_WATER_MARK (at once if it is). */
  readonly ready: Effect.Effect<void>
  /** Wait until every byte handed to write is on disk (called before a process is reported stopped, and at shutdown). */
  readonly flush: Effect.Effect<void>
  /** Close and reopen the same path (SIGUSR2, for external logrotate); a file not open stays closed. */
  readonly reopen: Effect.Effect<void>
  /**
   * Reopen the path if it no longer names the open file (a regular file deleted, moved or replaced
   * since it was opened), as supervisord opens a program's log files anew at each spawn; called
   * before a spawn. It looks every time, the first spawn too.
   */
  readonly reopenIfReplaced: Effect.Effect<void>
  /**
   * Open the file now if it is not open (made with `deferOpen`, its open failed, or a reopen
   * since), failing as the open fails; called before a spawn, as supervisord opens a program's log
   * files at each spawn.
   */
  readonly openIfClosed: Effect.Effect<void, PlatformError.PlatformError>
  /** Delete the file (and nothing else) and reopen it empty (clearProcessLogs / clearLog); one not open is only deleted. */
  readonly clear: Effect.Effect<void>
  /**
   * Lend the file to a reader that moves a child's pipe into it (see ChildOutput's MoveTarget)
   * when bytes would be written at once anyway: a regular file, nothing queued, not lent already.
   * The lease's fd is the file opened again without O_APPEND, its budget the bytes left before a
   * rotation; the bytes it moved count as written (rotation follows as after a write) when the
   * reader ends the lease, or when the file takes it back before anything else touches it.
   */
  readonly lendUnsafe: (borrower: { readonly giveBack: () => number }) =>
    | { readonly fd: number; readonly budget: number; readonly end: (moved: number) => void }
    | undefined
}

/** Options of a rotating file: rotate at `maxBytes` (0 = never), keep `backups` old files, create with `mode`. */
export interface RotatingFileOptions {
  readonly maxBytes: number
  readonly backups: number
  /** Creation mode; default is the open(2) default `0o666 & ~umask`. */
  readonly mode?: number
  /**
   * `make` does not open the file: it stays closed, and is not made, until `openIfClosed` (or a
   * write) opens it. A program's log: supervisord opens it at each spawn (failing that spawn when
   * it cannot), so a program never started has no file, and reading it is NO_FILE.
   */
  readonly deferOpen?: boolean
}

/** open(2) flags of `openRegularNow`: "a" (append, create), and never block. */
const APPEND_NONBLOCK = Fs.constants.O_WRONLY | Fs.constants.O_APPEND | Fs.constants.O_CREAT | Fs.constants.O_NONBLOCK

/** open(2) flags of `makeExclusive`: as APPEND_NONBLOCK, and fail if the path exists (a symlink too, even a dangling one). */
const CREATE_EXCLUSIVE = APPEND_NONBLOCK | Fs.constants.O_EXCL

/** Queued bytes beyond which `write` waits for the writer and `writeUnsafe` reports no room (per file; the writer holds one more batch). */
export const HIGH_WATER_MARK = 1024 * 1024

/** Bytes a pipe or FIFO's stream holds for its reader before the writer waits for it to drain. */
const STREAM_BUFFER = 1024 * 1024

/** The longest `flush` waits (for a reader that stopped reading; a regular file is done long before). */
export const FLUSH_LIMIT = 2000

type Command = { readonly _tag: "Flush" | "Reopen" | "Clear"; readonly done: Deferred.Deferred<void> }
/** Left by a synchronous write for the writer: rotate now, or report an error it could not log. */
type Followup = { readonly _tag: "Rotate" } | { readonly _tag: "Failed"; readonly error: PlatformError.PlatformError }
type Item = Uint8Array | Command | Followup

interface OpenFile {
  readonly fd: number
  /** The same file opened again without O_APPEND, for moving a pipe into (opened at the first lease; -1: cannot). */
  moveFd: number | undefined
  size: number
  /** A regular file: written synchronously. */
  readonly regular: boolean
  /** A pipe or FIFO: written through this non-blocking stream, which owns the fd. */
  readonly stream: Net.Socket | undefined
  readonly rotates: boolean
}

/** The names a rotation moves, in order: `[from, to]` pairs, oldest first (pure; supervisord's doRollover). */
export const rotationRenames = (path: string, backups: number): ReadonlyArray<readonly [string, string]> => {
  const renames: Array<readonly [string, string]> = []
  for (let i = backups - 1; i >= 1; i--) renames.push([`${path}.${i}`, `${path}.${i + 1}`])
  if (backups > 0) renames.push([path, `${path}.1`])
  return renames
}

/** What is left of `chunks` once their first `written` bytes are on disk (after a short write). */
const unwritten = (chunks: ReadonlyArray<Uint8Array>, written: number): ReadonlyArray<Uint8Array> => {
  const rest: Array<Uint8Array> = []
  for (const c of chunks) {
    if (written >= c.length) written -= c.length
    else {
      rest.push(written > 0 ? c.subarray(written) : c)
      written = 0
    }
  }
  return rest
}

/** A node:fs error as the PlatformError the FileSystem service would have raised, with the system's text. */
const ioError = (method: string, path: string, cause: unknown): PlatformError.PlatformError =>
  fromErrno(method, path, cause, (cause as Error | undefined)?.message)

/** writev all of `chunks`, finishing short writes; throws the error of a failed one. */
const writeSyncAll = (fd: number, chunks: ReadonlyArray<Uint8Array>): void => {
  let rest = chunks
  while (rest.length > 0) rest = unwritten(rest, Fs.writevSync(fd, rest as Array<Uint8Array>))
}

/** writev all of `chunks` on libuv's threadpool, finishing short writes. */
const writeAsyncAll = (fd: number, chunks: ReadonlyArray<Uint8Array>, path: string): Effect.Effect<void, PlatformError.PlatformError> =>
  Effect.callback<void, PlatformError.PlatformError>((resume) => {
    const step = (rest: ReadonlyArray<Uint8Array>) =>
      Fs.writev(fd, rest as Array<Uint8Array>, (err, written) => {
        if (err !== null) return resume(Effect.fail(ioError("write", path, err)))
        const left = unwritten(rest, written)
        return left.length === 0 ? resume(Effect.void) : step(left)
      })
    step(chunks)
  })

/** A pipe or FIFO's fd as a non-blocking stream (libuv sets O_NONBLOCK on it); undefined for anything else. */
const pipeStream = (fd: number, info: Fs.Stats): Net.Socket | undefined => {
  if (!info.isFIFO()) return undefined
  try {
    const stream = new Net.Socket({ fd, readable: false, writable: true })
    stream.on("error", () => undefined)
    return stream
  } catch {
    return undefined
  }
}

/** Write `chunks` to a stream; wait only while it holds more than STREAM_BUFFER bytes for its reader. */
const writeStream = (stream: Net.Socket, chunks: ReadonlyArray<Uint8Array>): Effect.Effect<void> =>
  Effect.callback<void>((resume) => {
    for (const chunk of chunks) stream.write(chunk)
    if (stream.writableLength <= STREAM_BUFFER || stream.destroyed) return resume(Effect.void)
    return awaitDrained(stream, resume)
  })

/** Resume once `stream` has handed its reader every byte it holds (or is gone). */
const awaitDrained = (stream: Net.Socket, resume: (effect: Effect.Effect<void>) => void): Effect.Effect<void> => {
  const done = () => {
    stream.off("drain", done).off("close", done)
    resume(Effect.void)
  }
  stream.on("drain", done).on("close", done)
  return Effect.sync(() => stream.off("drain", done).off("close", done))
}

/** Files `createInBackground` is making now, across the process: each may hold an fd already. */
let filesBeingMade = 0

/**
 * One open log file. A class, not a record of closures: a daemon keeps two per program for its
 * whole life, and methods on the prototype are shared (measured: 1.0 KiB of heap per open file,
 * against 4.2 KiB as closures over the state of `make`).
 * State is touched from the caller's fiber (synchronous writes, enqueue) and from the writer
 * fiber; both run on the one JS thread, and every check-and-set below is synchronous.
 */
class File implements RotatingFile {
  /** The open file; undefined while it could not be (re)opened. */
  private current: OpenFile | undefined = undefined
  /** Closed: everything queued was written, and later writes are dropped. */
  private closed = false
  private pending: Array<Item> = []
  private pendingBytes = 0
  /** The writer holds a batch taken from `pending`: a synchronous write now would overtake it. */
  private busy = false
  /** The last I/O step failed (logged once per run of failures; synchronous writes wait for the writer). */
  private failing = false
  /** Bytes still queued when the writer was stopped at close: lost with what the stream holds. */
  private unsent = 0
  /** Waiters for room in the queue; made the first time a caller has to wait. */
  private room: Latch.Latch | undefined = undefined
  /** The writer fiber runs only while something is queued (see `enqueue`). */
  private writing = false
  private writerFiber: Fiber.Fiber<void> | undefined = undefined
  /** The reader the file is lent to (see lendUnsafe). */
  private lent: { readonly giveBack: () => number } | undefined = undefined
  /** Completed once the creation `createInBackground` started is over; undefined when none is underway. */
  private creating: Deferred.Deferred<void> | undefined = undefined

  private currentPath: string
  private readonly options: RotatingFileOptions
  private readonly fs: FileSystem.FileSystem
  /** Where the writer fiber runs (the services and log settings of the file's creator). */
  private readonly context: Context.Context<never>

  constructor(path: string, options: RotatingFileOptions, fs: FileSystem.FileSystem, context: Context.Context<never>) {
    this.currentPath = path
    this.options = options
    this.fs = fs
    this.context = context
  }

  get path(): string {
    return this.currentPath
  }

  get opened(): Effect.Effect<void> {
    return this.creating === undefined ? Effect.void : Deferred.await(this.creating)
  }

  private get rotating(): boolean {
    return this.options.maxBytes > 0
  }

  // Always O_APPEND, even after a rotation: if the rename failed, the old file keeps its bytes.
  private describeOpen(fd: number): OpenFile {
    const info = Fs.fstatSync(fd)
    // Only a plain file is rotated: renaming a symlink (e.g. /dev/stdout redirected to a file) would move the link.
    let link = false
    try {
      link = Fs.lstatSync(this.path).isFile()
    } catch {
      // gone already: treated like a link, never renamed
    }
    return {
      fd,
      moveFd: undefined,
      size: info.size,
      regular: info.isFile(),
      stream: pipeStream(fd, info),
      rotates: info.isFile() && link
    }
  }

  // A regular file (or a new one) is opened at once: one trip to the threadpool per file made a
  // daemon with 1000 log files take half a second to start. Anything else, and any error, takes
  // the threadpool path below, which blocks on a FIFO until it has a reader and reports errors.
  // (Opening a FIFO here and closing it again would hand its reader an early EOF; O_NONBLOCK
  // only covers the path turning into one between the stat and the open.)
  private openRegularNow(): OpenFile | "reserve" | undefined {
    let fd: number
    try {
      const existing = Fs.statSync(this.path, { throwIfNoEntry: false })
      if (existing !== undefined && !existing.isFile()) return undefined
      fd = Fs.openSync(this.path, APPEND_NONBLOCK, this.options.mode ?? 0o666)
    } catch {
      return undefined
    }
    if (!FdReserve.leavesReserve(fd)) {
      Fs.closeSync(fd)
      return "reserve"
    }
    try {
      const opened = this.describeOpen(fd)
      if (opened.regular) return opened
    } catch {
      // described again on the threadpool path
    }
    Fs.closeSync(fd)
    return undefined
  }

  private openOnThreadpool(): Effect.Effect<OpenFile, PlatformError.PlatformError> {
    const path = this.path
    return Effect.callback<number, PlatformError.PlatformError>((resume) =>
      Fs.open(path, "a", this.options.mode ?? 0o666, (err, fd) => resume(err !== null ? Effect.fail(ioError("open", path, err)) : Effect.succeed(fd)))
    ).pipe(Effect.flatMap((fd) =>
      Effect.try({
        try: () => {
          if (!FdReserve.leavesReserve(fd)) throw FdReserve.exhausted()
          return this.describeOpen(fd)
        },
        catch: (e) => {
          Fs.closeSync(fd)
          return ioError("stat", path, e)
        }
      })
    ))
  }

  /**
   * Open the path: at once when it is a regular file, else on the threadpool. Fails with EMFILE
   * when the fd would eat into the control plane's reserve (FdReserve.ts).
   */
  openNow(): Effect.Effect<OpenFile, PlatformError.PlatformError> {
    return Effect.suspend(() => {
      const opened = this.openRegularNow()
      if (opened === "reserve") return Effect.fail(ioError("open", this.path, FdReserve.exhausted()))
      return opened !== undefined ? Effect.succeed(opened) : this.openOnThreadpool()
    })
  }

  /**
   * Create the path, which must not exist, and keep the fd: one open(2). A file just created
   * with O_EXCL is known without a stat: regular, empty, and not a symlink (so it rotates).
   * Undefined when the fd would eat into the control plane's reserve (closed again: the file
   * exists, empty). Throws the open's error.
   */
  createNow(): OpenFile | undefined {
    return this.created(Fs.openSync(this.path, CREATE_EXCLUSIVE, this.options.mode ?? 0o666))
  }

  /** A file just created with O_EXCL as `fd`; undefined (fd closed again) when it would eat into the reserve. */
  private created(fd: number): OpenFile | undefined {
    if (!FdReserve.leavesReserve(fd)) {
      Fs.closeSync(fd)
      return undefined
    }
    return { fd, moveFd: undefined, size: 0, regular: true, stream: undefined, rotates: true }
  }

  /**
   * Create the file on libuv's threadpool, as `createNow` does, drawing another name from
   * `nextPath` while one exists (at most `attempts` names; then the file stays closed and its
   * bytes are dropped). Out of fds, the error is logged as by `make`; any other failure is logged
   * once; either way the file is opened at its next write.
   */
  createInBackground(nextPath: () => string, attempts: number): void {
    const done = Deferred.makeUnsafe<void>()
    this.creating = done
    filesBeingMade++
    // a failure is logged before anyone waiting for the file goes on
    const settle = (opened: OpenFile | undefined, failure?: Effect.Effect<void>) => {
      filesBeingMade--
      this.adopt(opened)
      this.creating = undefined
      if (failure === undefined) Deferred.doneUnsafe(done, Exit.void)
      else Effect.runForkWith(this.context)(Effect.andThen(failure, Deferred.done(done, Exit.void)))
    }
    const attempt = (n: number): void =>
      Fs.open(this.path, CREATE_EXCLUSIVE, this.options.mode ?? 0o666, (err, fd) => {
        if (err === null) {
          const opened = this.created(fd)
          return settle(opened, opened === undefined ? openLater(this.path, ioError("open", this.path, FdReserve.exhausted())) : undefined)
        }
        if (err.code === "EEXIST" && n < attempts) {
          this.currentPath = nextPath()
          return attempt(n + 1)
        }
        // out of names (as mkstemp gives up): never written, never opened, so nothing that exists is touched
        if (err.code === "EEXIST") this.closed = true
        return settle(undefined, this.report("create", ioError("open", this.path, err)))
      })
    attempt(1)
  }

  /** Start with `opened` as the open file; undefined (out of fds): open it at the next write, failing until then. */
  adopt(opened: OpenFile | undefined): void {
    this.current = opened
    this.failing = opened === undefined
  }

  /** Close the file; what a pipe or FIFO's reader has not taken is dropped, and logged with its count. */
  private closeCurrent(): Effect.Effect<void> {
    return Effect.suspend(() => {
      this.reclaim()
      const c = this.current
      this.current = undefined
      if (c === undefined) return Effect.void
      if (c.stream !== undefined) {
        const lost = c.stream.writableLength + this.unsent
        this.unsent = 0
        c.stream.destroy()
        return lost === 0 ? Effect.void : Effect.logWarning(`dropped ${lost} bytes for log file ${this.path}: it did not accept them`)
      }
      for (const fd of [c.fd, c.moveFd ?? -1]) {
        if (fd < 0) continue
        try {
          Fs.closeSync(fd)
        } catch {
          // EBADF/EIO on close: the fd is released either way
        }
      }
      return Effect.void
    })
  }

  /** Log a failure, once per run of failures: `could not reopen log file /x: EACCES (Permission denied)`. */
  private report(what: string, e: PlatformError.PlatformError): Effect.Effect<void> {
    if (this.failing) return Effect.void
    this.failing = true
    return Effect.logError(`could not ${what === "write" ? "write to" : what} log file ${this.path}: ${systemErrorText(e)}`)
  }

  /** Run an I/O step; on failure log once per run of failures and report undefined. */
  private attempt<A>(what: string, eff: Effect.Effect<A, PlatformError.PlatformError>): Effect.Effect<A | undefined> {
    return eff.pipe(
      Effect.map((a) => {
        this.failing = false
        return a as A | undefined
      }),
      Effect.catch((e) => Effect.as(this.report(what, e), undefined))
    )
  }

  /** Close and open the path again (the outcome is logged, never failed). */
  private reopenNow(): Effect.Effect<void> {
    return Effect.map(this.attempt("reopen", this.openNow()), (opened) => {
      this.current = opened
    })
  }

  private ensureOpen(): Effect.Effect<OpenFile | undefined> {
    return Effect.suspend(() =>
      this.current !== undefined
        ? Effect.succeed(this.current)
        : Effect.map(this.attempt("open", this.openNow()), (o) => (this.current = o))
    )
  }

  private rotate(): Effect.Effect<void> {
    const self = this
    return Effect.gen(function*() {
      const c = self.current
      if (c === undefined) return
      if (self.options.backups <= 0) {
        const truncate = Effect.try({ try: () => Fs.ftruncateSync(c.fd, 0), catch: (e) => ioError("truncate", self.path, e) })
        if (yield* self.attempt("truncate", Effect.as(truncate, true))) c.size = 0
        return
      }
      yield* self.closeCurrent()
      for (const [from, to] of rotationRenames(self.path, self.options.backups)) {
        // a missing source (no such backup yet, or deleted by a cleanup script) is skipped, like
        // supervisord's exists check and removeAndRename. Renamed at once, as a regular file is written:
        // a trip to the threadpool per name held a busy child's output (its moving) for milliseconds.
        const rename = Effect.try({
          try: () => {
            try {
              Fs.renameSync(from, to)
            } catch (e) {
              if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e
            }
          },
          catch: (e) => ioError("rename", from, e)
        })
        yield* self.attempt("rotate", rename)
      }
      yield* self.reopenNow()
    })
  }

  private needsRotation(c: OpenFile | undefined): boolean {
    return this.rotating && c !== undefined && c.rotates && c.size >= this.options.maxBytes
  }

  private writeChunks(chunks: ReadonlyArray<Uint8Array>, total: number): Effect.Effect<void> {
    return Effect.flatMap(this.ensureOpen(), (c) => {
      if (c === undefined) return Effect.void
      if (c.stream !== undefined) return this.writeToStream(c, c.stream, chunks, total)
      const write = c.regular
        ? Effect.try({ try: () => writeSyncAll(c.fd, chunks), catch: (e) => ioError("write", this.path, e) })
        : writeAsyncAll(c.fd, chunks, this.path)
      return Effect.map(this.attempt("write", Effect.as(write, true)), (ok) => {
        if (ok) c.size += total
      })
    })
  }

  /** Write chunks to a pipe or FIFO's stream; a reader that went away (EPIPE) destroys it: reopen, which waits for a new reader. */
  private writeToStream(c: OpenFile, stream: Net.Socket, chunks: ReadonlyArray<Uint8Array>, total: number): Effect.Effect<void> {
    if (stream.destroyed) {
      return Effect.andThen(
        this.closeCurrent(),
        Effect.logWarning(`dropped ${total} bytes for log file ${this.path}: its reader went away`)
      )
    }
    return Effect.map(writeStream(stream, chunks), () => {
      c.size += total
    })
  }

  /** Write a run of chunks, cutting batches where supervisord would rotate. */
  private writeRun(chunks: ReadonlyArray<Uint8Array>): Effect.Effect<void> {
    const self = this
    return Effect.gen(function*() {
      yield* self.ensureOpen()
      let batch: Array<Uint8Array> = []
      let batchBytes = 0
      for (const chunk of chunks) {
        batch.push(chunk)
        batchBytes += chunk.length
        const c = self.current
        if (self.rotating && c !== undefined && c.rotates && c.size + batchBytes >= self.options.maxBytes) {
          yield* self.writeChunks(batch, batchBytes)
          batch = []
          batchBytes = 0
          if (self.needsRotation(self.current)) yield* self.rotate()
        }
      }
      if (batch.length > 0) yield* self.writeChunks(batch, batchBytes)
    })
  }

  private runCommand(cmd: Command | Followup): Effect.Effect<void> {
    const self = this
    return Effect.gen(function*() {
      switch (cmd._tag) {
        case "Rotate":
          if (self.needsRotation(self.current)) yield* self.rotate()
          return
        case "Failed":
          return yield* self.report("write", cmd.error)
        // a file that is not open (not yet, or its open failed) stays so: its next open makes it
        case "Reopen":
          if (self.current === undefined) break
          yield* self.closeCurrent()
          yield* self.reopenNow()
          break
        case "Clear": {
          const wasOpen = self.current !== undefined
          yield* self.closeCurrent()
          yield* self.attempt("remove", self.fs.remove(self.path, { force: true }))
          if (wasOpen) yield* self.reopenNow()
          break
        }
        case "Flush": {
          const stream = self.current?.stream
          if (stream !== undefined && stream.writableLength > 0 && !stream.destroyed) {
            yield* Effect.callback<void>((resume) => awaitDrained(stream, resume))
          }
          break
        }
      }
      yield* Deferred.done(cmd.done, Exit.void)
    })
  }

  private processItems(items: ReadonlyArray<Item>): Effect.Effect<void> {
    const self = this
    return Effect.gen(function*() {
      let run: Array<Uint8Array> = []
      for (const item of items) {
        if (item instanceof Uint8Array) {
          run.push(item)
        } else {
          if (run.length > 0) yield* self.writeRun(run)
          run = []
          yield* self.runCommand(item)
        }
      }
      if (run.length > 0) yield* self.writeRun(run)
    })
  }

  // The writer fiber runs only while something is queued: most files never need one, and an idle
  // daemon with many programs keeps no fiber per file. `writing` is set and cleared synchronously
  // with the emptiness check, so an item enqueued at any moment is either seen by the running
  // writer or starts a new one.
  private drainQueue(): Effect.Effect<void> {
    return Effect.suspend(() => {
      // a file still being made: its bytes and commands wait for it (the path is not there to open)
      if (this.creating !== undefined) return Effect.andThen(Deferred.await(this.creating), this.drainQueue())
      if (this.pending.length === 0) {
        this.writing = false
        this.writerFiber = undefined
        return Effect.void
      }
      const items = this.pending
      this.pending = []
      this.pendingBytes = 0
      this.room?.openUnsafe()
      this.busy = true
      return Effect.andThen(this.processItems(items), Effect.suspend(() => {
        this.busy = false
        return this.drainQueue()
      }))
    })
  }

  private enqueue(item: Item): void {
    this.reclaim()
    this.pending.push(item)
    if (item instanceof Uint8Array) this.pendingBytes += item.length
    if (!this.writing) {
      this.writing = true
      const fiber = Effect.runForkWith(this.context)(this.drainQueue())
      if (this.writing) this.writerFiber = fiber
    }
  }

  /** Write `bytes` at once if that keeps the order (a regular file, nothing queued); report whether it did. */
  private writeNow(bytes: Uint8Array): boolean {
    this.reclaim()
    const c = this.current
    if (c === undefined || !c.regular || this.busy || this.pending.length > 0 || this.failing) return false
    try {
      writeSyncAll(c.fd, [bytes])
      c.size += bytes.length
    } catch (e) {
      // the writer logs it; these bytes are dropped like a failed batch
      this.enqueue({ _tag: "Failed", error: ioError("write", this.path, e) })
      return true
    }
    if (this.needsRotation(c)) this.enqueue({ _tag: "Rotate" })
    return true
  }

  /** Bytes a lease moved are written: count them, and rotate as after a write. */
  private accountMoved(moved: number): void {
    const c = this.current
    if (c === undefined || moved <= 0) return
    c.size += moved
    if (this.needsRotation(c)) this.enqueue({ _tag: "Rotate" })
  }

  /** Take the lease back (before anything else touches the file). */
  private reclaim(): void {
    const borrower = this.lent
    if (borrower === undefined) return
    this.lent = undefined
    this.accountMoved(borrower.giveBack())
  }

  lendUnsafe(borrower: { readonly giveBack: () => number }): ReturnType<RotatingFile["lendUnsafe"]> {
    const c = this.current
    if (this.lent !== undefined || this.closed || c === undefined || !c.regular || this.busy || this.pending.length > 0 || this.failing) return undefined
    if (c.moveFd === undefined) {
      try {
        // the very file the fd has open, wherever its name went since
        c.moveFd = Fs.openSync(`/proc/self/fd/${c.fd}`, Fs.constants.O_WRONLY)
      } catch {
        c.moveFd = -1
      }
    }
    if (c.moveFd < 0) return undefined
    this.lent = borrower
    const budget = this.rotating && c.rotates ? Math.max(1, this.options.maxBytes - c.size) : Number.MAX_SAFE_INTEGER
    return {
      fd: c.moveFd,
      budget,
      end: (moved) => {
        if (this.lent !== borrower) return
        this.lent = undefined
        this.accountMoved(moved)
      }
    }
  }

  /**
   * Take back a lent file; then whether `tag` has nothing to wait for: the file is closed, or it is
   * a flush and every byte handed in is already written (a stream's reader may still have some to take).
   */
  private nothingToWaitFor(tag: Command["_tag"]): boolean {
    this.reclaim()
    const streamHolds = this.current?.stream !== undefined && this.current.stream.writableLength > 0
    return this.closed || (tag === "Flush" && !this.writing && !streamHolds)
  }

  private command(tag: Command["_tag"]): Effect.Effect<void> {
    return Effect.suspend(() => {
      if (this.nothingToWaitFor(tag)) return Effect.void
      const done = Deferred.makeUnsafe<void>()
      this.enqueue({ _tag: tag, done })
      return Deferred.await(done)
    })
  }

  /**
   * Waits at most FLUSH_LIMIT: a pipe or FIFO whose reader stopped reading never holds up an exit,
   * a stop or a shutdown. With nothing queued (the usual case at an exit) no timer is armed.
   */
  get flush(): Effect.Effect<void> {
    return Effect.suspend(() =>
      this.nothingToWaitFor("Flush") ? Effect.void : this.command("Flush").pipe(Effect.timeoutOption(FLUSH_LIMIT), Effect.asVoid)
    )
  }

  get reopen(): Effect.Effect<void> {
    return this.command("Reopen")
  }

  get reopenIfReplaced(): Effect.Effect<void> {
    return Effect.suspend(() => {
      const c = this.current
      // a pipe or FIFO is left alone: reopening one waits for a reader
      return c !== undefined && c.regular && this.replaced(c) ? this.reopen : Effect.void
    })
  }

  get openIfClosed(): Effect.Effect<void, PlatformError.PlatformError> {
    return Effect.suspend(() =>
      this.current !== undefined || this.closed || this.creating !== undefined
        ? Effect.void
        : Effect.map(this.openNow(), (opened) => this.adopt(opened))
    )
  }

  /** Whether the path names another file than `c` (or none): deleted, moved or replaced. */
  private replaced(c: OpenFile): boolean {
    try {
      const named = Fs.statSync(this.path, { throwIfNoEntry: false })
      if (named === undefined) return true
      const held = Fs.fstatSync(c.fd)
      return named.ino !== held.ino || named.dev !== held.dev
    } catch {
      return false
    }
  }

  get clear(): Effect.Effect<void> {
    return this.command("Clear")
  }

  /**
   * Close: write everything queued, then drop later writes; interrupt a writer that is still
   * there (only a flush cut short, or a FIFO nobody reads, leaves one: what it still holds is
   * lost, and counted); close the fd.
   */
  get close(): Effect.Effect<void> {
    return Effect.suspend(() => {
      // the usual case, a file that is made and has nothing in flight, closes in this one step
      if (this.creating === undefined && this.writerFiber === undefined && this.nothingToWaitFor("Flush")) {
        this.markClosed()
        return this.closeCurrent()
      }
      // a file still being made is closed once it is there: its fd is never left open
      return Effect.andThen(this.opened, this.flush).pipe(
        Effect.andThen(Effect.sync(() => this.markClosed())),
        Effect.andThen(Effect.suspend(() => {
          if (this.writerFiber === undefined) return Effect.void
          this.unsent = this.pendingBytes
          this.pending = []
          this.pendingBytes = 0
          return Fiber.interrupt(this.writerFiber)
        })),
        Effect.andThen(this.closeCurrent())
      )
    })
  }

  /** From now on writes are dropped, and a writer waiting for room is let go. */
  private markClosed(): void {
    this.closed = true
    this.room?.openUnsafe()
  }

  private hasRoom(): boolean {
    return this.closed || this.pendingBytes < HIGH_WATER_MARK
  }

  // A property, not a method: readers are handed `file.writeUnsafe` itself.
  readonly writeUnsafe = (bytes: Uint8Array): boolean => {
    // a callback reader's chunk is a view of a reused buffer: what is kept is copied
    if (!this.closed && bytes.length > 0 && !this.writeNow(bytes)) this.enqueue(Buffer.from(bytes))
    return this.hasRoom()
  }

  get ready(): Effect.Effect<void> {
    return Effect.suspend(() => {
      if (this.hasRoom()) return Effect.void
      this.room ??= Latch.makeUnsafe(true)
      this.room.closeUnsafe()
      return this.room.await
    })
  }

  write(bytes: Uint8Array): Effect.Effect<void> {
    return Effect.suspend(() => (this.writeUnsafe(bytes) ? Effect.void : this.ready))
  }
}

/** The error line of a log file refused an fd by the reserve at creation (FdReserve.ts): it is opened at its next write. */
const openLater = (path: string, e: PlatformError.PlatformError): Effect.Effect<undefined> =>
  Effect.as(Effect.logError(`could not open log file ${path}: ${systemErrorText(e)}; trying again at its next write`), undefined)

/**
 * Close `file` when the scope closes. Its own function: a finalizer made inside a constructor's
 * generator would keep that constructor's arguments alive for the file's whole life.
 */
const closedWithScope = (file: File): Effect.Effect<void, never, Scope.Scope> => Effect.addFinalizer(() => file.close)

/** Open (or create) `path` for appending; the scope closes the fd after writing everything queued. */
export const make = (
  path: string,
  options: RotatingFileOptions
): Effect.Effect<RotatingFile, PlatformError.PlatformError, Scope.Scope | FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const file = new File(path, options, yield* FileSystem.FileSystem, yield* Effect.context<never>())
    if (options.deferOpen !== true) {
      // Out of fds (FdReserve.ts), the file is opened at its first write instead: the process still exists.
      file.adopt(yield* file.openNow().pipe(Effect.catchIf((e) => /^EMFILE|^ENFILE/.test(systemErrorText(e)), (e) => openLater(path, e))))
    }
    yield* closedWithScope(file)
    return file
  })

/**
 * Create a new file (O_EXCL, never anything that exists: a file, a dangling symlink) under the
 * name `nextPath` gives, drawing another while one exists (at most `attempts`; then it is logged and
 * the file stays closed, its bytes dropped), and keep the fd it
 * was created with: one system call, no stat (AUTO child logs). Returns at once: the file is made
 * on libuv's threadpool, where a daemon with 500 programs makes its 1000 AUTO logs while it spawns
 * (the kernel spends 0.05–0.3 ms of CPU on each create on ext4); `opened` waits for it, and bytes
 * written meanwhile are queued. Near the fd limit (fewer fds free than the control plane's reserve
 * and the files being made need), and for a directory that cannot take a new file (not there, not
 * a directory, not writable), the file is made at once instead: the latter fails here, as the
 * exclusive open fails; a failure found later is
 * logged and the file opened at its next write. Out of fds (FdReserve.ts), the file is created,
 * logged and opened at its next write, as by `make`. The scope closes the fd once the file is made.
 */
export const createExclusive = (
  nextPath: () => string,
  options: RotatingFileOptions,
  attempts: number
): Effect.Effect<RotatingFile, PlatformError.PlatformError, Scope.Scope | FileSystem.FileSystem> =>
  // Uninterruptible, with one finalizer closure: Effect.acquireRelease keeps its nested closures'
  // contexts alive with the finalizer (measured: 0.25 KiB more per file).
  Effect.uninterruptible(Effect.gen(function*() {
    const file = new File(nextPath(), options, yield* FileSystem.FileSystem, yield* Effect.context<never>())
    // in the background only while the fds it may take leave the control plane its reserve (FdReserve.ts)
    if (takesNewFiles(Path.dirname(file.path)) && FdReserve.roomFor(filesBeingMade + 1)) {
      file.createInBackground(nextPath, attempts)
    } else {
      // failing exactly as the FileSystem service's exclusive open, which AUTO logs were made with
      const opened = yield* Effect.try({ try: () => file.createNow(), catch: (e) => fromErrno("open", file.path, e) })
      file.adopt(opened ?? (yield* openLater(file.path, ioError("open", file.path, FdReserve.exhausted()))))
    }
    yield* closedWithScope(file)
    return file
  }))

/** How long a directory found to take new files is believed to: a start of 500 programs asks 1 000 times in a row about one. */
const TAKES_NEW_FILES_MS = 100

/** The directory last found to take new files, and when (performance.now(), monotonic). */
let lastTaking: { readonly dir: string; readonly at: number } | undefined

/**
 * Whether `dir` is a directory this process may create files in (access(2) W_OK|X_OK; one system
 * call, no I/O), asked again only TAKES_NEW_FILES_MS after the last yes for the same directory (a
 * directory made unwritable in between fails its file in the background: logged, opened later).
 */
const takesNewFiles = (dir: string): boolean => {
  const now = performance.now()
  if (lastTaking !== undefined && lastTaking.dir === dir && now - lastTaking.at < TAKES_NEW_FILES_MS) return true
  try {
    Fs.accessSync(dir, Fs.constants.W_OK | Fs.constants.X_OK)
    lastTaking = { dir, at: now }
    return true
  } catch {
    return false
  }
}
