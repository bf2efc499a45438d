import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import * as Stream from "effect/Stream"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import * as NodeSpawner from "../../src/process/NodeSpawner.ts"
import { type RawChild, type SpawnRequest, Spawner } from "../../src/process/Spawner.ts"
import { outputSocketsOf } from "../support/OutputSocket.ts"

const request = (script: string, extra: Partial<SpawnRequest> = {}): SpawnRequest => ({
  file: "/bin/sh",
  argv: ["sh", "-c", script],
  env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
  cwd: undefined,
  umask: undefined,
  user: undefined,
  ...extra
})

const text = (stream: Stream.Stream<Uint8Array>) =>
  stream.pipe(
    Stream.runFold(() => "", (acc, chunk: Uint8Array) => acc + Buffer.from(chunk).toString("utf8"))
  )

/** State and parent of a process from /proc (undefined once it is gone). */
const stat = (pid: number): { readonly state: string; readonly parent: number } | undefined => {
  try {
    const [state, parent] = Fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")
    return { state: state!, parent: Number(parent) }
  } catch {
    return undefined
  }
}

/** Running, not a zombie waiting for whichever process reaps it. */
const alive = (pid: number): boolean => {
  const state = stat(pid)?.state
  return state !== undefined && state !== "Z"
}

const parentOf = (pid: number): number => stat(pid)!.parent

/** The output socket of the spawn helper that is `child`'s parent. */
const outputSocket = (child: number): string => {
  const [path, ...more] = outputSocketsOf(parentOf(child))
  expect(more).toEqual([])
  return path!
}

const run = (child: RawChild) =>
  Effect.all([text(child.stdout), text(child.stderr), child.exit], { concurrency: "unbounded" })

