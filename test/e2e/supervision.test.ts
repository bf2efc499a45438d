/**
 * effsup's supervision options end to end, on real processes and the real supervisorctl:
 * depends_on (a database stand-in that is up after 1 s, a migration that must complete, the
 * stop order), the group strategies, and auto_shutdown / on_exhausted with the daemon's exit
 * status. Children write timestamps (ns) into the daemon's directory; tolerances are generous.
 * The reference supervisord loads the same file (it ignores options it does not know).
 */
import * as Cp from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Daemon, haveSupervisord, header, livePids, start } from "./harness.ts"
import { tempDir } from "../support/TempDir.ts"

const ROOT = Path.resolve(import.meta.dirname, "../..")
const TAG = `effsup-sup-${process.pid}`
const sleeper = (n: number) => `sleep ${n}.${process.pid}`
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** A command that writes the time (ns) to `file` in the daemon's directory, then runs `then`. */
const stamp = (file: string, then = `exec ${sleeper(1000)}`) => `sh -c 'date +%%s%%N > %(here)s/${file}; ${then}'`
const readStamp = (d: Daemon, file: string) => Number(Fs.readFileSync(Path.join(d.dir, file), "utf8").trim()) / 1e6
/** A program with startsecs=0 is RUNNING at once, maybe before its shell has written its stamp. */
const stampWritten = (d: Daemon, file: string) => Fs.existsSync(Path.join(d.dir, file)) && readStamp(d, file) > 0

const waitFor = async (what: string, check: () => boolean, timeoutMs = 20_000) => {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

const DEPENDENCIES = `${header()}
[program:db]
command=${stamp("db.start")}
startsecs=1
priority=500

[program:app]
command=${stamp("app.start")}
depends_on=db
startsecs=0
; alone, this priority would start app first and stop it last
priority=1

[program:migrate]
command=${stamp("migrate.start", `sleep 0.5; date +%%s%%N > %(here)s/migrate.done`)}
startsecs=0
autorestart=false

[program:api]
command=sh -c 'test -f %(here)s/migrate.done && date +%%s%%N > %(here)s/api.start; exec ${sleeper(1000)}'
depends_on=migrate:completed
startsecs=0

[program:slowdb]
command=${sleeper(1001)}
startsecs=60

[program:waiter]
command=${sleeper(1002)}
depends_on=slowdb
`

describe("depends_on end to end", () => {
  let d: Daemon
  beforeAll(async () => {
    d = await start("effsup", DEPENDENCIES)
  })
  afterAll(async () => {
    await d?.stop()
  })

  it("an app that depends on a database starts only once the database is RUNNING (startsecs=1)", async () => {
    await d.waitForLog(/success: app entered RUNNING/)
    await waitFor("app's stamp", () => stampWritten(d, "app.start"))
    expect(readStamp(d, "app.start") - readStamp(d, "db.start")).toBeGreaterThanOrEqual(900)
    expect(d.log().findIndex((l) => l.includes("success: db entered RUNNING"))).toBeLessThan(
      d.log().findIndex((l) => l.includes("spawned: 'app'"))
    )
  })

  it("a migration with :completed has finished before what needs it starts", async () => {
    await d.waitForLog(/success: api entered RUNNING/)
    await waitFor("api's stamp", () => stampWritten(d, "api.start"))
    expect(readStamp(d, "api.start")).toBeGreaterThanOrEqual(readStamp(d, "migrate.start") + 400)
    expect(d.ctl("status", "migrate").stdout).toMatch(/^migrate\s+EXITED/)
  })

  it("status shows what a process waits for", () => {
    const out = d.ctl("status", "waiter")
    expect(out.stdout).toMatch(/^waiter\s+STOPPED\s+waiting for slowdb \(running\)/)
    expect(out.status).toBe(3) // a stopped process, as supervisorctl reports it
  })

  it("at shutdown, a process stops before what it depends on", async () => {
    expect(await d.stop()).toBe(0)
    const stopped = d.log().filter((l) => /stopped: (app|db) /.test(l)).map((l) => l.split(" ")[2])
    expect(stopped).toEqual(["app", "db"])
    expect(livePids(sleeper(1000))).toEqual([])
  })
})

describe.skipIf(!haveSupervisord())("supervisord 4.2.5 loads a config with effsup's options", () => {
  it("ignores depends_on, significant, strategy and auto_shutdown", async () => {
    const config = `${header("auto_shutdown=any_significant")}
[program:a]
command=${sleeper(1003)}
depends_on=b:started
significant=true
[program:b]
command=${sleeper(1004)}
[group:g]
programs=a,b
strategy=one_for_all
max_restarts=3
on_exhausted=shutdown
`
    const d = await start("supervisord", config)
    try {
      await d.waitForLog(/success: b entered RUNNING/)
      expect(d.ctl("status").stdout).toMatch(/g:a\s+RUNNING/)
    } finally {
      await d.stop()
    }
  })
})

const pidOf = (d: Daemon, name: string) => Number(d.ctl("pid", name).stdout.trim())

const STRATEGIES = `${header()}
[program:a]
command=${sleeper(1010)}
startsecs=0
[program:b]
command=${sleeper(1011)}
startsecs=0
[program:c]
command=${sleeper(1012)}
startsecs=0
[group:all]
programs=a,b
strategy=one_for_all

[program:x]
command=${sleeper(1013)}
startsecs=0
[program:y]
command=${sleeper(1014)}
startsecs=0
[program:z]
command=${sleeper(1015)}
startsecs=0
[group:rest]
programs=x,y,z
strategy=rest_for_one
`

describe("group strategies end to end", () => {
  let d: Daemon
  beforeAll(async () => {
    d = await start("effsup", STRATEGIES)
    await d.waitForLog(/success: z entered RUNNING/)
    await d.waitForLog(/success: b entered RUNNING/)
  })
  afterAll(async () => {
    await d?.stop()
  })

  const restarted = async (group: string, dead: string, members: ReadonlyArray<string>) => {
    const before = Object.fromEntries(members.map((m) => [m, pidOf(d, `${group}:${m}`)]))
    expect(d.ctl("signal", "KILL", `${group}:${dead}`).stdout).toContain("signalled")
    await d.waitForLog(new RegExp(`group ${group}: ${dead} died, restarting`))
    await waitFor(`${group} running again`, () =>
      members.every((m) => /RUNNING/.test(d.ctl("status", `${group}:${m}`).stdout)))
    return members.map((m) => (pidOf(d, `${group}:${m}`) === before[m] ? `${m} same` : `${m} new`))
  }

  it("one_for_all: killing one member restarts every member", async () => {
    expect(await restarted("all", "b", ["a", "b"])).toEqual(["a new", "b new"])
    expect(d.log()).toContain("INFO group all: b died, restarting a, b (one_for_all)")
    expect(d.log().filter((l) => /stopped: a \(terminated by SIGTERM\)/.test(l))).toHaveLength(1)
  })

  it("rest_for_one: killing one member restarts it and the members after it", async () => {
    expect(await restarted("rest", "y", ["x", "y", "z"])).toEqual(["x same", "y new", "z new"])
  })
})

/** Run effsup on `config` until it exits by itself; its exit status and activity log. */
const runToExit = async (config: string, timeoutMs = 30_000) => {
  const dir = tempDir("exit")
  Fs.writeFileSync(Path.join(dir, "test.conf"), config)
  const child = Cp.spawn(process.execPath, [Path.join(ROOT, "src/bin.ts"), "run", "-n", "-c", Path.join(dir, "test.conf")], {
    cwd: dir,
    stdio: ["ignore", "ignore", "pipe"]
  })
  let stderr = ""
  child.stderr.on("data", (c) => (stderr += String(c)))
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs)
  const code = await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)))
  clearTimeout(timer)
  const log = Fs.readFileSync(Path.join(dir, "main.log"), "utf8")
  return { code, log, stderr }
}

