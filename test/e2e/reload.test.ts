/**
 * A restart with a broken config changes nothing, end to end: the real daemon runs a program and an
 * event listener, its config is broken, and a SIGHUP or supervisorctl's `reload` must leave the
 * program running under the same pid, publish no event, and put every error in the activity log.
 * Once the config is good again, SIGHUP restarts everything with it. And `supervisorctl update`
 * removes and adds groups in supervisord's order (added: priority, then name; removed: the order
 * they were added in), compared with supervisord 4.2.5.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { haveSupervisord, header, type Kind, start } from "./harness.ts"

const RECORDER = Path.resolve(import.meta.dirname, "../fixtures/events/capture/recorder.py")

const config = (program: string) => `${header()}
[eventlistener:recorder]
command=python3 ${RECORDER}
events=PROCESS_STATE,SUPERVISOR_STATE_CHANGE
environment=RECORD="%(here)s/events.jsonl"

[program:sleeper]
command=sleep 1000
${program}
`

/** The event names the recorder got so far. */
const eventNames = (dir: string): ReadonlyArray<string> => {
  const file = Path.join(dir, "events.jsonl")
  if (!Fs.existsSync(file)) return []
  return Fs.readFileSync(file, "utf8").trim().split("\n").map((line) => /eventname:(\S+)/.exec(line)?.[1] ?? line)
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe("restart with a broken config", () => {
  it("changes nothing (same pids, no event, no stop) and logs every error; a good config then restarts", async () => {
    const d = await start("effsup", config(""))
    try {
      await d.waitForLog(/success: sleeper entered RUNNING/)
      await d.waitForLog(/success: recorder entered RUNNING/)
      const pids = d.ctl("pid", "all").stdout
      const sleeperPid = d.ctl("pid", "sleeper").stdout
      const logged = d.log().length
      const events = eventNames(d.dir).length

      const file = Path.join(d.dir, "test.conf")
      Fs.writeFileSync(file, config("numprocs=0\nautostart=maybe"))
      const lineOf = (option: string) => Fs.readFileSync(file, "utf8").split("\n").findIndex((l) => l.startsWith(option)) + 1
      const refused = [
        `ERRO restart refused, nothing was changed: ${file}:${lineOf("numprocs")}: [program:sleeper] numprocs: 0 is below lower bound (1)`,
        `ERRO restart refused, nothing was changed: ${file}:${lineOf("autostart")}: [program:sleeper] autostart: not a valid boolean value: 'maybe'`
      ]

      d.child.kill("SIGHUP")
      await d.waitForLog(/restart refused/)
      const reload = d.ctl("reload")
      expect(reload.stdout).toContain("CANT_REREAD")
      await sleep(1500) // anything a restart would do (stop, spawn, events) has had time to show

      expect(d.ctl("pid", "all").stdout).toBe(pids)
      expect(d.log().slice(logged)).toEqual(["WARN received SIGHUP indicating restart request", ...refused, ...refused])
      expect(eventNames(d.dir).slice(events)).toEqual([])
      expect(d.ctl("status", "sleeper").stdout).toMatch(/^sleeper\s+RUNNING/)

      Fs.writeFileSync(file, config("[program:other]\ncommand=sleep 999"))
      d.child.kill("SIGHUP")
      await d.waitForLog(/success: other entered RUNNING/)
      expect(d.log().slice(logged)).toContain("WARN stopped: sleeper (terminated by SIGTERM)")
      expect(eventNames(d.dir).length).toBeGreaterThan(events)
      expect(d.ctl("pid", "sleeper").stdout).not.toBe(sleeperPid)
    } finally {
      expect(await d.stop()).toBe(0)
    }
  }, 90_000)
})

describe.skipIf(!haveSupervisord())("update: effsup vs supervisord 4.2.5", () => {
  it("removes and adds groups in supervisord's order", async () => {
    const program = (name: string, priority = 999) => `[program:${name}]\ncommand=sleep 1000\nautostart=false\npriority=${priority}\n`
    const run = async (kind: Kind) => {
      const d = await start(kind, `${header()}\n${program("zeta", 5)}${program("alpha")}${program("mid", 50)}`)
      try {
        Fs.writeFileSync(
          Path.join(d.dir, "test.conf"),
          `${header()}\n${program("beta")}${program("omega", -5)}${program("apple", 500)}${program("gamma")}`
        )
        return d.ctl("update").stdout
      } finally {
        await d.stop()
      }
    }
    const [ours, theirs] = await Promise.all([run("effsup"), run("supervisord")])
    expect(ours).toBe(theirs)
    expect(ours.split("\n").filter((l) => l.includes("added"))).toEqual([
      "omega: added process group",
      "apple: added process group",
      "beta: added process group",
      "gamma: added process group"
    ])
  }, 60_000)
})
