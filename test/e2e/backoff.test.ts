/**
 * effsup's restart policy on real processes: each `backoff=` kind spaces the retries of a program
 * that fails to start as its schedule says (measured between an exit and the next spawn in the
 * activity log, lower bounds exact, upper bounds generous), a crash after RUNNING waits per the
 * schedule and gives up after startretries when backoff_reset_after keeps the count, and
 * `startretries=infinite` never gives up.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { type Daemon, header, start } from "./harness.ts"

const CONFIG = `${header()}
[program:constant]
command=sh -c 'exit 1'
backoff=constant
backoff_initial=0.5
startretries=3

[program:exponential]
command=sh -c 'exit 1'
backoff=exponential
backoff_initial=0.25
startretries=4

[program:linear]
command=sh -c 'exit 1'
backoff_initial=0.25
backoff_max=0.6
startretries=4

[program:crash]
command=sh -c 'sleep 0.2; exit 3'
startsecs=0
backoff=exponential
backoff_initial=0.5
backoff_reset_after=60
startretries=2

[program:forever]
command=sh -c 'exit 1'
backoff=constant
backoff_initial=0.1
startretries=infinite
`

/** The activity log's lines with their time (epoch ms). */
const timedLog = (d: Daemon): ReadonlyArray<{ readonly at: number; readonly line: string }> =>
  Fs.readFileSync(Path.join(d.dir, "main.log"), "utf8").split("\n").flatMap((l) => {
    const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d),(\d{3}) (.*)$/.exec(l)
    return m === null ? [] : [{ at: Date.parse(`${m[1]}T${m[2]}.${m[3]}`), line: m[4]! }]
  })

/** Seconds from each exit of `name` to its next spawn. */
const waits = (d: Daemon, name: string): ReadonlyArray<number> => {
  const gaps: Array<number> = []
  let exitedAt: number | undefined
  for (const { at, line } of timedLog(d)) {
    if (line.includes(`exited: ${name} (`)) exitedAt = at
    if (line.includes(`spawned: '${name}' with pid`) && exitedAt !== undefined) {
      gaps.push((at - exitedAt) / 1000)
      exitedAt = undefined
    }
  }
  return gaps
}

/** Each wait is at least its expected value (less the log's millisecond rounding) and less than `slack` more. */
const expectWaits = (got: ReadonlyArray<number>, expected: ReadonlyArray<number>, slack = 1.5) => {
  expect(got).toHaveLength(expected.length)
  got.forEach((wait, i) => {
    expect(wait, `wait ${i + 1} of ${got.join(", ")}`).toBeGreaterThanOrEqual(expected[i]! - 0.01)
    expect(wait, `wait ${i + 1} of ${got.join(", ")}`).toBeLessThan(expected[i]! + slack)
  })
}

describe("backoff= on real processes (effsup)", () => {
  let d: Daemon
  beforeAll(async () => {
    d = await start("effsup", CONFIG)
  })
  afterAll(async () => {
    await d?.stop()
  })

  it("constant waits backoff_initial each time", async () => {
    await d.waitForLog(/gave up: constant entered FATAL state/)
    expectWaits(waits(d, "constant"), [0.5, 0.5, 0.5], 0.9)
  })

  it("exponential doubles from backoff_initial", async () => {
    await d.waitForLog(/gave up: exponential entered FATAL state/)
    expectWaits(waits(d, "exponential"), [0.25, 0.5, 1, 2])
  })

  it("linear (supervisord's curve) grows by backoff_initial, up to backoff_max", async () => {
    await d.waitForLog(/gave up: linear entered FATAL state/)
    expectWaits(waits(d, "linear"), [0.25, 0.5, 0.6, 0.6], 1.2)
  })

  it("a crash after RUNNING waits per the schedule (supervisord restarts at once) and gives up after startretries", async () => {
    await d.waitForLog(/gave up: crash entered FATAL state/, 20_000)
    const lines = d.log().filter((l) => / crash[ ,(]|'crash'/.test(l))
    expect(lines.filter((l) => l.startsWith("WARN exited: crash (exit status 3; not expected)"))).toHaveLength(3)
    expect(lines.filter((l) => l.startsWith("INFO success: crash entered RUNNING state"))).toHaveLength(3)
    expectWaits(waits(d, "crash"), [0.5, 1])
    expect(d.ctl("status", "crash").stdout).toMatch(/^crash\s+FATAL\s+Bad exit code 3/)
  })

  it("startretries=infinite never gives up", async () => {
    await new Promise((r) => setTimeout(r, 3000))
    expect(waits(d, "forever").length).toBeGreaterThan(5)
    expect(d.log().some((l) => l.includes("gave up: forever"))).toBe(false)
    expect(d.ctl("status", "forever").stdout).toMatch(/^forever\s+(BACKOFF|STARTING)/)
  })
})
