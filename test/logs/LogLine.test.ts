import { assert, describe, it } from "@effect/vitest"
import { Cause } from "effect"
import { causeLine, errorLine, format, LEVEL_NAMES, render } from "../../src/logs/LogLine.ts"
import { fromErrno } from "../../src/domain/Errno.ts"

describe("LogLine", () => {
  it("writes supervisord's line format in local time", () => {
    const d = new Date(2026, 10, 23, 2, 12, 37, 811)
    assert.strictEqual(format(d, "Info", "supervisord started with pid 6528"), "2026-11-23 02:12:37,811 INFO supervisord started with pid 6528\n")
    assert.strictEqual(format(new Date(2026, 0, 2, 3, 4, 5, 6), "Debug", "a\nb"), "2026-01-02 03:04:05,006 DEBG a\nb\n")
  })

  it("names every level like supervisord", () => {
    assert.deepStrictEqual(
      (["Fatal", "Error", "Warn", "Info", "Debug", "Trace", "All"] as const).map((l) => LEVEL_NAMES[l]),
      ["CRIT", "ERRO", "WARN", "INFO", "DEBG", "TRAC", "BLAT"]
    )
  })

  it("renders arguments, errors and causes, a cause on one line", () => {
    assert.strictEqual(render(["a", 1, { b: 2 }], Cause.empty), "a 1 {\"b\":2}")
    assert.strictEqual(render([new Error("boom")], Cause.empty), "boom")
    assert.strictEqual(render(["failed"], Cause.fail("why")), "failed why")
    const defect = render(["crashed:"], Cause.die(new TypeError("x is not a function")))
    assert.match(defect, /^crashed: defect: TypeError: x is not a function \(at .+LogLine\.test\.ts:\d+:\d+\)?\)$/)
    assert.notInclude(defect, "\n")
  })

  it("renders a system error as its path, errno name and the system's text", () => {
    const enospc = fromErrno("write", "/var/log/x.log", Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" }))
    assert.strictEqual(errorLine(enospc), "/var/log/x.log: ENOSPC (No space left on device)")
    assert.strictEqual(causeLine(Cause.fail(enospc)), "/var/log/x.log: ENOSPC (No space left on device)")
    assert.strictEqual(errorLine(Object.assign(new Error("x"), { code: "EACCES", path: "/etc/x" })), "/etc/x: EACCES (Permission denied)")
  })
})
