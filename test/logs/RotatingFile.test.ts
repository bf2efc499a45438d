import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, FileSystem, Logger, Scope } from "effect"
import * as Cp from "node:child_process"
import * as Fs from "node:fs"
import * as RotatingFile from "../../src/logs/RotatingFile.ts"

const enc = new TextEncoder()
const text = (s: string) => enc.encode(s)

/** Names and contents of every file in `dir`, sorted by name. */
const listing = (dir: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const out: Record<string, string> = {}
    for (const f of (yield* fs.readDirectory(dir)).sort()) out[f] = yield* fs.readFileString(`${dir}/${f}`)
    return out
  })

const withDir = <A, E>(f: (dir: string) => Effect.Effect<A, E, Scope.Scope | FileSystem.FileSystem>) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    return yield* f(yield* fs.makeTempDirectoryScoped())
  }).pipe(Effect.scoped, Effect.provide(NodeServices.layer))

describe("rotationRenames", () => {
  it("moves the oldest first and the live file last", () => {
    assert.deepStrictEqual(RotatingFile.rotationRenames("f", 3), [["f.2", "f.3"], ["f.1", "f.2"], ["f", "f.1"]])
    assert.deepStrictEqual(RotatingFile.rotationRenames("f", 1), [["f", "f.1"]])
    assert.deepStrictEqual(RotatingFile.rotationRenames("f", 0), [])
  })
})

