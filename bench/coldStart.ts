/**
 * Scenario 2, cold start: N programs (`sleep 1000`, startsecs=0, numprocs=N) from the daemon's
 * exec to all N RUNNING, against a C program posix_spawning N sleeps (the floor) and the least a
 * Node daemon on the addon does for them (bench/nodeSpawnFloor.ts). Once all N are
 * RUNNING, the daemons' memory (RSS and PSS of all their processes, at the largest N: at the answer
 * that showed all RUNNING, 1 s later, and the peak RSS since the exec) and whether each child's
 * parent is the daemon itself (getppid() = supervisor.getPID(), as supervisord).
 *
 * Method: the bench execs the daemon and polls getAllProcessInfo over the unix socket, one request
 * in flight and 10 ms between requests (connection errors before the socket exists are retried);
 * the time is taken when an answer shows N RUNNING. Both daemons are polled identically.
 * @since 0.1.0
 */
import { allInfo, childrenOf, interleave, ROOT, type Kind, memoryMiB, now, peakRssMiB, type Scenario, shell, sleep, startDaemon, tempDir, waitAllRunning } from "./harness.ts"
import { makeRow, type Row } from "./report.ts"
import { posixSpawnProgram } from "./spawnCost.ts"
import { nsToMs } from "./stats.ts"
import * as Fs from "node:fs"
import * as Path from "node:path"

/** The Node floor program (see its doc). */
const NODE_FLOOR = Path.join(ROOT, "bench/nodeSpawnFloor.ts")

/** The `sleep 1000` programs of the cold start, RPC and stop scenarios. */
export const sleepers = (n: number) => [{ name: "sleep", command: "sleep 1000", numprocs: n, options: { startsecs: 0 } }]


