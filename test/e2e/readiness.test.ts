/**
 * effsup's readiness and liveness checks on real processes, driven from outside like a user:
 * each `ready=` kind (tcp and http against a real `python3 -m http.server`, a printed line, an exec
 * command) holds a program in STARTING past startsecs until the program opens its gate file; a
 * ready timeout stops the child and ends FATAL; a failing health check restarts the program
 * through the stop path and reaches an event listener that asks for PROCESS_HEALTH, while one
 * subscribed to EVENT sees nothing new. Status is read with the real supervisorctl and with
 * `effsup ctl`. The same file loads in supervisord 4.2.5, which ignores the new options.
 */
import * as Cp from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Daemon, haveSupervisord, header, livePids, start } from "./harness.ts"
import { freePort } from "../support/FreePort.ts"

const ROOT = Path.resolve(import.meta.dirname, "../..")
const RECORDER = Path.join(ROOT, "test/fixtures/events/capture/recorder.py")
const MARK = process.pid


/** A program that waits for the test to create `go.<name>` before it does `then`. */
const gated = (name: string, then: string) => `sh -c 'while [ ! -f %(here)s/go.${name} ]; do sleep 0.1; done; ${then}'`

const config = (tcp: number, http: number, closed: number) => `${header()}
[program:tcp]
command=${gated("tcp", `exec python3 -m http.server ${tcp} --bind 127.0.0.1`)}
ready=tcp:127.0.0.1:${tcp}

[program:http]
command=${gated("http", `exec python3 -m http.server ${http} --bind 127.0.0.1 --directory %(here)s`)}
ready=http://127.0.0.1:${http}/

[program:log]
command=${gated("log", "echo \"server listening on 1234\"; exec sleep 1000")}
ready=log:listening on \\d+

[program:exec]
command=${gated("exec", "exec sleep 1000")}
ready=exec:test -f %(here)s/go.exec

[program:notready]
command=sleep 1001.${MARK}
ready=tcp:127.0.0.1:${closed}
ready_timeout=1
startsecs=0
startretries=1

[program:hc]
command=sh -c 'touch %(here)s/healthy; exec sleep 1002.${MARK}'
startsecs=0
healthcheck=exec:test -f %(here)s/healthy
healthcheck_interval=0.3
healthcheck_retries=2

[eventlistener:health]
command=python3 ${RECORDER}
events=PROCESS_HEALTH
environment=RECORD="%(here)s/health.jsonl"

[eventlistener:everything]
command=python3 ${RECORDER}
events=EVENT
environment=RECORD="%(here)s/everything.jsonl"
`

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const waitFor = async (check: () => boolean, what: string, ms = 20_000) => {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

/** The activity log's lines with their time (epoch ms). */
const timedLog = (d: Daemon): ReadonlyArray<{ readonly at: number; readonly line: string }> =>
  Fs.readFileSync(Path.join(d.dir, "main.log"), "utf8").split("\n").flatMap((l) => {
    const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d),(\d{3}) (.*)$/.exec(l)
    return m === null ? [] : [{ at: Date.parse(`${m[1]}T${m[2]}.${m[3]}`), line: m[4]! }]
  })
const timeOf = (d: Daemon, pattern: RegExp) => timedLog(d).find((l) => pattern.test(l.line))?.at ?? NaN

/** `status name` as the real supervisorctl prints it, blanks squeezed. */
const status = (d: Daemon, name: string) => d.ctl("status", name).stdout.trim().replace(/\s+/g, " ")
const effsupStatus = (d: Daemon, name: string) =>
  Cp.spawnSync(process.execPath, [Path.join(ROOT, "src/bin.ts"), "ctl", "-c", Path.join(d.dir, "test.conf"), "status", name], { encoding: "utf8" })
    .stdout.trim().replace(/\s+/g, " ")

const recorded = (d: Daemon, file: string): ReadonlyArray<{ readonly header: string; readonly payload: string }> => {
  const path = Path.join(d.dir, file)
  return Fs.existsSync(path) ? Fs.readFileSync(path, "utf8").trim().split("\n").filter((l) => l !== "").map((l) => JSON.parse(l)) : []
}

