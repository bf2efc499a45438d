/**
 * The benchmark's results as data and their renderings: one markdown table (printed to the
 * terminal and written to bench/RESULTS.md with the machine and the date), and JSON for `--json`.
 * Pure: no I/O here; bench/index.ts prints and writes.
 *
 * Invariants: every number in the table comes from a `Summary` of measured samples; a target's
 * PASS/MISS is computed from those summaries by the scenario that declares it, never typed in.
 * @since 0.1.0
 */
import { ratio, summarize, type Summary } from "./stats.ts"

/** A target to report against (informational: it never fails the run). */
export interface Target {
  /** What the target says, e.g. "p50 ≤ floor + 5 ms". */
  readonly text: string
  readonly pass: boolean
}

/** One metric of one scenario, for each contender that has it. */
export interface Row {
  readonly scenario: string
  readonly metric: string
  readonly unit: string
  /** Whether p90/p99 mean something for this metric (latency distributions), or only the median. */
  readonly tails: boolean
  readonly effsup?: Summary
  readonly supervisord?: Summary
  readonly floor?: { readonly label: string; readonly summary: Summary }
  readonly target?: Target
}

/** The raw samples of one metric, as a scenario collected them. */
export interface RowInput {
  readonly scenario: string
  readonly metric: string
  readonly unit: string
  readonly tails: boolean
  readonly effsup?: ReadonlyArray<number>
  readonly supervisord?: ReadonlyArray<number>
  readonly floor?: { readonly label: string; readonly samples: ReadonlyArray<number> }
  /** Computes the target from the summaries, when the metric has one. */
  readonly target?: (s: {
    readonly effsup: Summary | undefined
    readonly supervisord: Summary | undefined
    readonly floor: Summary | undefined
  }) => Target
}

/** Summarizes a scenario's samples into a table row and evaluates its target. */
export const makeRow = (input: RowInput): Row => {
  const effsup = input.effsup === undefined ? undefined : summarize(input.effsup)
  const supervisord = input.supervisord === undefined ? undefined : summarize(input.supervisord)
  const floor = input.floor === undefined ? undefined : { label: input.floor.label, summary: summarize(input.floor.samples) }
  return {
    scenario: input.scenario, metric: input.metric, unit: input.unit, tails: input.tails,
    ...(effsup === undefined ? {} : { effsup }),
    ...(supervisord === undefined ? {} : { supervisord }),
    ...(floor === undefined ? {} : { floor }),
    ...(input.target === undefined ? {} : { target: input.target({ effsup, supervisord, floor: floor?.summary }) })
  }
}

/** A number with 3 significant-ish digits: 1234, 123, 12.3, 1.23, 0.123. */
export const fmt = (x: number): string => {
  const a = Math.abs(x)
  if (a >= 100) return x.toFixed(0)
  if (a >= 10) return x.toFixed(1)
  if (a >= 0.1 || a === 0) return x.toFixed(2)
  return x.toPrecision(2)
}

const cell = (s: Summary | undefined, tails: boolean): string =>
  s === undefined ? "–" : tails ? `${fmt(s.median)} (${fmt(s.p90)} / ${fmt(s.p99)})` : fmt(s.median)

/** The column headers of the table. */
export const HEADERS = [
  "scenario", "metric", "unit", "effsup p50 (p90 / p99)", "supervisord p50 (p90 / p99)", "effsup/supervisord", "floor",
  "target", ""
] as const

/** The cells of one row, in HEADERS order. */
export const rowCells = (r: Row): ReadonlyArray<string> => {
  const q = r.effsup !== undefined && r.supervisord !== undefined ? ratio(r.effsup, r.supervisord) : undefined
  return [
    r.scenario,
    r.metric,
    r.unit,
    cell(r.effsup, r.tails),
    cell(r.supervisord, r.tails),
    q === undefined ? "–" : `${fmt(q)}×`,
    r.floor === undefined ? "–" : `${fmt(r.floor.summary.median)} (${r.floor.label})`,
    r.target?.text ?? "",
    r.target === undefined ? "" : r.target.pass ? "PASS" : "MISS"
  ]
}

/** A markdown table with padded columns (readable in a terminal as it is). */
export const renderTable = (rows: ReadonlyArray<Row>): string => {
  const body = rows.map(rowCells)
  const all = [HEADERS as ReadonlyArray<string>, ...body]
  const widths = HEADERS.map((_, i) => Math.max(3, ...all.map((cells) => [...cells[i]!].length)))
  const line = (cells: ReadonlyArray<string>) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`
  return [line(all[0]!), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...body.map(line)].join("\n")
}

/** Everything one run produced. */
export interface Report {
  readonly date: string
  readonly mode: "full" | "quick"
  readonly machine: Readonly<Record<string, string>>
  readonly effsupEntry: string
  readonly rows: ReadonlyArray<Row>
  /** How each scenario measures, by scenario name. */
  readonly methods: Readonly<Record<string, string>>
  /** Scenarios that failed, with the error message. */
  readonly failures: ReadonlyArray<{ readonly scenario: string; readonly error: string }>
}

/** The `--json` output. */
export const renderJson = (report: Report): string => JSON.stringify(report, null, 2)

/** bench/RESULTS.md: machine, date, the table, the targets and how each scenario measures. */
export const renderResultsMd = (report: Report): string => {
  const machine = Object.entries(report.machine).map(([k, v]) => `- **${k}**: ${v}`)
  const methods = Object.entries(report.methods).map(([k, v]) => `- **${k}**: ${v}`)
  const failures = report.failures.map((f) => `- **${f.scenario}** failed: ${f.error}`)
  return [
    "# effsup vs supervisord 4.2.5: benchmark results",
    "",
    "Generated by `npm run bench` (bench/index.ts, full mode). Do not edit by hand: rerun the command.",
    "",
    `Date: ${report.date}. Mode: ${report.mode}. effsup entry: \`${report.effsupEntry}\`.`,
    "",
    ...machine,
    "",
    "Both daemons run on the same machine in the same run, interleaved (the order alternates every",
    "repetition), driven the same way from outside: generated config, XML-RPC on the unix socket, files",
    "and /proc. Cells are medians of all samples, with p90 / p99 where the metric is a latency",
    "distribution. The ratio is effsup's median over supervisord's. Targets are informational.",
    "",
    renderTable(report.rows),
    "",
    ...(failures.length > 0 ? ["## Failures", "", ...failures, ""] : []),
    "## How each scenario measures",
    "",
    ...methods,
    ""
  ].join("\n")
}
