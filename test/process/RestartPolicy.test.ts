import { describe, expect, it } from "@effect/vitest"
import { exitedTooQuickly, exitFacts, isExpected, shouldRestart } from "../../src/process/RestartPolicy.ts"

describe("RestartPolicy", () => {
  it("an exit code in exitcodes is expected; a signal never is", () => {
    expect(isExpected({ code: 0, signal: null }, [0])).toBe(true)
    expect(isExpected({ code: 2, signal: null }, [0])).toBe(false)
    expect(isExpected({ code: 2, signal: null }, [0, 2])).toBe(true)
    expect(isExpected({ code: null, signal: "SIGTERM" }, [0])).toBe(false)
    expect(isExpected({ code: 0, signal: null }, [])).toBe(false)
  })
  it("autorestart true / false / unexpected", () => {
    expect(shouldRestart("true", true)).toBe(true)
    expect(shouldRestart("true", false)).toBe(true)
    expect(shouldRestart("false", false)).toBe(false)
    expect(shouldRestart("unexpected", true)).toBe(false)
    expect(shouldRestart("unexpected", false)).toBe(true)
  })
  it("too quickly means before startsecs; startsecs=0 never is", () => {
    expect(exitedTooQuickly(1000, 1999, 1)).toBe(true)
    expect(exitedTooQuickly(1000, 2000, 1)).toBe(false)
    expect(exitedTooQuickly(1000, 1000, 0)).toBe(false)
    expect(exitedTooQuickly(1000, 1000, 1)).toBe(true)
    expect(exitedTooQuickly(1000, 999, 1)).toBe(false)
    expect(exitedTooQuickly(1000, 1500, 0)).toBe(false)
  })
  it("gathers the facts the table reads from an exit", () => {
    const program = { exitcodes: [0, 2], startsecs: 1, autorestart: "unexpected" } as const
    expect(exitFacts(program, { code: 2, signal: null }, 1000, 5000)).toEqual({ exitstatus: 2, expected: true, tooQuickly: false, restart: false })
    expect(exitFacts(program, { code: 1, signal: null }, 1000, 1500)).toEqual({ exitstatus: 1, expected: false, tooQuickly: true, restart: true })
    expect(exitFacts(program, { code: null, signal: "SIGKILL" }, 1000, 9000)).toEqual({ exitstatus: -1, expected: false, tooQuickly: false, restart: true })
    expect(exitFacts({ ...program, autorestart: "false" }, { code: 1, signal: null }, 0, 9000).restart).toBe(false)
  })
})
