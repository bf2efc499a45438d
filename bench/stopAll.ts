/**
 * Scenario 5, stopping 200 programs: the wall time of stopAllProcesses (wait=true) until it
 * answers, and, after startAllProcesses brought them back, the time from SIGTERM to the daemon
 * until the daemon and all 200 children are gone; the same for a fresh daemon SIGTERMed 1 s after
 * all 200 were first RUNNING (its stop code runs for the first time, as a harness that only starts
 * and stops a daemon sees it).
 *
 * Method: "gone" is read from /proc (no entry, or a zombie: the process has exited and only
 * waits to be reaped); the daemon's own exit is the bench's `exit` event for it. Polled every 1 ms.
 * Floor: a C program that posix_spawned 200 `sleep 1000`, SIGTERMs each and reaps each
 * (bench/posixSpawn.c `stop`), first kill to last reaped exit: what the kernel takes to end them.
 * @since 0.1.0
 */
import { sleepers } from "./coldStart.ts"
import { allInfo, type Daemon, interleave, isGone, type Kind, now, type Scenario, sleep, startRunning, waitAllRunning } from "./harness.ts"
import { makeRow } from "./report.ts"
import { posixSpawnProgram, runChecked } from "./spawnCost.ts"
import { nsToMs } from "./stats.ts"

const N = 200

/** SIGTERM to the daemon; ms until it has exited and every child of its is gone (or a zombie). */
const terminate = async (kind: Kind, d: Daemon): Promise<number> => {
  let children = (await allInfo(d)).map((i) => i.pid)
  const t1 = now()
  process.kill(d.pid, "SIGTERM")
  const deadline = Date.now() + 60_000
  while (!(d.hasExited() && children.length === 0)) {
    if (Date.now() > deadline) throw new Error(`${kind}: daemon or ${children.length} children still alive 60 s after SIGTERM`)
    await sleep(1)
    children = children.filter((pid) => !isGone(pid))
  }
  return nsToMs(now() - t1)
}

/** The stop-all and shutdown scenario. */
export const stopAll: Scenario = {
  name: "stopAll",
  method:
    `${N} × \`sleep 1000\` RUNNING. stopAllProcesses(wait=true): call to answer. Shutdown: after ` +
    "startAllProcesses(wait=true) and all RUNNING again, SIGTERM to the daemon until the daemon has exited and " +
    "every child pid is gone or a zombie in /proc (polled every 1 ms); also for a fresh daemon, 1 s after all are first " +
    "RUNNING. Floor: a C program that posix_spawned " +
    `${N} \`sleep 1000\` SIGTERMs and reaps each (bench/posixSpawn.c), first kill to last reaped exit.`,
  run: async (ctx) => {
    const reps = ctx.quick ? 1 : 5
    const stop: Record<Kind, Array<number>> = { effsup: [], supervisord: [] }
    const shutdown: Record<Kind, Array<number>> = { effsup: [], supervisord: [] }
    const freshShutdown: Record<Kind, Array<number>> = { effsup: [], supervisord: [] }
    const floor: Array<number> = []
    const floorProgram = posixSpawnProgram()
    const trial = (kind: Kind) => async () => {
      const d = await startRunning(kind, ctx.effsup, sleepers(N), N)
      try {
        const t0 = now()
        await d.rpc.call("supervisor.stopAllProcesses", true)
        stop[kind].push(nsToMs(now() - t0))
        const stillUp = (await allInfo(d)).filter((i) => i.statename !== "STOPPED")
        if (stillUp.length > 0) throw new Error(`${kind}: ${stillUp.length} processes not STOPPED after stopAllProcesses`)
        await d.rpc.call("supervisor.startAllProcesses", true)
        await waitAllRunning(d, N)
        shutdown[kind].push(await terminate(kind, d))
      } finally {
        await d.stop()
      }
      const fresh = await startRunning(kind, ctx.effsup, sleepers(N), N)
      try {
        await sleep(1000)
        freshShutdown[kind].push(await terminate(kind, fresh))
      } finally {
        await fresh.stop()
      }
    }
    const floorTrial = async () => {
      floor.push(Number(runChecked(floorProgram, ["stop", String(N)]).trim()))
    }
    await interleave(reps, { effsup: trial("effsup"), supervisord: trial("supervisord"), floor: floorTrial }, ctx.log)
    const killFloor = { label: "kill + wait from C", samples: floor }
    return [
      makeRow({
        scenario: "stopAll", metric: `stopAllProcesses, ${N} programs`, unit: "ms", tails: false,
        effsup: stop.effsup, supervisord: stop.supervisord, floor: killFloor,
        target: ({ effsup }) => ({ text: "p50 ≤ 100 ms", pass: effsup !== undefined && effsup.median <= 100 })
      }),
      makeRow({
        scenario: "stopAll", metric: `SIGTERM → daemon + ${N} children gone`, unit: "ms", tails: false,
        effsup: shutdown.effsup, supervisord: shutdown.supervisord, floor: killFloor,
        target: ({ effsup }) => ({ text: "p50 ≤ 100 ms", pass: effsup !== undefined && effsup.median <= 100 })
      }),
      makeRow({
        scenario: "stopAll", metric: `SIGTERM → daemon + ${N} children gone, fresh daemon`, unit: "ms", tails: false,
        effsup: freshShutdown.effsup, supervisord: freshShutdown.supervisord, floor: killFloor,
        target: ({ effsup }) => ({ text: "p50 ≤ 100 ms", pass: effsup !== undefined && effsup.median <= 100 })
      })
    ]
  }
}
