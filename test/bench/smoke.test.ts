/**
 * Smoke test of the benchmark's pure parts — statistics, config generation, parsing of the
 * respawn timestamps, the command line and the report renderings. The timed scenarios are not
 * run here (CI must never assert timings); `npm run bench -- --quick` runs them.
 */
import * as Cp from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { renderConfig } from "../../bench/harness.ts"
import { parseArgs, SCENARIOS } from "../../bench/index.ts"
import { fmt, makeRow, renderJson, renderResultsMd, renderTable, type Report } from "../../bench/report.ts"
import { gapsFrom } from "../../bench/respawn.ts"
import { median, percentileSorted, ratio, summarize } from "../../bench/stats.ts"
import { heapBreakdown } from "../../bench/memory.ts"
import { compilePosixSpawn } from "../../bench/spawnCost.ts"

describe("stats", () => {
  it("median of odd and even counts", () => {
    expect(median([3, 1, 2])).toBe(2)
    expect(median([4, 1, 3, 2])).toBe(2.5)
  })

  it("nearest-rank percentiles", () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1)
    expect(percentileSorted(xs, 50)).toBe(50)
    expect(percentileSorted(xs, 90)).toBe(90)
    expect(percentileSorted(xs, 99)).toBe(99)
    expect(percentileSorted([7], 99)).toBe(7)
  })

  it("summarize sorts, and refuses empty or non-finite samples", () => {
    expect(summarize([5, 1, 9])).toEqual({ n: 3, median: 5, p90: 9, p99: 9, min: 1, max: 9 })
    expect(() => summarize([])).toThrow()
    expect(() => summarize([1, Number.NaN])).toThrow()
  })

  it("ratio is effsup over supervisord, undefined over zero", () => {
    expect(ratio(summarize([2]), summarize([8]))).toBe(0.25)
    expect(ratio(summarize([2]), summarize([0]))).toBeUndefined()
  })
})

