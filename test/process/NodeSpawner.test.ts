/**
 * The Spawner contract, run against both implementations on real processes: the native spawner
 * (the addon) and the node:child_process fallback. Then what only the native one does: exec
 * errors with supervisord's texts, user= with the user's groups, and adopting orphans without
 * stealing node:child_process's children.
 */
import { describe, expect, it } from "@effect/vitest"
import { NodeServices } from "@effect/platform-node"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Stream from "effect/Stream"
import * as Cp from "node:child_process"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import { EventBus } from "../../src/events/EventBus.ts"
import * as ChildOutput from "../../src/logs/ChildOutput.ts"
import { loadNativeAddon } from "../../src/process/NativeAddon.ts"
import * as NodeSpawner from "../../src/process/NodeSpawner.ts"
import { type RawChild, type SpawnRequest, Spawner } from "../../src/process/Spawner.ts"
import { tempDir } from "../support/TempDir.ts"

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

/** Whether this process is a child subreaper now (asked through the addon, which leaves it as it was). */
const subreaper = (): boolean => {
  const addon = loadNativeAddon()
  if (addon._tag !== "Loaded") throw new Error(addon.reason)
  const was = addon.addon.setSubreaper(true)
  addon.addon.setSubreaper(was)
  return was
}

const run = (child: RawChild) =>
  Effect.all([text(child.stdout), text(child.stderr), child.exit], { concurrency: "unbounded" })

const sleepMs = (ms: number) => Effect.promise(() => new Promise((resolve) => setTimeout(resolve, ms)))

/** Log lines (`Level message`) captured while `effect` runs. */
const capturing = <A, E>(logged: Array<string>, effect: Effect.Effect<A, E>) =>
  Effect.provide(
    effect,
    Logger.layer([Logger.make(({ logLevel, message }) => {
      logged.push(`${logLevel} ${String(Array.isArray(message) ? message.join(" ") : message)}`)
    })])
  )

/** The fds above 2 this process holds without close-on-exec (the O_CLOEXEC bit of /proc/self/fdinfo's octal flags). */
const inheritable = (): ReadonlyArray<string> =>
  Fs.readdirSync("/proc/self/fd").filter((fd) => {
    try {
      const flags = /^flags:\s+([0-7]+)$/m.exec(Fs.readFileSync(`/proc/self/fdinfo/${fd}`, "utf8"))?.[1]
      return Number(fd) > 2 && flags !== undefined && (parseInt(flags, 8) & 0o2000000) === 0
    } catch {
      return false // the directory's own fd, gone by now
    }
  })

/**
 * Each implementation, and the fds above 2 a child gets besides those it was given: none from the
 * native spawner (it closes everything above 2 at exec, as supervisord does), and from the
 * node:child_process fallback the daemon's own fds that lack close-on-exec (libuv closes nothing;
 * every fd Node opens has it, so these are only fds the daemon inherited).
 */
const implementations: ReadonlyArray<readonly [string, Layer.Layer<Spawner>, () => ReadonlyArray<string>]> = [
  ["native spawner", NodeSpawner.nativeLayer, () => []],
  ["node:child_process spawner", NodeSpawner.childProcessLayer, inheritable]
]

it("the native addon loads on Linux", () => {
  expect(loadNativeAddon()).toMatchObject({ _tag: "Loaded" })
})

it.live("where the addon cannot load, children are started with node:child_process, after one warning that says why", () => {
  const logged: Array<string> = []
  return capturing(
    logged,
    Effect.gen(function*() {
      const spawner = yield* Spawner
      const [out, , exit] = yield* run(yield* spawner.spawn(request("echo fallback")))
      expect([out, exit]).toEqual(["fallback\n", { code: 0, signal: null }])
      expect(logged).toEqual([
        "Warn native spawner unavailable (no build for this test): children are started with node:child_process " +
        "(slower as the daemon grows, and they outlive a killed daemon)"
      ])
    }).pipe(Effect.provide(NodeSpawner.layerFor({ _tag: "Unavailable", reason: "no build for this test" })))
  )
})

