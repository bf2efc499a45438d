/**
 * A log file refused an fd by the control plane's reserve (FdReserve.ts) at creation: the error is
 * logged, the file exists, and it is opened at its next write. The reserve is simulated (its limit
 * is the process's own, read once), everything else is real.
 */
import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, FileSystem, Logger } from "effect"
import { vi } from "vitest"
import * as FdReserve from "../../src/logs/FdReserve.ts"
import * as RotatingFile from "../../src/logs/RotatingFile.ts"

vi.mock("../../src/logs/FdReserve.ts", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../../src/logs/FdReserve.ts")>()
  return { ...actual, leavesReserve: vi.fn(actual.leavesReserve) }
})

const text = (s: string) => new TextEncoder().encode(s)

describe("a log file out of fds at creation", () => {
  const exclusive = (path: string, options: RotatingFile.RotatingFileOptions) => RotatingFile.createExclusive(() => path, options, 1)
  for (const [name, make] of [["make", RotatingFile.make], ["createExclusive", exclusive]] as const) {
    it.effect(`${name}: logs the error, leaves the file there, and opens it at its next write`, () => {
      const logged: Array<unknown> = []
      return Effect.gen(function*() {
        const fs = yield* FileSystem.FileSystem
        const dir = yield* fs.makeTempDirectoryScoped()
        const path = `${dir}/a.log`
        vi.mocked(FdReserve.leavesReserve).mockReturnValueOnce(false)
        const log = yield* make(path, { maxBytes: 0, backups: 0, mode: 0o600 })
        yield* log.opened
        assert.deepStrictEqual(logged, [`could not open log file ${path}: EMFILE (Too many open files); trying again at its next write`])
        assert.strictEqual(yield* fs.readFileString(path), "")
        assert.strictEqual((yield* fs.stat(path)).mode & 0o777, 0o600)
        yield* log.write(text("later"))
        yield* log.flush
        assert.strictEqual(yield* fs.readFileString(path), "later")
        assert.lengthOf(logged, 1)
      }).pipe(
        Effect.scoped,
        Effect.provide(NodeServices.layer),
        Effect.provide(Logger.layer([Logger.make(({ message }) => logged.push(...(Array.isArray(message) ? message : [message])))]))
      )
    })
  }
})