describe("RotatingFile", () => {
  it.effect("rotates after the write that reaches maxBytes, dropping the oldest backup", () =>
    withDir((dir) =>
      Effect.gen(function*() {
        const log = yield* RotatingFile.make(`${dir}/web.log`, { maxBytes: 20, backups: 2 })
        for (let i = 0; i < 6; i++) yield* log.write(text(`line ${i}......\n`))
        yield* log.flush
        assert.deepStrictEqual(yield* listing(dir), {
          "web.log": "",
          "web.log.1": "line 4......\nline 5......\n",
          "web.log.2": "line 2......\nline 3......\n"
        })
        yield* log.write(text("x"))
        yield* log.flush
        assert.strictEqual((yield* listing(dir))["web.log"], "x")
      })
    ))

  it.effect("backups=0 truncates in place", () =>
    withDir((dir) =>
      Effect.gen(function*() {
        const log = yield* RotatingFile.make(`${dir}/a.log`, { maxBytes: 10, backups: 0 })
        yield* log.write(text("12345"))
        yield* log.write(text("67890"))
        yield* log.write(text("abc"))
        yield* log.flush
        assert.deepStrictEqual(yield* listing(dir), { "a.log": "abc" })
      })
    ))

  it.effect("a single write larger than maxBytes lands whole in one file", () =>
    withDir((dir) =>
      Effect.gen(function*() {
        const log = yield* RotatingFile.make(`${dir}/a.log`, { maxBytes: 5, backups: 3 })
        yield* log.write(text("ab"))
        yield* log.write(text("0123456789abcdef"))
        yield* log.write(text("z"))
        yield* log.flush
        assert.deepStrictEqual(yield* listing(dir), { "a.log": "z", "a.log.1": "ab0123456789abcdef" })
      })
    ))

  it.effect("an existing file is appended to and its size counts", () =>
    withDir((dir) =>
      Effect.gen(function*() {
        const fs = yield* FileSystem.FileSystem
        yield* fs.writeFileString(`${dir}/a.log`, "old-")
        const log = yield* RotatingFile.make(`${dir}/a.log`, { maxBytes: 6, backups: 1 })
        yield* log.write(text("new"))
        yield* log.write(text("!"))
        yield* log.flush
        assert.deepStrictEqual(yield* listing(dir), { "a.log": "!", "a.log.1": "old-new" })
      })
    ))

  it.effect("loses and reorders nothing across many rotations and at scope close", () =>
    withDir((dir) =>
      Effect.gen(function*() {
        const fs = yield* FileSystem.FileSystem
        const maxBytes = 4096
        const backups = 100
        const chunks: Array<Uint8Array> = []
        let seed = 7
        for (let i = 0; i < 1500; i++) {
          seed = (seed * 1103515245 + 12345) % 2147483648
          chunks.push(text(`<${i}:${"x".repeat(seed % 400)}>`))
        }
        const scope = yield* Scope.make()
        const log = yield* RotatingFile.make(`${dir}/a.log`, { maxBytes, backups }).pipe(Scope.provide(scope))
        for (const [i, c] of chunks.entries()) {
          if (i % 3 === 0) log.writeUnsafe(c)
          else yield* log.write(c)
        }
        yield* Scope.close(scope, Exit.void) // no explicit flush: closing must write everything
        const names = (yield* fs.readDirectory(dir)).filter((f) => f !== "a.log")
        assert.isAbove(names.length, 50)
        assert.isBelow(names.length, backups)
        let all = ""
        for (let i = names.length; i >= 1; i--) {
          const part = yield* fs.readFileString(`${dir}/a.log.${i}`)
          // every rotated file reached maxBytes with its last chunk, and not before it
          assert.isAtLeast(part.length, maxBytes)
          const lastChunk = part.slice(part.lastIndexOf("<"))
          assert.isBelow(part.length - lastChunk.length, maxBytes)
          all += part
        }
        all += yield* fs.readFileString(`${dir}/a.log`)
        assert.strictEqual(all, new TextDecoder().decode(Buffer.concat(chunks)))
      })
    ))

  it.effect("reopenIfReplaced reopens a path deleted or moved since it was opened, and only then", () =>
    withDir((dir) =>
      Effect.gen(function*() {
        const fs = yield* FileSystem.FileSystem
        const log = yield* RotatingFile.make(`${dir}/a.log`, { maxBytes: 0, backups: 0 })
        yield* log.write(text("one"))
        yield* log.flush
        // deleted, also right after the open: made again
        yield* fs.remove(`${dir}/a.log`)
        yield* log.reopenIfReplaced
        yield* log.write(text("two"))
        yield* log.flush
        assert.deepStrictEqual(yield* listing(dir), { "a.log": "two" })
        // unchanged: kept
        yield* log.reopenIfReplaced
        yield* log.reopenIfReplaced
        yield* log.write(text("-same"))
        yield* log.flush
        assert.deepStrictEqual(yield* listing(dir), { "a.log": "two-same" })
        // moved away (logrotate without a signal): the path is made anew
        yield* fs.rename(`${dir}/a.log`, `${dir}/a.log.old`)
        yield* log.reopenIfReplaced
        yield* log.write(text("three"))
        yield* log.flush
        assert.deepStrictEqual(yield* listing(dir), { "a.log": "three", "a.log.old": "two-same" })
      })
    ))

  it.effect("reopen follows the path after an external rename; clear deletes only the file", () =>
    withDir((dir) =>
      Effect.gen(function*() {
        const fs = yield* FileSystem.FileSystem
        const log = yield* RotatingFile.make(`${dir}/a.log`, { maxBytes: 0, backups: 3 })
        yield* fs.writeFileString(`${dir}/a.log.1`, "backup")
        yield* log.write(text("one"))
        yield* log.flush
        yield* fs.rename(`${dir}/a.log`, `${dir}/moved`)
        log.writeUnsafe(text("-two")) // still the old fd
        yield* log.reopen
        yield* log.write(text("three"))
        yield* log.flush
        assert.deepStrictEqual(yield* listing(dir), { "a.log": "three", "a.log.1": "backup", "moved": "one-two" })
        yield* log.write(text("four"))
        yield* log.clear
        yield* log.write(text("five"))
        yield* log.flush
        assert.deepStrictEqual(yield* listing(dir), { "a.log": "five", "a.log.1": "backup", "moved": "one-two" })
      })
    ))

  it.effect("a live file deleted behind its back is recreated at the next rotation, without an error", () => {
    const logged: Array<unknown> = []
    return withDir((dir) =>
      Effect.gen(function*() {
        const fs = yield* FileSystem.FileSystem
        const log = yield* RotatingFile.make(`${dir}/a.log`, { maxBytes: 10, backups: 2 })
        yield* log.write(text("12345"))
        yield* log.flush
        yield* fs.remove(`${dir}/a.log`)
        yield* log.write(text("67890")) // into the unlinked file, then rotation finds no a.log
        yield* log.write(text("new"))
        yield* log.flush
        assert.deepStrictEqual(yield* listing(dir), { "a.log": "new" })
        assert.deepStrictEqual(logged, [])
      })
    ).pipe(Effect.provide(Logger.layer([Logger.make(({ message }) => logged.push(message))])))
  })

  it.effect("creates with the given mode (AUTO logs are 0600)", () =>
    withDir((dir) =>
      Effect.gen(function*() {
        const fs = yield* FileSystem.FileSystem
        yield* RotatingFile.make(`${dir}/a.log`, { maxBytes: 0, backups: 0, mode: 0o600 })
        assert.strictEqual((yield* fs.stat(`${dir}/a.log`)).mode & 0o777, 0o600)
      })
    ))

  it.effect("never rotates a non-regular file", () =>
    withDir((dir) =>
      Effect.gen(function*() {
        const log = yield* RotatingFile.make("/dev/null", { maxBytes: 4, backups: 2 })
        for (let i = 0; i < 5; i++) yield* log.write(text("123456"))
        yield* log.flush
        assert.deepStrictEqual(yield* listing(dir), {})
      })
    ))

  it.effect("never rotates through a symlink (it would rename the link, e.g. /dev/stdout)", () =>
    withDir((dir) =>
      Effect.gen(function*() {
        const fs = yield* FileSystem.FileSystem
        yield* fs.writeFileString(`${dir}/real.log`, "")
        yield* fs.symlink(`${dir}/real.log`, `${dir}/link.log`)
        const log = yield* RotatingFile.make(`${dir}/link.log`, { maxBytes: 4, backups: 2 })
        for (let i = 0; i < 3; i++) yield* log.write(text("123456"))
        yield* log.flush
        assert.deepStrictEqual(yield* listing(dir), { "link.log": "123456".repeat(3), "real.log": "123456".repeat(3) })
        assert.strictEqual((yield* fs.lstat(`${dir}/link.log`)).type, "SymbolicLink")
      })
    ))

  it.effect("appends to a regular file at once when nothing is queued; later writes wait behind a queued rotation", () =>
    withDir((dir) =>
      Effect.gen(function*() {
        const log = yield* RotatingFile.make(`${dir}/a.log`, { maxBytes: 6, backups: 1 })
        assert.isTrue(log.writeUnsafe(text("abc")))
        assert.strictEqual(Fs.readFileSync(`${dir}/a.log`, "utf8"), "abc") // no flush needed
        log.writeUnsafe(text("def")) // reaches maxBytes: the rotation is queued for the writer…
        log.writeUnsafe(text("g")) // …and this waits behind it
        yield* log.flush
        assert.deepStrictEqual(yield* listing(dir), { "a.log": "g", "a.log.1": "abcdef" })
      })
    ))

  it.effect("a pipe is written by the writer: writes wait when too much is queued, and all arrive in order", () =>
    withDir((dir) =>
      Effect.gen(function*() {
        const fifo = `${dir}/pipe`
        Cp.execFileSync("mkfifo", [fifo])
        const reader = Cp.spawn("sh", ["-c", `cat ${fifo} > ${dir}/out`])
        const done = Effect.callback<void>((resume) => void reader.once("exit", () => resume(Effect.void)))
        const chunks = Array.from({ length: 40 }, (_, i) => new Uint8Array(256 * 1024).fill(65 + i))
        const scope = yield* Scope.make()
        const log = yield* RotatingFile.make(fifo, { maxBytes: 0, backups: 0 }).pipe(Scope.provide(scope))
        const rooms: Array<boolean> = []
        for (const chunk of chunks) {
          rooms.push(log.writeUnsafe(chunk))
          yield* log.ready
        }
        assert.include(rooms, false) // the queue filled up at least once
        yield* Scope.close(scope, Exit.void)
        yield* done
        assert.isTrue(Fs.readFileSync(`${dir}/out`).equals(Buffer.concat(chunks)))
      })
    ))

  it.live("a FIFO whose reader stops reading never holds a flush or the close; what it did not take is dropped with a logged count", () => {
    const logged: Array<unknown> = []
    return withDir((dir) =>
      Effect.gen(function*() {
        const fifo = `${dir}/stuck`
        Cp.execFileSync("mkfifo", [fifo])
        // holds the FIFO open and never reads
        const reader = Fs.openSync(fifo, Fs.constants.O_RDWR | Fs.constants.O_NONBLOCK)
        yield* Effect.addFinalizer(() => Effect.sync(() => Fs.closeSync(reader)))
        const scope = yield* Scope.make()
        const log = yield* RotatingFile.make(fifo, { maxBytes: 0, backups: 0 }).pipe(Scope.provide(scope))
        // 4 MiB: the FIFO takes 64 KiB, the stream and the queue 1 MiB each, the rest waits in the queue
        for (let i = 0; i < 16; i++) log.writeUnsafe(new Uint8Array(256 * 1024).fill(66))
        const began = Date.now()
        yield* log.flush
        const flushed = Date.now() - began
        assert.isAtLeast(flushed, RotatingFile.FLUSH_LIMIT - 100)
        assert.isBelow(flushed, RotatingFile.FLUSH_LIMIT + 3000)
        yield* Scope.close(scope, Exit.void)
        assert.isBelow(Date.now() - began, 2 * RotatingFile.FLUSH_LIMIT + 5000)
        const dropped = logged.map(String).find((m) => /^dropped \d+ bytes for log file .*stuck: it did not accept them$/.test(m))
        assert.isDefined(dropped)
        const count = Number(/dropped (\d+)/.exec(dropped!)![1])
        assert.isAbove(count, 4 * 1024 * 1024 - 1024 * 1024 - 128 * 1024)
        assert.isAtMost(count, 4 * 1024 * 1024)
      })
    ).pipe(Effect.provide(Logger.layer([Logger.make(({ message }) => logged.push(...(Array.isArray(message) ? message : [message])))])))
  })
})

