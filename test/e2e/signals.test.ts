/**
 * The daemon's log-reopen and restart signals, effsup against supervisord 4.2.5: where SIGUSR2's
 * lines go when logrotate has moved the activity log away, and what an event listener sees across
 * a SIGHUP restart (the global serials go on, the pool serials start again).
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { type Daemon, haveSupervisord, header, usePair } from "./harness.ts"

const ROOT = Path.resolve(import.meta.dirname, "../..")
const RECORDER = Path.join(ROOT, "test/fixtures/events/capture/recorder.py")

const CONFIG = `${header()}
[eventlistener:recorder]
command=python3 ${RECORDER}
events=PROCESS_GROUP,SUPERVISOR_STATE_CHANGE_RUNNING
environment=RECORD="%(here)s/events.jsonl"

[program:a]
command=sleep 1000
startsecs=0
`

const read = (d: Daemon, file: string) => {
  const path = Path.join(d.dir, file)
  return Fs.existsSync(path) ? Fs.readFileSync(path, "utf8") : ""
}
const lines = (text: string) => text.split("\n").filter((l) => l !== "").map((l) => l.replace(/^\S+ \S+ /, ""))

const waitFor = async (check: () => boolean, what: string) => {
  for (let i = 0; i < 300; i++) {
    if (check()) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`timed out waiting for ${what}`)
}

/** The recorded envelope headers, without the `ver:`/`server:` prefix and the payload length. */
const headers = (d: Daemon) =>
  read(d, "events.jsonl").trim().split("\n").filter((l) => l !== "").map((l) =>
    (JSON.parse(l) as { header: string }).header.replace(/^ver:\S+ server:\S+ /, "").replace(/ len:\d+$/, "")
  )

describe.skipIf(!haveSupervisord())("daemon signals: effsup vs supervisord 4.2.5", () => {
  const pair = usePair(CONFIG, /success: recorder entered RUNNING/)

  it("SIGUSR2: both lines end the moved activity log, the reopened one starts empty", async () => {
    // the listener has taken the 3 startup events (a slow one would log their debug lines in the new file)
    const settled = (d: Daemon) => (read(d, "main.log").match(/recorder: ACKNOWLEDGED -> READY/g) ?? []).length >= 3
    for (const d of pair.both()) await waitFor(() => settled(d), `${d.kind} startup events`)
    for (const d of pair.both()) {
      Fs.renameSync(Path.join(d.dir, "main.log"), Path.join(d.dir, "main.log.old"))
      d.child.kill("SIGUSR2")
    }
    for (const d of pair.both()) {
      await waitFor(() => read(d, "main.log.old").includes("supervisord logreopen") && Fs.existsSync(Path.join(d.dir, "main.log")), `${d.kind} reopen`)
    }
    await new Promise((r) => setTimeout(r, 300))
    for (const d of pair.both()) {
      expect(lines(read(d, "main.log.old")).slice(-2), d.kind).toEqual([
        "INFO received SIGUSR2 indicating log reopen request",
        "INFO supervisord logreopen"
      ])
      expect(read(d, "main.log"), d.kind).toBe("")
    }
  })

  it("SIGHUP: the listener's global serials go on after the restart, its pool serials start at 0", async () => {
    const before = 3 // PROCESS_GROUP_ADDED recorder and a, SUPERVISOR_STATE_CHANGE_RUNNING
    for (const d of pair.both()) await waitFor(() => headers(d).length >= before, `${d.kind} first events`)
    for (const d of pair.both()) d.child.kill("SIGHUP")
    for (const d of pair.both()) await waitFor(() => headers(d).length >= 2 * before, `${d.kind} events after the restart`)
    const [ours, theirs] = pair.both().map(headers)
    expect(ours).toEqual(theirs)
    expect(ours).toEqual([
      "serial:0 pool:recorder poolserial:0 eventname:PROCESS_GROUP_ADDED",
      "serial:1 pool:recorder poolserial:1 eventname:PROCESS_GROUP_ADDED",
      "serial:2 pool:recorder poolserial:2 eventname:SUPERVISOR_STATE_CHANGE_RUNNING",
      "serial:3 pool:recorder poolserial:0 eventname:PROCESS_GROUP_ADDED",
      "serial:4 pool:recorder poolserial:1 eventname:PROCESS_GROUP_ADDED",
      "serial:5 pool:recorder poolserial:2 eventname:SUPERVISOR_STATE_CHANGE_RUNNING"
    ])
  })
})
