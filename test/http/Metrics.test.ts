/**
 * `/metrics` on a real daemon: the text passes Prometheus's own linter (`promtool check metrics`,
 * Debian package `prometheus`), and its values follow what the processes do.
 */
import * as Cp from "node:child_process"
import * as Path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Daemon, header, start } from "../e2e/harness.ts"
import { api, request, type Target, waitFor } from "./support.ts"

const SLEEP = `sleep 1000.${process.pid}3`

const config = header() + `
[program:sleeper]
command=${SLEEP}
startsecs=0

[program:flaky]
command=sh -c 'exit 7'
startsecs=1
startretries=2

[program:quitter]
command=sh -c 'exit 7'
startsecs=0
autorestart=false

[group:pool]
programs=a

[program:a]
command=${SLEEP}
startsecs=0
`

/** The value of one series (`name{labels}`), or undefined when absent. */
const valueOf = (text: string, series: string): number | undefined => {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

describe("http/Metrics (/metrics on a real daemon)", () => {
  let daemon: Daemon
  let unix: Target
  const scrape = async () => {
    const reply = await request(unix, "GET", "/metrics")
    expect(reply.status).toBe(200)
    expect(reply.headers["content-type"]).toBe("text/plain; version=0.0.4; charset=utf-8")
    return reply.text
  }

  beforeAll(async () => {
    daemon = await start("effsup", config)
    unix = { socketPath: Path.join(daemon.dir, "sock") }
    await waitFor(async () =>
      (await api(unix, "GET", "/processes/flaky")).body.statename === "FATAL" &&
      (await api(unix, "GET", "/processes/quitter")).body.statename === "EXITED", "flaky to give up and quitter to exit")
  }, 60_000)
  afterAll(() => daemon?.stop())

  it("passes promtool check metrics", async () => {
    daemon.ctl("status") // an XML-RPC request, so its series exist too
    const text = await scrape()
    const check = Cp.spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" })
    expect(check.error).toBeUndefined()
    expect({ status: check.status, output: check.stdout + check.stderr }).toEqual({ status: 0, output: "" })
  })

  it("reports each process's state, uptime, starts, restarts, exit status and backoff tries", async () => {
    const text = await scrape()
    const sleeper = `{group="sleeper",process="sleeper"}`
    const flaky = `{group="flaky",process="flaky"}`
    expect(valueOf(text, `effsup_process_state${sleeper}`)).toBe(20)
    expect(valueOf(text, `effsup_process_running${sleeper}`)).toBe(1)
    expect(valueOf(text, `effsup_process_uptime_seconds${sleeper}`)).toBeGreaterThanOrEqual(0)
    expect(valueOf(text, `effsup_process_starts_total${sleeper}`)).toBe(1)
    expect(valueOf(text, `effsup_process_restarts_total${sleeper}`)).toBe(0)
    // flaky: started, then retried twice after failing (startretries=2), then FATAL
    expect(valueOf(text, `effsup_process_state${flaky}`)).toBe(200)
    expect(valueOf(text, `effsup_process_running${flaky}`)).toBe(0)
    expect(valueOf(text, `effsup_process_starts_total${flaky}`)).toBe(3)
    expect(valueOf(text, `effsup_process_restarts_total${flaky}`)).toBe(2)
    expect(valueOf(text, `effsup_process_backoff_tries${flaky}`)).toBe(3)
    expect(valueOf(text, `effsup_process_exit_status${flaky}`)).toBe(0) // exits while starting record none (supervisord)
    expect(valueOf(text, `effsup_process_exit_status{group="quitter",process="quitter"}`)).toBe(7)
    expect(valueOf(text, `effsup_process_state{group="quitter",process="quitter"}`)).toBe(100)
    expect(valueOf(text, `effsup_process_state{group="pool",process="a"}`)).toBe(20)
    expect(valueOf(text, `effsup_processes{state="RUNNING"}`)).toBe(2)
    expect(valueOf(text, `effsup_processes{state="FATAL"}`)).toBe(1)
    expect(valueOf(text, `effsup_processes{state="EXITED"}`)).toBe(1)
    expect(valueOf(text, "effsup_uptime_seconds")).toBeGreaterThan(0)
    expect(valueOf(text, "effsup_start_time_seconds")).toBeGreaterThan(1_600_000_000)
  })

  it("counts a restart and follows the state after it", async () => {
    expect((await api(unix, "POST", "/processes/sleeper/restart")).status).toBe(200)
    const text = await scrape()
    expect(valueOf(text, `effsup_process_starts_total{group="sleeper",process="sleeper"}`)).toBe(2)
    expect(valueOf(text, `effsup_process_uptime_seconds{group="sleeper",process="sleeper"}`)).toBeLessThan(5)
  })

  it("counts and times XML-RPC and API requests", async () => {
    const before = await scrape()
    const rpc = valueOf(before, `effsup_rpc_requests_total{status="200"}`) ?? 0
    const apiOk = valueOf(before, `effsup_api_requests_total{method="GET",status="200"}`) ?? 0
    expect(daemon.ctl("pid").status).toBe(0)
    expect((await api(unix, "GET", "/processes/nope")).status).toBe(404)
    const after = await scrape()
    expect(valueOf(after, `effsup_rpc_requests_total{status="200"}`)).toBeGreaterThan(rpc)
    expect(valueOf(after, `effsup_api_requests_total{method="GET",status="200"}`)).toBe(apiOk + 1) // the scrape before
    expect(valueOf(after, `effsup_api_requests_total{method="GET",status="404"}`)).toBeGreaterThanOrEqual(1)
    expect(valueOf(after, `effsup_rpc_request_duration_seconds_count`)).toBeGreaterThan(rpc)
    expect(after).toMatch(/^effsup_api_request_duration_seconds_bucket\{le="0\.005"\} \d+$/m)
  })

  it("drops the series of a removed group", async () => {
    expect((await api(unix, "POST", "/processes/pool:*/stop")).status).toBe(200)
    // remove the group through XML-RPC, as supervisorctl does
    expect(daemon.ctl("remove", "pool").stdout).toBe("pool: removed process group\n")
    const text = await scrape()
    expect(text).not.toMatch(/group="pool"/)
    expect(valueOf(text, `effsup_process_state{group="sleeper",process="sleeper"}`)).toBe(20)
  })
})
