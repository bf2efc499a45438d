/**
 * Reading a child's stdout or stderr in the daemon: the daemon's end of a pipe from the native
 * spawner, or a node:child_process stream (the fallback spawner). Either becomes an OutputStream
 * (OutputReader.ts).
 *
 * A native pipe is watched by the addon (a uv_poll on the event loop) and read with read(2) into
 * one shared buffer, as much as the pipe holds per read: no stream object, no buffer per read.
 * When the log file can take the bytes straight away, the addon moves them from the pipe into it
 * itself on each wake-up (read(2) and write(2) through one buffer in C: no JS runs until the file
 * must look at its size for rotation; not splice(2), which holds the pipe's lock while it writes
 * the file, so that the child's writes wait for the disk). A pipe that fills up, or is moved
 * from, is grown to 1 MiB (F_SETPIPE_SZ) so that a busy child writes in large steps; a quiet one
 * keeps the default size and so leaves the user's pipe quota (fs.pipe-user-pages-soft) to the
 * programs that need it.
 * @since 0.1.0
 */
import * as Fs from "node:fs"
import * as Os from "node:os"
import type * as Stream from "node:stream"
import type { MoveLease, MoveTarget, OutputStream } from "../logs/ChildOutput.ts"
import type { NativeAddon, NativeWatch } from "./NativeAddon.ts"
import { type ByteSource, outputStream } from "./OutputReader.ts"

/** The buffer every pipe reads into; the daemon's one thread reads one at a time. */
const shared = new Uint8Array(1024 * 1024)

/** A pipe's default capacity: a read this large means the child is waiting on the daemon. */
const DEFAULT_PIPE = 64 * 1024
/** What a busy child's pipe grows to. */
const BUSY_PIPE = 1024 * 1024
/** Reads (or moves) per wake-up while the pipe keeps them full, before other work gets a turn. */
const READS_PER_WAKE = 8

const EAGAIN = -Os.constants.errno.EAGAIN

/**
 * The daemon's end of a native pipe as a ByteSource (one object per pipe: a daemon holds two per
 * program). Given a move target, once a read has returned output, it borrows the log file
 * whenever the file lends it, and the addon moves the pipe into it on each wake-up without
 * calling back until the lease's budget is spent or the pipe ends; meanwhile (the file busy
 * rotating, a write queued) it reads.
 */
class NativePipe implements ByteSource {
  watch: NativeWatch | undefined = undefined
  paused = false
  closed = false
  /** The pipe's capacity: a read that takes less has emptied it. */
  capacity = DEFAULT_PIPE
  /**
   * Whether a read has returned bytes: only then is the log file borrowed for moving (borrowing
   * opens a second fd on it, once per file; a quiet child's pipe that only ever ends needs none).
   */
  carried = false
  target: MoveTarget | undefined = undefined
  lease: MoveLease | undefined = undefined
  onChunk: ((chunk: Uint8Array) => void) | undefined = undefined
  onEnd: (() => void) | undefined = undefined
  readonly addon: NativeAddon
  readonly fd: number

  constructor(addon: NativeAddon, fd: number) {
    this.addon = addon
    this.fd = fd
  }

  start(onChunk: (chunk: Uint8Array) => void, onEnd: () => void): void {
    this.onChunk = onChunk
    this.onEnd = onEnd
    this.watch = this.addon.watch(this.fd, () => this.readable())
  }

  /** The pipe is readable (or at its end), or a lease came back: borrow the file, or read a few times. */
  readable(): void {
    // A lease comes back with its budget spent, or short of it at the pipe's end or an error: then
    // the reads below see which.
    let ended = false
    const lease = this.lease
    if (lease !== undefined) {
      const moved = this.endMove()
      ended = moved < lease.budget
      lease.end(moved)
    }
    if (this.closed || this.paused) return
    if (this.target !== undefined && this.carried && !ended) {
      const next = this.target.lendUnsafe(this)
      if (next !== undefined) {
        this.lease = next
        // from the next wake-up on, the addon moves; the pipe is still readable, so that comes at once
        this.grow()
        this.addon.startMoving(this.watch!, next.fd, next.budget)
        return
      }
    }
    this.readSome(READS_PER_WAKE)
  }

  /** Read at most `limit` times: until a read empties the pipe, it ends, or the reader pauses it. */
  readSome(limit: number): "empty" | "ended" | "stopped" | "more" {
    for (let i = 0; i < limit; i++) {
      if (this.paused || this.closed) return "stopped"
      const n = this.addon.read(this.fd, shared)
      if (n > 0) {
        this.carried = true
        // a read that takes less than the pipe holds has emptied it
        const emptied = n < this.capacity
        if (!emptied) this.grow()
        this.onChunk!(shared.subarray(0, n))
        if (emptied) return "empty"
      } else if (n === EAGAIN) {
        return "empty"
      } else {
        this.end()
        return "ended"
      }
    }
    return "more"
  }

  /** What the pipe holds now, read (ending a move lease first): whether that emptied it, or it ended. */
  settle(): boolean {
    if (this.closed) return true
    if (this.watch === undefined) return false
    const lease = this.lease
    if (lease !== undefined) lease.end(this.endMove())
    const read = this.readSome(Number.POSITIVE_INFINITY)
    return read === "empty" || read === "ended"
  }

  /** The lease's count, move mode ended (the file takes it back this way too: giveBack). */
  endMove(): number {
    this.lease = undefined
    return this.watch === undefined ? 0 : this.addon.stopMoving(this.watch)
  }

  giveBack(): number {
    return this.endMove()
  }

  /** A pipe busy enough to fill up, or to be moved from, gets a large capacity (once). */
  grow(): void {
    if (this.capacity === DEFAULT_PIPE) this.capacity = Math.max(this.capacity, this.addon.growPipe(this.fd, BUSY_PIPE))
  }

  end(): void {
    this.destroy()
    this.onEnd!()
  }

  pause(): void {
    if (this.paused || this.closed || this.watch === undefined) return
    this.paused = true
    this.addon.watchStop(this.watch)
  }

  resume(): void {
    if (!this.paused || this.closed || this.watch === undefined) return
    this.paused = false
    this.addon.watchStart(this.watch)
  }

  destroy(): void {
    if (this.closed) return
    if (this.lease !== undefined) this.lease.end(this.endMove())
    this.closed = true
    if (this.watch !== undefined) this.addon.watchClose(this.watch)
    Fs.closeSync(this.fd)
  }

  moveTo(target: MoveTarget): void {
    this.target = target
  }
}

/** The daemon's (non-blocking) read end of a native pipe, as an OutputStream; it closes the fd. */
export const pipeOutput = (addon: NativeAddon, fd: number): OutputStream => outputStream(new NativePipe(addon, fd))

/** An OutputStream that has ended already: the stderr of a child whose fd 2 is its stdout pipe (redirect_stderr). */
export const endedOutput = (): OutputStream =>
  outputStream({ start: (_onChunk, onEnd) => onEnd(), pause: () => undefined, resume: () => undefined, destroy: () => undefined })

/** A readable node stream (a node:child_process pipe), as an OutputStream. */
export const streamOutput = (readable: Stream.Readable): OutputStream =>
  outputStream({
    start: (onChunk, onEnd) => {
      readable.on("data", onChunk)
      readable.on("error", () => undefined).on("end", onEnd).on("close", onEnd)
    },
    pause: () => readable.pause(),
    resume: () => readable.resume(),
    destroy: () => readable.destroy()
  })
