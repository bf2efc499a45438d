import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, FileSystem, Result } from "effect"
import * as Fs from "node:fs"
import * as LogRead from "../../src/logs/LogRead.ts"

type Row = [number, number, number, [number, number] | null, [number | null, number | null, number, boolean]]
const golden: ReadonlyArray<Row> = JSON.parse(
  Fs.readFileSync(new URL("./fixtures/logread-supervisord.json", import.meta.url), "utf8")
)

const range = (size: number, offset: number, length: number) => {
  const r = LogRead.readRange(size, offset, length)
  return Result.isFailure(r) ? r.failure._tag : [r.success.start, r.success.end]
}
/** Empty ranges are all alike (supervisord may seek past EOF before reading nothing). */
const normal = (r: string | ReadonlyArray<number>) => typeof r === "string" || r[0] !== r[1] ? r : "empty"

describe("readRange (§5.5)", () => {
  it("offset >= 0, length 0: to EOF; length > 0: that many bytes, short at EOF", () => {
    assert.deepStrictEqual(range(629, 0, 0), [0, 629])
    assert.deepStrictEqual(range(629, 600, 0), [600, 629])
    assert.deepStrictEqual(range(629, 10, 5), [10, 15])
    assert.deepStrictEqual(range(629, 620, 100), [620, 629])
    assert.deepStrictEqual(range(629, 700, 10), [629, 629])
  })

  it("offset < 0, length 0: the last |offset| bytes, clamped to the start", () => {
    assert.deepStrictEqual(range(629, -10, 0), [619, 629])
    assert.deepStrictEqual(range(629, -1000, 0), [0, 629])
  })

  it("every BAD_ARGUMENTS case: negative offset with a length, or a negative length", () => {
    assert.strictEqual(range(629, -10, 5), "BadArguments")
    assert.strictEqual(range(629, -10, -5), "BadArguments")
    assert.strictEqual(range(629, 0, -1), "BadArguments")
    assert.strictEqual(range(629, 10, -1000), "BadArguments")
    assert.strictEqual(range(0, -1, 1), "BadArguments")
  })

  it("matches supervisord 4.2.5 readFile on 680 recorded cases", () => {
    for (const [size, offset, length, read] of golden) {
      assert.deepStrictEqual(normal(range(size, offset, length)), normal(read ?? "BadArguments"), `${size} ${offset} ${length}`)
    }
  })
})

describe("tailRange (§5.5, Q17)", () => {
  const tail = (size: number, offset: number, length: number) => {
    const t = LogRead.tailRange(size, offset, length)
    return [t.start, t.end, t.offset, t.overflow]
  }

  it("the sz=629 examples", () => {
    assert.deepStrictEqual(tail(629, 0, 10), [619, 629, 629, true])
    assert.deepStrictEqual(tail(629, 624, 10), [619, 629, 629, false]) // the last 10 bytes, not from 624 (Q17)
    assert.deepStrictEqual(tail(629, 629, 10), [629, 629, 629, false])
  })

  it("matches supervisord 4.2.5 tailFile on 680 recorded cases", () => {
    for (const [size, offset, length, , [start, end, newOffset, overflow]] of golden) {
      const t = LogRead.tailRange(size, offset, length)
      const label = `${size} ${offset} ${length}`
      assert.deepStrictEqual([t.offset, t.overflow], [newOffset, overflow], label)
      if (start === null) assert.strictEqual(t.end - t.start, 0, label)
      else assert.deepStrictEqual([t.start, t.end], [start, end], label)
    }
  })
})

describe("readLog / tailLog", () => {
  const content = Array.from({ length: 629 }, (_, i) => String.fromCharCode(33 + (i % 90))).join("")
  const text = (b: Uint8Array) => new TextDecoder().decode(b)
  const withFile = <A, E>(f: (path: string) => Effect.Effect<A, E, FileSystem.FileSystem>) =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      yield* fs.writeFileString(`${dir}/log`, content)
      return yield* f(`${dir}/log`)
    }).pipe(Effect.scoped, Effect.provide(NodeServices.layer))

  it.effect("reads slices and fails with NO_FILE / BAD_ARGUMENTS", () =>
    withFile((path) =>
      Effect.gen(function*() {
        assert.strictEqual(text(yield* LogRead.readLog(path, 5, 10)), content.slice(5, 15))
        assert.strictEqual(text(yield* LogRead.readLog(path, -20, 0)), content.slice(-20))
        assert.strictEqual(text(yield* LogRead.readLog(path, 0, 0)), content)
        assert.strictEqual((yield* LogRead.readLog(path, 2000, 5)).length, 0)
        assert.strictEqual((yield* Effect.flip(LogRead.readLog(path, -5, 5)))._tag, "BadArguments")
        const missing = yield* Effect.flip(LogRead.readLog(`${path}.nope`, -5, 5))
        assert.deepStrictEqual([missing._tag, missing.detail], ["NoFile", `${path}.nope`])
      })
    ))

  it.effect("tails with the overflow flag and the size as the next offset", () =>
    withFile((path) =>
      Effect.gen(function*() {
        const t = yield* LogRead.tailLog(path, 0, 10)
        assert.deepStrictEqual([text(t.bytes), t.offset, t.overflow], [content.slice(-10), 629, true])
        const u = yield* LogRead.tailLog(path, 629, 10)
        assert.deepStrictEqual([text(u.bytes), u.offset, u.overflow], ["", 629, false])
        const v = yield* LogRead.tailLog(`${path}.nope`, 100, 10)
        assert.deepStrictEqual([v.bytes.length, v.offset, v.overflow], [0, 0, false])
      })
    ))
})