/** The cold start scenario. */
export const coldStart: Scenario = {
  name: "coldStart",
  method:
    "N × `sleep 1000` (numprocs=N, startsecs=0). Time from exec of the daemon to the getAllProcessInfo answer " +
    "showing N RUNNING (polled over the socket, 10 ms between requests). Floor: a C program posix_spawning N " +
    "`sleep 1000` (bench/posixSpawn.c), exec to its exit; a second floor, the least a Node daemon on the addon does " +
    "(bench/nodeSpawnFloor.ts: 2 AUTO log files per program made on the threadpool, spawn, watch the pipes), exec " +
    "to its exit. Memory: RSS/PSS from /proc/PID/smaps_rollup 1 s after all N are RUNNING, of the daemon and any " +
    "process of its own, also at the answer that first showed all N RUNNING, and the peak (VmHWM) 1 s after it. Parent: the share of the N children whose parent (/proc/PID/task/PID/children) is the daemon.",
  run: async (ctx) => {
    const floorProgram = posixSpawnProgram()
    const sizes = ctx.quick ? [100] : [100, 500]
    const reps = ctx.quick ? 1 : 3
    const rows: Array<Row> = []
    for (const n of sizes) {
      const samples: Record<Kind | "floor" | "nodeFloor", Array<number>> = { effsup: [], supervisord: [], floor: [], nodeFloor: [] }
      const rss: Record<Kind, Array<number>> = { effsup: [], supervisord: [] }
      const rssAtRunning: Record<Kind, Array<number>> = { effsup: [], supervisord: [] }
      const peakRss: Record<Kind, Array<number>> = { effsup: [], supervisord: [] }
      const parented: Record<Kind, Array<number>> = { effsup: [], supervisord: [] }
      const pss: Record<Kind, Array<number>> = { effsup: [], supervisord: [] }
      const daemonTrial = (kind: Kind) => async () => {
        const d = startDaemon(kind, ctx.effsup, sleepers(n))
        try {
          samples[kind].push(nsToMs((await waitAllRunning(d, n)) - d.startedAt))
          rssAtRunning[kind].push(memoryMiB(d.pid).rss)
          await sleep(1000)
          peakRss[kind].push(peakRssMiB(d.pid))
          const mine = childrenOf(d.pid)
          const pids = (await allInfo(d)).map((i) => i.pid)
          parented[kind].push((100 * pids.filter((pid) => mine.has(pid)).length) / pids.length)
          const m = memoryMiB(d.pid)
          rss[kind].push(m.rss)
          pss[kind].push(m.pss)
        } finally {
          await d.stop()
        }
      }
      ctx.log(` N = ${n}`)
      await interleave(reps, {
        effsup: daemonTrial("effsup"),
        supervisord: daemonTrial("supervisord"),
        floor: async () => {
          const dir = tempDir("spawn-floor")
          try {
            const t0 = now()
            const spawner = shell(`exec ${floorProgram} start ${n} 1000`, dir)
            await spawner.done
            samples.floor.push(nsToMs(now() - t0))
            process.kill(-spawner.pid, "SIGKILL")
          } finally {
            Fs.rmSync(dir, { recursive: true, force: true })
          }
        },
        nodeFloor: async () => {
          const dir = tempDir("node-floor")
          try {
            const t0 = now()
            // its children die with it (PR_SET_PDEATHSIG)
            await shell(`exec "${process.execPath}" "${NODE_FLOOR}" ${n} logs 1000`, dir).done
            samples.nodeFloor.push(nsToMs(now() - t0))
          } finally {
            Fs.rmSync(dir, { recursive: true, force: true })
          }
        }
      }, ctx.log)
      rows.push(makeRow({
        scenario: "coldStart", metric: `${n} programs → all RUNNING`, unit: "ms", tails: false,
        effsup: samples.effsup, supervisord: samples.supervisord,
        floor: { label: `posix_spawn × ${n}`, samples: samples.floor },
        ...(n === 500 ? {
          target: ({ effsup, floor }) => ({
            text: "≤ 1.5 × spawn floor",
            pass: effsup !== undefined && floor !== undefined && effsup.median <= 1.5 * floor.median
          })
        } : {})
      }))
      rows.push(makeRow({
        scenario: "coldStart", metric: `${n} programs, the least a Node daemon does: AUTO log files + spawn`, unit: "ms", tails: false,
        floor: { label: "bench/nodeSpawnFloor.ts", samples: samples.nodeFloor }
      }))
      if (n === sizes[sizes.length - 1]) {
        rows.push(
          makeRow({
            scenario: "coldStart", metric: `RSS, all daemon processes, ${n} programs`, unit: "MiB", tails: false,
            effsup: rss.effsup, supervisord: rss.supervisord,
            ...(n === 500 ? {
              target: ({ effsup }) => ({ text: "≤ 100 MiB", pass: effsup !== undefined && effsup.median <= 100 })
            } : {})
          }),
          makeRow({
            scenario: "coldStart", metric: `RSS when all ${n} are first seen RUNNING`, unit: "MiB", tails: false,
            effsup: rssAtRunning.effsup, supervisord: rssAtRunning.supervisord,
            // the same target, read the way a harness that looks at once would read it
            ...(n === 500 ? {
              target: ({ effsup }) => ({ text: "≤ 100 MiB", pass: effsup !== undefined && effsup.median <= 100 })
            } : {})
          }),
          makeRow({
            scenario: "coldStart", metric: `peak RSS (VmHWM) since the exec, ${n} programs`, unit: "MiB", tails: false,
            effsup: peakRss.effsup, supervisord: peakRss.supervisord
          }),
          makeRow({
            scenario: "coldStart", metric: `PSS, all daemon processes, ${n} programs`, unit: "MiB", tails: false,
            effsup: pss.effsup, supervisord: pss.supervisord
          }),
          makeRow({
            scenario: "coldStart", metric: `children whose parent is the daemon, ${n} programs`, unit: "%", tails: false,
            effsup: parented.effsup, supervisord: parented.supervisord,
            target: ({ effsup }) => ({ text: "100 %", pass: effsup !== undefined && effsup.min === 100 })
          })
        )
      }
    }
    return rows
  }
}
