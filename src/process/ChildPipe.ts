/**
 * Reading a child's stdout or stderr in the daemon: the daemon's end of a pipe from the native
 * spawner, or a node:child_process stream (the fallback spawner). Either becomes an OutputStream
 * (OutputReader.ts).
 *
 * A native pipe is watched by the addon (a uv_poll on the event loop) and read with read(2) into
 * one shared buffer, as much as the pipe holds per read: no stream object, no buffer per read.
 * When the log file can take the bytes straight away, they are spliced from the pipe into it
 * instead (splice(2): the kernel moves them, the daemon never copies them). A pipe that fills up
 * is grown to 1 MiB (F_SETPIPE_SZ) so that a busy child writes, and the daemon reads, in large
 * steps; a quiet one keeps the default size and so leaves the user's pipe quota
 * (fs.pipe-user-pages-soft) to the programs that need it.
 * @since 0.1.0
 */
import * as Fs from "node:fs"
import * as Os from "node:os"
import type * as Stream from "node:stream"
import type { OutputStream, SpliceTarget } from "../logs/ChildOutput.ts"
import type { NativeAddon, NativeWatch } from "./NativeAddon.ts"
import { type ByteSource, outputStream } from "./OutputReader.ts"

/** The buffer every pipe reads into; the daemon's one thread reads one at a time. */
const shared = new Uint8Array(1024 * 1024)

/** A pipe's default capacity: a read this large means the child is waiting on the daemon. */
const DEFAULT_PIPE = 64 * 1024
/** What a busy child's pipe grows to, and the most one splice moves. */
const BUSY_PIPE = 1024 * 1024
/** Reads (or splices) per wake-up while the pipe keeps them full, before other work gets a turn. */
const READS_PER_WAKE = 8

const EAGAIN = -Os.constants.errno.EAGAIN

/** The daemon's end of a native pipe as a ByteSource (one object per pipe: a daemon holds two per program). */
class NativePipe implements ByteSource {
  watch: NativeWatch | undefined = undefined
  paused = false
  closed = false
  /** The pipe's capacity: a read or splice that takes less has emptied it. */
  capacity = DEFAULT_PIPE
  target: SpliceTarget | undefined = undefined
  onChunk: ((chunk: Uint8Array) => void) | undefined = undefined
  onEnd: (() => void) | undefined = undefined
  readonly addon: NativeAddon
  readonly fd: number
  /** Moves what the pipe holds to the end of a file (given to the splice target). */
  readonly move: (file: number) => number

  constructor(addon: NativeAddon, fd: number) {
    this.addon = addon
    this.fd = fd
    this.move = (file) => addon.splice(fd, file, BUSY_PIPE)
  }

  start(onChunk: (chunk: Uint8Array) => void, onEnd: () => void): void {
    this.onChunk = onChunk
    this.onEnd = onEnd
    this.watch = this.addon.watch(this.fd, () => this.readable())
  }

  /** The pipe is readable (or at its end): splice or read, a few times while it stays full. */
  readable(): void {
    for (let i = 0; i < READS_PER_WAKE && !this.paused && !this.closed; i++) {
      if (this.target !== undefined) {
        const moved = this.target.spliceUnsafe(this.move)
        if (moved !== undefined) {
          if (moved > 0) {
            if (this.emptied(moved)) return
            continue
          }
          if (moved === 0) return this.end()
          if (moved === EAGAIN) return
          // anything else: a plain read ends or fails the same way, or gets the bytes
        }
      }
      const n = this.addon.read(this.fd, shared)
      if (n > 0) {
        const done = this.emptied(n)
        this.onChunk!(shared.subarray(0, n))
        if (done) return
      } else if (n === EAGAIN) {
        return
      } else {
        return this.end()
      }
    }
  }

  /** After a read or splice of `n` bytes: whether it emptied the pipe. A full default-size pipe grows. */
  emptied(n: number): boolean {
    if (n < this.capacity) return true
    if (this.capacity === DEFAULT_PIPE) this.capacity = Math.max(this.capacity, this.addon.growPipe(this.fd, BUSY_PIPE))
    return false
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
    this.closed = true
    if (this.watch !== undefined) this.addon.watchClose(this.watch)
    Fs.closeSync(this.fd)
  }

  spliceTo(target: SpliceTarget): void {
    this.target = target
  }
}

/** The daemon's (non-blocking) read end of a native pipe, as an OutputStream; it closes the fd. */
export const pipeOutput = (addon: NativeAddon, fd: number): OutputStream => outputStream(new NativePipe(addon, fd))

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
