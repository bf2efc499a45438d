import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, FileSystem, Stream } from "effect"
import type { LogLevelName, SupervisordConfig } from "../../src/config/Types.ts"
import * as ActivityLog from "../../src/logs/ActivityLog.ts"
import { DatagramSockets } from "../../src/logs/Syslog.ts"
import * as Datagram from "../../src/process/Datagram.ts"
import { supervisordConfig } from "../support/Configs.ts"

/** No rotation unless a test asks for it. */
const config = (overrides: Partial<SupervisordConfig>): SupervisordConfig =>
  supervisordConfig({ logfileMaxbytes: 0, logfileBackups: 0, ...overrides })

const LINE = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]{4} /

/** Run `program` under the activity log for `overrides`, then return the log file's lines (timestamps cut). */
const logged = <E>(
  overrides: Partial<SupervisordConfig>,
  program: Effect.Effect<void, E, ActivityLog.ActivityLog | FileSystem.FileSystem>
) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const dir = yield* fs.makeTempDirectoryScoped()
    const echoed: Array<string> = []
    const echo = Effect.succeed((line: Uint8Array) => {
      echoed.push(new TextDecoder().decode(line))
    })
    yield* program.pipe(Effect.provide(ActivityLog.layerWith(config({ logfile: `${dir}/main.log`, ...overrides }), echo)))
    const text = yield* fs.readFileString(`${dir}/main.log`)
    const files = (yield* fs.readDirectory(dir)).sort()
    return { file: text.replace(new RegExp(LINE.source, "gm"), (m) => m.slice(24)), echoed, files }
  }).pipe(Effect.scoped, Effect.provide(NodeServices.layer))

describe("ActivityLog.minimumLevel", () => {
  it("maps loglevel names to minimum levels", () => {
    const names: ReadonlyArray<LogLevelName> = ["critical", "error", "warn", "info", "debug", "trace", "blather"]
    assert.deepStrictEqual(names.map(ActivityLog.minimumLevel), ["Fatal", "Error", "Warn", "Info", "Debug", "Trace", "Trace"])
  })
})

