/** The README's embedding example runs as documented and reacts to the typed event stream. */
import * as Cp from "node:child_process"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { tempDir } from "../support/TempDir.ts"

const ROOT = Path.resolve(import.meta.dirname, "../..")

describe("examples/embed.ts", () => {
  it("starts the fallback when flaky goes FATAL, then stops everything", () => {
    // the programs' AUTO log files go to the temp dir (childlogdir's default): here, one of the test's own
    const env = { ...process.env, TMPDIR: tempDir("embed") }
    const r = Cp.spawnSync(process.execPath, [Path.join(ROOT, "examples/embed.ts")], { encoding: "utf8", timeout: 30_000, env })
    expect(r.status, r.stderr).toBe(0)
    const lines = r.stdout.split("\n")
    expect(lines).toContain("event: PROCESS_STATE_FATAL flaky")
    expect(lines).toContain("flaky gave up: starting fallback")
    expect(r.stdout).toMatch(/fallback is RUNNING \(pid \d+, uptime 0:00:00\)/)
    expect(lines.at(-2)).toBe("done: every child stopped")
  })
})
