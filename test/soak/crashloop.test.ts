/**
 * Crash-loop memory, with the real daemon run as it ships (no Node flags: the daemon tunes its
 * heap itself, cli/DaemonHeap.ts): one program crash-looping (`command=false`, startsecs=0,
 * autorestart=true) restarts tens of thousands of times.
 * - RSS after RSS_RESTARTS restarts stays within 10 MiB of RSS after the warm-up (WARMUP restarts),
 *   read before any heap snapshot (a snapshot itself leaves the daemon's RSS higher). The warm-up
 *   covers V8's optimizing compilers warming up: the daemon keeps them off until its autostart burst
 *   is over (DaemonHeap.ts), and the crash loop's code is then optimized over the next ~10 s (RSS
 *   sampled each second: 113 MiB at 2 s, 123 at 12 s, 127 at 20 and 24 s; with them on from the
 *   start 123 at 2 s and 130 from 12 s on). After 1 000 restarts that growth was still to come.
 * - Then the JS heap must not grow over HEAP_RESTARTS more: two heap snapshots (each taken after a
 *   full GC, on `--heapsnapshot-signal`) must hold about the same bytes. Nothing per restart may be
 *   kept: a leak of ~500 bytes per restart would show as 4 MB here.
 */
import * as Cp from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { header } from "../e2e/harness.ts"
import { tempDir } from "../support/TempDir.ts"

const ROOT = Path.resolve(import.meta.dirname, "../..")
const WARMUP = 10_000
const RSS_RESTARTS = 20_000
const HEAP_RESTARTS = 8000

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const rssMib = (pid: number) => Math.round(Number(/VmRSS:\s+(\d+)/.exec(Fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024)

/** The bytes of every object in a heap snapshot. */
const heapBytes = (file: string): number => {
  const snapshot = JSON.parse(Fs.readFileSync(file, "utf8")) as {
    readonly snapshot: { readonly meta: { readonly node_fields: ReadonlyArray<string> } }
    readonly nodes: ReadonlyArray<number>
  }
  const fields = snapshot.snapshot.meta.node_fields
  const size = fields.indexOf("self_size")
  let total = 0
  for (let i = size; i < snapshot.nodes.length; i += fields.length) total += snapshot.nodes[i]!
  return total
}

let daemon: Cp.ChildProcess | undefined
afterAll(() => {
  daemon?.kill("SIGKILL")
})

describe("crash-loop memory", () => {
  it(`RSS and the heap stay flat over ${RSS_RESTARTS + HEAP_RESTARTS} restarts`, async () => {
    const dir = tempDir("soak")
    const file = Path.join(dir, "test.conf")
    Fs.writeFileSync(file, `${header().replace("loglevel=debug", "loglevel=info")}
[program:flap]
command=false
startsecs=0
autorestart=true
`)
    const child = Cp.spawn(
      process.execPath,
      ["--heapsnapshot-signal=SIGXCPU", Path.join(ROOT, "src/bin.ts"), "run", "-n", "-c", file],
      { cwd: dir, stdio: ["ignore", "pipe", "ignore"] }
    )
    daemon = child
    let spawns = 0
    let pending = ""
    child.stdout!.on("data", (data: Buffer) => {
      const lines = (pending + data.toString("latin1")).split("\n")
      pending = lines.pop()!
      for (const line of lines) if (line.includes("spawned: 'flap'")) spawns++
    })
    const until = async (count: number) => {
      const deadline = Date.now() + 400_000
      while (spawns < count) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`only ${spawns} restarts`)
        await sleep(100)
      }
    }
    /** Take a heap snapshot; the daemon answers ctl again once it is written (it is taken on its main thread). */
    const snapshot = async () => {
      const before = new Set(Fs.readdirSync(dir))
      child.kill("SIGXCPU")
      for (;;) {
        await sleep(500)
        const made = Fs.readdirSync(dir).find((f) => f.endsWith(".heapsnapshot") && !before.has(f))
        if (made !== undefined && Cp.spawnSync("supervisorctl", ["-c", file, "pid"], { timeout: 60_000 }).status === 0) {
          return heapBytes(Path.join(dir, made))
        }
      }
    }
    try {
      await until(WARMUP)
      const rssBefore = rssMib(child.pid!)
      const warm = spawns
      await until(warm + RSS_RESTARTS)
      const rssAfter = rssMib(child.pid!)
      const heapBefore = await snapshot()
      const counted = spawns
      await until(counted + HEAP_RESTARTS)
      const heapAfter = await snapshot()
      const growth = (heapAfter - heapBefore) / 1e6
      console.log(
        `crash loop: RSS ${rssBefore} MiB at ${warm} restarts, ${rssAfter} MiB at ${counted}; ` +
          `heap ${(heapBefore / 1e6).toFixed(2)} MB at ${counted}, ${(heapAfter / 1e6).toFixed(2)} MB at ${spawns}`
      )
      expect(rssAfter - rssBefore, "RSS growth (MiB)").toBeLessThanOrEqual(10)
      expect(growth, "heap growth (MB)").toBeLessThan(4)
    } finally {
      child.kill("SIGTERM")
      await new Promise((r) => child.once("exit", r))
      daemon = undefined
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  }, 600_000)
})
