import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, FileSystem, Layer, Logger, Random } from "effect"
import * as AutoLog from "../../src/logs/AutoLog.ts"

const NO_ROTATION = { maxBytes: 0, backups: 0 }

describe("AutoLog", () => {
  it("matches supervisord's cleanup pattern", () => {
    const re = AutoLog.autoLogPattern("supervisor")
    for (const name of ["web-stdout---supervisor-abc_1234.log", "web-stderr---supervisor-x.log.1", "a---supervisor-b.log.10"]) {
      assert.isTrue(re.test(name), name)
    }
    for (const name of ["web-stdout---other-abc.log", "---supervisor-abc.log", "web.log", "web-stdout---supervisor-.log"]) {
      assert.isFalse(re.test(name), name)
    }
    // escaped: a dot in the identifier is not a wildcard
    assert.isFalse(AutoLog.autoLogPattern("a.b").test("p-stdout---aXb-123.log"))
    assert.isTrue(AutoLog.autoLogPattern("a.b").test("p-stdout---a.b-123.log"))
  })

  it.effect("creates a fresh, empty 0600 file per call, open from the start; cleanup removes only matching files", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      const a = yield* AutoLog.createAutoLog(dir, "web", "stdout", "supervisor", NO_ROTATION)
      const b = yield* AutoLog.createAutoLog(`${dir}/`, "web", "stdout", "supervisor", NO_ROTATION)
      yield* a.opened
      yield* b.opened
      assert.notStrictEqual(a.path, b.path)
      assert.match(a.path, new RegExp(`^${dir}/web-stdout---supervisor-[a-z0-9_]{8}\\.log$`))
      assert.match(b.path, new RegExp(`^${dir}/web-stdout---supervisor-[a-z0-9_]{8}\\.log$`))
      assert.strictEqual((yield* fs.stat(a.path)).mode & 0o777, 0o600)
      assert.strictEqual(Number((yield* fs.stat(a.path)).size), 0)
      yield* a.write(new TextEncoder().encode("out"))
      assert.strictEqual(yield* fs.readFileString(a.path), "out")
      yield* fs.writeFileString(`${a.path}.1`, "backup")
      yield* fs.writeFileString(`${dir}/keep.log`, "")
      yield* fs.writeFileString(`${dir}/web-stdout---other-12345678.log`, "")
      yield* AutoLog.cleanupAutoLogs(dir, "supervisor")
      assert.deepStrictEqual((yield* fs.readDirectory(dir)).sort(), ["keep.log", "web-stdout---other-12345678.log"])
    }).pipe(Effect.scoped, Effect.provide(NodeServices.layer)))

  it.effect("draws names as 8 × Random.nextIntBetween(0, 36) over mkstemp's alphabet, and draws again when one exists", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789_"
      const expected = yield* Effect.gen(function*() {
        const names: Array<string> = []
        for (let n = 0; n < 2; n++) {
          let s = ""
          for (let i = 0; i < 8; i++) s += alphabet[yield* Random.nextIntBetween(0, 36)]
          names.push(`${dir}/p-stderr---id-${s}.log`)
        }
        return names
      }).pipe(Random.withSeed("autolog"))
      const first = yield* AutoLog.createAutoLog(dir, "p", "stderr", "id", NO_ROTATION).pipe(Random.withSeed("autolog"))
      yield* first.opened
      assert.strictEqual(first.path, expected[0])
      // the same seed again: its first name exists now, so the second one is taken
      const second = yield* AutoLog.createAutoLog(dir, "p", "stderr", "id", NO_ROTATION).pipe(Random.withSeed("autolog"))
      // made in the background: the name is final once it is open
      yield* second.opened
      assert.strictEqual(second.path, expected[1])
      assert.deepStrictEqual((yield* fs.readDirectory(dir)).sort(), expected.map((p) => p.slice(dir.length + 1)).sort())
    }).pipe(Effect.scoped, Effect.provide(NodeServices.layer)))

  it.effect("a missing childlogdir fails with the path it tried, as the FileSystem service's open does", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(AutoLog.createAutoLog("/nonexistent/effsup", "web", "stdout", "supervisor", NO_ROTATION))
      assert.strictEqual(error.reason._tag, "NotFound")
      assert.match(error.message, /^NotFound: FileSystem\.open \(\/nonexistent\/effsup\/web-stdout---supervisor-[a-z0-9_]{8}\.log\)$/)
    }).pipe(Effect.scoped, Effect.provide(NodeServices.layer)))

  it.effect("cleanup of a missing directory only warns", () => {
    const lines: Array<unknown> = []
    return AutoLog.cleanupAutoLogs("/nonexistent/effsup", "supervisor").pipe(
      Effect.andThen(Effect.sync(() => assert.deepStrictEqual(lines, [["Could not clear childlog dir"]]))),
      Effect.provide(Layer.mergeAll(NodeServices.layer, Logger.layer([Logger.make(({ message }) => lines.push(message))])))
    )
  })
})