for (const [name, layer, leaked] of implementations) {
  describe(`Spawner contract: ${name}`, () => {
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
      }).pipe(Effect.provide(layer)))

    it.live("stderrToStdout: the child's fd 2 is its stdout pipe, so both come through stdout in the order written", () =>
      Effect.gen(function*() {
        const spawner = yield* Spawner
        const script = "echo o1; echo e1 >&2; echo o2; echo e2 >&2; [ \"$(readlink /proc/$$/fd/1)\" = \"$(readlink /proc/$$/fd/2)\" ] && echo same"
        const [out, err, exit] = yield* run(yield* spawner.spawn(request(script, { stderrToStdout: true })))
        expect([out, err, exit]).toEqual(["o1\ne1\no2\ne2\nsame\n", "", { code: 0, signal: null }])
      }).pipe(Effect.provide(layer)))

    it.live("the daemon is the child's parent", () =>
      Effect.gen(function*() {
        const spawner = yield* Spawner
        const child = yield* spawner.spawn(request("echo $PPID"))
        expect(stat(child.pid)?.parent ?? process.pid).toBe(process.pid)
        const [out, , exit] = yield* run(child)
        expect(out).toBe(`${process.pid}\n`)
        expect(exit).toEqual({ code: 0, signal: null })
      }).pipe(Effect.provide(layer)))

    it.live("delivers output larger than the read-ahead whole and in order to a slow reader", () =>
      Effect.gen(function*() {
        const spawner = yield* Spawner
        const child = yield* spawner.spawn(request("seq 1 400000; echo done >&2"))
        // each batch is taken late, so the pipe fills past READ_AHEAD, pauses and resumes
        const slow = child.stdout.pipe(Stream.tap(() => Effect.sleep("1 millis")))
        const [out, err, exit] = yield* Effect.all([text(slow), text(child.stderr), child.exit], { concurrency: "unbounded" })
        expect(out.length).toBeGreaterThan(2 * 1024 * 1024)
        expect(out).toBe(Array.from({ length: 400000 }, (_, i) => `${i + 1}\n`).join(""))
        expect(err).toBe("done\n")
        expect(exit).toEqual({ code: 0, signal: null })
      }).pipe(Effect.provide(layer)))

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
      }).pipe(Effect.provide(layer)))

    it.live("keeps more output than the read-ahead written before any reader came, and reads on", () =>
      Effect.gen(function*() {
        const spawner = yield* Spawner
        const child = yield* spawner.spawn(request("head -c 3000000 /dev/zero; echo end"))
        yield* sleepMs(300)
        let bytes = 0
        let last = ""
        yield* child.stdout.readByCallback!((chunk) => {
          bytes += chunk.length
          last = Buffer.from(chunk.subarray(-4)).toString()
          return true
        }, Effect.void)
        expect(bytes).toBe(3000004)
        expect(last).toBe("end\n")
      }).pipe(Effect.provide(layer)))

    it.live("writes stdin, applies umask and cwd, and signals the child's group", () =>
      Effect.gen(function*() {
        const spawner = yield* Spawner
        const echo = yield* spawner.spawn(request("read line; echo \"$line $(umask) $(pwd)\"", { umask: 0o27, cwd: "/tmp" }))
        yield* echo.writeStdin(new TextEncoder().encode("hello\n"))
        const [out, , exit] = yield* run(echo)
        expect(out).toBe("hello 0027 /tmp\n")
        expect(exit).toEqual({ code: 0, signal: null })
        expect(yield* echo.writeStdin(new TextEncoder().encode("late\n")).pipe(Effect.flip)).toMatchObject({ _tag: "StdinFailure" })

        // a new session and process group: the group signal reaches the shell's own child too
        const tree = yield* spawner.spawn(request("sleep 30 & echo $!; wait"))
        const grandchild = Number((yield* tree.stdout.pipe(Stream.take(1), Stream.runCollect)).map((c) => Buffer.from(c).toString()).join(""))
        expect(Fs.readFileSync(`/proc/${tree.pid}/stat`, "utf8").split(") ")[1]!.split(" ").slice(2, 4)).toEqual([String(tree.pid), String(tree.pid)])
        yield* tree.kill("SIGTERM", true)
        expect(yield* tree.exit).toEqual({ code: null, signal: "SIGTERM" })
        yield* sleepMs(100)
        expect(stat(grandchild)?.state ?? "gone").toMatch(/gone|Z/)
      }).pipe(Effect.provide(layer)))

    it.live("reports a missing directory as supervisord's spawn error", () =>
      Effect.gen(function*() {
        const spawner = yield* Spawner
        const failure = yield* spawner.spawn(request("true", { cwd: "/nonexistent/dir" })).pipe(Effect.flip)
        expect(failure.message).toBe("couldn't chdir to /nonexistent/dir: ENOENT")
      }).pipe(Effect.provide(layer)))

    it.live("a child resets the signals the daemon ignores (SIGPIPE) and blocks none", () =>
      Effect.gen(function*() {
        const spawner = yield* Spawner
        const child = yield* spawner.spawn(request("grep -E '^Sig(Blk|Ign):' /proc/self/status"))
        const [out] = yield* run(child)
        expect(out).toBe("SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n")
      }).pipe(Effect.provide(layer)))

    it.live.skipIf(process.getuid?.() !== 0)("user= runs the child as that user, with the user's supplementary groups", () =>
      Effect.gen(function*() {
        const spawner = yield* Spawner
        const expected = Cp.execFileSync("id", ["-G", "nobody"], { encoding: "utf8" }).trim().split(" ").sort()
        const child = yield* spawner.spawn(request("id -un; id -G", { user: "nobody" }))
        const [out, , exit] = yield* run(child)
        const [user, groups] = out.trim().split("\n")
        expect(user).toBe("nobody")
        expect(groups!.split(" ").sort()).toEqual(expected)
        expect(exit).toEqual({ code: 0, signal: null })
      }).pipe(Effect.provide(layer)))

    it.live("ready=fd:N: the child gets a pipe at fd N and no other fd above 2; what it writes there comes through readyPipe", () =>
      Effect.gen(function*() {
        const spawner = yield* Spawner
        // ls, exec'd by the shell, lists its own fds: the three it was given, fd 5, and 3, its listing of /proc/self/fd
        const listing = yield* spawner.spawn(request("exec ls /proc/self/fd", { readyFd: 5 }))
        const [fds, , listed] = yield* run(listing)
        expect(fds.trim().split("\n").sort()).toEqual(["0", "1", "2", "3", "5", ...leaked()].sort())
        expect(listed).toEqual({ code: 0, signal: null })
        const child = yield* spawner.spawn(request("printf 'up\\n' >&5; echo done", { readyFd: 5 }))
        expect(child.readyPipe).toBeDefined()
        const [ready, [out, , exit]] = yield* Effect.all([text(child.readyPipe!), run(child)], { concurrency: "unbounded" })
        expect([ready, out, exit]).toEqual(["up\n", "done\n", { code: 0, signal: null }])
        const plain = yield* spawner.spawn(request("true"))
        expect(plain.readyPipe).toBeUndefined()
        yield* run(plain)
      }).pipe(Effect.provide(layer)))
  })
}

