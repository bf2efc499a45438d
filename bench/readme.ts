/**
 * Copies the latest results (bench/RESULTS.md: date, machine, table) into README.md between the
 * `<!-- bench:results -->` markers, so the README shows them without anyone typing numbers.
 * Run by `npm run bench` after a full run; also runnable alone: `node bench/readme.ts`.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"

const ROOT = Path.resolve(import.meta.dirname, "..")
const START = "<!-- bench:results:start -->"
const END = "<!-- bench:results:end -->"

/** The README section for a RESULTS.md text: its date/machine lines and its table. */
export const resultsSection = (results: string): string => {
  const lines = results.split("\n")
  const date = lines.find((l) => l.startsWith("Date: ")) ?? ""
  // the machine list comes before the table (the method list after it has a "memory" scenario too)
  const beforeTable = lines.slice(0, Math.max(0, lines.findIndex((l) => l.startsWith("|"))))
  const machine = beforeTable.filter((l) => /^- \*\*(nproc|cpu|memory|kernel|node|supervisord)\*\*/.test(l))
  const table = lines.filter((l) => l.startsWith("|"))
  return [date, "", ...machine, "", ...table].join("\n")
}

/** README text with the section between the markers replaced (markers must be present). */
export const spliceReadme = (readme: string, section: string): string => {
  const start = readme.indexOf(START)
  const end = readme.indexOf(END)
  if (start < 0 || end < start) throw new Error(`README.md has no ${START} … ${END} markers`)
  return `${readme.slice(0, start + START.length)}\n${section}\n${readme.slice(end)}`
}

/** Update README.md from bench/RESULTS.md. */
export const syncReadme = (): void => {
  const results = Fs.readFileSync(Path.join(ROOT, "bench/RESULTS.md"), "utf8")
  const file = Path.join(ROOT, "README.md")
  Fs.writeFileSync(file, spliceReadme(Fs.readFileSync(file, "utf8"), resultsSection(results)))
}

if (import.meta.main) syncReadme()
