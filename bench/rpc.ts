/**
 * Scenario 4, RPC with 200 programs RUNNING: getAllProcessInfo and getProcessInfo latency
 * (sequential, one keep-alive connection), calls/s with 4 concurrent keep-alive connections, and
 * the wall time of `supervisorctl status` against each daemon (and of `effsup ctl status` against
 * effsup when src/bin.ts runs).
 * @since 0.1.0
 */
import * as Cp from "node:child_process"
import { sleepers } from "./coldStart.ts"
import { type Daemon, interleave, type Kind, now, rpcClient, type Scenario, TAG, withDaemon } from "./harness.ts"
import { makeRow, type Row } from "./report.ts"
import { nsToMs } from "./stats.ts"

const N = 200

/** Latencies in ms of `count` sequential calls. */
const latencies = async (d: Daemon, count: number, method: string, ...params: ReadonlyArray<string>): Promise<Array<number>> => {
  const out: Array<number> = []
  await d.rpc.call(method, ...params) // checks the answer once (decoded); the timed calls do not decode
  for (let i = 0; i < count; i++) out.push(await d.rpc.timed(method, ...params))
  return out
}

/** Calls/s of `method` over `ms` milliseconds with `concurrency` connections each keeping one call in flight. */
const throughput = async (d: Daemon, ms: number, concurrency: number, method: string, ...params: ReadonlyArray<string>) => {
  const client = rpcClient(d.sock, concurrency)
  let calls = 0
  const t0 = now()
  const end = t0 + BigInt(ms) * 1_000_000n
  const worker = async () => {
    while (now() < end) {
      await client.timed(method, ...params)
      calls++
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  const elapsed = nsToMs(now() - t0) / 1000
  client.close()
  return calls / elapsed
}

/** Wall time in ms of a command run to completion (its exit status is not judged). */
const wall = (cmd: string, args: ReadonlyArray<string>): Promise<number> =>
  new Promise((resolve, reject) => {
    const t0 = now()
    const child = Cp.spawn(cmd, args, { stdio: "ignore", env: { ...process.env, BENCH_TAG: TAG } })
    child.once("error", reject)
    child.once("exit", () => resolve(nsToMs(now() - t0)))
  })

/** The RPC scenario. */
export const rpc: Scenario = {
  name: "rpc",
  method:
    `${N} × \`sleep 1000\` RUNNING. Latency: sequential calls on one keep-alive connection, timed to the response's last byte (not decoded) ` +
    "(src/rpc/XmlRpc.ts codec over node:http, socketPath), after 10 warm-up calls. calls/s: 4 keep-alive " +
    "connections, each with one call in flight. ctl wall time: spawn to exit of `supervisorctl -c CONF status` / " +
    "`dist/app/bin.js ctl -c CONF status`; floor: `node -e 0`, spawn to exit (Node's own start and exit).",
  run: async (ctx) => {
    const reps = ctx.quick ? 1 : 3
    const calls = ctx.quick ? 30 : 200
    const window = ctx.quick ? 1000 : 2000
    const ctlRuns = ctx.quick ? 2 : 5
    const s: Record<string, Record<Kind, Array<number>>> = {}
    // The floor of any command-line client written for Node: `node -e 0`, spawn to exit.
    const nodeStartup: Array<number> = []
    const push = (metric: string, kind: Kind, xs: ReadonlyArray<number>) =>
      ((s[metric] ??= { effsup: [], supervisord: [] })[kind]).push(...xs)
    const trial = (kind: Kind) => () =>
      withDaemon(kind, ctx.effsup, sleepers(N), N, async (d) => {
        await latencies(d, 10, "supervisor.getAllProcessInfo")
        push("getAllProcessInfo", kind, await latencies(d, calls, "supervisor.getAllProcessInfo"))
        push("getProcessInfo", kind, await latencies(d, calls, "supervisor.getProcessInfo", "sleep:sleep_100"))
        push("getAllProcessInfo calls/s", kind, [await throughput(d, window, 4, "supervisor.getAllProcessInfo")])
        push("getProcessInfo calls/s", kind, [await throughput(d, window, 4, "supervisor.getProcessInfo", "sleep:sleep_100")])
        for (let i = 0; i < ctlRuns; i++) {
          push("supervisorctl status", kind, [await wall("supervisorctl", ["-c", d.conf, "status"])])
          if (kind === "effsup") {
            push("effsup ctl status", kind, [await wall(ctx.effsup.argv[0]!, [...ctx.effsup.argv.slice(1), "ctl", "-c", d.conf, "status"])])
            nodeStartup.push(await wall(process.execPath, ["-e", "0"]))
          }
        }
      })
    await interleave(reps, { effsup: trial("effsup"), supervisord: trial("supervisord") }, ctx.log)
    const row = (metric: string, unit: string, tails: boolean, target?: Parameters<typeof makeRow>[0]["target"]): Row =>
      makeRow({
        scenario: "rpc", metric: `${metric}, ${N} programs`, unit, tails,
        effsup: s[metric]!.effsup, supervisord: s[metric]!.supervisord,
        ...(target === undefined ? {} : { target })
      })
    const rows = [
      row("getAllProcessInfo", "ms", true, ({ effsup, supervisord }) => ({
        text: "p50 ≤ ⅓ supervisord's (aim 2 ms)",
        pass: effsup !== undefined && supervisord !== undefined && effsup.median <= supervisord.median / 3
      })),
      row("getProcessInfo", "ms", true),
      row("getAllProcessInfo calls/s", "calls/s", false),
      row("getProcessInfo calls/s", "calls/s", false),
      row("supervisorctl status", "ms", false)
    ]
    rows.push(makeRow({
      scenario: "rpc", metric: `effsup ctl status vs supervisorctl status, ${N} programs`, unit: "ms", tails: false,
      effsup: s["effsup ctl status"]!.effsup, supervisord: s["supervisorctl status"]!.supervisord,
      floor: { label: "node -e 0", samples: nodeStartup },
      target: ({ effsup }) => ({ text: "≤ 150 ms", pass: effsup !== undefined && effsup.median <= 150 })
    }))
    return rows
  }
}
