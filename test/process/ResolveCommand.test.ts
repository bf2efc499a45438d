import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { resolve } from "../../src/process/ResolveCommand.ts"

describe("ResolveCommand.resolve", () => {
  it.effect("looks a missing command up again at once, and finds it the moment it exists", () =>
    Effect.gen(function*() {
      const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "effsup-resolve-"))
      try {
        const path = `${dir}:/usr/bin:/bin`
        const missing = yield* Effect.flip(resolve("effsup-probe --x", path, "/"))
        expect(missing.message).toBe("can't find command 'effsup-probe'")
        Fs.writeFileSync(Path.join(dir, "effsup-probe"), "#!/bin/sh\n", { mode: 0o755 })
        const found = yield* resolve("effsup-probe --x", path, "/")
        expect(found).toEqual({ file: Path.join(dir, "effsup-probe"), argv: ["effsup-probe", "--x"] })
        // a burst of the same command shares the walk, and its answer is the same
        expect(yield* resolve("effsup-probe --x", path, "/")).toEqual(found)
      } finally {
        Fs.rmSync(dir, { recursive: true, force: true })
      }
    }))
})
