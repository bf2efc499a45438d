/**
 * Scenario 3, log throughput: a program writes SIZE bytes to stdout in large writes
 * (`head -c SIZE /dev/zero`); the time until its stdout logfile (plus rotated backups) holds all
 * of them, without rotation (maxbytes=0) and with it (maxbytes=50MB, backups=10 — enough that
 * nothing is dropped). Floors: the same command redirected by the shell into a file, and piped
 * through `cat` into a file.
 *
 * Method: the program has autostart=false; once the daemon answers, the bench calls
 * startProcess(name, false) and stats the log files every 2 ms until their sizes add up to SIZE.
 * Throughput = SIZE / (last stat − just before the RPC). Floors: exec of `sh -c` to its exit.
 * @since 0.1.0
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { interleave, type Kind, now, type Scenario, shell, sleep, startDaemon, tempDir, waitAllRunning } from "./harness.ts"
import { makeRow, type Row, type Target } from "./report.ts"
import { nsToMs, type Summary } from "./stats.ts"

const MiB = 1024 * 1024

/** Sum of the sizes of `file` and its rotated backups `file.1` … `file.backups`. */
export const loggedBytes = (file: string, backups: number): number => {
  let total = 0
  for (let i = 0; i <= backups; i++) {
    try {
      total += Fs.statSync(i === 0 ? file : `${file}.${i}`).size
    } catch {
      // not (yet) there
    }
  }
  return total
}

const waitBytes = async (file: string, backups: number, size: number): Promise<bigint> => {
  const deadline = Date.now() + 300_000
  while (loggedBytes(file, backups) < size) {
    if (Date.now() > deadline) throw new Error(`${file}: only ${loggedBytes(file, backups)} of ${size} bytes after 300 s`)
    await sleep(2)
  }
  return now()
}

const mibPerSec = (bytes: number, ns: bigint): number => bytes / MiB / (nsToMs(ns) / 1000)

const catTarget = ({ effsup, floor }: { effsup: Summary | undefined; floor: Summary | undefined }): Target => ({
  text: "≥ 90 % of cat pipe",
  pass: effsup !== undefined && floor !== undefined && effsup.median >= 0.9 * floor.median
})

/** The log throughput scenario. */
export const logThroughput: Scenario = {
  name: "logThroughput",
  method:
    "`head -c SIZE /dev/zero` as a program (autostart=false, started by startProcess(name, false)); MiB/s until " +
    "the stdout logfile plus its backups hold SIZE bytes (stat every 2 ms). Rotation off: maxbytes=0; on: " +
    "maxbytes=50MB, backups=10. Floors: `head … > file` and `head … | cat > file` from sh, exec to exit.",
  run: async (ctx) => {
    const size = (ctx.quick ? 64 : 256) * MiB
    // five: the page cache and the VM's disk move single runs by ±15 % (a median of three moved 71–97 % of cat)
    const reps = ctx.quick ? 1 : 5
    const modes = [
      { label: "no rotation", options: { stdout_logfile_maxbytes: 0, stdout_logfile_backups: 0 }, backups: 0 },
      { label: "rotation 50MB × 10", options: { stdout_logfile_maxbytes: "50MB", stdout_logfile_backups: 10 }, backups: 10 }
    ]
    const samples: Record<string, Array<number>> = {}
    const push = (key: string, x: number) => (samples[key] ??= []).push(x)
    const daemonTrial = (kind: Kind, mode: (typeof modes)[number]) => async () => {
      const d = startDaemon(kind, ctx.effsup, [{
        name: "writer",
        command: `head -c ${size} /dev/zero`,
        options: { autostart: false, autorestart: false, startsecs: 0, stdout_logfile: "%(here)s/out.log", ...mode.options }
      }])
      try {
        await waitAllRunning(d, 0)
        const t0 = now()
        await d.rpc.call("supervisor.startProcess", "writer", false)
        push(`${kind} ${mode.label}`, mibPerSec(size, (await waitBytes(Path.join(d.dir, "out.log"), mode.backups, size)) - t0))
      } finally {
        await d.stop()
      }
    }
    const floorTrial = (label: string, script: string) => async () => {
      const dir = tempDir("log-floor")
      try {
        const t0 = now()
        await shell(script, dir).done
        if (Fs.statSync(Path.join(dir, "out.log")).size !== size) throw new Error(`floor ${label} wrote a short file`)
        push(label, mibPerSec(size, now() - t0))
      } finally {
        Fs.rmSync(dir, { recursive: true, force: true })
      }
    }
    await interleave(reps, {
      ...Object.fromEntries(modes.flatMap((m) => (["effsup", "supervisord"] as const).map((k) => [`${k} ${m.label}`, daemonTrial(k, m)]))),
      "shell redirect": floorTrial("shell redirect", `head -c ${size} /dev/zero > out.log`),
      "cat pipe": floorTrial("cat pipe", `head -c ${size} /dev/zero | cat > out.log`)
    }, ctx.log)
    const rows: Array<Row> = modes.map((m) =>
      makeRow({
        scenario: "logThroughput", metric: `${size / MiB} MiB, ${m.label}`, unit: "MiB/s", tails: false,
        effsup: samples[`effsup ${m.label}`]!, supervisord: samples[`supervisord ${m.label}`]!,
        floor: { label: "cat pipe", samples: samples["cat pipe"]! },
        target: catTarget
      })
    )
    rows.push(makeRow({
      scenario: "logThroughput", metric: `${size / MiB} MiB, shell floors`, unit: "MiB/s", tails: false,
      floor: { label: "shell redirect", samples: samples["shell redirect"]! }
    }))
    return rows
  }
}
