import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, FileSystem, Layer, Logger } from "effect"
import * as AutoLog from "../../src/logs/AutoLog.ts"

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

  it.effect("creates a fresh 0600 file per call and cleanup removes only matching files", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      const a = yield* AutoLog.autoLogPath(dir, "web", "stdout", "supervisor")
      const b = yield* AutoLog.autoLogPath(`${dir}/`, "web", "stdout", "supervisor")
      assert.notStrictEqual(a, b)
      assert.match(a, new RegExp(`^${dir}/web-stdout---supervisor-[a-z0-9_]{8}\\.log$`))
      assert.strictEqual((yield* fs.stat(a)).mode & 0o777, 0o600)
      assert.strictEqual(Number((yield* fs.stat(a)).size), 0)
      yield* fs.writeFileString(`${a}.1`, "backup")
      yield* fs.writeFileString(`${dir}/keep.log`, "")
      yield* fs.writeFileString(`${dir}/web-stdout---other-12345678.log`, "")
      yield* AutoLog.cleanupAutoLogs(dir, "supervisor")
      assert.deepStrictEqual((yield* fs.readDirectory(dir)).sort(), ["keep.log", "web-stdout---other-12345678.log"])
    }).pipe(Effect.provide(NodeServices.layer)))

  it.effect("cleanup of a missing directory only warns", () => {
    const lines: Array<unknown> = []
    return AutoLog.cleanupAutoLogs("/nonexistent/effsup", "supervisor").pipe(
      Effect.andThen(Effect.sync(() => assert.deepStrictEqual(lines, [["Could not clear childlog dir"]]))),
      Effect.provide(Layer.mergeAll(NodeServices.layer, Logger.layer([Logger.make(({ message }) => lines.push(message))])))
    )
  })
})
