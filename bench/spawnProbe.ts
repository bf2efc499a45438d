/**
 * The process the spawn-cost scenario measures in: it first grows to about HEAP MiB of live JS
 * objects (a daemon's size, so that fork would have page tables to copy), then spawns /bin/true
 * COUNT times, one at a time, each timed from the call to its exit, and prints the times (ms) and
 * its RSS as JSON. `native` is effsup's spawner addon; `child_process` is Node's (effsup's fallback).
 *
 *   node bench/spawnProbe.ts native|child_process COUNT HEAP
 * @since 0.1.0
 */
import * as Cp from "node:child_process"
import * as Fs from "node:fs"
import { loadNativeAddon } from "../src/process/NativeAddon.ts"

const [how, countText, heapText] = process.argv.slice(2)
const count = Number(countText ?? 200)
const heapMiB = Number(heapText ?? 200)

/** About `mib` MiB of small live objects. */
const grow = (mib: number): ReadonlyArray<unknown> => {
  const hold: Array<unknown> = []
  const target = mib * 1024 * 1024
  while (process.memoryUsage().heapUsed < target) {
    for (let i = 0; i < 10_000; i++) hold.push({ n: i, s: `item ${i}`, a: [i, i + 1] })
  }
  return hold
}

const spawnNative = (): Promise<void> => {
  const native = loadNativeAddon()
  if (native._tag !== "Loaded") throw new Error(`native spawner unavailable: ${native.reason}`)
  return new Promise((resolve) => {
    native.addon.spawn("/bin/true", ["true"], [], null, -1, null, () => resolve(), undefined, (error, started) => {
      if (error !== null || started === undefined) throw new Error(`spawn failed: ${error?.stage} ${error?.code}`)
      for (const fd of started.slice(1, 4)) Fs.closeSync(fd)
    })
  })
}

const spawnChildProcess = (): Promise<void> =>
  new Promise((resolve) => Cp.spawn("/bin/true", [], { stdio: "ignore" }).once("exit", () => resolve()))

const main = async () => {
  const hold = grow(heapMiB)
  const spawn = how === "native" ? spawnNative : spawnChildProcess
  const times: Array<number> = []
  for (let i = 0; i < count; i++) {
    const t0 = performance.now()
    await spawn()
    times.push(performance.now() - t0)
  }
  process.stdout.write(`${JSON.stringify({ times, rssMiB: process.memoryUsage().rss / 1024 / 1024, held: hold.length })}\n`)
}

void main()