describe("exit policies end to end", () => {
  it("auto_shutdown=any_significant: the daemon exits with the significant program's status, stopping the rest", async () => {
    const { code, log } = await runToExit(`${header("auto_shutdown=any_significant")}
[program:job]
command=sh -c 'sleep 1; exit 3'
startsecs=0
autorestart=false
significant=true

[program:web]
command=${sleeper(1020)}
`)
    expect(code).toBe(3)
    expect(log).toMatch(/job ended \(EXITED\), auto_shutdown=any_significant: shutting down with exit status 3/)
    expect(log).toMatch(/stopped: web \(terminated by SIGTERM\)/)
    expect(livePids(sleeper(1020))).toEqual([])
  })

  it("a significant program that goes FATAL: exit status 1", async () => {
    const { code } = await runToExit(`${header("auto_shutdown=all_significant")}
[program:broken]
command=/nonexistent/${TAG}
significant=true
startretries=0
`)
    expect(code).toBe(1)
  })

  it("on_exhausted=shutdown: a group that restarts too often shuts the daemon down with the member's status", async () => {
    const { code, log } = await runToExit(`${header()}
[program:crash]
command=sh -c 'sleep 0.3; exit 4'
startsecs=0
autorestart=true
[program:peer]
command=${sleeper(1021)}
startsecs=0
[group:g]
programs=crash,peer
strategy=one_for_all
max_restarts=2
max_restarts_period=60
on_exhausted=shutdown
`)
    expect(code).toBe(4)
    expect(log.match(/group g: crash died, restarting crash, peer \(one_for_all\)/g)).toHaveLength(2)
    expect(log).toMatch(/gave up: group g restarted more than 2 times in 60 seconds \(on_exhausted=shutdown\)/)
    expect(livePids(sleeper(1021))).toEqual([])
  })
})
