/**
 * Scenario 7, where the memory goes: effsup with 0, 50 and 500 programs (`sleep 1000`) RUNNING,
 * beside supervisord for scale. For effsup: RSS split into what is mapped from files (the Node
 * binary and its libraries, shared with every Node process) and anonymous memory (heaps); the
 * live JS heap from a heap snapshot (`--heapsnapshot-signal`), by kind of object; and the cost of
 * one more program, from the difference between 500 and 50.
 * @since 0.1.0
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { type EffsupEntry, type Kind, type Scenario, sleep, startRunning } from "./harness.ts"
import { sleepers } from "./coldStart.ts"
import { makeRow, type Row } from "./report.ts"

const MiB = 1024 * 1024
const SNAPSHOT_SIGNAL = "SIGPWR"

/** Live JS heap by kind of object, in bytes (self sizes from a heap snapshot). */
export interface HeapBreakdown {
  readonly total: number
  readonly closures: number
  readonly contexts: number
  readonly objects: number
  readonly stringsAndArrays: number
  readonly code: number
  readonly other: number
}

/** The kinds of a V8 heap snapshot's nodes, summed by self size (pure). */
export const heapBreakdown = (snapshot: {
  readonly snapshot: { readonly meta: { readonly node_fields: ReadonlyArray<string>; readonly node_types: ReadonlyArray<unknown> } }
  readonly nodes: ReadonlyArray<number>
  readonly strings: ReadonlyArray<string>
}): HeapBreakdown => {
  const fields = snapshot.snapshot.meta.node_fields
  const types = snapshot.snapshot.meta.node_types[0] as ReadonlyArray<string>
  const [typeAt, nameAt, sizeAt, width] = [fields.indexOf("type"), fields.indexOf("name"), fields.indexOf("self_size"), fields.length]
  const sums = { total: 0, closures: 0, contexts: 0, objects: 0, stringsAndArrays: 0, code: 0, other: 0 }
  for (let i = 0; i < snapshot.nodes.length; i += width) {
    const type = types[snapshot.nodes[i + typeAt]!]
    const size = snapshot.nodes[i + sizeAt]!
    const name = snapshot.strings[snapshot.nodes[i + nameAt]!]
    sums.total += size
    if (type === "closure") sums.closures += size
    else if (type === "object" && name === "system / Context") sums.contexts += size
    else if (type === "object") sums.objects += size
    else if (type === "string" || type === "concatenated string" || type === "sliced string" || type === "array") sums.stringsAndArrays += size
    else if (type === "code") sums.code += size
    else sums.other += size
  }
  return sums
}

/** RSS and its anonymous part of one process, in bytes (smaps_rollup). */
const memory = (pid: number): { readonly rss: number; readonly anonymous: number } => {
  const text = Fs.readFileSync(`/proc/${pid}/smaps_rollup`, "latin1")
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? NaN) * 1024
  return { rss: kb("Rss"), anonymous: kb("Anonymous") }
}

/** Signal the daemon for a heap snapshot and read it once it is written. */
const takeSnapshot = async (pid: number, dir: string): Promise<HeapBreakdown> => {
  process.kill(pid, SNAPSHOT_SIGNAL)
  const deadline = Date.now() + 60_000
  for (let last = -1; Date.now() < deadline; await sleep(250)) {
    const file = Fs.readdirSync(dir).find((f) => f.endsWith(".heapsnapshot"))
    if (file === undefined) continue
    const size = Fs.statSync(Path.join(dir, file)).size
    if (size > 0 && size === last) return heapBreakdown(JSON.parse(Fs.readFileSync(Path.join(dir, file), "utf8")))
    last = size
  }
  throw new Error("no heap snapshot written within 60 s")
}

/** effsup started through node with the snapshot signal (the binary is the entry's last argument). */
const withSnapshots = (effsup: EffsupEntry): EffsupEntry => ({
  argv: [process.execPath, `--heapsnapshot-signal=${SNAPSHOT_SIGNAL}`, effsup.argv[effsup.argv.length - 1]!]
})

/** The memory breakdown scenario. */
export const memoryBreakdown: Scenario = {
  name: "memory",
  method:
    "0, 50 and 500 × `sleep 1000` RUNNING, 1 s settled; RSS and its anonymous part from smaps_rollup (the rest is " +
    "mapped from files: the Node binary and libraries); effsup's live JS heap from a heap snapshot taken after, by " +
    "node type (closures, contexts, other objects, strings and arrays, code); per program = (500 − 50) / 450.",
  run: async (ctx) => {
    const sizes = ctx.quick ? [0, 50] : [0, 50, 500]
    const at: Record<number, { rss: Record<Kind, number>; anonymous: number; heap: HeapBreakdown }> = {}
    for (const n of sizes) {
      ctx.log(`  ${n} programs`)
      const rss: Record<Kind, number> = { effsup: 0, supervisord: 0 }
      const other = await startRunning("supervisord", ctx.effsup, sleepers(n), n)
      try {
        await sleep(1000)
        rss.supervisord = memory(other.pid).rss
      } finally {
        await other.stop()
      }
      const d = await startRunning("effsup", withSnapshots(ctx.effsup), sleepers(n), n)
      try {
        await sleep(1000)
        const m = memory(d.pid)
        rss.effsup = m.rss
        at[n] = { rss, anonymous: m.anonymous, heap: await takeSnapshot(d.pid, d.dir) }
      } finally {
        await d.stop()
      }
    }
    const mib = (bytes: number) => [bytes / MiB]
    const rows: Array<Row> = []
    for (const n of sizes) {
      const m = at[n]!
      rows.push(
        makeRow({ scenario: "memory", metric: `RSS, ${n} programs`, unit: "MiB", tails: false, effsup: mib(m.rss.effsup), supervisord: mib(m.rss.supervisord) }),
        makeRow({ scenario: "memory", metric: `  mapped from files (Node binary, libraries), ${n}`, unit: "MiB", tails: false, effsup: mib(m.rss.effsup - m.anonymous) }),
        makeRow({ scenario: "memory", metric: `  JS heap, live objects, ${n}`, unit: "MiB", tails: false, effsup: mib(m.heap.total) })
      )
    }
    if (at[500] !== undefined && at[50] !== undefined) {
      const [big, small] = [at[500], at[50]]
      const per = (a: number, b: number) => [(a - b) / 450 / 1024]
      rows.push(
        makeRow({ scenario: "memory", metric: "RSS per program (500 vs 50)", unit: "KiB", tails: false, effsup: per(big.rss.effsup, small.rss.effsup), supervisord: per(big.rss.supervisord, small.rss.supervisord) }),
        makeRow({ scenario: "memory", metric: "  JS heap per program", unit: "KiB", tails: false, effsup: per(big.heap.total, small.heap.total) }),
        makeRow({ scenario: "memory", metric: "    closures and their contexts", unit: "KiB", tails: false, effsup: per(big.heap.closures + big.heap.contexts, small.heap.closures + small.heap.contexts) }),
        makeRow({ scenario: "memory", metric: "    other objects", unit: "KiB", tails: false, effsup: per(big.heap.objects, small.heap.objects) }),
        makeRow({ scenario: "memory", metric: "    strings and arrays", unit: "KiB", tails: false, effsup: per(big.heap.stringsAndArrays, small.heap.stringsAndArrays) }),
        makeRow({ scenario: "memory", metric: "    code, and the rest", unit: "KiB", tails: false, effsup: per(big.heap.code + big.heap.other, small.heap.code + small.heap.other) })
      )
    }
    return rows
  }
}