describe("NodeSpawner (through the spawn helper)", () => {
  it.live("keeps output written the moment a child starts, on both streams, for many children at once", () =>
    Effect.gen(function*() {
      const spawner = yield* Spawner
      const children = yield* Effect.forEach(
        Array.from({ length: 40 }, (_, i) => i),
        (i) => spawner.spawn(request(`echo out${i}; echo err${i} >&2; exit ${i % 3}`)),
        { concurrency: "unbounded" }
      )
      const results = yield* Effect.forEach(children, run, { concurrency: "unbounded" })
      results.forEach(([out, err, exit], i) => {
        expect(out).toBe(`out${i}\n`)
        expect(err).toBe(`err${i}\n`)
        expect(exit).toEqual({ code: i % 3, signal: null })
      })
    }).pipe(Effect.provide(NodeSpawner.layer)))

  it.live("delivers output larger than the read-ahead whole and in order to a slow reader", () =>
    Effect.gen(function*() {
      const spawner = yield* Spawner
      const child = yield* spawner.spawn(request("seq 1 400000; echo done >&2"))
      // each batch is taken late, so the socket fills past READ_AHEAD, pauses and resumes
      const slow = child.stdout.pipe(Stream.tap(() => Effect.sleep("1 millis")))
      const [out, err, exit] = yield* Effect.all([text(slow), text(child.stderr), child.exit], { concurrency: "unbounded" })
      expect(out.length).toBeGreaterThan(2 * 1024 * 1024)
      expect(out).toBe(Array.from({ length: 400000 }, (_, i) => `${i + 1}\n`).join(""))
      expect(err).toBe("done\n")
      expect(exit).toEqual({ code: 0, signal: null })
    }).pipe(Effect.provide(NodeSpawner.layer)))

  it.live("the callback reader pauses while the consumer has no room, and loses nothing", () =>
    Effect.gen(function*() {
      const spawner = yield* Spawner
      const child = yield* spawner.spawn(request("seq 1 200000"))
      const read: Array<Uint8Array> = []
      let waits = 0
      // no room after every chunk: each one is followed by a pause and a wait for `ready`
      // (a chunk is valid during the call only: the reader reuses its memory)
      yield* child.stdout.readByCallback!((chunk) => read.push(Buffer.from(chunk)) < 0, Effect.sync(() => waits++))
      expect(Buffer.concat(read).toString()).toBe(Array.from({ length: 200000 }, (_, i) => `${i + 1}\n`).join(""))
      expect(waits).toBeGreaterThan(0)
      expect(yield* child.exit).toEqual({ code: 0, signal: null })
    }).pipe(Effect.provide(NodeSpawner.layer)))

  it.live("keeps more output than the read-ahead written before any reader came, and reads on", () =>
    Effect.gen(function*() {
      const spawner = yield* Spawner
      const child = yield* spawner.spawn(request("head -c 3000000 /dev/zero; echo end"))
      yield* Effect.sleep("300 millis")
      let bytes = 0
      let last = ""
      yield* child.stdout.readByCallback!((chunk) => {
        bytes += chunk.length
        last = Buffer.from(chunk.subarray(-4)).toString()
        return true
      }, Effect.void)
      expect(bytes).toBe(3000004)
      expect(last).toBe("end\n")
    }).pipe(Effect.provide(NodeSpawner.layer)))

  it.live("writes stdin, applies umask and cwd, and signals the child's group", () =>
    Effect.gen(function*() {
      const spawner = yield* Spawner
      const echo = yield* spawner.spawn(request("read line; echo \"$line $(umask) $(pwd)\"", { umask: 0o27, cwd: "/tmp" }))
      yield* echo.writeStdin(new TextEncoder().encode("hello\n"))
      const [out, , exit] = yield* run(echo)
      expect(out).toBe("hello 0027 /tmp\n")
      expect(exit).toEqual({ code: 0, signal: null })

      const sleeper = yield* spawner.spawn(request("exec sleep 30"))
      yield* sleeper.kill("SIGTERM", true)
      expect(yield* sleeper.exit).toEqual({ code: null, signal: "SIGTERM" })
    }).pipe(Effect.provide(NodeSpawner.layer)))

  it.live("reports a missing directory as supervisord's spawn error", () =>
    Effect.gen(function*() {
      const spawner = yield* Spawner
      const failure = yield* spawner.spawn(request("true", { cwd: "/nonexistent/dir" })).pipe(Effect.flip)
      expect(failure.message).toBe("couldn't chdir to /nonexistent/dir: ENOENT")
    }).pipe(Effect.provide(NodeSpawner.layer)))

  it.live("without a place for the output socket, every spawn fails with a clear spawn error, and it is logged", () => {
    const logged: Array<string> = []
    const capture = Logger.layer([Logger.make(({ logLevel, message }) => {
      logged.push(`${logLevel} ${String(Array.isArray(message) ? message.join(" ") : message)}`)
    })])
    const notADirectory = `${Os.tmpdir()}/effsup-test-file-${process.pid}`
    Fs.writeFileSync(notADirectory, "")
    const tmpdir = process.env.TMPDIR
    const restore = Effect.sync(() => {
      if (tmpdir === undefined) delete process.env.TMPDIR
      else process.env.TMPDIR = tmpdir
      Fs.rmSync(notADirectory, { force: true })
    })
    return Effect.sync(() => {
      process.env.TMPDIR = notADirectory
    }).pipe(
      Effect.andThen(Effect.gen(function*() {
        const spawner = yield* Spawner
        const failure = yield* spawner.spawn(request("echo never")).pipe(Effect.flip)
        expect(failure.message).toMatch(/^couldn't connect the output of 'sh' to the spawn helper: E[A-Z]+$/)
        expect(logged).toEqual([`Error cannot create the directory of the spawn helper's output socket in ${notADirectory}: ENOTDIR`])
      }).pipe(Effect.provide(NodeSpawner.layer))),
      Effect.provide(capture),
      Effect.ensuring(restore)
    )
  })

  it.live("when the helper dies, its children are killed and reported, it is logged, and the next spawn works", () => {
    const logged: Array<string> = []
    const capture = Logger.layer([Logger.make(({ logLevel, message }) => {
      logged.push(`${logLevel} ${String(Array.isArray(message) ? message.join(" ") : message)}`)
    })])
    return Effect.gen(function*() {
      const spawner = yield* Spawner
      const sleeper = yield* spawner.spawn(request("exec sleep 30"))
      const helper = parentOf(sleeper.pid)
      expect(helper).not.toBe(process.pid)
      process.kill(helper, "SIGKILL")
      expect(yield* sleeper.exit).toEqual({ code: null, signal: "SIGKILL" })
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 100)))
      expect(alive(sleeper.pid)).toBe(false)
      expect(logged).toEqual([`Error spawn helper (pid ${helper}) ended unexpectedly (SIGKILL); its 1 running children were killed`])
      const next = yield* spawner.spawn(request("echo again"))
      expect((yield* run(next))[0]).toBe("again\n")
    }).pipe(Effect.provide(NodeSpawner.layer), Effect.provide(capture))
  })

  it.live("releasing the layer ends the helper, and with it any child still running, and removes the output socket", () =>
    Effect.gen(function*() {
      const [child, helper, socketPath] = yield* Effect.gen(function*() {
        const spawner = yield* Spawner
        const child = yield* spawner.spawn(request("exec sleep 30"))
        expect(Fs.statSync(outputSocket(child.pid)).isSocket()).toBe(true)
        return [child.pid, parentOf(child.pid), outputSocket(child.pid)] as const
      }).pipe(Effect.provide(NodeSpawner.layer))
      const deadline = Date.now() + 5000
      while ((alive(child) || alive(helper)) && Date.now() < deadline) {
        yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 20)))
      }
      expect(alive(child)).toBe(false)
      expect(alive(helper)).toBe(false)
      expect(Fs.existsSync(Path.dirname(socketPath))).toBe(false)
    }))

  it.live("a stranger's connection to the helper's socket does not disturb spawns", () =>
    Effect.gen(function*() {
      const spawner = yield* Spawner
      const sleeper = yield* spawner.spawn(request("exec sleep 30"))
      const stranger = Net.connect(outputSocket(sleeper.pid))
      stranger.on("error", () => undefined)
      const header = Buffer.alloc(8)
      header.writeUInt32LE(999_999, 0)
      header[4] = 1
      stranger.write(Buffer.concat([header, Buffer.from("injected\n")]))
      expect((yield* run(yield* spawner.spawn(request("echo two"))))[0]).toBe("two\n")
      stranger.destroy()
      yield* sleeper.kill("SIGKILL", true)
    }).pipe(Effect.provide(NodeSpawner.layer)))
})