describe("fcgi-program sockets", () => {
  const ask = (path: string) =>
    Effect.promise(() =>
      new Promise<string>((resolve, reject) => {
        let answer = ""
        Net.connect(path).on("data", (d) => (answer += String(d))).on("end", () => resolve(answer)).on("error", reject)
      })
    )
  const ACCEPTOR = Path.resolve(import.meta.dirname, "../fixtures/fds/acceptor.py")

  it.live("native: a unix socket with its mode is every child's fd 0; the scope's end closes it and removes its file", () =>
    Effect.gen(function*() {
      const spawner = yield* Spawner
      const path = Path.join(tempDir("fcgi"), "app.sock")
      Fs.writeFileSync(path, "left over") // replaced, as supervisord does
      const socket = { _tag: "Unix", url: `unix://${path}`, path, mode: 0o640, owner: undefined, backlog: 5 } as const
      yield* Effect.scoped(Effect.gen(function*() {
        const listening = yield* spawner.listen(socket)
        expect(Fs.statSync(path).isSocket()).toBe(true)
        expect(Fs.statSync(path).mode & 0o777).toBe(0o640)
        const child = yield* spawner.spawn({ ...request(""), file: "/usr/bin/python3", argv: ["python3", ACCEPTOR], stdinFd: listening.fd })
        const [pid, inode] = (yield* ask(path)).trim().split(" ").map(Number)
        expect(pid).toBe(child.pid)
        expect(inode).toBe(Fs.fstatSync(listening.fd).ino)
        // ls, exec'd by the shell, lists its own fds: the three it was given and 3, its listing of /proc/self/fd
        const [listing] = yield* run(yield* spawner.spawn(request("readlink /proc/self/fd/0; exec ls /proc/self/fd", { stdinFd: listening.fd })))
        expect(listing).toBe(`socket:[${inode}]\n0\n1\n2\n3\n`)
        expect((yield* Effect.flip(child.writeStdin(new Uint8Array([10])))).message).toBe("EBADF")
        yield* child.kill("SIGTERM", false)
        expect(yield* child.exit).toEqual({ code: null, signal: "SIGTERM" })
      }))
      expect(Fs.existsSync(path)).toBe(false)
    }).pipe(Effect.provide(NodeSpawner.nativeLayer)))

  it.live.skipIf(process.getuid?.() !== 0)("native: socket_owner (a user and a group, by name or id) owns the socket file", () =>
    Effect.gen(function*() {
      const spawner = yield* Spawner
      const path = Path.join(tempDir("fcgi"), "owned.sock")
      const nobody = Cp.execFileSync("id", ["-u", "nobody"], { encoding: "utf8" }).trim()
      const nogroup = Cp.execFileSync("getent", ["group", "nogroup"], { encoding: "utf8" }).split(":")[2]!
      const owned = (owner: { readonly user: string; readonly group: string | undefined }) =>
        Effect.scoped(Effect.gen(function*() {
          yield* spawner.listen({ _tag: "Unix", url: `unix://${path}`, path, mode: 0o700, owner, backlog: undefined })
          const st = Fs.statSync(path)
          return [st.uid, st.gid]
        }))
      expect(yield* owned({ user: "nobody", group: "nogroup" })).toEqual([Number(nobody), Number(nogroup)])
      expect(yield* owned({ user: nobody, group: undefined })).toEqual([Number(nobody), 0]) // the group unchanged
      const unknown = yield* Effect.flip(owned({ user: "nobody", group: "no-such-group-here" }))
      expect(unknown.message).toBe("Invalid user:group definition nobody:no-such-group-here")
    }).pipe(Effect.provide(NodeSpawner.nativeLayer)))

  it.live("native: a tcp port in use fails with supervisord's OSError text; the fallback cannot make sockets and says why", () =>
    Effect.gen(function*() {
      const server = Net.createServer()
      const port = yield* Effect.promise(() => new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as Net.AddressInfo).port))))
      try {
        const tcp = { _tag: "Tcp", url: `tcp://127.0.0.1:${port}`, host: "127.0.0.1", port, backlog: undefined } as const
        const busy = yield* Effect.scoped(Effect.flatMap(Spawner, (s) => s.listen(tcp))).pipe(Effect.flip, Effect.provide(NodeSpawner.nativeLayer))
        expect(busy.message).toBe("[Errno 98] Address already in use")
        const unknown = { ...tcp, host: "no-such-host.invalid" }
        const unresolved = yield* Effect.scoped(Effect.flatMap(Spawner, (s) => s.listen(unknown))).pipe(Effect.flip, Effect.provide(NodeSpawner.nativeLayer))
        expect(unresolved.message).toMatch(/^\[Errno -\d+\] /)
        const fallback = yield* Effect.scoped(Effect.flatMap(Spawner, (s) => s.listen(tcp))).pipe(Effect.flip, Effect.provide(NodeSpawner.childProcessLayer))
        expect(fallback.message).toBe("fcgi-program sockets need effsup's native spawner, which did not load here")
      } finally {
        server.close()
      }
    }))
})

