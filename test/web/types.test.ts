/**
 * The console's script is plain JavaScript (served as written, no build step) but type-checked:
 * `// @ts-check` with JSDoc types, checked here by tsc in strict mode against the DOM library.
 */
import * as Cp from "node:child_process"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"

const ROOT = Path.resolve(import.meta.dirname, "../..")

describe("console script types", () => {
  it("passes tsc --checkJs --strict with the DOM library", () => {
    const tsc = Cp.spawnSync(process.execPath, [
      Path.join(ROOT, "node_modules/typescript/bin/tsc"),
      "--noEmit", "--allowJs", "--checkJs", "--strict", "--lib", "ES2023,DOM,DOM.Iterable", "--target", "ES2023",
      "--module", "ESNext", "--moduleResolution", "bundler", Path.join(ROOT, "src/http/console/app.js")
    ], { encoding: "utf8", timeout: 60_000 })
    expect(tsc.stdout + tsc.stderr).toBe("")
    expect(tsc.status).toBe(0)
  }, 60_000)
})
