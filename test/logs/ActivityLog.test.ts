import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, FileSystem } from "effect"
import type { LogLevelName, SupervisordConfig } from "../../src/config/Types.ts"
import * as ActivityLog from "../../src/logs/ActivityLog.ts"
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

describe("ActivityLog.format", () => {
  it("writes supervisord's line format in local time", () => {
    const d = new Date(2026, 10, 23, 2, 12, 37, 811)
    assert.strictEqual(
      ActivityLog.format(d, "Info", "supervisord started with pid 6528"),
      "2026-11-23 02:12:37,811 INFO supervisord started with pid 6528\n"
    )
    assert.strictEqual(ActivityLog.format(new Date(2026, 0, 2, 3, 4, 5, 6), "Debug", "a\nb"), "2026-01-02 03:04:05,006 DEBG a\nb\n")
  })

  it("names every level like supervisord", () => {
    assert.deepStrictEqual(
      (["Fatal", "Error", "Warn", "Info", "Debug", "Trace", "All"] as const).map((l) => ActivityLog.LEVEL_NAMES[l]),
      ["CRIT", "ERRO", "WARN", "INFO", "DEBG", "TRAC", "BLAT"]
    )
  })

  it("maps loglevel names to minimum levels", () => {
    const names: ReadonlyArray<LogLevelName> = ["critical", "error", "warn", "info", "debug", "trace", "blather"]
    assert.deepStrictEqual(names.map(ActivityLog.minimumLevel), ["Fatal", "Error", "Warn", "Info", "Debug", "Trace", "Trace"])
  })

  it("renders arguments, errors and causes", () => {
    assert.strictEqual(ActivityLog.render(["a", 1, { b: 2 }], Cause.empty), "a 1 {\"b\":2}")
    assert.strictEqual(ActivityLog.render([new Error("boom")], Cause.empty), "boom")
    assert.match(ActivityLog.render(["failed"], Cause.fail("why")), /^failed .*why/s)
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

  it.effect("refuses logfile=syslog with a clear error", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Effect.void.pipe(Effect.provide(ActivityLog.layer(config({ logfile: "syslog" })))))
      assert.include(error.message, "syslog is not supported")
    }).pipe(Effect.provide(NodeServices.layer)))
})
