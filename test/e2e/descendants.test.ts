/**
 * No descendant outlives the daemon, with the real daemon: a program whose shell leaves a
 * background job behind (stopasgroup=false) is reported when it stops — an activity-log warning
 * naming the pid left running, and a PROCESS_DESCENDANTS_LEFT event to a listener that names it —
 * and at shutdown whatever is left of every program's tree is killed (SIGTERM, then SIGKILL).
 * supervisord 4.2.5 leaves such grandchildren running after it exits.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { header, livePids, start } from "./harness.ts"
import { tempDir } from "../support/TempDir.ts"

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** A listener that appends each event's header and payload to events.txt in its working directory. */
const LISTENER = `
import sys
while True:
    sys.stdout.write("READY\\n"); sys.stdout.flush()
    header = dict(t.split(":", 1) for t in sys.stdin.readline().split())
    body = sys.stdin.read(int(header["len"]))
    with open("events.txt", "a") as f:
        f.write(header["eventname"] + " " + body + "\\n")
    sys.stdout.write("RESULT 2\\nOK"); sys.stdout.flush()
`

describe("descendants left behind", () => {
  it("a stop that leaves a descendant running is reported, and shutdown kills what is left", async () => {
    const bg = `${process.pid}.8181`
    const main = `${process.pid}.8282`
    const scripts = tempDir("listener")
    Fs.writeFileSync(Path.join(scripts, "listener.py"), LISTENER)
    const d = await start("effsup", `${header()}
[program:shell]
command=sh -c 'sleep ${bg} & exec sleep ${main}'
startsecs=0
stopasgroup=false

[eventlistener:watch]
command=python3 ${Path.join(scripts, "listener.py")}
directory=%(here)s
events=PROCESS_DESCENDANTS
`)
    try {
      await d.waitForLog(/success: shell entered RUNNING/)
      await d.waitForLog(/success: watch entered RUNNING/)
      await sleep(300)
      const [left] = livePids(`sleep ${bg}`)
      expect(left).toBeDefined()
      expect(d.ctl("stop", "shell").stdout).toMatch(/shell: stopped/)
      await d.waitForLog(new RegExp(`WARN stopped: shell \\(pid \\d+\\) left a descendant running: pid ${left}$`))
      // the background job is still there (stopasgroup=false), and the listener heard of it
      expect(livePids(`sleep ${bg}`)).toEqual([left])
      const events = Path.join(d.dir, "events.txt")
      const deadline = Date.now() + 10_000
      while (!(Fs.existsSync(events) && Fs.readFileSync(events, "utf8").includes("PROCESS_DESCENDANTS_LEFT"))) {
        if (Date.now() > deadline) throw new Error(`no PROCESS_DESCENDANTS_LEFT event; log:\n${d.log().join("\n")}`)
        await sleep(100)
      }
      expect(Fs.readFileSync(events, "utf8")).toMatch(
        new RegExp(`^PROCESS_DESCENDANTS_LEFT processname:shell groupname:shell pid:\\d+ pids:${left}$`, "m")
      )
      // a second run leaves another; shutdown kills both
      expect(d.ctl("start", "shell").stdout).toMatch(/shell: started/)
      await sleep(300)
      expect(livePids(`sleep ${bg}`).length).toBe(2)
      await d.stop()
      expect(livePids(`sleep ${bg}`)).toEqual([])
      expect(livePids(`sleep ${main}`)).toEqual([])
      expect(d.log().some((l) => /WARN killing descendants left behind by stopped programs: pids \d+, \d+ \(SIGTERM\)/.test(l))).toBe(true)
    } finally {
      await d.stop()
    }
  }, 60_000)

  it("an exit is acted on at once when a descendant holds the pipes, after the program's last output", async () => {
    const job = `${process.pid}.8383`
    const d = await start("effsup", `${header("loglevel=info")}
[program:wrapper]
command=sh -c 'echo last words; sleep ${job} & exit 3'
startsecs=0
autorestart=false
stdout_logfile=%(here)s/wrapper.log
`)
    try {
      await d.waitForLog(/exited: wrapper \(exit status 3; not expected\)/)
      expect(Fs.readFileSync(Path.join(d.dir, "wrapper.log"), "utf8")).toBe("last words\n")
      // the activity log's own clock: spawned → exited, without waiting for the pipes' end (200 ms)
      const at = (pattern: RegExp) => {
        const line = Fs.readFileSync(Path.join(d.dir, "main.log"), "utf8").split("\n").find((l) => pattern.test(l))!
        const [, h, m, sec, ms] = /^\S+ (\d\d):(\d\d):(\d\d),(\d{3}) /.exec(line)!
        return ((Number(h) * 60 + Number(m)) * 60 + Number(sec)) * 1000 + Number(ms)
      }
      expect(at(/exited: wrapper/) - at(/spawned: 'wrapper'/)).toBeLessThan(180)
      expect(livePids(`sleep ${job}`)).toHaveLength(1)
    } finally {
      await d.stop()
    }
    expect(livePids(`sleep ${job}`)).toEqual([])
  }, 60_000)
})
