/**
 * Scenario 0, spawn cost: one spawn of /bin/true, from the call to its reaped exit, made by a
 * process about the size of a supervising daemon (HEAP MiB of live objects), so that a fork has
 * page tables to copy. effsup: its native spawner (clone with CLONE_VM|CLONE_VFORK) from a Node
 * process (bench/spawnProbe.ts); its node:child_process fallback from the same. supervisord: what
 * it does (os.fork + os.execve, then waitpid) from a Python process of the same size. Floor:
 * posix_spawn + waitpid from a small C program (bench/posixSpawn.c, compiled by the bench).
 * @since 0.1.0
 */
import * as Cp from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { interleave, ROOT, type Scenario } from "./harness.ts"
import { makeRow } from "./report.ts"

const HEAP_MIB = 200

/** supervisord's spawn (process.py: os.fork, os.execve in the child, waitpid in the parent), timed per spawn. */
const PYTHON_PROBE = `
import json, os, sys, time
count, heap = int(sys.argv[1]), int(sys.argv[2])
hold = bytearray(heap * 1048576)
for i in range(0, len(hold), 4096): hold[i] = 1
times = []
for _ in range(count):
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try: os.execve("/bin/true", ["true"], {})
        finally: os._exit(127)
    os.waitpid(pid, 0)
    times.append((time.perf_counter() - t0) * 1000)
print(json.dumps({"times": times}))
`

/** Compile the C floor program (bench/posixSpawn.c) into `dir`; returns its path. */
export const compilePosixSpawn = (dir: string): string => {
  const out = Path.join(dir, "posixSpawn")
  const cc = Cp.spawnSync("cc", ["-O2", "-o", out, Path.join(ROOT, "bench/posixSpawn.c")], { encoding: "utf8" })
  if (cc.status !== 0) throw new Error(`cc bench/posixSpawn.c failed (a C compiler is needed for the spawn floor):\n${cc.stderr}`)
  return out
}

let compiled: string | undefined

/** The C floor program, compiled once per bench run into a temp dir that is removed when the run exits. */
export const posixSpawnProgram = (): string => {
  if (compiled !== undefined) return compiled
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "effsup-bench-cc-"))
  process.once("exit", () => Fs.rmSync(dir, { recursive: true, force: true }))
  compiled = compilePosixSpawn(dir)
  return compiled
}

/** Run a command to its end and return its stdout; throws with its stderr when it fails. */
export const runChecked = (command: string, args: ReadonlyArray<string>): string => {
  const r = Cp.spawnSync(command, args, { encoding: "utf8", timeout: 120_000, maxBuffer: 16 * 1024 * 1024 })
  if (r.status !== 0) throw new Error(`${command} ${args.join(" ")} failed: ${r.stderr}`)
  return r.stdout
}

/** The spawn cost scenario. */
export const spawnCost: Scenario = {
  name: "spawnCost",
  method:
    `one spawn of /bin/true, call to reaped exit, from a process holding ~${HEAP_MIB} MiB (a daemon's size), ` +
    "spawns one at a time. effsup: its native spawner from Node (bench/spawnProbe.ts; also node:child_process, its " +
    "fallback); supervisord: os.fork + os.execve + waitpid from Python, as process.py spawns; floor: posix_spawn + " +
    "waitpid from C (bench/posixSpawn.c).",
  run: async (ctx) => {
    const count = ctx.quick ? 50 : 200
    const reps = ctx.quick ? 1 : 3
    const samples: Record<"native" | "child_process" | "python" | "floor", Array<number>> = {
      native: [], child_process: [], python: [], floor: []
    }
    const probe = (how: "native" | "child_process") => async () => {
      const out = runChecked(process.execPath, [Path.join(ROOT, "bench/spawnProbe.ts"), how, String(count), String(HEAP_MIB)])
      samples[how].push(...(JSON.parse(out) as { times: Array<number> }).times)
    }
    const floor = posixSpawnProgram()
    await interleave(reps, {
      native: probe("native"),
      child_process: probe("child_process"),
      python: async () => {
        samples.python.push(...(JSON.parse(runChecked("python3", ["-c", PYTHON_PROBE, String(count), String(HEAP_MIB)])) as { times: Array<number> }).times)
      },
      floor: async () => {
        samples.floor.push(...runChecked(floor, ["cycle", String(count)]).trim().split("\n").map((us) => Number(us) / 1000))
      }
    }, ctx.log)
    return [
      makeRow({
        scenario: "spawnCost", metric: `spawn + exit of /bin/true, ${HEAP_MIB} MiB parent`, unit: "ms", tails: true,
        effsup: samples.native, supervisord: samples.python,
        floor: { label: "posix_spawn from C", samples: samples.floor }
      }),
      makeRow({
        scenario: "spawnCost", metric: `same, node:child_process (effsup's fallback)`, unit: "ms", tails: true,
        effsup: samples.child_process, floor: { label: "posix_spawn from C", samples: samples.floor }
      })
    ]
  }
}
