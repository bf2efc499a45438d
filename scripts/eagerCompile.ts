/**
 * `node scripts/eagerCompile.ts FILE…`: a build step for the `effsup` bundle (package.json
 * "bundle": its entry, every chunk, and the `effsup ctl` bundle) that wraps every function
 * expression and arrow function of each FILE in parentheses, in place.
 *
 * Why: Node's compile cache (bin.ts enables it) stores the code V8 made when it compiled the file,
 * before it ran, and V8 compiles a function only at its first call, except a parenthesized one
 * (its "PIFE" hint), which it compiles with the file. Without the parentheses every `effsup ctl`
 * compiled from source again the ~1 200 functions of effect, the config reader and the XML-RPC
 * codec it calls; with them their bytecode comes from the cache (632 KB instead of 206 KB), and
 * `ctl status` against 200 programs takes 64 ms instead of 74 (medians of 60 interleaved runs, peak
 * RSS +0.5 MiB). Wrapping only the functions at the top level of the bundle saved nothing: effect's
 * work is done in the closures its functions return. The daemon's chunks likewise (the daemon runs
 * much of its code once: its start, a shutdown): a start of 500 programs 683 → 609 ms (medians of
 * 10 interleaved runs), SIGTERM of a fresh daemon of 200 until all are gone 111 → 94 ms (8 runs;
 * 88 → 86 ms after a stopAllProcesses and a startAllProcesses have run that code), for 3 MiB
 * more RSS (87 → 90 MiB at 500 programs). Without a cache (its first run, or an unwritable cache
 * directory) a start costs what it cost before (5 runs each).
 *
 * Gotchas: a function's `name` is unchanged (`var f = (() => 1)` is still named `f`). Function
 * declarations and class methods cannot be wrapped and stay lazy. The first run after a build,
 * with no cache yet, compiles every function of the file.
 * @since 0.1.0
 */
import * as Fs from "node:fs"
import ts from "typescript"

/** `source` with every function expression and arrow function that is not yet parenthesized wrapped in parentheses. */
export const parenthesizeFunctions = (source: string, fileName: string): string => {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS)
  const spans: Array<readonly [start: number, end: number]> = []
  const visit = (node: ts.Node): void => {
    if ((ts.isArrowFunction(node) || ts.isFunctionExpression(node)) && !ts.isParenthesizedExpression(node.parent)) {
      spans.push([node.getStart(file), node.end])
    }
    ts.forEachChild(node, visit)
  }
  visit(file)
  const inserts = spans.flatMap(([start, end]) => [{ at: start, text: "(" }, { at: end, text: ")" }])
    // at one offset a function's ")" goes before the next one's "("
    .sort((a, b) => a.at - b.at || (a.text === b.text ? 0 : a.text === ")" ? -1 : 1))
  let out = ""
  let from = 0
  for (const { at, text } of inserts) {
    out += source.slice(from, at) + text
    from = at
  }
  return out + source.slice(from)
}

for (const file of process.argv.slice(2)) {
  Fs.writeFileSync(file, parenthesizeFunctions(Fs.readFileSync(file, "utf8"), file))
}
