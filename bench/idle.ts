/**
 * Scenario 6, idle cost: with 50 programs RUNNING and nobody talking to it, the daemon's CPU
 * (its threads' on-CPU time from /proc/PID/task/TID/schedstat) over a window of 20 s (quick: 5 s), and its memory
 * (RSS and PSS from /proc/PID/smaps_rollup) at the end of the window.
 *
 * Method: both daemons idle at the same time, over the same window (an idle daemon does not
 * disturb the other, and sharing the window shares the machine's noise); 2 s of settling first.
 * @since 0.1.0
 */
import { sleepers } from "./coldStart.ts"
import { cpuSeconds, type Daemon, type Kind, memoryMiB, type Scenario, sleep, startRunning } from "./harness.ts"
import { makeRow } from "./report.ts"

const N = 50

/** The idle scenario. */
export const idle: Scenario = {
  name: "idle",
  method:
    `${N} × \`sleep 1000\` RUNNING, both daemons idle side by side over the same window (20 s; quick 5 s) after ` +
    "2 s of settling: CPU % of one core from the threads' on-CPU time in /proc/PID/task/TID/schedstat (ns; utime+stime count 10 ms ticks); RSS and PSS from smaps_rollup; " +
    "each of all the daemon's own processes together.",
  run: async (ctx) => {
    const reps = ctx.quick ? 1 : 2
    const windowMs = ctx.quick ? 5_000 : 20_000
    const kinds: ReadonlyArray<Kind> = ["effsup", "supervisord"]
    const s = { cpu: { effsup: [] as Array<number>, supervisord: [] as Array<number> }, rss: { effsup: [] as Array<number>, supervisord: [] as Array<number> }, pss: { effsup: [] as Array<number>, supervisord: [] as Array<number> } }
    for (let rep = 0; rep < reps; rep++) {
      ctx.log(`  rep ${rep + 1}/${reps}: both daemons, ${windowMs / 1000} s`)
      const daemons: Array<Daemon> = []
      try {
        for (const kind of rep % 2 === 0 ? kinds : [...kinds].reverse()) daemons.push(await startRunning(kind, ctx.effsup, sleepers(N), N))
        await sleep(2_000)
        const before = daemons.map((d) => cpuSeconds(d.pid))
        await sleep(windowMs)
        daemons.forEach((d, i) => {
          s.cpu[d.kind].push(((cpuSeconds(d.pid) - before[i]!) / (windowMs / 1000)) * 100)
          const m = memoryMiB(d.pid)
          s.rss[d.kind].push(m.rss)
          s.pss[d.kind].push(m.pss)
        })
      } finally {
        await Promise.all(daemons.map((d) => d.stop()))
      }
    }
    return [
      makeRow({
        scenario: "idle", metric: `CPU, ${N} programs, ${windowMs / 1000} s`, unit: "% core", tails: false,
        effsup: s.cpu.effsup, supervisord: s.cpu.supervisord,
        target: ({ effsup }) => ({ text: "≈ 0 (≤ 0.1 %)", pass: effsup !== undefined && effsup.median <= 0.1 })
      }),
      makeRow({ scenario: "idle", metric: `RSS, all daemon processes, ${N} programs`, unit: "MiB", tails: false, effsup: s.rss.effsup, supervisord: s.rss.supervisord }),
      makeRow({ scenario: "idle", metric: `PSS, all daemon processes, ${N} programs`, unit: "MiB", tails: false, effsup: s.pss.effsup, supervisord: s.pss.supervisord })
    ]
  }
}
