/**
 * Listener protocol edge cases on real processes, effsup against supervisord 4.2.5: a listener
 * that writes garbage, one that rejects an event (it is redelivered with the same serials), a
 * pool whose buffer overflows before its listener is ready, a listener that dies with an event
 * (it is buffered again once the exit is logged, after the listener's own EXITED event), and
 * supervisord's quirk of putting a rejected event into every pool with a listener of the
 * rejecting one's priority, subscribed or not.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { type Daemon, haveSupervisord, header, sendRemoteCommEvent, usePair } from "./harness.ts"

const ROOT = Path.resolve(import.meta.dirname, "../..")

const CONFIG = `${header()}
[eventlistener:garbage]
command=sh -c 'echo THIS IS NOT THE PROTOCOL; exec sleep 1000'
events=PROCESS_STATE

[eventlistener:picky]
command=python3 ${ROOT}/test/fixtures/events/misbehave-once.py fail
events=PROCESS_GROUP
environment=RECORD="%(here)s/picky.txt"

[eventlistener:slow]
command=sh -c 'exec sleep 1000'
events=PROCESS_STATE
buffer_size=2

[program:a]
command=sleep 1000
[program:b]
command=sleep 1000
[program:c]
command=sleep 1000
`


describe.skipIf(!haveSupervisord())("listener protocol edge cases: effsup vs supervisord 4.2.5", () => {
  const pair = usePair(CONFIG, /success: c entered RUNNING/)

  it("a listener writing garbage goes UNKNOWN with supervisord's warning", async () => {
    const line = "WARN garbage: has entered the UNKNOWN state and will no longer receive events, this usually indicates the process violated the eventlistener protocol"
    for (const d of pair.both()) await d.waitForLog(/garbage: has entered the UNKNOWN state/)
    for (const d of pair.both()) expect(d.log()).toContain(line)
  })

  it("a rejected event is redelivered with the same serial and pool serial", async () => {
    for (const d of pair.both()) {
      d.ctl("stop", "c")
      d.ctl("remove", "c")
    }
    const headers = (d: Daemon) => {
      const file = Path.join(d.dir, "picky.txt")
      return Fs.existsSync(file) ? Fs.readFileSync(file, "utf8").trim().split("\n") : []
    }
    for (const d of pair.both()) {
      for (let i = 0; i < 100 && headers(d).length < 2; i++) await new Promise((r) => setTimeout(r, 50))
      const [first, second] = headers(d)
      expect(first, d.kind).toBeDefined()
      expect(second, d.kind).toBe(first)
      expect(first).toMatch(/eventname:PROCESS_GROUP_(ADDED|REMOVED)/)
      expect(d.log(), d.kind).toContain("WARN picky: event was rejected")
    }
  })

  it("a full pool buffer discards its oldest event with supervisord's error line", () => {
    for (const d of pair.both()) {
      expect(d.log().some((l) => /^ERRO pool slow event buffer overflowed, discarding event \d+$/.test(l)), d.kind).toBe(true)
    }
  })
})

const CRASHING = `${header()}
[eventlistener:crashy]
command=python3 ${ROOT}/test/fixtures/events/misbehave-once.py crash
events=PROCESS_STATE_RUNNING,PROCESS_STATE_EXITED
environment=RECORD="%(here)s/crashy.txt"

[program:a]
command=sh -c 'sleep 0.5'
startsecs=0
autostart=false
autorestart=false
`

describe.skipIf(!haveSupervisord())("a listener that dies with an event: effsup vs supervisord 4.2.5", () => {
  const pair = usePair(CRASHING, /success: crashy entered RUNNING/)

  it("gets it again after its restart, put back at its exit behind its own EXITED event", async () => {
    const headers = (d: Daemon) => {
      const file = Path.join(d.dir, "crashy.txt")
      return Fs.existsSync(file) ? Fs.readFileSync(file, "utf8").trim().split("\n").map((h) => h.replace(/ len:\d+$/, "")) : []
    }
    for (const d of pair.both()) expect(d.ctl("start", "a").status).toBe(0)
    for (const d of pair.both()) {
      for (let i = 0; i < 200 && headers(d).length < 6; i++) await new Promise((r) => setTimeout(r, 50))
    }
    const [ours, theirs] = pair.both().map(headers)
    expect(ours).toEqual(theirs)
    expect(ours!.map((h) => h.replace(/^.* serial:(\d+) .* eventname:(\w+)$/, "$1 $2"))).toEqual([
      "0 PROCESS_STATE_RUNNING", // crashy itself
      "1 PROCESS_STATE_RUNNING", // a: crashy exits with it
      "1 PROCESS_STATE_RUNNING", // redelivered to the restarted crashy
      "2 PROCESS_STATE_EXITED", // crashy's own exit, buffered before the event was put back
      "3 PROCESS_STATE_EXITED", // a
      "4 PROCESS_STATE_RUNNING" // the restarted crashy
    ])
    for (const d of pair.both()) {
      const log = d.log()
      const exited = log.indexOf("WARN exited: crashy (exit status 5; not expected)")
      const rebuffered = log.indexOf("DEBG rebuffering event 1 for pool crashy (buf size=1, max=10)")
      expect(exited, d.kind).toBeGreaterThanOrEqual(0)
      expect(rebuffered, d.kind).toBeGreaterThan(exited)
    }
  })
})

const REJECTING = `${header()}
[eventlistener:picky]
command=python3 ${ROOT}/test/fixtures/events/misbehave-once.py fail
events=REMOTE_COMMUNICATION
environment=RECORD="%(here)s/picky.txt"

[eventlistener:bystander]
command=python3 ${ROOT}/test/fixtures/events/capture/recorder.py
events=TICK_3600
environment=RECORD="%(here)s/bystander.jsonl"

[eventlistener:aloof]
command=python3 ${ROOT}/test/fixtures/events/capture/recorder.py
events=TICK_3600
priority=5
environment=RECORD="%(here)s/aloof.jsonl"
`

describe.skipIf(!haveSupervisord())("a rejected event and the other pools: effsup vs supervisord 4.2.5", () => {
  const pair = usePair(REJECTING, /success: picky entered RUNNING/)

  it("goes to every pool with a listener of the rejecting one's priority, subscribed or not", async () => {
    for (const d of pair.both()) {
      for (const name of ["aloof", "bystander"]) await d.waitForLog(new RegExp(`success: ${name} entered RUNNING`))
    }
    await new Promise((r) => setTimeout(r, 300)) // and READY
    for (const d of pair.both()) sendRemoteCommEvent(d, "t", "x")
    const read = (d: Daemon, file: string) => {
      const path = Path.join(d.dir, file)
      return Fs.existsSync(path) ? Fs.readFileSync(path, "utf8").trim().split("\n").filter((l) => l !== "") : []
    }
    const headers = (d: Daemon) => ({
      picky: read(d, "picky.txt"),
      bystander: read(d, "bystander.jsonl").map((l) => (JSON.parse(l) as { header: string }).header),
      aloof: read(d, "aloof.jsonl")
    })
    for (const d of pair.both()) {
      for (let i = 0; i < 200 && (headers(d).picky.length < 2 || headers(d).bystander.length < 1); i++) await new Promise((r) => setTimeout(r, 50))
    }
    await new Promise((r) => setTimeout(r, 300))
    const [ours, theirs] = pair.both().map(headers)
    expect(ours).toEqual(theirs)
    expect(ours).toEqual({
      picky: [
        "ver:3.0 server:supervisor serial:0 pool:picky poolserial:0 eventname:REMOTE_COMMUNICATION len:8",
        "ver:3.0 server:supervisor serial:0 pool:picky poolserial:0 eventname:REMOTE_COMMUNICATION len:8"
      ],
      bystander: ["ver:3.0 server:supervisor serial:0 pool:bystander poolserial:0 eventname:REMOTE_COMMUNICATION len:8"],
      aloof: []
    })
  })
})
