/**
 * Scenario 1, respawn latency: a program that runs ~100 ms and exits 1, with autorestart=true and
 * startsecs=0; the gap from one run's exit to the next run's start, against a plain shell loop
 * re-running the same program (the floor).
 *
 * Method: the program is a bash script that appends `start <µs>` as its first command and
 * `exit <µs>` as its last, from bash's `$EPOCHREALTIME` (a builtin: no fork, µs resolution), to a
 * file only the bench reads. The gap therefore covers bash's exit, the daemon noticing it,
 * deciding to restart, fork/exec and bash's start-up — identical work for the shell-loop floor.
 * @since 0.1.0
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { interleave, type Kind, type Scenario, shell, sleep, startDaemon, tempDir } from "./harness.ts"
import { makeRow } from "./report.ts"

const SCRIPT = `echo "start $EPOCHREALTIME" >> "$1"
sleep 0.1
echo "exit $EPOCHREALTIME" >> "$1"
exit 1
`

/** exit→next-start gaps in ms from the lines of a timestamp file (pure). */
export const gapsFrom = (text: string): ReadonlyArray<number> => {
  const gaps: Array<number> = []
  let lastExit: number | undefined
  for (const line of text.split("\n")) {
    const [what, at] = line.split(" ")
    const us = Number((at ?? "").replace(/[.,]/, ""))
    if (!Number.isFinite(us) || at === undefined) continue
    if (what === "exit") lastExit = us
    else if (what === "start" && lastExit !== undefined) {
      gaps.push((us - lastExit) / 1000)
      lastExit = undefined
    }
  }
  return gaps
}

const countStarts = (file: string): number => {
  try {
    return Fs.readFileSync(file, "latin1").split("start ").length - 1
  } catch {
    return 0
  }
}

/** Waits until `file` shows `starts` runs (bounded), then returns its gaps. */
const collect = async (file: string, starts: number): Promise<ReadonlyArray<number>> => {
  const deadline = Date.now() + starts * 1000 + 30_000
  while (countStarts(file) < starts && Date.now() < deadline) await sleep(100)
  return gapsFrom(Fs.readFileSync(file, "latin1")).slice(0, starts - 1)
}

/** The respawn scenario. */
export const respawn: Scenario = {
  name: "respawn",
  method:
    "a bash script appends `start $EPOCHREALTIME` first and `exit $EPOCHREALTIME` last (builtin, µs, no fork), " +
    "runs `sleep 0.1` and exits 1; autorestart=true, startsecs=0. Gap = next start − previous exit, over all " +
    "restarts of all repetitions. Floor: `while :; do bash script; done` in sh.",
  run: async (ctx) => {
    const reps = ctx.quick ? 1 : 2
    const starts = ctx.quick ? 21 : 61
    const samples: Record<Kind | "floor", Array<number>> = { effsup: [], supervisord: [], floor: [] }
    const daemonTrial = (kind: Kind) => async () => {
      const dir = tempDir("respawn")
      Fs.writeFileSync(Path.join(dir, "flap.sh"), SCRIPT)
      const times = Path.join(dir, "times")
      const d = startDaemon(kind, ctx.effsup, [{
        name: "flap",
        command: `bash ${Path.join(dir, "flap.sh")} ${times}`,
        options: { autorestart: true, startsecs: 0, startretries: 1000 }
      }])
      try {
        samples[kind].push(...(await collect(times, starts)))
      } finally {
        await d.stop()
        Fs.rmSync(dir, { recursive: true, force: true })
      }
    }
    await interleave(reps, {
      effsup: daemonTrial("effsup"),
      supervisord: daemonTrial("supervisord"),
      floor: async () => {
        const dir = tempDir("respawn-floor")
        Fs.writeFileSync(Path.join(dir, "flap.sh"), SCRIPT)
        const times = Path.join(dir, "times")
        const loop = shell(`while :; do bash flap.sh ${times}; done`, dir)
        try {
          samples.floor.push(...(await collect(times, starts)))
        } finally {
          process.kill(-loop.pid, "SIGKILL")
          await loop.done
          Fs.rmSync(dir, { recursive: true, force: true })
        }
      }
    }, ctx.log)
    return [makeRow({
      scenario: "respawn", metric: "exit → next start", unit: "ms", tails: true,
      effsup: samples.effsup, supervisord: samples.supervisord,
      floor: { label: "shell loop", samples: samples.floor },
      target: ({ effsup, floor }) => ({
        text: "p50 ≤ floor + 3 ms",
        pass: effsup !== undefined && floor !== undefined && effsup.median <= floor.median + 3
      })
    })]
  }
}