describe("RotatingFile.createExclusive", () => {
  /** A file created under `path` only (one name to try), open once it is made. */
  const exclusive = (path: string, options: RotatingFile.RotatingFileOptions) =>
    Effect.tap(RotatingFile.createExclusive(() => path, options, 1), (log) => log.opened)

  /** The fds of this process open on `path`. */
  const fdsOn = (path: string) =>
    Fs.readdirSync("/proc/self/fd").filter((fd) => {
      try {
        return Fs.readlinkSync(`/proc/self/fd/${fd}`) === path
      } catch {
        return false
      }
    })

  it.effect("creates the file with the given mode and writes through the fd it created it with, until the scope closes it", () =>
    withDir((dir) =>
      Effect.gen(function*() {
        const fs = yield* FileSystem.FileSystem
        const scope = yield* Scope.make()
        const log = yield* exclusive(`${dir}/a.log`, { maxBytes: 0, backups: 0, mode: 0o600 }).pipe(Scope.provide(scope))
        const info = yield* fs.stat(`${dir}/a.log`)
        assert.strictEqual(info.mode & 0o777, 0o600)
        assert.strictEqual(Number(info.size), 0)
        assert.lengthOf(fdsOn(`${dir}/a.log`), 1)
        // the same fd, not a reopen of the path: after a rename the bytes follow the file
        yield* fs.rename(`${dir}/a.log`, `${dir}/moved`)
        yield* log.write(text("one"))
        yield* log.flush
        assert.deepStrictEqual(yield* listing(dir), { moved: "one" })
        yield* Scope.close(scope, Exit.void)
        assert.lengthOf(fdsOn(`${dir}/moved`), 0)
      })
    ))

  it.effect("rotates the file it created, reopening the path with the same mode", () =>
    withDir((dir) =>
      Effect.gen(function*() {
        const fs = yield* FileSystem.FileSystem
        const log = yield* exclusive(`${dir}/a.log`, { maxBytes: 10, backups: 2, mode: 0o600 })
        for (let i = 0; i < 5; i++) yield* log.write(text(`line ${i}..\n`))
        yield* log.flush
        assert.deepStrictEqual(yield* listing(dir), {
          "a.log": "line 4..\n",
          "a.log.1": "line 2..\nline 3..\n",
          "a.log.2": "line 0..\nline 1..\n"
        })
        assert.strictEqual((yield* fs.stat(`${dir}/a.log`)).mode & 0o777, 0o600)
        yield* log.clear
        yield* log.write(text("cleared"))
        yield* log.flush
        assert.strictEqual((yield* listing(dir))["a.log"], "cleared")
      })
    ))

  it.effect("draws another name while anything is at the path (a file, a dangling symlink) and leaves it alone", () =>
    withDir((dir) =>
      Effect.gen(function*() {
        const fs = yield* FileSystem.FileSystem
        yield* fs.writeFileString(`${dir}/a.log`, "mine")
        yield* fs.symlink(`${dir}/nowhere`, `${dir}/link.log`)
        const names = ["a.log", "link.log", "new.log"]
        const log = yield* RotatingFile.createExclusive(() => `${dir}/${names.shift()}`, { maxBytes: 0, backups: 0 }, 3)
        yield* log.opened
        assert.strictEqual(log.path, `${dir}/new.log`)
        yield* log.write(text("ours"))
        yield* log.flush
        assert.strictEqual(Fs.readlinkSync(`${dir}/link.log`), `${dir}/nowhere`)
        assert.isFalse(yield* fs.exists(`${dir}/nowhere`))
        yield* fs.remove(`${dir}/link.log`)
        assert.deepStrictEqual(yield* listing(dir), { "a.log": "mine", "new.log": "ours" })
        assert.lengthOf(fdsOn(`${dir}/a.log`), 0)
      })
    ))

  it.effect("out of names, logs it and never writes to what is there", () => {
    const logged: Array<unknown> = []
    return withDir((dir) =>
      Effect.gen(function*() {
        const fs = yield* FileSystem.FileSystem
        yield* fs.writeFileString(`${dir}/a.log`, "mine")
        const log = yield* RotatingFile.createExclusive(() => `${dir}/a.log`, { maxBytes: 0, backups: 0 }, 2)
        yield* log.opened
        yield* log.write(text("ours"))
        yield* log.flush
        assert.deepStrictEqual(yield* listing(dir), { "a.log": "mine" })
        assert.deepStrictEqual(logged, [`could not create log file ${dir}/a.log: EEXIST (File exists)`])
        assert.lengthOf(fdsOn(`${dir}/a.log`), 0)
      })
    ).pipe(Effect.provide(Logger.layer([Logger.make(({ message }) => logged.push(...(Array.isArray(message) ? message : [message])))])))
  })

  it.effect("a write before the file is made waits for it; closing waits for it and closes its fd", () =>
    withDir((dir) =>
      Effect.gen(function*() {
        const scope = yield* Scope.make()
        const log = yield* RotatingFile.createExclusive(() => `${dir}/a.log`, { maxBytes: 0, backups: 0 }, 1).pipe(Scope.provide(scope))
        yield* log.write(text("early"))
        yield* Scope.close(scope, Exit.void)
        assert.deepStrictEqual(yield* listing(dir), { "a.log": "early" })
        assert.lengthOf(fdsOn(`${dir}/a.log`), 0)
      })
    ))

  it.effect("fails as the FileSystem service's exclusive open would (same reason, method, path and message)", () =>
    withDir((dir) =>
      Effect.gen(function*() {
        const fs = yield* FileSystem.FileSystem
        yield* fs.writeFileString(`${dir}/file`, "")
        for (const path of [`${dir}/missing/a.log`, `${dir}/file/a.log`]) {
          const ours = yield* Effect.flip(exclusive(path, { maxBytes: 0, backups: 0 }))
          const theirs = yield* Effect.flip(Effect.scoped(fs.open(path, { flag: "wx", mode: 0o600 })))
          assert.strictEqual(ours.message, theirs.message)
          assert.deepStrictEqual(
            [ours.reason._tag, ours.reason.module, ours.reason.method, (ours.reason as { pathOrDescriptor?: unknown }).pathOrDescriptor],
            [theirs.reason._tag, theirs.reason.module, theirs.reason.method, (theirs.reason as { pathOrDescriptor?: unknown }).pathOrDescriptor]
          )
        }
      })
    ))
})
