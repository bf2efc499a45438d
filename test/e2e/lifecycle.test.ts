/**
 * Differential lifecycle test: the same config and the same steps against effsup and the real
 * supervisord 4.2.5; the activity-log lines (pids masked) and supervisorctl's answers must match.
 */
import * as Cp from "node:child_process"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { canRunAsNobody, haveSupervisord, header, livePids, normalized, start, usePair, xmlrpc } from "./harness.ts"

const MARK = `effsup-e2e-${process.pid}`
const CONFIG = `${header()}
[program:quick]
command=sh -c 'exit 1'
; a long startsecs: a loaded supervisord reaps late, and an instant exit reaped after startsecs
; is RUNNING-then-EXITED for it (its poll-loop quirk, reference 0.8)
startsecs=10
startretries=2

[program:sleeper]
command=sleep 1000.${process.pid}

[program:exit0]
command=sh -c 'sleep 1.3; exit 0'
startsecs=1
autorestart=unexpected

[program:stubborn]
command=sh -c "trap '' TERM; echo ${MARK}; sleep 2000.${process.pid}"
stopwaitsecs=1
killasgroup=true
stdout_logfile=%(here)s/stubborn.out
`


describe.skipIf(!haveSupervisord())("lifecycle: effsup vs supervisord 4.2.5", () => {
  const pair = usePair(CONFIG)

  it("a program that keeps crashing backs off (1 s, 2 s) and goes FATAL with the same log lines", async () => {
    await Promise.all(pair.both().map((d) => d.waitForLog(/gave up: quick/)))
    const [ours, theirs] = pair.both().map((d) => normalized(d.log(), "quick"))
    expect(ours).toEqual(theirs)
    expect(ours).toContain("INFO gave up: quick entered FATAL state, too many start retries too quickly")
    expect(ours.filter((l) => l.startsWith("INFO spawned:"))).toHaveLength(3)
    for (const d of pair.both()) expect(d.ctl("status", "quick").stdout).toMatch(/^quick\s+FATAL\s+Exited too quickly/)
  })

  it("a long-running program reaches RUNNING after startsecs", async () => {
    await Promise.all(pair.both().map((d) => d.waitForLog(/success: sleeper entered RUNNING/)))
    for (const d of pair.both()) expect(d.ctl("status", "sleeper").stdout).toMatch(/^sleeper\s+RUNNING\s+pid \d+, uptime 0:00:0\d/)
  })

  it("a child's parent is the daemon itself, whose pid supervisorctl reports", () => {
    for (const d of pair.both()) {
      const child = Number(/pid (\d+)/.exec(d.ctl("status", "sleeper").stdout)?.[1])
      const parent = Number(Fs.readFileSync(`/proc/${child}/stat`, "utf8").split(") ")[1]!.split(" ")[1])
      expect(parent, d.kind).toBe(Number(d.ctl("pid").stdout.trim()))
      expect(parent, d.kind).toBe(d.child.pid)
    }
  })

  it("an expected exit after startsecs is EXITED and not restarted (autorestart=unexpected)", async () => {
    await Promise.all(pair.both().map((d) => d.waitForLog(/exited: exit0/)))
    const [ours, theirs] = pair.both().map((d) => normalized(d.log(), "exit0"))
    expect(ours).toEqual(theirs)
    expect(ours).toContain("INFO exited: exit0 (exit status 0; expected)")
  })

  it("stop sends stopsignal, and a program ignoring it is SIGKILLed after stopwaitsecs", async () => {
    await Promise.all(pair.both().map((d) => d.waitForLog(/success: stubborn entered RUNNING/)))
    const results = pair.both().map((d) => d.ctl("stop", "sleeper", "stubborn"))
    for (const r of results) {
      expect(r.stdout).toBe("sleeper: stopped\nstubborn: stopped\n")
      expect(r.status).toBe(0)
    }
    const strip = (lines: ReadonlyArray<string>) => lines.filter((l) => !l.includes("waiting for"))
    const [ours, theirs] = pair.both().map((d) => strip(normalized(d.log(), "stubborn")))
    expect(ours).toEqual(theirs)
    expect(ours).toContain("WARN killing 'stubborn' (N) with SIGKILL")
    expect(ours).toContain("WARN stopped: stubborn (terminated by SIGKILL)")
    expect(normalized(pair.effsup.log(), "sleeper")).toContain("WARN stopped: sleeper (terminated by SIGTERM)")
    expect(livePids(`sleep 2000.${process.pid}`)).toEqual([])
    expect(Fs.readFileSync(Path.join(pair.effsup.dir, "stubborn.out"), "utf8")).toBe(`${MARK}\n`)
  })

  it("status exits 3 when a listed process is not running, as supervisorctl 4.x", () => {
    const [ours, theirs] = pair.both().map((d) => d.ctl("status"))
    expect(ours!.status).toBe(theirs!.status)
    const rows = (s: string) => s.split("\n").map((l) => l.split(/\s+/).slice(0, 2).join(" "))
    expect(rows(ours!.stdout)).toEqual(rows(theirs!.stdout))
  })

  it("SIGTERM stops everything, removes the pidfile and exits 0", async () => {
    pair.effsup.ctl("start", "sleeper")
    const code = await pair.effsup.stop()
    expect(code).toBe(0)
    expect(Fs.existsSync(Path.join(pair.effsup.dir, "daemon.pid"))).toBe(false)
    expect(livePids(`sleep 1000.${process.pid}`)).toEqual([])
    expect(pair.effsup.log()).toContain("WARN received SIGTERM indicating exit request")
  })
})

