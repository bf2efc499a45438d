/**
 * Crash-loop memory, with the real daemon run as it ships (the executable's shebang flag
 * `--max-semi-space-size=1`): one program crash-looping (`command=false`, startsecs=0,
 * autorestart=true) restarts thousands of times; the live heap after each full GC (V8's
 * `--trace-gc` lines) must not grow from the first half of the run to the second, nor the RSS from
 * the end of the warm-up (1 000 restarts) to the end.
 * Nothing per restart may be kept: a leak of a few hundred bytes per restart would show here.
 */
import * as Cp from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { header } from "../e2e/harness.ts"

const ROOT = Path.resolve(import.meta.dirname, "../..")
/** Restarts measured after the warm-up; enough to show a leak of ~500 bytes per restart as > 4 MB. */
const RESTARTS = 8000
const WARMUP = 1000

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const rssKib = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(Fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0)

let daemon: Cp.ChildProcess | undefined
afterAll(() => {
  daemon?.kill("SIGKILL")
})

describe("crash-loop memory", () => {
  it(`the live heap and RSS stay flat over ${RESTARTS} restarts`, async () => {
    const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "effsup-soak-"))
    Fs.writeFileSync(Path.join(dir, "test.conf"), `${header().replace("loglevel=debug", "loglevel=info")}
[program:flap]
command=false
startsecs=0
autorestart=true
`)
    const child = Cp.spawn(process.execPath, ["--max-semi-space-size=1", "--trace-gc", Path.join(ROOT, "src/bin.ts"), "run", "-n", "-c", "test.conf"], {
      cwd: dir,
      stdio: ["ignore", "pipe", "ignore"]
    })
    daemon = child
    /** Live heap (MB) after each full GC, with the spawn count when it was seen. */
    const compactions: Array<{ readonly spawns: number; readonly live: number }> = []
    let spawns = 0
    let pending = ""
    child.stdout!.on("data", (data: Buffer) => {
      const lines = (pending + data.toString("latin1")).split("\n")
      pending = lines.pop()!
      for (const line of lines) {
        if (line.includes("spawned: 'flap'")) spawns++
        const gc = /Mark-Compact [\d.]+ \([\d.]+\) -> ([\d.]+) \(/.exec(line)
        if (gc !== null) compactions.push({ spawns, live: Number(gc[1]) })
      }
    })
    try {
      const until = async (count: number) => {
        const deadline = Date.now() + 240_000
        while (spawns < count) {
          if (Date.now() > deadline || child.exitCode !== null) throw new Error(`only ${spawns} restarts`)
          await sleep(100)
        }
      }
      await until(WARMUP)
      const rssBefore = rssKib(child.pid!)
      await until(WARMUP + RESTARTS)
      const rssAfter = rssKib(child.pid!)
      const early = compactions.filter((c) => c.spawns >= WARMUP && c.spawns <= WARMUP + RESTARTS / 2).map((c) => c.live)
      const late = compactions.filter((c) => c.spawns >= WARMUP + RESTARTS / 2).map((c) => c.live)
      expect(early.length, `full GCs in the first half (all: ${JSON.stringify(compactions)})`).toBeGreaterThan(0)
      expect(late.length, "full GCs late").toBeGreaterThan(0)
      // the smallest live heaps: what survives a full GC, whatever was in flight at that moment
      const growthMb = Math.min(...late) - Math.min(...early)
      console.log(
        `crash loop: ${spawns} restarts; live heap after full GC ${Math.min(...early)} → ${Math.min(...late)} MB; ` +
          `RSS ${Math.round(rssBefore / 1024)} → ${Math.round(rssAfter / 1024)} MiB`
      )
      expect(growthMb, "live heap growth (MB)").toBeLessThan(4)
      expect((rssAfter - rssBefore) / 1024, "RSS growth (MiB)").toBeLessThan(24)
    } finally {
      child.kill("SIGTERM")
      await new Promise((r) => child.once("exit", r))
      daemon = undefined
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  }, 300_000)
})
