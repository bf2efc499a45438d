/**
 * The executable as users run it: `npm run build`, then `dist/app/bin.js` — the esbuild bundle with
 * its separately bundled fast ctl path, started through its shebang — checks a config, runs the
 * daemon (with the native spawner), answers `ctl status` and `ctl stop`, and exits 0 on SIGTERM. Every other test runs the
 * sources; this one catches what only bundling can break.
 */
import * as Cp from "node:child_process"
import * as Fs from "node:fs"
import * as Http from "node:http"
import * as Path from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { tempDir } from "../support/TempDir.ts"

const ROOT = Path.resolve(import.meta.dirname, "../..")
const BIN = Path.join(ROOT, "dist/app/bin.js")
const SLEEP = `sleep 1000.${process.pid}`

const config = (dir: string) => `[supervisord]
logfile=${dir}/main.log
pidfile=${dir}/daemon.pid
childlogdir=${dir}

[unix_http_server]
file=${dir}/sock

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://${dir}/sock

[program:sleeper]
command=${SLEEP}
numprocs=2
process_name=%(program_name)s_%(process_num)d
startsecs=0
`

const run = (...args: ReadonlyArray<string>) => Cp.spawnSync(BIN, args, { encoding: "utf8", timeout: 20_000 })

/** GET over the daemon's unix socket: status, content type and body (status 0 while it is not up). */
const get = (socketPath: string, path: string) =>
  new Promise<{ status: number; type: string; body: string }>((resolve) => {
    const req = Http.get({ socketPath, path }, (res) => {
      let body = ""
      res.setEncoding("utf8")
      res.on("data", (c: string) => (body += c))
      res.on("end", () => resolve({ status: res.statusCode!, type: String(res.headers["content-type"]), body }))
    })
    req.on("error", () => resolve({ status: 0, type: "", body: "" }))
  })

describe("the built executable (dist/app/bin.js)", () => {
  beforeAll(() => {
    Cp.execFileSync("npm", ["run", "-s", "build"], { cwd: ROOT, stdio: "pipe", timeout: 240_000 })
  }, 250_000)

  it("checks a config, runs it, answers ctl status and stop, and exits 0 on SIGTERM", async () => {
    const dir = tempDir("bundle")
    const file = Path.join(dir, "effsup.conf")
    Fs.writeFileSync(file, config(dir))
    expect(run("check", file).status).toBe(0)

    const daemon = Cp.spawn(BIN, ["run", "-n", "-c", file], { stdio: ["ignore", "ignore", "pipe"] })
    const exited = new Promise<number | null>((resolve) => daemon.once("exit", (code) => resolve(code)))
    try {
      const deadline = Date.now() + 20_000
      let status = run("ctl", "-c", file, "status")
      while ((status.stdout.match(/RUNNING/g) ?? []).length < 2 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100))
        status = run("ctl", "-c", file, "status")
      }
      expect(status.status).toBe(0)
      expect(status.stdout).toMatch(/^sleeper:sleeper_0\s+RUNNING\s+pid \d+, uptime 0:00:\d\d\nsleeper:sleeper_1\s+RUNNING\s+pid \d+, uptime 0:00:\d\d\n$/)
      // the bundle finds and loads the native spawner: the daemon is the parent, with no fallback notice
      const child = Number(/pid (\d+)/.exec(status.stdout)?.[1])
      expect(Number(Fs.readFileSync(`/proc/${child}/stat`, "utf8").split(") ")[1]!.split(" ")[1])).toBe(daemon.pid)
      expect(Fs.readFileSync(Path.join(dir, "main.log"), "utf8")).not.toContain("native spawner unavailable")
      const stop = run("ctl", "-c", file, "stop", "all")
      expect(stop.stdout.split("\n").sort()).toEqual(["", "sleeper:sleeper_0: stopped", "sleeper:sleeper_1: stopped"])
    } finally {
      daemon.kill("SIGTERM")
    }
    expect(await exited).toBe(0)
    expect(Fs.existsSync(Path.join(dir, "daemon.pid"))).toBe(false)
  })

  it("serves the web console's assets (copied by the build), the JSON API and /metrics", async () => {
    const dir = tempDir("bundle-web")
    const file = Path.join(dir, "effsup.conf")
    Fs.writeFileSync(file, config(dir))
    // -n: in front, so that the SIGTERM below reaches the daemon itself (without it, the daemon
    // would go to the background and outlive the test)
    const daemon = Cp.spawn(BIN, ["run", "-n", "-c", file], { stdio: ["ignore", "ignore", "pipe"] })
    const exited = new Promise<number | null>((resolve) => daemon.once("exit", (code) => resolve(code)))
    const socket = Path.join(dir, "sock")
    try {
      const deadline = Date.now() + 20_000
      while ((await get(socket, "/ok.html")).status !== 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
      const page = await get(socket, "/")
      expect([page.status, page.type]).toEqual([200, "text/html; charset=utf-8"])
      expect(page.body).toContain("console/app.js")
      for (const asset of ["/console/app.js", "/console/app.css"]) expect((await get(socket, asset)).status).toBe(200)
      const processes = await get(socket, "/api/v1/processes")
      expect(JSON.parse(processes.body).map((p: { namespec: string }) => p.namespec)).toEqual(["sleeper:sleeper_0", "sleeper:sleeper_1"])
      expect((await get(socket, "/api/v1/openapi.json")).status).toBe(200)
      expect((await get(socket, "/metrics")).body).toMatch(/^# HELP effsup_/m)
    } finally {
      daemon.kill("SIGTERM")
    }
    expect(await exited).toBe(0)
  })
})
