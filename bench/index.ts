/**
 * `npm run bench [-- --quick] [--json] [--only a,b]`: runs every scenario against effsup and the
 * real supervisord 4.2.5 on this machine, interleaved, and prints one table (or JSON). The full
 * run of every scenario also writes bench/RESULTS.md and copies it into README.md.
 *
 * Invariants: progress goes to stderr, results to stdout; every process the bench started is
 * killed before it exits, also on error or Ctrl-C (see harness.ts `killLeftovers`); timings never
 * decide the exit code (a failed scenario does: 1).
 * @since 0.1.0
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { coldStart } from "./coldStart.ts"
import { type Ctx, describeMachine, detectEffsup, killLeftovers, requireSupervisord, ROOT, type Scenario } from "./harness.ts"
import { idle } from "./idle.ts"
import { logThroughput } from "./logThroughput.ts"
import { memoryBreakdown } from "./memory.ts"
import { renderJson, renderResultsMd, renderTable, type Report, type Row } from "./report.ts"
import { respawn } from "./respawn.ts"
import { rpc } from "./rpc.ts"
import { spawnCost } from "./spawnCost.ts"
import { stopAll } from "./stopAll.ts"
import { syncReadme } from "./readme.ts"

/** Every scenario, in run order. */
export const SCENARIOS: ReadonlyArray<Scenario> = [spawnCost, respawn, coldStart, logThroughput, rpc, stopAll, idle, memoryBreakdown]

/** Parsed command line. */
export interface Options {
  readonly quick: boolean
  readonly json: boolean
  readonly only: ReadonlyArray<string> | undefined
}

/** Parses `--quick`, `--json`, `--only a,b` (or `--only=a,b`); throws on anything else. */
export const parseArgs = (argv: ReadonlyArray<string>): Options => {
  let quick = false, json = false
  let only: Array<string> | undefined
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === "--quick") quick = true
    else if (a === "--json") json = true
    else if (a === "--only" || a.startsWith("--only=")) {
      const value = a === "--only" ? argv[++i] : a.slice("--only=".length)
      if (value === undefined || value === "") throw new Error("--only needs a scenario name")
      only = [...(only ?? []), ...value.split(",")]
    } else throw new Error(`unknown argument ${a}; usage: bench [--quick] [--json] [--only ${SCENARIOS.map((s) => s.name).join("|")}]`)
  }
  const unknown = (only ?? []).filter((n) => !SCENARIOS.some((s) => s.name === n))
  if (unknown.length > 0) throw new Error(`unknown scenario ${unknown.join(", ")}; known: ${SCENARIOS.map((s) => s.name).join(", ")}`)
  return { quick, json, only }
}

const main = async (): Promise<number> => {
  const options = parseArgs(process.argv.slice(2))
  const log = (m: string) => process.stderr.write(`[bench] ${m}\n`)
  const supervisordVersion = requireSupervisord()
  const effsup = detectEffsup()
  log(`effsup entry: ${effsup.argv.map((a) => Path.relative(ROOT, a) || a).join(" ")}`)
  const ctx: Ctx = { quick: options.quick, effsup, log }
  const selected = SCENARIOS.filter((s) => options.only === undefined || options.only.includes(s.name))
  const rows: Array<Row> = []
  const failures: Array<{ scenario: string; error: string }> = []
  for (const s of selected) {
    const t0 = Date.now()
    log(`${s.name}…`)
    try {
      rows.push(...(await s.run(ctx)))
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e)
      failures.push({ scenario: s.name, error })
      log(`${s.name} FAILED: ${error}`)
    }
    const left = killLeftovers()
    if (left > 0) log(`${s.name}: killed ${left} leftover process(es)`)
    log(`${s.name} done in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
  }
  const report: Report = {
    date: new Date().toISOString(),
    mode: options.quick ? "quick" : "full",
    machine: describeMachine(supervisordVersion),
    effsupEntry: effsup.argv.map((a) => Path.relative(ROOT, a)).join(" "),
    rows,
    methods: Object.fromEntries(selected.map((s) => [s.name, s.method])),
    failures
  }
  process.stdout.write(options.json ? `${renderJson(report)}\n` : `${renderTable(rows)}\n`)
  if (!options.quick && options.only === undefined) {
    const file = Path.join(ROOT, "bench/RESULTS.md")
    Fs.writeFileSync(file, renderResultsMd(report))
    syncReadme()
    log(`wrote ${Path.relative(ROOT, file)} and the results section of README.md`)
  }
  return failures.length > 0 ? 1 : 0
}

if (import.meta.main) {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      killLeftovers()
      process.exit(130)
    })
  }
  process.on("exit", () => killLeftovers())
  main().then(
    (code) => (process.exitCode = code),
    (e: unknown) => {
      process.stderr.write(`[bench] ${e instanceof Error ? e.message : String(e)}\n`)
      process.exitCode = 1
    }
  )
}
