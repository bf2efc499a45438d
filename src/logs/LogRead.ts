/**
 * Reading log files the way supervisord's RPC does: `readLog` / `readProcessStdoutLog` /
 * `readProcessStderrLog` (byte slices with negative offsets from the end) and
 * `tailProcessStdoutLog` / `tailProcessStderrLog` (the tail loop with an overflow flag).
 *
 * Invariants: the offset math is pure (`readRange`, `tailRange`) and the effectful readers only
 * stat, seek and read what it says. Results are raw bytes; decoding (supervisord decodes strict
 * UTF-8 and can fail on a cut character, Q25) is the caller's decision.
 *
 * Gotchas (supervisord: options.py readFile / tailFile, rpcinterface.py):
 * - tail with `offset < size < offset + length` returns the LAST `length` bytes, not the bytes
 *   from `offset` (Q17); the returned offset is always the file size.
 * - a missing file is `NO_FILE` for read, but an empty result with offset 0 for tail.
 * - `BAD_ARGUMENTS` and `FAILED` carry no detail text (supervisord raises them bare).
 * - a log file that cannot seek (`stdout_logfile=/dev/stdout` on a pipe or terminal) is `FAILED`
 *   for read and an empty tail at the offset given.
 * See shared/reference/supervisord-4.2.5.md §5.5, §11 Q17.
 * @since 0.1.0
 */
import * as ByteSize from "effect/ByteSize"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Result from "effect/Result"
import { BadArguments, Failed, NoFile } from "../domain/Errors.ts"

/** A byte range `[start, end)` of a file, with `0 <= start <= end <= size`. */
export interface ByteRange {
  readonly start: number
  readonly end: number
}

/** What a tail returns: the bytes, the offset to pass next time (the size), and whether bytes were skipped. */
export interface Tail {
  readonly bytes: Uint8Array
  readonly offset: number
  readonly overflow: boolean
}

/** The range `readLog(offset, length)` returns from a file of `size` bytes, or BAD_ARGUMENTS (§5.5). */
export const readRange = (size: number, offset: number, length: number): Result.Result<ByteRange, BadArguments> => {
  if (offset < 0) {
    if (length !== 0) return Result.fail(new BadArguments({ detail: "" }))
    return Result.succeed({ start: Math.max(0, size + offset), end: size })
  }
  if (length < 0) return Result.fail(new BadArguments({ detail: "" }))
  const start = Math.min(offset, size)
  return Result.succeed({ start, end: length === 0 ? size : Math.min(size, offset + length) })
}

/** The range and flags `tailLog(offset, length)` yields for a file of `size` bytes (supervisord's tailFile, Q17). */
export const tailRange = (
  size: number,
  offset: number,
  length: number
): ByteRange & { readonly offset: number; readonly overflow: boolean } => {
  let at = offset
  let len = length
  let overflow = false
  if (size > at + len) {
    overflow = true
    at = size - 1
  }
  if (at + len > size) {
    if (at > size - 1) len = 0
    at = size - len
  }
  if (at < 0) at = 0
  if (len < 0) len = 0
  return { start: at, end: len === 0 ? at : Math.min(size, at + len), offset: size, overflow }
}

/** Open `path`, give its size to `plan`, and read the planned range. */
const readPlanned = <E>(path: string, plan: (size: number) => Result.Result<ByteRange, E>) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const handle = yield* fs.open(path, { flag: "r" })
    const info = yield* handle.stat
    // supervisord seeks first: a log file that cannot seek (a pipe, socket or terminal, as
    // /dev/stdout in a container) fails there; a read at a position fails the same way (ESPIPE)
    if (info.type !== "File") yield* handle.read(new Uint8Array(1), { position: 0n })
    const size = ByteSize.toNumberUnsafe(info.size)
    const range = plan(size)
    if (Result.isFailure(range)) return yield* Effect.fail(range.failure)
    const { start, end } = range.success
    const buffer = new Uint8Array(end - start)
    let filled = 0
    while (filled < buffer.length) {
      const n = yield* handle.read(buffer.subarray(filled), { position: BigInt(start + filled) })
      if (n === 0) break
      filled += n
    }
    return buffer.subarray(0, filled)
  }).pipe(Effect.scoped)

/** Whether a log file exists now (supervisord checks before reading or clearing; an error counts as missing). */
export const fileExists = (path: string): Effect.Effect<boolean, never, FileSystem.FileSystem> =>
  Effect.flatMap(FileSystem.FileSystem, (fs) => fs.exists(path)).pipe(Effect.orElseSucceed(() => false))

/** supervisord's readLog / readProcess*Log: `length` bytes from `offset`, or the last `-offset` bytes (§5.5). */
export const readLog = (
  path: string,
  offset: number,
  length: number
): Effect.Effect<Uint8Array, BadArguments | NoFile | Failed, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    if (!(yield* fileExists(path))) return yield* new NoFile({ detail: path })
    return yield* readPlanned(path, (size) => readRange(size, offset, length)).pipe(
      Effect.catchTag("PlatformError", () => Effect.fail(new Failed({ detail: "" })))
    )
  })

/** supervisord's tailProcess*Log: never fails; a missing file gives `{ bytes: "", offset: 0, overflow: false }`. */
export const tailLog = (
  path: string,
  offset: number,
  length: number
): Effect.Effect<Tail, never, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    if (!(yield* fileExists(path))) return { bytes: new Uint8Array(0), offset: 0, overflow: false }
    let planned: ReturnType<typeof tailRange> | undefined
    const bytes = yield* readPlanned(path, (size) => {
      planned = tailRange(size, offset, length)
      return Result.succeed(planned)
    })
    return { bytes, offset: planned!.offset, overflow: planned!.overflow }
  }).pipe(Effect.orElseSucceed(() => ({ bytes: new Uint8Array(0), offset, overflow: false })))
