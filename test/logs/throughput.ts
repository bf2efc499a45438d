/**
 * Manual throughput check for the child-log pipeline (not a unit test; run by hand, ~1 min):
 *   node test/logs/throughput.ts [MiB=256] [rounds=3]
 * 1. The target: MiB of 64 KiB chunks handed to RotatingFile.write (no rotation, rotation at 50 MiB)
 *    and to ChildOutput.drain, against `cat src | cat > dst`.
 * 2. For information, end to end: a child `cat src` whose stdout pipe is read by Node and drained
 *    through ChildOutput, against Node reading the same pipe and discarding it.
 * Each variant writes into a fresh directory; the best of `rounds` runs is reported (the machine is shared).
 * @since 0.1.0
 */
import { NodeServices, NodeStream } from "@effect/platform-node"
import { Effect, Layer, Stream } from "effect"
import * as Cp from "node:child_process"
import * as Fs from "node:fs"
import type { ChannelConfig } from "../../src/config/Types.ts"
import { EventBus } from "../../src/events/EventBus.ts"
import * as ChildOutput from "../../src/logs/ChildOutput.ts"
import * as RotatingFile from "../../src/logs/RotatingFile.ts"
import { channelConfig } from "../support/Configs.ts"

const MIB = 1024 * 1024
const size = Number(process.argv[2] ?? 256) * MIB
const rounds = Number(process.argv[3] ?? 3)
const root = Fs.mkdtempSync("/tmp/effsup-throughput-")
process.once("exit", () => Fs.rmSync(root, { recursive: true, force: true })) // also when a run fails (src.bin alone is 256 MiB by default)
const src = `${root}/src.bin`
Fs.writeFileSync(src, Buffer.alloc(size, "0123456789abcdef\n"))
const chunks = Array.from({ length: size / (64 * 1024) }, () => Buffer.alloc(64 * 1024, "0123456789abcdef\n"))
const services = Layer.mergeAll(NodeServices.layer, EventBus.layer)

let runId = 0
/** Best MiB/s of `rounds` runs of `run(dir)`, each in a new directory. */
const best = async (run: (dir: string) => Promise<unknown>) => {
  let rate = 0
  for (let i = 0; i < rounds; i++) {
    const dir = `${root}/${runId++}`
    Fs.mkdirSync(dir)
    const t0 = performance.now()
    await run(dir)
    rate = Math.max(rate, size / MIB / ((performance.now() - t0) / 1000))
    Fs.rmSync(dir, { recursive: true })
  }
  return rate
}
const report = (label: string, rate: number, base?: number) =>
  console.log(`${label.padEnd(40)} ${rate.toFixed(0).padStart(6)} MiB/s${base ? `  ${(100 * rate / base).toFixed(0)}%` : ""}`)

const channel = (maxBytes: number): ChannelConfig => channelConfig({ logfileMaxbytes: maxBytes })
const run = <A, E>(eff: Effect.Effect<A, E, Layer.Success<typeof services> | import("effect").Scope.Scope>) =>
  Effect.runPromise(eff.pipe(Effect.scoped, Effect.provide(services)))

const viaRotatingFile = (maxBytes: number) => (dir: string) =>
  run(Effect.gen(function*() {
    const file = yield* RotatingFile.make(`${dir}/out.log`, { maxBytes, backups: 10 })
    for (const c of chunks) yield* file.write(c)
    yield* file.flush
  }))
const viaChildOutput = (maxBytes: number, source: () => Stream.Stream<Uint8Array, unknown>) => (dir: string) =>
  run(Effect.gen(function*() {
    const out = yield* ChildOutput.make({
      processName: "cat", groupName: "cat", stdoutLog: `${dir}/out.log`, stderrLog: undefined,
      stdout: channel(maxBytes), stderr: channel(0), stripAnsi: false
    })
    yield* out.drain("stdout", 1, source())
  }))
const catPipe = () => {
  const child = Cp.spawn("cat", [src], { stdio: ["ignore", "pipe", "ignore"] })
  return NodeStream.fromReadable<Uint8Array, unknown>({ evaluate: () => child.stdout!, onError: (e) => e })
}
const sh = (command: string) => new Promise((resolve) => Cp.spawn("sh", ["-c", command]).on("exit", resolve))

const base = await best((dir) => sh(`cat ${src} | cat > ${dir}/out.log`))
report("cat | cat > file", base)
report("RotatingFile.write, no rotation", await best(viaRotatingFile(0)), base)
report("RotatingFile.write, rotate at 50 MiB", await best(viaRotatingFile(50 * MIB)), base)
report("ChildOutput.drain, no rotation", await best(viaChildOutput(0, () => Stream.fromIterable(chunks))), base)
report("ChildOutput.drain, rotate at 50 MiB", await best(viaChildOutput(50 * MIB, () => Stream.fromIterable(chunks))), base)
console.log("end to end (a child's stdout pipe read by Node):")
const nodeRead = await best(() => run(Stream.runDrain(catPipe())))
report("Node reads the pipe, discards", nodeRead)
report("ChildOutput.drain(cat), no rotation", await best(viaChildOutput(0, catPipe)), nodeRead)
report("ChildOutput.drain(cat), rotate at 50 MiB", await best(viaChildOutput(50 * MIB, catPipe)), nodeRead)