describe("native spawner only", () => {
  it("growFdTable grows the fd table at once (FDSize), leaves no fd open and stops at the fd limit", () => {
    const native = loadNativeAddon()
    if (native._tag !== "Loaded") throw new Error(`the addon must load here: ${native._tag}`)
    const fdSize = () => Number(/^FDSize:\s+(\d+)/m.exec(Fs.readFileSync("/proc/self/status", "latin1"))![1])
    const open = () => Fs.readdirSync("/proc/self/fd").length
    const want = Math.max(fdSize(), 64) * 4
    const before = open()
    expect(native.addon.growFdTable(want)).toBe(want)
    expect(fdSize()).toBeGreaterThanOrEqual(want)
    expect(open()).toBe(before)
    // at the limit: in a child under `prlimit --nofile=200`, not here (a table of a million fds)
    const addonModule = Path.resolve(import.meta.dirname, "../../src/process/NativeAddon.ts")
    const script = `const { loadNativeAddon } = await import(${JSON.stringify(addonModule)}); process.stdout.write(String(loadNativeAddon().addon.growFdTable(2 ** 31)))`
    const capped = Cp.spawnSync("prlimit", ["--nofile=200:200", process.execPath, "--input-type=module", "-e", script], { encoding: "utf8" })
    expect(capped.stdout).toBe("200")
  })

  it("growFdTable in the background returns at once and grows the table meanwhile, leaving no fd open", () => {
    // in a process of its own, where nothing else opens or closes fds meanwhile
    const addonModule = Path.resolve(import.meta.dirname, "../../src/process/NativeAddon.ts")
    const script = `
      import * as Fs from "node:fs"
      const { loadNativeAddon } = await import(${JSON.stringify(addonModule)})
      const addon = loadNativeAddon().addon
      const fdSize = () => Number(/^FDSize:\\s+(\\d+)/m.exec(Fs.readFileSync("/proc/self/status", "latin1"))[1])
      const open = () => Fs.readdirSync("/proc/self/fd").length
      const want = Math.max(fdSize(), 64) * 4
      const before = open()
      const returned = addon.growFdTable(want, true)
      const deadline = Date.now() + 10000
      while ((fdSize() < want || open() !== before) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5))
      const result = JSON.stringify({ returned, grown: fdSize() >= want, open: open() - before })
      process.stdout.write(result)`
    const child = Cp.spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" })
    expect(JSON.parse(child.stdout)).toEqual({ returned: 0, grown: true, open: 0 })
  })

  it.live("reports exec failures and unknown users with supervisord's texts", () =>
    Effect.gen(function*() {
      const spawner = yield* Spawner
      const notExecutable = Path.join(Os.tmpdir(), `effsup-noexec-${process.pid}`)
      Fs.writeFileSync(notExecutable, "#!/bin/sh\n", { mode: 0o644 })
      try {
        const failure = yield* spawner.spawn({ ...request(""), file: notExecutable, argv: ["noexec"] }).pipe(Effect.flip)
        expect(failure.message).toBe("couldn't exec noexec: EACCES")
      } finally {
        Fs.rmSync(notExecutable, { force: true })
      }
      const unknown = yield* spawner.spawn(request("true", { user: "no-such-user-here" })).pipe(Effect.flip)
      expect(unknown.message).toBe("couldn't setuid to no-such-user-here: Can't find username 'no-such-user-here'")
      const unknownId = yield* spawner.spawn(request("true", { user: "4000000" })).pipe(Effect.flip)
      expect(unknownId.message).toBe("couldn't setuid to 4000000: Can't find uid 4000000")
    }).pipe(Effect.provide(NodeSpawner.nativeLayer)))

  it.live("spawns in flight together each hear their own child: exec'd ones their output, failed ones their own failure", () =>
    Effect.gen(function*() {
      const spawner = yield* Spawner
      const missing = Path.join(Os.tmpdir(), `effsup-missing-${process.pid}`)
      const outcomes = yield* Effect.forEach(
        Array.from({ length: 60 }, (_, i) => i),
        (i) =>
          spawner.spawn(request(`echo child${i}`, i % 3 === 0 ? { cwd: `${missing}/${i}` } : {})).pipe(
            Effect.flatMap(run),
            Effect.map(([out, , exit]) => `${out.trim()} ${exit.code}`),
            Effect.catch((failure) => Effect.succeed(failure.message))
          ),
        { concurrency: "unbounded" }
      )
      outcomes.forEach((outcome, i) =>
        expect(outcome).toBe(i % 3 === 0 ? `couldn't chdir to ${missing}/${i}: ENOENT` : `child${i} 0`))
    }).pipe(Effect.provide(NodeSpawner.nativeLayer)))

  it.live("a spawn interrupted before its child has exec'd leaves no child running", () =>
    Effect.gen(function*() {
      const spawner = yield* Spawner
      const marker = `effsup-interrupted-${process.pid}-${Date.now()}`
      const marked = () =>
        Fs.readdirSync("/proc").filter((pid) => {
          try {
            return /^\d+$/.test(pid) && Fs.readFileSync(`/proc/${pid}/environ`, "latin1").includes(marker)
          } catch {
            return false
          }
        })
      for (let i = 0; i < 5; i++) {
        // runFork runs the spawn up to its wait for the child's report: the child is made, not yet heard from
        const fiber = Effect.runFork(spawner.spawn(request("exec sleep 30", { env: { PATH: "/usr/bin:/bin", EFFSUP_MARK: marker } })))
        yield* Fiber.interrupt(fiber)
      }
      yield* sleepMs(500)
      expect(marked()).toEqual([])
    }).pipe(Effect.provide(NodeSpawner.nativeLayer)))

  it.live("a child gets its three stdio fds and none of the daemon's, however many it holds (even ones it inherited without close-on-exec)", () =>
    Effect.gen(function*() {
      const spawner = yield* Spawner
      const held = Array.from({ length: 2000 }, () => Fs.openSync("/dev/null", "r"))
      try {
        // ls, exec'd by the shell, lists its own fds: the three it was given, and 3, its listing of /proc/self/fd
        const child = yield* spawner.spawn(request("exec ls /proc/self/fd"))
        const [out, , exit] = yield* run(child)
        expect(out).toBe("0\n1\n2\n3\n")
        expect(exit).toEqual({ code: 0, signal: null })
      } finally {
        for (const fd of held) Fs.closeSync(fd)
      }
    }).pipe(Effect.provide(NodeSpawner.nativeLayer)))

  /** Drain a child's stdout (and its stderr, with `both`) into log files in a fresh dir, then read them. */
  const logOf = (script: string, maxBytes: number, both: boolean) =>
    Effect.gen(function*() {
      const spawner = yield* Spawner
      const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "effsup-move-"))
      try {
        const channel = { logfile: { _tag: "Auto" as const }, logfileMaxbytes: maxBytes, logfileBackups: 10, captureMaxbytes: 0, eventsEnabled: false, syslog: false }
        yield* Effect.scoped(Effect.gen(function*() {
          const output = yield* ChildOutput.make({
            processName: "w", groupName: "w", stdoutLog: `${dir}/out.log`, stderrLog: both ? `${dir}/out.log` : undefined,
            stdout: channel, stderr: channel, stripAnsi: false
          })
          const child = yield* spawner.spawn(request(script))
          yield* sleepMs(50) // some output waits in the read-ahead before the drain comes
          yield* Effect.all([
            output.drain("stdout", child.pid, child.stdout),
            both ? output.drain("stderr", child.pid, child.stderr) : Effect.void
          ], { concurrency: "unbounded" })
          expect(yield* child.exit).toEqual({ code: 0, signal: null })
        }))
        const files = ["out.log", ...Array.from({ length: 10 }, (_, i) => `out.log.${i + 1}`)].filter((f) => Fs.existsSync(`${dir}/${f}`)).reverse()
        const texts = files.map((f) => Fs.readFileSync(`${dir}/${f}`, "utf8"))
        // oldest first, the file still written last
        return { sizes: texts.map((t) => t.length), text: texts.join("") }
      } finally {
        Fs.rmSync(dir, { recursive: true, force: true })
      }
    }).pipe(Effect.provide(Layer.mergeAll(NodeSpawner.nativeLayer, NodeServices.layer, EventBus.layer)))

  const numbers = Array.from({ length: 600000 }, (_, i) => `${i + 1}\n`).join("")

  it.live("moves a child's output into its log file: early bytes first, every byte in order, to the end", () =>
    Effect.gen(function*() {
      const { sizes, text } = yield* logOf("seq 1 600000", 0, false)
      expect(sizes.length).toBe(1)
      expect(text.length).toBe(numbers.length)
      expect(text === numbers).toBe(true)
    }))

  it.live("moves across rotations: every byte in order over the backups", () =>
    Effect.gen(function*() {
      const { sizes, text } = yield* logOf("seq 1 600000", 1_000_000, false)
      // rotated at 1 000 000 bytes, each file at most one read (≤ 1 MiB) beyond: how many depends on the reads
      expect(sizes.length).toBeGreaterThanOrEqual(2)
      for (const size of sizes.slice(0, -1)) {
        expect(size).toBeGreaterThanOrEqual(1_000_000)
        expect(size).toBeLessThan(1_000_000 + 1024 * 1024)
      }
      expect(text.length).toBe(numbers.length)
      expect(text === numbers).toBe(true)
    }))

  it.live("stdout and stderr moved and written into one file at once lose and repeat nothing", () =>
    Effect.gen(function*() {
      const { text } = yield* logOf("yes oooo | head -n 200000 & yes eeee | head -n 200000 >&2; wait", 0, true)
      const count = (c: string) => text.split(c).length - 1
      expect([count("o"), count("e"), count("\n"), text.length]).toEqual([800000, 800000, 400000, 2000000])
    }))

  it.live("left behind: asked together for two stopped children, each hears only what is left of its own session", () =>
    Effect.gen(function*() {
      const spawner = yield* Spawner
      // each shell leaves a background sleep in its session and exits; the sleeps are adopted
      const leave = (seconds: string) => spawner.spawn(request(`sleep ${seconds} >/dev/null 2>&1 & echo $!`))
      const [a, b] = yield* Effect.all([leave("30.1"), leave("30.2")])
      const [[outA], [outB]] = yield* Effect.all([run(a!), run(b!)], { concurrency: "unbounded" })
      const [left, right] = yield* Effect.all([spawner.leftBehind!(a!.pid), spawner.leftBehind!(b!.pid)], { concurrency: "unbounded" })
      try {
        expect([left, right]).toEqual([[Number(outA.trim())], [Number(outB.trim())]])
      } finally {
        for (const pid of [outA, outB]) process.kill(Number(pid.trim()), "SIGKILL")
      }
    }).pipe(Effect.provide(NodeSpawner.nativeLayer)))

  it.live("adopts and reaps the orphans of its children, and never takes node:child_process's children from it", () => {
    const logged: Array<string> = []
    return capturing(
      logged,
      Effect.gen(function*() {
        const spawner = yield* Spawner
        // the shell exits at once; its background sleeps become orphans, adopted by the daemon
        const parent = yield* spawner.spawn(request("for i in 1 2 3; do sleep 0.5 >/dev/null 2>&1 & echo $!; done"))
        const [out, , exit] = yield* run(parent)
        expect(exit).toEqual({ code: 0, signal: null })
        const orphans = out.trim().split("\n").map(Number)
        for (const pid of orphans) expect(stat(pid)?.parent).toBe(process.pid)
        // meanwhile, children of node:child_process exit too, and each must still be reported to its owner
        const codes = yield* Effect.promise(() =>
          Promise.all(Array.from({ length: 30 }, (_, i) =>
            new Promise<number | null>((resolve) => {
              Cp.spawn("/bin/sh", ["-c", `sleep 0.${i % 5}; exit ${i % 7}`]).once("exit", (code) => resolve(code))
            })))
        )
        expect(codes).toEqual(Array.from({ length: 30 }, (_, i) => i % 7))
        const deadline = Date.now() + 5000
        while (orphans.some((pid) => stat(pid) !== undefined) && Date.now() < deadline) yield* sleepMs(20)
        for (const pid of orphans) expect(stat(pid)).toBeUndefined()
        for (const pid of orphans) expect(logged).toContain(`Info reaped unknown pid ${pid} (exit status 0)`)
        expect(subreaper()).toBe(true)
      }).pipe(Effect.provide(NodeSpawner.nativeLayer), Effect.andThen(Effect.sync(() => expect(subreaper()).toBe(false))))
    )
  })
})
