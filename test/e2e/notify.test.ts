/**
 * `ready=notify` on real processes through the real daemon, read with supervisorctl and `effsup
 * ctl`: `systemd-notify` itself (when installed) and a hand-written sd_notify sender. STATUS=
 * shows in the description while STARTING and RUNNING, READY=1 ends the wait, MAINPID= is shown,
 * a silent watchdog restarts the program through the stop path, and no READY=1 within
 * ready_timeout is a failed start.
 */
import * as Cp from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Daemon, header, start } from "./harness.ts"

const ROOT = Path.resolve(import.meta.dirname, "../..")
const NOTIFIER = Path.join(ROOT, "test/fixtures/notify/notifier.py")
const haveSystemdNotify = Cp.spawnSync("systemd-notify", ["--help"]).status === 0

const config = () => `${header()}
[program:sd]
command=sh -c 'systemd-notify --status=Warming; while [ ! -f %(here)s/go.sd ]; do sleep 0.1; done; systemd-notify --ready --status=Serving; exec sleep 1004'
ready=notify
startsecs=0

[program:wd]
command=python3 ${NOTIFIER} %(here)s
ready=notify
watchdog=2
startsecs=0
stopasgroup=true

[program:silent]
command=sleep 1005
ready=notify
ready_timeout=1
startsecs=0
startretries=0
`

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const waitFor = async (check: () => boolean, what: string, ms = 20_000) => {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

const status = (d: Daemon, name: string) => d.ctl("status", name).stdout.trim().replace(/\s+/g, " ")
const effsupStatus = (d: Daemon, name: string) =>
  Cp.spawnSync(process.execPath, [Path.join(ROOT, "src/bin.ts"), "ctl", "-c", Path.join(d.dir, "test.conf"), "status", name], { encoding: "utf8" })
    .stdout.trim().replace(/\s+/g, " ")

describe("ready=notify (effsup)", () => {
  let d: Daemon
  beforeAll(async () => {
    d = await start("effsup", config())
  })
  afterAll(async () => {
    await d?.stop()
  })

  it.skipIf(!haveSystemdNotify)("systemd-notify: STATUS= while STARTING, then READY=1 makes it RUNNING", async () => {
    await waitFor(() => status(d, "sd") === "sd STARTING waiting for notify (Warming)", "sd's status")
    await sleep(300)
    expect(status(d, "sd")).toBe("sd STARTING waiting for notify (Warming)")
    Fs.writeFileSync(Path.join(d.dir, "go.sd"), "")
    await d.waitForLog(/success: sd entered RUNNING state, process is ready \(notify\) and has stayed up for > than 0 seconds/)
    expect(status(d, "sd")).toMatch(/^sd RUNNING pid \d+, uptime 0:00:\d\d, ready \(Serving\)$/)
  })

  it("a hand-written sender: ready with its status and main pid; a silent watchdog restarts it", async () => {
    await waitFor(() => status(d, "wd") === "wd STARTING waiting for notify (Loading)", "wd's status")
    Fs.writeFileSync(Path.join(d.dir, "alive"), "")
    Fs.writeFileSync(Path.join(d.dir, "go"), "")
    await d.waitForLog(/success: wd entered RUNNING state, process is ready \(notify\)/)
    const running = /^wd RUNNING pid (\d+), uptime 0:00:\d\d, ready \(Serving\), main pid (\d+)$/
    await waitFor(() => running.test(status(d, "wd")), "wd's main pid")
    const [, pid, mainPid] = running.exec(status(d, "wd"))!
    expect(mainPid).not.toBe(pid)
    expect(effsupStatus(d, "wd")).toMatch(running)
    await sleep(2500) // longer than watchdog=2: the keep-alives hold it
    expect(d.log().filter((l) => l.includes("unhealthy: wd"))).toEqual([])
    Fs.rmSync(Path.join(d.dir, "alive"))
    await d.waitForLog(/^WARN unhealthy: wd sent no WATCHDOG=1 for 2 seconds; restarting it$/)
    Fs.writeFileSync(Path.join(d.dir, "alive"), "")
    await waitFor(() => d.log().filter((l) => l.startsWith("INFO spawned: 'wd'")).length >= 2, "wd respawned")
    await waitFor(() => running.test(status(d, "wd")) && running.exec(status(d, "wd"))![1] !== pid, "wd running again")
  })

  it("no READY=1 within ready_timeout is a failed start with the reason", async () => {
    await d.waitForLog(/gave up: silent entered FATAL state/)
    expect(status(d, "silent")).toBe("silent FATAL not ready within 1 second (no READY=1 on NOTIFY_SOCKET)")
  })
})
