import { describe, expect, it } from "@effect/vitest"
import { exitedTooQuickly, isExpected, shouldRestart } from "../../src/process/RestartPolicy.ts"

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
})
