/**
 * The output pipeline of one process: where each chunk a child writes goes. One per process; it
 * outlives individual spawns (the log files stay open between them), and each spawn's channels are
 * drained through it.
 *
 * Per chunk, in supervisord's order (dispatchers.py POutputDispatcher._log / record_output):
 * capture-mode split (if `capture_maxbytes > 0`) → ANSI strip (if `strip_ansi`) → the rotating
 * log file and syslog (if `*_syslog`; Syslog.ts: `name line` per line) (text outside capture
 * tokens only) → the activity log at debug level
 * (`'name' stdout output:\n<data>`) → PROCESS_LOG_* event (if `*_events_enabled`); at each END
 * token a PROCESS_COMMUNICATION_* event and the debug line `'name' stdout emitted a comm event`.
 *
 * Invariants: chunks are handled in order and never dropped; `drain` completes only after every
 * byte it read is written to the file (to a pipe or FIFO whose reader stopped reading: after at
 * most RotatingFile's FLUSH_LIMIT, then its loss is counted); a channel without a file (NONE) still captures and
 * publishes. Read errors end the drain with a warning; they never fail the caller. When nothing
 * but the file wants a channel's bytes (the common case), they go from the pipe to the file with
 * no fiber or Stream step per chunk: moved from the pipe into the file where the reader can
 * (the native spawner's pipes), else handed from the read callback to the file.
 *
 * Gotchas: as in supervisord, PROCESS_LOG events and the debug line also carry the bytes inside
 * capture tokens (DOC≠CODE, Q2). When stdout and stderr name the same file, one RotatingFile
 * serves both (supervisord opens it twice and corrupts rotation). Undecodable output is shown as
 * `Undecodable: b'...'` in the activity log; an event listener's stdout always as `b'...'`.
 * See shared/reference/supervisord-4.2.5.md §4.2, §4.4, §4.5.
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type * as FileSystem from "effect/FileSystem"
import * as LogLevel from "effect/LogLevel"
import * as PlatformError from "effect/PlatformError"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { ChannelConfig } from "../config/Types.ts"
import type { Channel } from "../domain/Channel.ts"
import { EventBus } from "../events/EventBus.ts"
import { bytesRepr, strRepr } from "../domain/PyRepr.ts"
import * as Capture from "./Capture.ts"
import { writeLastResortUnsafe } from "./LogLine.ts"
import * as RotatingFile from "./RotatingFile.ts"
import * as StripAnsi from "./StripAnsi.ts"
import * as Syslog from "./Syslog.ts"

/** Decodes a chunk for syslog (one call per chunk, so no state: one decoder for every process). */
const utf8 = new TextDecoder()

/** AUTO log files: create one per channel at group creation; delete old ones at startup (see AutoLog.ts). */
export { cleanupAutoLogs, createAutoLog } from "./AutoLog.ts"

/**
 * A channel's log file: a resolved path, opened (or created) for appending; a file already made,
 * which the pipeline takes over (an AUTO log, made by `createAutoLog` in the same scope); or
 * undefined for NONE.
 */
export type ChannelLog = string | RotatingFile.RotatingFile | undefined

/** What a process's output pipeline needs to know. */
export interface ChildOutputOptions {
  readonly processName: string
  readonly groupName: string
  readonly stdoutLog: ChannelLog
  readonly stderrLog: ChannelLog
  readonly stdout: ChannelConfig
  readonly stderr: ChannelConfig
  readonly stripAnsi: boolean
  /** Where `*_syslog` lines go (default: /dev/log). */
  readonly syslogPath?: string | undefined
  /**
   * stdout is an event listener's protocol: at debug level its bytes are shown as Python's bytes
   * repr (`b'READY\n'`), as supervisord's listener dispatcher logs them. Default false.
   */
  readonly listenerStdout?: boolean | undefined
}

/**
 * Reads a child's output channel by callback: `onChunk` runs in the read callback itself, with no
 * fiber between the read and the write, and its chunk is valid during the call only (the reader
 * reuses its memory). While it returns false, reading pauses until `ready` completes. Completes
 * at EOF (or on a read error: the output is as complete as it gets).
 */
export type ReadByCallback = (onChunk: (chunk: Uint8Array) => boolean, ready: Effect.Effect<void>) => Effect.Effect<void>

/**
 * What a log file lends a reader that moves a child's pipe into it on its own (the native addon,
 * with no JS per wake-up): an fd on the file opened without O_APPEND (the reader appends by seeking
 * to the end), and how many bytes may go in before the file must look at its size again
 * (rotation). The reader ends the lease with the count it moved.
 */
export interface MoveLease {
  readonly fd: number
  readonly budget: number
  readonly end: (moved: number) => void
}

/** A reader holding a lease: asked to give it back, it stops at once and says how many bytes it moved. */
export interface MoveBorrower {
  readonly giveBack: () => number
}

