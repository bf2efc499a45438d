/**
 * An append-only log file with supervisord's size-based rotation (`RotatingFileHandler`), used for
 * child logs and the activity log.
 *
 * Invariants:
 * - One fd is kept open. Callers enqueue; a single writer fiber drains the queue, joining many
 *   chunks into one write syscall. Bytes are never reordered and never lost: closing the scope
 *   writes everything still queued before the fd is closed.
 * - Rotation follows supervisord exactly at chunk granularity: after each *chunk*, if the file
 *   size is `>= maxBytes` (and `maxBytes > 0`), `path.(backups-1) → path.backups … path → path.1`
 *   and `path` is reopened empty (`backups = 0`: truncated). A batch is cut at that chunk, so a
 *   single chunk larger than maxBytes ends up whole in one file, as in supervisord.
 * - `flush`, `reopen` and `clear` are queued like writes, so they apply after every earlier write.
 * - I/O errors never fail a caller: they are logged (once per run of failures) and the bytes of
 *   the failed batch are dropped; the next batch tries again (and reopens the file if needed).
 *
 * Gotchas: rotation only applies to a regular file named by a path that is not a symlink.
 * supervisord logs `Illegal seek` on every write to `/dev/stdout` with maxbytes > 0 (issues
 * #1078/#1224), and with stdout redirected to a file it would rename the `/dev/stdout` link itself;
 * here a pipe, tty, `/dev/null` or symlinked path simply never rotates. Files are opened with
 * O_APPEND, which works on pipes too.
 * See shared/reference/supervisord-4.2.5.md §4.3.
 * @since 0.1.0
 */
import * as ByteSize from "effect/ByteSize"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FileSystem from "effect/FileSystem"
import * as Latch from "effect/Latch"
import type * as PlatformError from "effect/PlatformError"
import * as Scope from "effect/Scope"

/** A rotating, batched, append-only log file. */
export interface RotatingFile {
  readonly path: string
  /**
   * Append bytes. supervisord's rule: after each write, if size >= maxBytes (and maxBytes > 0) rotate:
   * path.(backups-1) → path.backups … path → path.1, reopen path empty; backups=0 → truncate.
   * Waits only when too much is queued (backpressure). The chunk must not be mutated afterwards.
   */
  readonly write: (bytes: Uint8Array) => Effect.Effect<void>
  /** Enqueue bytes synchronously, never waiting (for Logger callbacks). Dropped once the file is closed. */
  readonly writeUnsafe: (bytes: Uint8Array) => void
  /** Wait until every byte handed to write is on disk (called before a process is reported stopped, and at shutdown). */
  readonly flush: Effect.Effect<void>
  /** Close and reopen the same path (SIGUSR2, for external logrotate). */
  readonly reopen: Effect.Effect<void>
  /** Delete the file (and nothing else) and reopen it empty (clearProcessLogs / clearLog). */
  readonly clear: Effect.Effect<void>
}

/** Options of a rotating file: rotate at `maxBytes` (0 = never), keep `backups` old files, create with `mode`. */
export interface RotatingFileOptions {
  readonly maxBytes: number
  readonly backups: number
  /** Creation mode; default is the open(2) default `0o666 & ~umask`. */
  readonly mode?: number
}

/** Queued bytes beyond which `write` waits for the writer (per file; the writer holds one more batch). */
export const HIGH_WATER_MARK = 1024 * 1024

type Command = { readonly _tag: "Flush" | "Reopen" | "Clear"; readonly done: Deferred.Deferred<void> }
type Item = Uint8Array | Command

interface OpenFile {
  readonly scope: Scope.Closeable
  readonly handle: FileSystem.File
  size: number
  readonly rotates: boolean
}

/** The names a rotation moves, in order: `[from, to]` pairs, oldest first (pure; supervisord's doRollover). */
export const rotationRenames = (path: string, backups: number): ReadonlyArray<readonly [string, string]> => {
  const renames: Array<readonly [string, string]> = []
  for (let i = backups - 1; i >= 1; i--) renames.push([`${path}.${i}`, `${path}.${i + 1}`])
  if (backups > 0) renames.push([path, `${path}.1`])
  return renames
}

/**
 * Concatenate a batch into one buffer for one write. Allocated per batch, not kept per file:
 * a daemon has two files per process, most of them idle.
 */
const join = (chunks: ReadonlyArray<Uint8Array>, total: number): Uint8Array => {
  if (chunks.length === 1) return chunks[0]!
  const out = new Uint8Array(total)
  let at = 0
  for (const c of chunks) {
    out.set(c, at)
    at += c.length
  }
  return out
}