describe("ActivityLog.layer", () => {
  it.effect("writes lines at or above loglevel to the file, including one logged just before release", () =>
    Effect.gen(function*() {
      const { file, echoed } = yield* logged(
        { loglevel: "warn" },
        Effect.gen(function*() {
          yield* Effect.logInfo("hidden")
          yield* Effect.logWarning("exited: x (exit status 1; not expected)")
          yield* Effect.logFatal("crit line")
          yield* Effect.addFinalizer(() => Effect.logError("stopping in a finalizer"))
          yield* Effect.logError("last line")
        }).pipe(Effect.scoped)
      )
      assert.strictEqual(
        file,
        "WARN exited: x (exit status 1; not expected)\nCRIT crit line\nERRO last line\nERRO stopping in a finalizer\n"
      )
      assert.strictEqual(echoed.length, 4)
    }))

  it.effect("debug and trace levels, multi-line messages", () =>
    Effect.gen(function*() {
      const { file } = yield* logged(
        { loglevel: "blather" },
        Effect.andThen(Effect.logDebug("'x' stdout output:\nline1\nline2\n"), Effect.logTrace("XML-RPC method called: x()"))
      )
      assert.strictEqual(file, "DEBG 'x' stdout output:\nline1\nline2\n\nTRAC XML-RPC method called: x()\n")
    }))

  it.effect("the service flushes, clears and reopens the file", () =>
    Effect.gen(function*() {
      let seen = ""
      const { file } = yield* logged(
        {},
        Effect.gen(function*() {
          const fs = yield* FileSystem.FileSystem
          const log = yield* ActivityLog.ActivityLog
          yield* Effect.log("one")
          yield* log.flush
          seen = yield* fs.readFileString(log.path!)
          yield* log.clear
          yield* Effect.log("two")
          yield* log.reopen
          yield* Effect.log("three")
        })
      )
      assert.match(seen, /INFO one\n$/)
      assert.strictEqual(file, "INFO two\nINFO three\n")
    }))

  it.effect("rotates with logfile_maxbytes / logfile_backups", () =>
    Effect.gen(function*() {
      const { files } = yield* logged(
        { logfileMaxbytes: 100, logfileBackups: 2 },
        Effect.forEach([1, 2, 3, 4, 5, 6, 7, 8], (i) => Effect.log(`message number ${i} with some padding`), { discard: true })
      )
      assert.deepStrictEqual(files, ["main.log", "main.log.1", "main.log.2"])
    }))

  it.effect("reports its own file's errors in its own format, with the errno text", () =>
    Effect.gen(function*() {
      const { file, echoed } = yield* logged(
        {},
        Effect.gen(function*() {
          const fs = yield* FileSystem.FileSystem
          const log = yield* ActivityLog.ActivityLog
          yield* Effect.log("before")
          yield* fs.remove(log.path!)
          yield* fs.makeDirectory(log.path!)
          yield* log.reopen
          yield* Effect.log("lost")
          // the writer has tried (and dropped) the error line and "lost" while the path is still a
          // directory; without this the removal below may come first and both reach the file
          yield* log.flush
          yield* fs.remove(log.path!, { recursive: true })
          yield* Effect.log("after")
        })
      )
      assert.match(echoed[0]!, /INFO before\n$/)
      assert.match(echoed[1]!, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} ERRO could not reopen log file \S+\/main\.log: EISDIR \(Is a directory\)\n$/)
      assert.strictEqual(file, "INFO after\n")
    }))

  it.effect("says which file it could not open, and why", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Effect.void.pipe(Effect.provide(ActivityLog.layer(config({ logfile: "/" })))))
      assert.strictEqual(error.message, "could not open the activity log /: EISDIR (Is a directory)")
    }).pipe(Effect.provide(NodeServices.layer)))

  it.effect("logfile=syslog sends each line of a record to syslog as one datagram, and echoes the record", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      const receiver = yield* Datagram.receiver(`${dir}/log`)
      const echoed: Array<string> = []
      const echo = Effect.succeed((line: Uint8Array) => {
        echoed.push(new TextDecoder().decode(line))
      })
      const layer = ActivityLog.layerWith(config({ logfile: "syslog", loglevel: "info" }), echo, `${dir}/log`)
      const program = Effect.gen(function*() {
        yield* Effect.logInfo("supervisord started with pid 7")
        yield* Effect.logDebug("not at info")
        yield* Effect.logWarning("two\nlines\n")
        const log = yield* ActivityLog.ActivityLog
        assert.isUndefined(log.path)
        yield* log.reopen
      })
      yield* program.pipe(Effect.provide(layer), Effect.provideService(DatagramSockets, Datagram.sender))
      const got = yield* receiver.datagrams.pipe(Stream.take(3), Stream.runCollect)
      const SYSLOG = /^<14>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d supervisord: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} /
      const texts = got.map((d) => new TextDecoder().decode(d.bytes))
      for (const text of texts) assert.match(text, SYSLOG)
      assert.deepStrictEqual(texts.map((t) => t.replace(SYSLOG, "")), ["INFO supervisord started with pid 7\n", "WARN two\n", "WARN lines\n"])
      assert.deepStrictEqual(echoed.map((l) => l.slice(24)), ["INFO supervisord started with pid 7\n", "WARN two\nlines\n\n"])
    }).pipe(Effect.scoped, Effect.provide(NodeServices.layer)))

  it.effect("logfile=syslog without datagram sockets is a clear startup error", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Effect.void.pipe(Effect.provide(ActivityLog.layer(config({ logfile: "syslog" })))))
      assert.strictEqual(
        error.message,
        "could not open the activity log (logfile=syslog): this runtime provides no unix datagram sockets (DatagramSockets)"
      )
    }).pipe(Effect.provide(NodeServices.layer)))

  it.effect("logfile=syslog says on the echo, once, that syslog is not there", () =>
    Effect.gen(function*() {
      const echoed: Array<string> = []
      const echo = Effect.succeed((line: Uint8Array) => {
        echoed.push(new TextDecoder().decode(line).slice(24))
      })
      const layer = ActivityLog.layerWith(config({ logfile: "syslog" }), echo, "/nonexistent/dev/log")
      yield* Effect.andThen(Effect.logInfo("a"), Effect.logInfo("b")).pipe(
        Effect.provide(layer),
        Effect.provideService(DatagramSockets, Datagram.sender)
      )
      assert.deepStrictEqual(echoed, [
        "INFO a\n",
        "WARN cannot send to syslog at /nonexistent/dev/log: ENOENT (No such file or directory); its lines are dropped until it can\n",
        "INFO b\n"
      ])
    }).pipe(Effect.provide(NodeServices.layer)))
})