/**
 * A log file that can take a child's bytes straight from its pipe: `lendUnsafe` lends its fd when
 * the bytes would be written at once anyway (nothing queued, no rotation underway, a regular file),
 * else returns undefined and the bytes are read and written as usual. The file takes the lease back
 * (giveBack) before anything else touches it: another write, a flush, a reopen, closing.
 */
export interface MoveTarget {
  readonly lendUnsafe: (borrower: MoveBorrower) => MoveLease | undefined
}

/**
 * Like ReadByCallback, but moving the bytes into `target` itself (in the addon, no JS per
 * wake-up) whenever it can take them; `onChunk` gets only what could not go that way.
 */
export type ReadByMove = (
  target: MoveTarget,
  onChunk: (chunk: Uint8Array) => boolean,
  ready: Effect.Effect<void>
) => Effect.Effect<void>

/**
 * A child's output channel: a stream of chunks, and optionally faster ways to read the same
 * bytes (by callback, or moved to a file), which a drain uses when nothing but the log file
 * wants them. Use one of them, once. A stream derived from this one (`pipe`) has neither.
 */
export interface OutputStream<E = never> extends Stream.Stream<Uint8Array, E> {
  readonly readByCallback?: ReadByCallback | undefined
  readonly readByMove?: ReadByMove | undefined
  /**
   * When read by callback (or moved into a file): hand the reader everything the source holds now, and say
   * whether that emptied it (or it ended). False when it cannot tell.
   */
  readonly settle?: (() => boolean) | undefined
}

/** The output pipeline of one process. */
export interface ChildOutput {
  readonly stdoutPath: string | undefined
  readonly stderrPath: string | undefined
  /** Completes once the log files are open (an AUTO log is made in the background): awaited before each spawn. */
  readonly opened: Effect.Effect<void>
  /**
   * Before a spawn, after `opened`: reopen a log file whose path no longer names it (deleted,
   * moved or replaced while the program was stopped), as supervisord opens them at each spawn.
   */
  readonly reopenIfReplaced: Effect.Effect<void>
  /**
   * Before a spawn: open a log file that is not open (it could not be opened, e.g. a path that is a
   * directory), failing as it fails: supervisord opens a program's log files at each spawn, and
   * such a failure is that spawn's error.
   */
  readonly openIfClosed: Effect.Effect<void, PlatformError.PlatformError>
  /**
   * Drain one channel of one spawn until EOF: file (rotating), capture splitter, PROCESS_LOG_* /
   * PROCESS_COMMUNICATION_* events, and the activity log at debug level. Completes after the
   * last byte is written.
   * When only the file wants the bytes and the source can be read by callback, each chunk goes
   * from the read callback to the file with no fiber in between.
   */
  readonly drain: (channel: Channel, pid: number, source: OutputStream<unknown>) => Effect.Effect<void>
  /** Wait until every byte drained so far is in the files. */
  readonly flush: Effect.Effect<void>
  /** Reopen the files (SIGUSR2). */
  readonly reopen: Effect.Effect<void>
  /** Delete and reopen the files (clearProcessLogs). */
  readonly clear: Effect.Effect<void>
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true })

/** The activity-log text for child output: the UTF-8 text, or `Undecodable: b'...'` (supervisord's _log). */
export const describeOutput = (bytes: Uint8Array): string => {
  try {
    return strictUtf8.decode(bytes)
  } catch {
    return `Undecodable: ${bytesRepr(bytes)}`
  }
}

