/**
 * What a process run by `runProcess` reports by itself is in the activity log's line format: a
 * defect that ends it, a log outside any activity log, Node's warnings, an uncaught exception, an
 * unhandled rejection. Each case is a real Node process (they exit), its stderr read line by line.
 */
import * as Cp from "node:child_process"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"

const RUN_MAIN = Path.resolve(import.meta.dirname, "../../src/cli/RunMain.ts")
const LINE = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (CRIT|ERRO|WARN|INFO|DEBG|TRAC|BLAT) \S/

/** Run `body` (an expression of type Effect<number>, with `Effect` in scope) under runProcess. */
const run = (body: string) => {
  const script = `
    import { Effect } from "effect"
    import { runProcess } from ${JSON.stringify(RUN_MAIN)}
    runProcess(${body})
  `
  const r = Cp.spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 20_000, cwd: Path.dirname(RUN_MAIN) })
  const lines = r.stderr.split("\n").filter((l) => l !== "")
  return { status: r.status, lines, messages: lines.map((l) => l.replace(/^\S+ \S+ /, "")), stdout: r.stdout }
}

describe("runProcess", () => {
  it("exits with the program's number, and an interruption with 0", () => {
    expect(run("Effect.succeed(3)")).toMatchObject({ status: 3, lines: [] })
    expect(run("Effect.interrupt")).toMatchObject({ status: 0, lines: [] })
  })

  it("reports a defect that ends the program on one line, and exits 1", () => {
    const r = run(`Effect.die(new TypeError("x is not a function"))`)
    expect(r.status).toBe(1)
    expect(r.lines).toHaveLength(1)
    expect(r.lines[0]).toMatch(LINE)
    expect(r.messages[0]).toMatch(/^CRIT effsup stops on an unexpected error: defect: TypeError: x is not a function \(at .+\)$/)
  })

  it("writes an Effect log made outside any activity log in its format", () => {
    const r = run(`Effect.as(Effect.andThen(Effect.logWarning("before the activity log"), Effect.logError("failed", new Error("boom"))), 0)`)
    expect(r).toMatchObject({ status: 0, messages: ["WARN before the activity log", "ERRO failed boom"] })
    expect(r.lines.every((l) => LINE.test(l))).toBe(true)
  })

  it("routes Node's warnings, an uncaught exception and an unhandled rejection", () => {
    const warned = run(`Effect.as(Effect.sync(() => process.emitWarning("something odd", "DeprecationWarning")), 0)`)
    expect(warned).toMatchObject({ status: 0, messages: ["WARN DeprecationWarning: something odd"] })
    const thrown = run(`Effect.as(Effect.sync(() => setTimeout(() => { throw Object.assign(new Error("open /x"), { code: "EACCES", path: "/x" }) }, 0)), 0).pipe(Effect.andThen(Effect.never))`)
    expect(thrown).toMatchObject({ status: 1, messages: ["CRIT effsup stops on an uncaught exception: /x: EACCES (Permission denied)"] })
    const rejected = run(`Effect.as(Effect.sync(() => void Promise.reject(new Error("nobody waits"))), 0).pipe(Effect.andThen(Effect.never))`)
    expect(rejected.status).toBe(1)
    expect(rejected.messages[0]).toMatch(/^CRIT effsup stops on an unhandled rejection: nobody waits \(at .+\)$/)
    for (const r of [warned, thrown, rejected]) expect(r.lines.filter((l) => !LINE.test(l))).toEqual([])
  })
})
