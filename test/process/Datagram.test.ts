/**
 * Unix datagram sockets through the native addon: a receiver bound to a path gets what a sender
 * (ours, or another process) sends, with the sender's pid; errors come back as errno codes; the
 * scope removes the path.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as Cp from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Datagram from "../../src/process/Datagram.ts"
import { tempDir } from "../support/TempDir.ts"

const text = (d: Datagram.Datagram) => Buffer.from(d.bytes).toString("utf8")

describe("Datagram", () => {
  it.effect("delivers datagrams whole and in order, with the sender's pid, and removes the path at the end", () =>
    Effect.gen(function*() {
      const path = Path.join(tempDir("dgram"), "s.sock")
      yield* Effect.scoped(Effect.gen(function*() {
        const receiver = yield* Datagram.receiver(path)
        const sender = yield* Datagram.sender
        expect(sender.sendUnsafe(path, new TextEncoder().encode("one\ntwo"))).toBeUndefined()
        expect(sender.sendUnsafe(path, new TextEncoder().encode(""))).toBeUndefined()
        expect(sender.sendUnsafe(path, new TextEncoder().encode("three"))).toBeUndefined()
        const got = yield* receiver.datagrams.pipe(Stream.take(3), Stream.runCollect)
        expect(got.map(text)).toEqual(["one\ntwo", "", "three"])
        expect(got.map((d) => d.pid)).toEqual([process.pid, process.pid, process.pid])
        expect(Fs.statSync(path).isSocket()).toBe(true)
      }))
      expect(Fs.existsSync(path)).toBe(false)
    }))

  it.effect("receives from another process and names it", () =>
    Effect.scoped(Effect.gen(function*() {
      const path = Path.join(tempDir("dgram"), "n.sock")
      const receiver = yield* Datagram.receiver(path)
      const script = "import socket,sys; s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.sendto(b'READY=1', sys.argv[1])"
      const child = Cp.spawn("python3", ["-c", script, path], { stdio: "ignore" })
      const [got] = yield* receiver.datagrams.pipe(Stream.take(1), Stream.runCollect)
      expect(text(got!)).toBe("READY=1")
      expect(got!.pid).toBe(child.pid)
    })))

  it.effect("reports a send to nowhere as its errno code, and a bind that cannot be made as a DatagramError", () =>
    Effect.scoped(Effect.gen(function*() {
      const dir = tempDir("dgram")
      const sender = yield* Datagram.sender
      expect(sender.sendUnsafe(Path.join(dir, "none.sock"), new Uint8Array([1]))).toBe("ENOENT")
      Fs.writeFileSync(Path.join(dir, "file"), "")
      expect(sender.sendUnsafe(Path.join(dir, "file"), new Uint8Array([1]))).toBe("ECONNREFUSED")
      expect(sender.sendUnsafe(`${dir}/${"x".repeat(120)}`, new Uint8Array([1]))).toBe("ENAMETOOLONG")
      const error = yield* Effect.flip(Datagram.receiver(Path.join(dir, "missing", "s.sock")))
      expect(error.message).toBe(`bind ${dir}/missing/s.sock: ENOENT (No such file or directory)`)
    })))
})