/** Open the log files of a process (taking over those already open); the scope closes (and flushes) them. */
export const make = (
  options: ChildOutputOptions
): Effect.Effect<ChildOutput, PlatformError.PlatformError, Scope.Scope | FileSystem.FileSystem | EventBus> =>
  Effect.gen(function*() {
    const bus = yield* EventBus
    const open = (log: ChannelLog, channel: Channel) =>
      typeof log === "string"
        ? RotatingFile.make(log, {
          maxBytes: options[channel].logfileMaxbytes,
          backups: options[channel].logfileBackups,
          // opened at the first spawn (openIfClosed), as supervisord opens it at each: one that
          // cannot be opened fails each spawn, and a program never started has no file
          deferOpen: true
        })
        : Effect.succeed(log)
    const stdoutFile = yield* open(options.stdoutLog, "stdout")
    const stderrFile = options.stderrLog !== undefined && options.stderrLog === options.stdoutLog
      ? stdoutFile
      : yield* open(options.stderrLog, "stderr")
    const files = [...new Set([stdoutFile, stderrFile])].filter((f) => f !== undefined)
    const name = strRepr(options.processName)
    const syslog = options.stdout.syslog || options.stderr.syslog
      ? yield* Syslog.make((text) => writeLastResortUnsafe("Warn", text), options.syslogPath).pipe(
        Effect.mapError((e) =>
          PlatformError.badArgument({ module: "ChildOutput", method: "syslog", description: `${options.processName}: ${e.message}` })
        )
      )
      : undefined

    /**
     * Everything but the file wants the bytes: each chunk through capture, strip, file, activity
     * log and events, as a stream step. Built only then: most drains never need these closures.
     */
    const pipeline = (channel: Channel, pid: number, source: OutputStream<unknown>, file: RotatingFile.RotatingFile | undefined, toMainLog: boolean) =>
      Effect.gen(function*() {
        const config = options[channel]
        const strip = options.stripAnsi ? StripAnsi.make() : undefined
        const splitter = config.captureMaxbytes > 0 ? Capture.make(config.captureMaxbytes, strip) : undefined
        const suffix = channel === "stdout" ? "STDOUT" : "STDERR"
        const toSyslog = config.syslog ? syslog : undefined
        const shown = channel === "stdout" && options.listenerStdout === true ? bytesRepr : describeOutput
        const common = { processName: options.processName, groupName: options.groupName, pid }

        /** Side effects every logged piece has, in or out of capture mode. */
        const announce = (bytes: Uint8Array) =>
          Effect.gen(function*() {
            if (toMainLog) yield* Effect.logDebug(`${name} ${channel} output:\n${shown(bytes)}`)
            if (config.eventsEnabled) yield* bus.publish({ _tag: `PROCESS_LOG_${suffix}`, ...common, data: bytes })
          })
        const log = (bytes: Uint8Array) =>
          Effect.suspend(() => {
            if (bytes.length === 0) return Effect.void
            if (toSyslog !== undefined) {
              const prefix = `${options.processName} `
              toSyslog.sendUnsafe(new Date(), Syslog.recordLines(utf8.decode(bytes)).map((line) => prefix + line))
            }
            const write = file === undefined ? Effect.void : file.write(bytes)
            return toMainLog || config.eventsEnabled ? Effect.andThen(write, announce(bytes)) : write
          })
        const segments = (split: Capture.Split) =>
          Effect.forEach(split.segments, (segment) => {
            switch (segment._tag) {
              case "Log":
                return log(segment.bytes)
              case "Capturing":
                return announce(segment.bytes)
              case "Captured":
                return Effect.andThen(
                  bus.publish({ _tag: `PROCESS_COMMUNICATION_${suffix}`, ...common, data: segment.bytes }),
                  Effect.logDebug(`${name} ${channel} emitted a comm event`)
                )
            }
          }, { discard: true })
        const handle = (chunk: Uint8Array): Effect.Effect<void> =>
          splitter !== undefined ? segments(splitter.feed(chunk)) : log(strip === undefined ? chunk : strip(chunk))

        yield* source.pipe(
          Stream.runForEachArray((batch) => Effect.forEach(batch, handle, { discard: true })),
          Effect.catch((error) => Effect.logWarning(`${name} ${channel} read failed: ${String(error)}`))
        )
        if (splitter !== undefined) yield* segments(splitter.end())
      })

    const drain: ChildOutput["drain"] = (channel, pid, source) =>
      Effect.gen(function*() {
        const config = options[channel]
        const file = channel === "stdout" ? stdoutFile : stderrFile
        const toMainLog = yield* LogLevel.isEnabled("Debug")
        // Nothing but the file wants the bytes: the read callback hands them straight to it.
        const plain = config.captureMaxbytes <= 0 && !options.stripAnsi && !toMainLog && !config.eventsEnabled && !config.syslog

        if (plain && file !== undefined && source.readByMove !== undefined) {
          yield* source.readByMove(file, file.writeUnsafe, file.ready)
        } else if (plain && source.readByCallback !== undefined) {
          yield* file === undefined ? source.readByCallback(() => true, Effect.void) : source.readByCallback(file.writeUnsafe, file.ready)
        } else {
          yield* pipeline(channel, pid, source, file, toMainLog)
        }
        if (file !== undefined) yield* file.flush
      })

    const each = (f: (file: RotatingFile.RotatingFile) => Effect.Effect<void>) =>
      Effect.forEach(files, f, { discard: true })

    return {
      // read from the file each time: an AUTO log being made may still draw another name
      get stdoutPath() {
        return stdoutFile?.path
      },
      get stderrPath() {
        return stderrFile?.path
      },
      get opened() {
        return files.length === 1 ? files[0]!.opened : each((f) => f.opened)
      },
      reopenIfReplaced: each((f) => f.reopenIfReplaced),
      openIfClosed: Effect.forEach(files, (f) => f.openIfClosed, { discard: true }),
      drain,
      flush: each((f) => f.flush),
      reopen: each((f) => f.reopen),
      clear: each((f) => f.clear)
    }
  })
