import { describe, expect, it } from "@effect/vitest"
import { Result } from "effect"
import { readFileSync } from "node:fs"
import * as Codecs from "../../src/config/Codecs.ts"
import { signalName } from "../../src/domain/Signals.ts"

// Inputs and outputs captured from supervisord 4.2.5's datatypes.py (see codecs.golden.json).
type Golden = Record<string, ReadonlyArray<readonly [string, unknown]>>
const golden: Golden = JSON.parse(readFileSync(new URL("./codecs.golden.json", import.meta.url), "utf8"))

const outcome = <A>(r: Result.Result<A, string>): unknown => Result.isSuccess(r) ? r.success : { error: r.failure }

const LEVELS: Record<number, string> = { 50: "critical", 40: "error", 30: "warn", 20: "info", 10: "debug", 5: "trace", 3: "blather" }

const cases: ReadonlyArray<readonly [string, Codecs.Codec<unknown>, (python: unknown) => unknown]> = [
  ["boolean", Codecs.boolean, (x) => x],
  ["integer", Codecs.integer, (x) => x],
  ["byte_size", Codecs.byteSize, (x) => x],
  ["octal", Codecs.octal, (x) => x],
  ["signal", Codecs.signal, (x) => (typeof x === "number" ? signalName(x) : x)],
  ["exitcodes", Codecs.exitcodes, (x) => x],
  ["autorestart", Codecs.autorestart, (x) => x],
  ["inet", (s) => Result.map(Codecs.inetAddress(s), (a) => [a.host, a.port]), (x) => x],
  ["name", Codecs.name, (x) => x],
  ["level", Codecs.logLevel, (x) => (typeof x === "number" ? LEVELS[x] : x)],
  ["environment", Codecs.environment, (x) => x]
]

describe("Codecs match supervisord's datatypes.py", () => {
  for (const [name, codec, fromPython] of cases) {
    it(name, () => {
      for (const [input, expected] of golden[name]!) {
        expect([input, outcome(codec(input))]).toEqual([input, fromPython(expected)])
      }
    })
  }
})

describe("Codecs (effsup specifics)", () => {
  it("logfileName recognises AUTO / NONE / OFF / syslog in any case, else a path", () => {
    expect(outcome(Codecs.logfileName("auto"))).toEqual({ _tag: "Auto" })
    expect(outcome(Codecs.logfileName("NONE"))).toEqual({ _tag: "None" })
    expect(outcome(Codecs.logfileName("Off"))).toEqual({ _tag: "None" })
    expect(outcome(Codecs.logfileName("syslog"))).toEqual({ _tag: "Syslog" })
    expect(outcome(Codecs.logfileName("/var/log/x.log"))).toEqual({ _tag: "Path", path: "/var/log/x.log" })
  })

  it("listOfStrings strips items and keeps empty ones", () => {
    expect(outcome(Codecs.listOfStrings(""))).toEqual([])
    expect(outcome(Codecs.listOfStrings("a, b ,,c"))).toEqual(["a", "b", "", "c"])
  })

  it("signal reads a number with Python's int(), any script's digits included (supervisord's signal_number)", () => {
    expect(outcome(Codecs.signal("٩"))).toBe("SIGKILL")
    expect(outcome(Codecs.signal("٩٩"))).toEqual({ error: "value '٩٩' is not a valid signal number" })
  })

  it("inetAddress rejects ports out of range", () => {
    expect(outcome(Codecs.inetAddress("h:70000"))).toEqual({ error: "70000 is above upper bound (65535)" })
    expect(outcome(Codecs.inetAddress("h:0"))).toEqual({ error: "0 is below lower bound (1)" })
  })
})