describe("readiness and health checks (effsup)", () => {
  let d: Daemon
  let ports: { tcp: number; http: number; closed: number }
  beforeAll(async () => {
    ports = { tcp: await freePort(), http: await freePort(), closed: await freePort() }
    d = await start("effsup", config(ports.tcp, ports.http, ports.closed))
  })
  afterAll(async () => {
    await d?.stop()
  })

  const kinds = () => [
    ["tcp", `tcp:127.0.0.1:${ports.tcp}`],
    ["http", `http://127.0.0.1:${ports.http}/`],
    ["log", "log:listening on \\d+"],
    ["exec", `exec:test -f ${d.dir}/go.exec`]
  ] as const

  it("each ready= kind holds STARTING past startsecs until the program is ready, then RUNNING, ready", async () => {
    for (const [name] of kinds()) await d.waitForLog(new RegExp(`spawned: '${name}' with pid`))
    await sleep(1500) // startsecs (1) is over for all of them
    for (const [name, check] of kinds()) {
      expect(status(d, name)).toBe(`${name} STARTING waiting for ${check}`)
      Fs.writeFileSync(Path.join(d.dir, `go.${name}`), "")
    }
    for (const [name, check] of kinds()) {
      const escaped = check.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")
      await d.waitForLog(new RegExp(`success: ${name} entered RUNNING state, process is ready \\(${escaped}\\) and has stayed up for > than 1 seconds`))
      expect(status(d, name)).toMatch(new RegExp(`^${name} RUNNING pid \\d+, uptime 0:00:\\d\\d, ready$`))
      const waited = timeOf(d, new RegExp(`success: ${name} `)) - timeOf(d, new RegExp(`spawned: '${name}'`))
      expect(waited, name).toBeGreaterThanOrEqual(1500)
    }
    expect(effsupStatus(d, "tcp")).toMatch(/^tcp RUNNING pid \d+, uptime 0:00:\d\d, ready$/)
  })

  it("no success within ready_timeout is a failed start: the child is stopped, BACKOFF, then FATAL with the reason", async () => {
    await d.waitForLog(/gave up: notready entered FATAL state/)
    const reason = `not ready within 1 second (tcp:127.0.0.1:${ports.closed}: connect ECONNREFUSED 127.0.0.1:${ports.closed})`
    expect(status(d, "notready")).toBe(`notready FATAL ${reason}`)
    const lines = d.log().filter((l) => l.includes("notready"))
    expect(lines.filter((l) => l === `WARN not ready: notready (${reason}); stopping it`)).toHaveLength(2)
    expect(lines.filter((l) => l.startsWith("INFO spawned: 'notready'"))).toHaveLength(2)
    expect(livePids(`sleep 1001.${MARK}`)).toEqual([])
  })

  it("a failing health check restarts the program through the stop path, and only a PROCESS_HEALTH listener hears of it", async () => {
    await waitFor(() => status(d, "hc").endsWith(", healthy"), "hc healthy")
    const before = livePids(`sleep 1002.${MARK}`)
    expect(before).toHaveLength(1)
    Fs.rmSync(Path.join(d.dir, "healthy"))
    await d.waitForLog(/unhealthy: hc failed 2 health checks in a row; restarting it/)
    await waitFor(() => d.log().filter((l) => l.startsWith("INFO spawned: 'hc'")).length === 2, "hc respawned")
    await waitFor(() => status(d, "hc").endsWith(", healthy"), "hc healthy again")
    const after = livePids(`sleep 1002.${MARK}`)
    expect(after).toHaveLength(1)
    expect(after[0]).not.toBe(before[0])
    expect(d.log().some((l) => /^WARN health check failed: hc \(1\/2\) exec:test -f \S+\/healthy: exit status 1$/.test(l))).toBe(true)
    await waitFor(() => recorded(d, "health.jsonl").length > 0, "the PROCESS_HEALTH listener")
    const [event] = recorded(d, "health.jsonl")
    expect(event!.header).toMatch(/eventname:PROCESS_HEALTH_UNHEALTHY /)
    expect(event!.payload).toMatch(new RegExp(`^processname:hc groupname:hc pid:${before[0]} failures:2\\nexec:test -f \\S+/healthy: exit status 1$`))
    expect(recorded(d, "everything.jsonl").filter((e) => e.header.includes("PROCESS_HEALTH"))).toEqual([])
    expect(recorded(d, "everything.jsonl").some((e) => e.payload.startsWith("processname:hc "))).toBe(true)
  })
})

describe.skipIf(!haveSupervisord())("a config with effsup's options in supervisord 4.2.5", () => {
  it("still loads: supervisord ignores the options it does not know", async () => {
    const daemon = await start("supervisord", config(1, 2, 3).replace(/\[eventlistener:[\s\S]*$/, ""))
    try {
      expect(daemon.ctl("status", "hc").stdout).toMatch(/^hc\s+RUNNING/)
    } finally {
      await daemon.stop()
    }
  })
})
