/**
 * Unix datagram sockets (AF_UNIX, SOCK_DGRAM), which Node lacks, through the native addon
 * (native/dgram.c): a scoped `Sender` for fire-and-forget datagrams (syslog to /dev/log), and a
 * scoped `Receiver` bound to a path whose datagrams arrive as a Stream, each with its sender's pid
 * (sd_notify's NOTIFY_SOCKET), possibly in a fresh private directory.
 *
 * Invariants: nothing blocks the event loop: a send to a full socket fails at once with EAGAIN
 * (or ENOBUFS) and the caller decides; receiving is driven by a uv_poll watch on the fd. Closing
 * the scope closes the fd and, for a receiver, removes its path.
 *
 * Gotchas: without the addon (not Linux, nothing built) every constructor fails with a
 * DatagramError saying so; there is no fallback.
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { describeErrno, systemErrorText } from "../domain/Errno.ts"
import type { DatagramSender } from "../logs/Syslog.ts"
import { loadNativeAddon, type NativeAddon } from "./NativeAddon.ts"

/** A datagram socket could not be made, bound or used: `what` failed (`bind /run/x.sock`) because of `reason`. */
export class DatagramError extends Data.TaggedError("DatagramError")<{ readonly what: string; readonly reason: string }> {
  override get message(): string {
    return `${this.what}: ${this.reason}`
  }
}

const errnoNames = new Map(Object.entries(Os.constants.errno).map(([name, number]) => [number, name]))

/** The errno code (`ENOENT`) of a negative errno from the addon. */
const errnoName = (negative: number): string => errnoNames.get(-negative) ?? `E${-negative}`

/** The addon, or a DatagramError naming why it is not there. */
const addon = (what: string): Effect.Effect<NativeAddon, DatagramError> =>
  Effect.suspend(() => {
    const load = loadNativeAddon()
    if (load._tag === "Unavailable") {
      return Effect.fail(new DatagramError({ what, reason: `unix datagram sockets need effsup's native addon, which did not load (${load.reason})` }))
    }
    if (typeof load.addon.dgramSocket !== "function") {
      return Effect.fail(new DatagramError({ what, reason: "the native addon has no datagram sockets (rebuild it: npm run build:native)" }))
    }
    return Effect.succeed(load.addon)
  })

/** A fresh socket, closed with the scope. */
const socket = (native: NativeAddon, what: string): Effect.Effect<number, DatagramError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.suspend(() => {
      const fd = native.dgramSocket()
      return fd < 0 ? Effect.fail(new DatagramError({ what, reason: describeErrno(errnoName(fd)) })) : Effect.succeed(fd)
    }),
    (fd) => Effect.sync(() => Fs.closeSync(fd))
  )

/** Sends datagrams from one unbound socket (the shape syslog asks for). */
export type Sender = DatagramSender

/** A sender whose socket lives as long as the scope. */
export const sender: Effect.Effect<Sender, DatagramError, Scope.Scope> = Effect.gen(function*() {
  const native = yield* addon("datagram socket")
  const fd = yield* socket(native, "datagram socket")
  return {
    sendUnsafe: (path, bytes) => {
      const sent = native.dgramSend(fd, path, bytes)
      return sent < 0 ? errnoName(sent) : undefined
    }
  }
})

/** One received datagram and the pid of the process that sent it (0 when the kernel did not say). */
export interface Datagram {
  readonly bytes: Uint8Array
  readonly pid: number
}

/** A socket bound to a path. */
export interface Receiver {
  readonly path: string
  /** The datagrams as they arrive (one consumer at a time); it ends only with the scope. */
  readonly datagrams: Stream.Stream<Datagram>
}

/** The largest datagram kept whole (sd_notify messages are far smaller; a longer one is cut). */
const MAX_DATAGRAM = 64 * 1024

/**
 * A socket bound to `path` (a stale socket file there is replaced), with the senders' pids; the
 * scope closes it and removes the path. Datagrams sent before `datagrams` is read wait in the kernel.
 */
export const receiver = (path: string): Effect.Effect<Receiver, DatagramError, Scope.Scope> =>
  Effect.gen(function*() {
    const what = `bind ${path}`
    const native = yield* addon(what)
    const fd = yield* socket(native, what)
    yield* Effect.acquireRelease(
      Effect.suspend(() => {
        Fs.rmSync(path, { force: true })
        const bound = native.dgramBind(fd, path)
        return bound < 0 ? Effect.fail(new DatagramError({ what, reason: describeErrno(errnoName(bound)) })) : Effect.void
      }),
      () => Effect.sync(() => Fs.rmSync(path, { force: true }))
    )
    const buffer = new Uint8Array(MAX_DATAGRAM)
    const datagrams = Stream.callback<Datagram>((queue) =>
      Effect.acquireRelease(
        Effect.sync(() =>
          native.watch(fd, () => {
            for (;;) {
              const got = native.dgramReceive(fd, buffer)
              if (typeof got === "number") return // EAGAIN: all read (any other error: nothing to read either)
              Queue.offerUnsafe(queue, { bytes: buffer.slice(0, got[0]), pid: got[1] })
            }
          })
        ),
        (watch) => Effect.sync(() => native.watchClose(watch))
      )
    )
    return { path, datagrams }
  })

/**
 * A receiver at `name` in a fresh directory under the temp dir (`prefix` + random), which the
 * scope removes: the directory is mode 0711 (it cannot be listed, so only those told the path
 * know it) and the socket 0666 (a child running as another user can send to it).
 */
export const privateReceiver = (prefix: string, name: string): Effect.Effect<Receiver, DatagramError, Scope.Scope> =>
  Effect.gen(function*() {
    const dir = yield* Effect.acquireRelease(
      Effect.try({
        try: () => {
          const made = Fs.mkdtempSync(Path.join(Os.tmpdir(), prefix))
          Fs.chmodSync(made, 0o711)
          return made
        },
        catch: (e) => new DatagramError({ what: `make a directory for ${name} in ${Os.tmpdir()}`, reason: systemErrorText(e) })
      }),
      (made) => Effect.sync(() => Fs.rmSync(made, { recursive: true, force: true }))
    )
    const bound = yield* receiver(Path.join(dir, name))
    Fs.chmodSync(bound.path, 0o666)
    return bound
  })