describe.skipIf(!haveSupervisord())("a log file that cannot be opened (a directory)", () => {
  it("fails each spawn with supervisord's spawnerr, then FATAL, instead of leaving the program out", async () => {
    const config = `${header()}
[program:isdir]
command=sleep 1000
stdout_logfile=%(here)s
startretries=1
`
    const daemons = await Promise.all([start("effsup", config), start("supervisord", config)])
    await Promise.all(daemons.map((d) => d.waitForLog(/gave up: isdir/)))
    const [ours, theirs] = daemons.map((d) => ({ status: d.ctl("status", "isdir"), log: normalized(d.log(), "isdir") }))
    await Promise.all(daemons.map((d) => d.stop()))
    expect(ours).toEqual(theirs)
    expect(ours!.status.stdout).toMatch(/^isdir\s+FATAL\s+unknown error making dispatchers for 'isdir': EISDIR/)
  })
})

describe.skipIf(!haveSupervisord())("a program in BACKOFF when the daemon shuts down", () => {
  it("goes FATAL without a 'gave up' line, as supervisord's stop_all", async () => {
    const config = `${header()}
[program:missing]
command=/nonexistent/${process.pid}
startretries=100
`
    const daemons = await Promise.all([start("effsup", config), start("supervisord", config)])
    await Promise.all(daemons.map((d) => d.waitForLog(/spawnerr: can't find command/)))
    await Promise.all(daemons.map((d) => d.stop()))
    const [ours, theirs] = daemons.map((d) => normalized(d.log(), "missing").filter((l) => !l.includes("spawnerr")))
    expect(ours).toEqual(theirs)
    expect(ours).toEqual([])
  })
})

describe.skipIf(!haveSupervisord())("a start while the program is being stopped", () => {
  it("warns 'process x already running' and answers ABNORMAL_TERMINATION, as supervisord (STOPPING is not 'running' to it)", async () => {
    // it takes 4 s to stop: time for the three requests below, even on a loaded machine
    const config = `${header()}
[program:slow]
command=sh -c "trap 'sleep 4; exit 0' TERM; while :; do sleep 0.1; done"
startsecs=0
`
    const daemons = await Promise.all([start("effsup", config), start("supervisord", config)])
    await Promise.all(daemons.map((d) => d.waitForLog(/success: slow/)))
    const [ours, theirs] = daemons.map((d) => {
      const stop = xmlrpc(d.dir, [["supervisor.stopProcess", ["slow", false]], ["supervisor.startProcess", ["slow", false]]])
      return { stop, start: d.ctl("start", "slow") }
    })
    await Promise.all(daemons.map((d) => d.waitForLog(/stopped: slow/)))
    await Promise.all(daemons.map((d) => d.stop()))
    expect(ours).toEqual(theirs)
    expect(ours!.start).toEqual({ stdout: "slow: ERROR (abnormal termination)\n", status: 7 })
    const [ourLog, theirLog] = daemons.map((d) => normalized(d.log(), "slow").filter((l) => !/spawned|success/.test(l)))
    expect(ourLog).toEqual(theirLog)
    expect(ourLog).toContain("WARN process 'slow' already running")
  })
})

describe.skipIf(!haveSupervisord())("the shutdown report after an update", () => {
  it("names the groups in the order they were added: a group changed by update comes last, as in supervisord", async () => {
    const slow = (delay: string) => `sh -c "trap 'sleep ${delay}; exit 0' TERM; while :; do sleep 0.1; done"`
    const config = `${header()}
[program:a]
command=${slow("0.5")}
startsecs=0

[program:b]
command=${slow("0.5")}
startsecs=0

[program:c]
command=${slow("0.5")}
startsecs=0
`
    const daemons = await Promise.all([start("effsup", config), start("supervisord", config)])
    await Promise.all(daemons.map((d) => d.waitForLog(/success: c/)))
    const updates = daemons.map((d) => {
      const file = Path.join(d.dir, "test.conf")
      Fs.writeFileSync(file, Fs.readFileSync(file, "utf8").replace(`[program:a]\ncommand=${slow("0.5")}`, `[program:a]\ncommand=${slow("0.6")}`))
      return d.ctl("update").stdout
    })
    await Promise.all(daemons.map((d) => d.waitForLog(/success: a/)))
    await Promise.all(daemons.map((d) => d.stop()))
    expect(updates[0]).toBe(updates[1])
    const [ours, theirs] = daemons.map((d) => d.log().filter((l) => l.includes("to die")))
    expect(ours).toEqual(theirs)
    expect(ours).toEqual(["INFO waiting for b, c, a to die"])
  })
})

describe.skipIf(!haveSupervisord())("a program killed by a signal that dumps core", () => {
  it("is logged 'terminated by SIGSEGV (core dumped)' as supervisord logs it", async () => {
    // the core (if the system writes one where the program is) goes to the daemon's own directory
    const config = `${header()}
[program:segv]
command=sh -c 'ulimit -c unlimited; cd %(here)s; kill -SEGV $$'
startsecs=0
autorestart=false
`
    const daemons = await Promise.all([start("effsup", config), start("supervisord", config)])
    await Promise.all(daemons.map((d) => d.waitForLog(/exited: segv/)))
    const [ours, theirs] = daemons.map((d) => normalized(d.log(), "exited: segv"))
    await Promise.all(daemons.map((d) => d.stop()))
    expect(ours).toEqual(theirs)
  })
})

describe.skipIf(!haveSupervisord() || !canRunAsNobody())("[supervisord] user= given by name", () => {
  it("logs the uid it became, as supervisord: 'Set uid to user 65534 succeeded'", async () => {
    const config = `${header("user=nobody")}
[program:idle]
command=sleep 1000
startsecs=0
`
    const daemons = await Promise.all([start("effsup", config), start("supervisord", config)])
    await Promise.all(daemons.map((d) => d.waitForLog(/success: idle/)))
    const [ours, theirs] = daemons.map((d) => d.log().filter((l) => l.includes("Set uid")))
    await Promise.all(daemons.map((d) => d.stop()))
    expect(ours).toEqual(theirs)
    expect(ours).toEqual([`INFO Set uid to user ${Cp.execFileSync("id", ["-u", "nobody"], { encoding: "utf8" }).trim()} succeeded`])
  })
})

describe.skipIf(!haveSupervisord())("a [group:x] whose programs have priorities of their own", () => {
  it("autostarts them in programs= order, as supervisord", async () => {
    const config = `${header()}
[group:g]
programs=x,y
priority=150

[program:x]
command=sleep 1000.${process.pid}
startsecs=0
priority=20

[program:y]
command=sleep 1000.${process.pid}
startsecs=0
priority=10
`
    const daemons = await Promise.all([start("effsup", config), start("supervisord", config)])
    await Promise.all(daemons.map((d) => Promise.all([d.waitForLog(/success: x/), d.waitForLog(/success: y/)])))
    const [ours, theirs] = daemons.map((d) => normalized(d.log(), "spawned:"))
    await Promise.all(daemons.map((d) => d.stop()))
    expect(ours).toEqual(theirs)
    expect(ours).toEqual(["INFO spawned: 'x' with pid N", "INFO spawned: 'y' with pid N"])
  })
})

describe("effsup beyond supervisord", () => {
  it("at shutdown, groups of one priority stop together, and lower priorities after them", async () => {
    // each program takes 0.8 s to stop: one after the other, b and c would be 0.8 s apart
    const slow = `sh -c "trap 'sleep 0.8; exit 0' TERM; while :; do sleep 0.1; done"`
    const d = await start("effsup", `${header()}
[program:a]
command=${slow}
startsecs=0
priority=10

[program:b]
command=${slow}
startsecs=0
priority=20

[program:c]
command=${slow}
startsecs=0
priority=20
`)
    await d.waitForLog(/success: c entered RUNNING/)
    await d.waitForLog(/success: a entered RUNNING/)
    await d.waitForLog(/success: b entered RUNNING/)
    const stoppedAt = (name: string) => {
      const line = Fs.readFileSync(Path.join(d.dir, "main.log"), "utf8").split("\n").find((l) => l.includes(`stopped: ${name} `))
      const [, hms, ms] = /\d\d:(\d\d:\d\d),(\d{3})/.exec(line ?? "") ?? []
      expect(hms, `stopped: ${name}`).toBeDefined()
      const [m, s] = hms!.split(":").map(Number)
      return (m! * 60 + s!) * 1000 + Number(ms)
    }
    expect(await d.stop()).toBe(0)
    const [a, b, c] = [stoppedAt("a"), stoppedAt("b"), stoppedAt("c")]
    expect(Math.abs(b - c)).toBeLessThan(500)
    expect(a - Math.max(b, c)).toBeGreaterThan(400)
  })


  it("SIGUSR1 changes nothing and opens no Node inspector (supervisord does not handle it and dies of it)", async () => {
    const d = await start("effsup", `${header()}
[program:idle]
command=sleep 1000
startsecs=0
`)
    try {
      await d.waitForLog(/success: idle entered RUNNING/)
      const pid = d.ctl("pid", "idle").stdout
      d.child.kill("SIGUSR1")
      await new Promise((r) => setTimeout(r, 500))
      expect(d.ctl("pid", "idle").stdout).toBe(pid)
      const inspector = await new Promise<boolean>((resolve) => {
        const socket = Net.connect(9229, "127.0.0.1", () => resolve(true)).on("error", () => resolve(false))
        setTimeout(() => socket.destroy(), 1000)
      })
      expect(inspector).toBe(false)
    } finally {
      await d.stop()
    }
  })

  it("a daemon killed with SIGKILL leaves no children (supervisord orphans them)", async () => {
    const marker = `sleep 4000.${process.pid}`
    const d = await start("effsup", `${header()}
[program:orphan]
command=${marker}
numprocs=3
process_name=%(program_name)s_%(process_num)d
startsecs=0
`)
    try {
      await d.waitForLog(/success: orphan_2 entered RUNNING/)
      expect(livePids(marker)).toHaveLength(3)
      d.child.kill("SIGKILL")
      const deadline = Date.now() + 5000
      while (livePids(marker).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
      expect(livePids(marker)).toEqual([])
    } finally {
      await d.stop()
    }
  })
})