/** Open (or create) `path` for appending; the returned scope owns the fd. */
export const make = (
  path: string,
  options: RotatingFileOptions
): Effect.Effect<RotatingFile, PlatformError.PlatformError, Scope.Scope | FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const mode = options.mode
    const rotating = options.maxBytes > 0

    // Always O_APPEND, even after a rotation: if the rename failed, the old file keeps its bytes.
    const open = Effect.gen(function*() {
      const scope = yield* Scope.make()
      const handle = yield* fs.open(path, mode === undefined ? { flag: "a" } : { flag: "a", mode }).pipe(
        Scope.provide(scope),
        Effect.onError(() => Scope.close(scope, Exit.void))
      )
      const info = yield* handle.stat.pipe(Effect.onError(() => Scope.close(scope, Exit.void)))
      // Only a plain file is rotated: renaming a symlink (e.g. /dev/stdout redirected to a file) would move the link.
      const link = yield* fs.lstat(path).pipe(Effect.map((l) => l.type), Effect.orElseSucceed(() => "Unknown"))
      const rotates = info.type === "File" && link === "File"
      return { scope, handle, size: ByteSize.toNumberUnsafe(info.size), rotates } as OpenFile
    })

    let current: OpenFile | undefined = yield* open
    let closed = false
    let pending: Array<Item> = []
    let pendingBytes = 0
    let failing = false
    const work = Latch.makeUnsafe(false)
    const room = Latch.makeUnsafe(true)

    const closeCurrent = Effect.suspend(() => {
      const c = current
      current = undefined
      return c === undefined ? Effect.void : Scope.close(c.scope, Exit.void)
    })

    /** Run an I/O step; on failure log once per run of failures and report false. */
    const attempt = <A>(what: string, eff: Effect.Effect<A, PlatformError.PlatformError>) =>
      eff.pipe(
        Effect.map((a) => {
          failing = false
          return a as A | undefined
        }),
        Effect.catch((e) => {
          if (failing) return Effect.succeed(undefined)
          failing = true
          return Effect.as(Effect.logError(`log file ${path}: ${what} failed: ${e.message}`), undefined)
        })
      )

    const ensureOpen = Effect.suspend(() =>
      current !== undefined ? Effect.succeed(current) : Effect.map(attempt("open", open), (o) => (current = o))
    )

    const rotate = Effect.gen(function*() {
      const c = current
      if (c === undefined) return
      if (options.backups <= 0) {
        const ok = yield* attempt("truncate", Effect.as(c.handle.truncate(0), true))
        if (ok) c.size = 0
        return
      }
      yield* closeCurrent
      for (const [from, to] of rotationRenames(path, options.backups)) {
        if (from !== path && !(yield* fs.exists(from).pipe(Effect.orElseSucceed(() => false)))) continue
        // like supervisord's removeAndRename: a source deleted meanwhile (cleanup script) is not an error
        yield* attempt("rotate", fs.rename(from, to).pipe(Effect.catchIf((e) => e.reason._tag === "NotFound", () => Effect.void)))
      }
      current = yield* attempt("reopen", open)
    })

    const writeChunks = (chunks: ReadonlyArray<Uint8Array>, total: number) =>
      Effect.gen(function*() {
        const c = yield* ensureOpen
        if (c === undefined) return
        const ok = yield* attempt("write", Effect.as(c.handle.writeAll(join(chunks, total)), true))
        if (ok) c.size += total
      })

    /** Write a run of chunks, cutting batches where supervisord would rotate. */
    const writeRun = (chunks: ReadonlyArray<Uint8Array>) =>
      Effect.gen(function*() {
        yield* ensureOpen
        let batch: Array<Uint8Array> = []
        let batchBytes = 0
        for (const chunk of chunks) {
          batch.push(chunk)
          batchBytes += chunk.length
          const c = current
          if (rotating && c !== undefined && c.rotates && c.size + batchBytes >= options.maxBytes) {
            yield* writeChunks(batch, batchBytes)
            batch = []
            batchBytes = 0
            if (current !== undefined && current.size >= options.maxBytes) yield* rotate
          }
        }
        if (batch.length > 0) yield* writeChunks(batch, batchBytes)
      })

    const runCommand = (cmd: Command) =>
      Effect.gen(function*() {
        if (cmd._tag === "Reopen") {
          yield* closeCurrent
          current = yield* attempt("reopen", open)
        } else if (cmd._tag === "Clear") {
          yield* closeCurrent
          yield* attempt("remove", fs.remove(path, { force: true }))
          current = yield* attempt("reopen", open)
        }
        yield* Deferred.done(cmd.done, Exit.void)
      })

    const processItems = (items: ReadonlyArray<Item>) =>
      Effect.gen(function*() {
        let run: Array<Uint8Array> = []
        for (const item of items) {
          if (item instanceof Uint8Array) {
            run.push(item)
          } else {
            if (run.length > 0) yield* writeRun(run)
            run = []
            yield* runCommand(item)
          }
        }
        if (run.length > 0) yield* writeRun(run)
      })

    const writer = Effect.gen(function*() {
      while (true) {
        if (pending.length === 0) {
          work.closeUnsafe()
          yield* work.await
          continue
        }
        const items = pending
        pending = []
        pendingBytes = 0
        room.openUnsafe()
        yield* processItems(items)
      }
    })

    const enqueue = (item: Item) => {
      pending.push(item)
      if (item instanceof Uint8Array) pendingBytes += item.length
      work.openUnsafe()
    }

    const command = (tag: Command["_tag"]) =>
      Effect.suspend(() => {
        if (closed) return Effect.void
        const done = Deferred.makeUnsafe<void>()
        enqueue({ _tag: tag, done })
        return Deferred.await(done)
      })

    yield* Effect.addFinalizer(() => closeCurrent)
    yield* Effect.forkScoped(writer)
    const flush = command("Flush")
    yield* Effect.addFinalizer(() =>
      Effect.andThen(flush, Effect.sync(() => {
        closed = true
        room.openUnsafe()
      }))
    )

    const writeUnsafe = (bytes: Uint8Array): void => {
      if (!closed && bytes.length > 0) enqueue(bytes)
    }

    return {
      path,
      write: (bytes) =>
        Effect.suspend(() => {
          writeUnsafe(bytes)
          if (closed || pendingBytes < HIGH_WATER_MARK) return Effect.void
          room.closeUnsafe()
          return room.await
        }),
      writeUnsafe,
      flush,
      reopen: command("Reopen"),
      clear: command("Clear")
    }
  })
