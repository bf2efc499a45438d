/**
 * Reading a child's stdout or stderr in the daemon: the daemon's end of a pipe (from the native
 * spawner) read into one shared buffer, or a node:child_process stream (the fallback spawner).
 * Either becomes an OutputStream (OutputReader.ts).
 *
 * Every pipe reads into one shared buffer (Node's `onread`), as large as the pipe has data: no
 * buffer is allocated per read, and a busy child is read in a few large reads instead of many
 * 64 KiB ones. A pipe that fills up is grown (F_SETPIPE_SZ) so that a busy child writes and the
 * daemon reads in large steps; a quiet one keeps the default size, which keeps the user's pipe
 * quota (fs.pipe-user-pages-soft) for the programs that need it.
 * @since 0.1.0
 */
import * as Net from "node:net"
import type * as Stream from "node:stream"
import type { OutputStream } from "../logs/ChildOutput.ts"
import { type ByteSource, outputStream } from "./OutputReader.ts"

/** The buffer every pipe reads into; the daemon's one thread reads one at a time. */
const shared = Buffer.allocUnsafe(1024 * 1024)
const sharedBuffer = () => shared

/** A pipe's default capacity: a read this large means the child is waiting on the daemon. */
const DEFAULT_PIPE = 64 * 1024
/** What a busy child's pipe grows to. */
const BUSY_PIPE = 1024 * 1024

/**
 * The daemon's (non-blocking) read end of a pipe, as an OutputStream. `grow(fd, bytes)` raises
 * the pipe's capacity the first time a read finds it full.
 */
export const pipeOutput = (fd: number, grow: (fd: number, bytes: number) => number): OutputStream => {
  let socket: Net.Socket | undefined
  let grown = false
  const source: ByteSource = {
    start: (onChunk, onEnd) => {
      socket = new Net.Socket({
        fd,
        readable: true,
        writable: false,
        onread: {
          buffer: sharedBuffer,
          callback: (n: number, buffer: Uint8Array) => {
            if (n >= DEFAULT_PIPE && !grown) {
              grown = true
              grow(fd, BUSY_PIPE)
            }
            onChunk(buffer.subarray(0, n))
            // never false: that would stop reading after the reader may already have resumed it
            return true
          }
        }
      })
      socket.on("error", () => undefined).on("end", onEnd).on("close", onEnd)
      socket.resume()
    },
    pause: () => socket?.pause(),
    resume: () => socket?.resume(),
    destroy: () => socket?.destroy()
  }
  return outputStream(source)
}

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