describe("config generation", () => {
  const text = renderConfig([
    { name: "sleep", command: "sleep 1000", numprocs: 200, options: { startsecs: 0, autorestart: true } }
  ])

  it("puts socket, logs and pidfile beside the config", () => {
    expect(text).toContain("file=%(here)s/sock")
    expect(text).toContain("serverurl=unix://%(here)s/sock")
    expect(text).toContain("logfile=%(here)s/main.log")
    expect(text).toContain("supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface")
  })

  it("writes numprocs with zero-padded process names and the options verbatim", () => {
    expect(text).toContain("[program:sleep]\ncommand=sleep 1000\nprocess_name=%(program_name)s_%(process_num)03d\nnumprocs=200\n")
    expect(text).toContain("startsecs=0\nautorestart=true\n")
  })

  it("a single process has no process_name", () => {
    expect(renderConfig([{ name: "one", command: "true" }])).not.toContain("process_name")
  })

  it("the spawn floor (posix_spawn from C) compiles, times each cycle, and starts n programs", () => {
    const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "effsup-smoke-cc-"))
    try {
      const program = compilePosixSpawn(dir)
      const cycles = Cp.execFileSync(program, ["cycle", "3"], { encoding: "utf8" }).trim().split("\n").map(Number)
      expect(cycles).toHaveLength(3)
      for (const us of cycles) expect(us).toBeGreaterThan(0)
      expect(Cp.spawnSync(program, ["start", "2", "0"]).status).toBe(0)
    } finally {
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe("heap snapshot breakdown", () => {
  it("sums self sizes by kind of node", () => {
    const snapshot = {
      snapshot: { meta: { node_fields: ["type", "name", "id", "self_size"], node_types: [["object", "closure", "string", "code", "hidden"]] } },
      // type, name, id, self_size
      nodes: [0, 0, 1, 100, 0, 1, 2, 40, 1, 2, 3, 56, 2, 2, 4, 30, 3, 2, 5, 500, 4, 2, 6, 7],
      strings: ["Object", "system / Context", "f"]
    }
    expect(heapBreakdown(snapshot)).toEqual({ total: 733, closures: 56, contexts: 40, objects: 100, stringsAndArrays: 30, code: 500, other: 7 })
  })
})

describe("respawn timestamps", () => {
  it("pairs each exit with the next start, in ms", () => {
    const text = "start 1000.000000\nexit 1000.100000\nstart 1000.102500\nexit 1000.200000\nstart 1000.213000\nexit 1000.3"
    expect(gapsFrom(text)).toEqual([2.5, 13])
  })

  it("ignores a start without a preceding exit and torn lines", () => {
    expect(gapsFrom("start 1.000000\nstart 2.000000\nexit 3.000000\nsta")).toEqual([])
  })
})

describe("command line", () => {
  it("parses --quick, --json and --only", () => {
    expect(parseArgs(["--quick", "--json", "--only", "rpc,idle"])).toEqual({ quick: true, json: true, only: ["rpc", "idle"] })
    expect(parseArgs(["--only=respawn"]).only).toEqual(["respawn"])
    expect(parseArgs([])).toEqual({ quick: false, json: false, only: undefined })
  })

  it("refuses unknown flags and scenarios", () => {
    expect(() => parseArgs(["--fast"])).toThrow(/unknown argument/)
    expect(() => parseArgs(["--only", "nope"])).toThrow(/unknown scenario/)
  })

  it("has the six scenarios of the issue", () => {
    expect(SCENARIOS.map((s) => s.name)).toEqual(["spawnCost", "respawn", "coldStart", "logThroughput", "rpc", "stopAll", "idle", "memory"])
  })
})

describe("report", () => {
  const rows = [
    makeRow({
      scenario: "respawn", metric: "exit → next start", unit: "ms", tails: true,
      effsup: [3, 4, 5], supervisord: [10, 20, 30], floor: { label: "shell loop", samples: [2, 2, 2] },
      target: ({ effsup, floor }) => ({ text: "p50 ≤ floor + 5 ms", pass: effsup!.median <= floor!.median + 5 })
    }),
    makeRow({ scenario: "logThroughput", metric: "floors", unit: "MiB/s", tails: false, floor: { label: "cat", samples: [700] } })
  ]
  const report: Report = {
    date: "2025-01-01T00:00:00.000Z", mode: "full", machine: { nproc: "2", cpu: "Test CPU" }, effsupEntry: "src/bin.ts",
    rows, methods: { respawn: "how it measures" }, failures: []
  }

  it("formats numbers to about three digits", () => {
    expect([fmt(1234.5), fmt(123.45), fmt(12.345), fmt(1.2345), fmt(0), fmt(0.01234)]).toEqual(["1235", "123", "12.3", "1.23", "0.00", "0.012"])
  })

  it("evaluates targets from the summaries", () => {
    expect(rows[0]!.target).toEqual({ text: "p50 ≤ floor + 5 ms", pass: true })
    expect(rows[1]!.effsup).toBeUndefined()
  })

  it("renders one aligned markdown table with tails, ratio, floor and PASS/MISS", () => {
    const table = renderTable(rows)
    const lines = table.split("\n")
    expect(lines).toHaveLength(4)
    expect(new Set(lines.map((l) => [...l].length)).size).toBe(1)
    expect(lines[2]).toContain("4.00 (5.00 / 5.00)")
    expect(lines[2]).toContain("0.20×")
    expect(lines[2]).toContain("2.00 (shell loop)")
    expect(lines[2]).toContain("PASS")
    expect(lines[3]).toContain("700 (cat)")
  })

  it("RESULTS.md has the machine, the date, the table and the methods; JSON round-trips", () => {
    const md = renderResultsMd(report)
    expect(md).toContain("- **cpu**: Test CPU")
    expect(md).toContain("Date: 2025-01-01T00:00:00.000Z")
    expect(md).toContain(renderTable(rows))
    expect(md).toContain("- **respawn**: how it measures")
    expect(JSON.parse(renderJson(report)).rows[0].effsup.median).toBe(4)
  })
})

describe("README sync", () => {
  it("copies date, machine and table between the markers, and nothing else (not a scenario named like a machine field)", async () => {
    const { resultsSection, spliceReadme } = await import("../../bench/readme.ts")
    const results = "# t\n\nDate: D.\n\n- **nproc**: 2\n- **node**: v24\n\ntext\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n## How\n- **respawn**: x\n- **memory**: 0, 50 and 500 programs\n"
    const section = resultsSection(results)
    expect(section).toBe("Date: D.\n\n- **nproc**: 2\n- **node**: v24\n\n| a | b |\n|---|---|\n| 1 | 2 |")
    const readme = "intro\n<!-- bench:results:start -->\nold\n<!-- bench:results:end -->\nafter\n"
    expect(spliceReadme(readme, section)).toBe(`intro\n<!-- bench:results:start -->\n${section}\n<!-- bench:results:end -->\nafter\n`)
    expect(() => spliceReadme("no markers", section)).toThrow()
  })
})
