/**
 * Event listeners end to end, effsup against supervisord 4.2.5: the same recorder listener
 * (test/fixtures/events/capture/recorder.py) gets the same envelopes, byte for byte once pids
 * and serials are masked (a REMOTE_COMMUNICATION sent with other values than strings too); two
 * pools and a program of a lower priority get the same serials and pool serials (a pool sees the
 * PROCESS_GROUP_ADDED of its own group and the groups announced after it); and the example
 * exit-on-fatal listener shuts both daemons down.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { type Daemon, haveSupervisord, header, sendRemoteCommEvent, start, usePair, xmlrpc } from "./harness.ts"

const ROOT = Path.resolve(import.meta.dirname, "../..")
const RECORDER = Path.join(ROOT, "test/fixtures/events/capture/recorder.py")

const CONFIG = `${header()}
[eventlistener:recorder]
command=python3 ${RECORDER}
events=PROCESS_STATE,PROCESS_COMMUNICATION,PROCESS_LOG,REMOTE_COMMUNICATION
environment=RECORD="%(here)s/events.jsonl"
buffer_size=100

[program:quick]
command=sh -c 'exit 3'
; a long startsecs: a loaded supervisord reaps late, and an instant exit reaped after startsecs
; is RUNNING-then-EXITED for it (its poll-loop quirk, reference 0.8)
startsecs=10
startretries=1
autostart=false

[program:comm]
command=sh -c 'printf "before<!--XSUPERVISOR:BEGIN-->captured text<!--XSUPERVISOR:END-->after\\n"; exec sleep 1000'
stdout_capture_maxbytes=1KB
stdout_events_enabled=true
autostart=false
`

interface Envelope { readonly header: string; readonly payload: string }
const recorded = (d: Daemon): ReadonlyArray<Envelope> =>
  Fs.existsSync(Path.join(d.dir, "events.jsonl"))
    ? Fs.readFileSync(Path.join(d.dir, "events.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Envelope)
    : []
/** Envelopes about one process, with pids and serials masked. */
const about = (events: ReadonlyArray<Envelope>, name: string) =>
  events
    .filter((e) => e.payload.startsWith(`processname:${name} `))
    .map((e) => `${e.header.replace(/serial:\d+/g, "serial:N").replace(/len:\d+/, "len:L")}\n${e.payload.replace(/pid:\d+/g, "pid:N")}`)

const waitFor = async (check: () => boolean, what: string) => {
  for (let i = 0; i < 300; i++) {
    if (check()) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`timed out waiting for ${what}`)
}


describe.skipIf(!haveSupervisord())("event listeners: effsup vs supervisord 4.2.5", () => {
  const pair = usePair(CONFIG, /success: recorder entered RUNNING/)

  it("state events of a failing program: same envelopes (STARTING, BACKOFF, FATAL with tries)", async () => {
    for (const d of pair.both()) d.ctl("start", "quick")
    for (const d of pair.both()) await waitFor(() => about(recorded(d), "quick").some((e) => e.includes("PROCESS_STATE_FATAL")), `${d.kind} FATAL`)
    const [ours, theirs] = pair.both().map((d) => about(recorded(d), "quick"))
    expect(ours).toEqual(theirs)
    expect(ours!.map((e) => /eventname:(\w+)/.exec(e)![1])).toEqual([
      "PROCESS_STATE_STARTING", "PROCESS_STATE_BACKOFF", "PROCESS_STATE_STARTING", "PROCESS_STATE_BACKOFF", "PROCESS_STATE_FATAL"
    ])
  })

  it("capture mode and events_enabled: PROCESS_COMMUNICATION and PROCESS_LOG payloads match", async () => {
    for (const d of pair.both()) d.ctl("start", "comm")
    for (const d of pair.both()) await waitFor(() => about(recorded(d), "comm").some((e) => e.includes("PROCESS_STATE_RUNNING")), `${d.kind} RUNNING`)
    const pick = (d: Daemon) => about(recorded(d), "comm").filter((e) => !e.includes("PROCESS_STATE"))
    for (const d of pair.both()) await waitFor(() => pick(d).some((e) => e.includes("PROCESS_COMMUNICATION")), `${d.kind} comm event`)
    // supervisord holds back a tail shorter than a token until more output comes; effsup logs it at once.
    await waitFor(() => pick(pair.effsup).some((e) => e.includes("after")), "effsup log event")
    const [ours, theirs] = pair.both().map((d) => pick(d).join("\n---\n"))
    expect(ours).toContain("captured text")
    expect(ours).toContain("eventname:PROCESS_COMMUNICATION_STDOUT")
    expect(ours!.includes("before") && ours!.includes("after")).toBe(true)
    // Chunking of PROCESS_LOG events depends on reads; compare the communication event exactly.
    const comm = (s: string) => s.split("\n---\n").filter((e) => e.includes("PROCESS_COMMUNICATION"))
    expect(comm(ours!)).toEqual(comm(theirs!))
  })

  it("REMOTE_COMMUNICATION from the RPC reaches the listener", async () => {
    for (const d of pair.both()) sendRemoteCommEvent(d, "mytype", "hello\nworld")
    const remote = (d: Daemon) => recorded(d).filter((e) => e.header.includes("REMOTE_COMMUNICATION")).map((e) => e.payload)
    for (const d of pair.both()) await waitFor(() => remote(d).length > 0, `${d.kind} remote`)
    expect(remote(pair.effsup)).toEqual(remote(pair.supervisord))
    expect(remote(pair.effsup)).toEqual(["type:mytype\nhello\nworld"])
  })

  it("REMOTE_COMMUNICATION with other values than strings: each written as Python's str() writes it", async () => {
    for (const d of pair.both()) xmlrpc(d.dir, [["supervisor.sendRemoteCommEvent", [1, [2.5, "a'b", { k: true }]]]])
    const remote = (d: Daemon) => recorded(d).filter((e) => e.header.includes("REMOTE_COMMUNICATION")).map((e) => e.payload)
    for (const d of pair.both()) await waitFor(() => remote(d).length > 1, `${d.kind} remote`)
    expect(remote(pair.effsup)).toEqual(remote(pair.supervisord))
    expect(remote(pair.effsup).at(-1)).toEqual(`type:1\n[2.5, "a'b", {'k': True}]`)
  })
})

const POOLS = `${header()}
[eventlistener:beta]
command=python3 ${RECORDER}
events=PROCESS_GROUP,SUPERVISOR_STATE_CHANGE_RUNNING
environment=RECORD="%(here)s/beta.jsonl"

[eventlistener:alpha]
command=python3 ${RECORDER}
events=PROCESS_GROUP,SUPERVISOR_STATE_CHANGE_RUNNING
environment=RECORD="%(here)s/alpha.jsonl"

[program:early]
command=sleep 1000
priority=-5
autostart=false

[program:late]
command=sleep 1000
autostart=false
`

describe.skipIf(!haveSupervisord())("two listener pools at startup: effsup vs supervisord 4.2.5", () => {
  const pair = usePair(POOLS, /success: beta entered RUNNING/)

  it("each pool sees its own group's PROCESS_GROUP_ADDED and the later ones, with the same serials", async () => {
    const seen = (d: Daemon, pool: string) => {
      const file = Path.join(d.dir, `${pool}.jsonl`)
      return Fs.existsSync(file)
        ? Fs.readFileSync(file, "utf8").trim().split("\n").map((l) => {
          const e = JSON.parse(l) as Envelope
          return `${e.header.replace(/^ver:\S+ server:\S+ /, "").replace(/ len:\d+$/, "")} ${e.payload}`.trim()
        })
        : []
    }
    for (const d of pair.both()) {
      await waitFor(() => seen(d, "alpha").length >= 4 && seen(d, "beta").length >= 3, `${d.kind} events`)
    }
    for (const pool of ["alpha", "beta"]) expect(seen(pair.effsup, pool), pool).toEqual(seen(pair.supervisord, pool))
    expect(seen(pair.effsup, "beta")).toEqual([
      "serial:1 pool:beta poolserial:0 eventname:PROCESS_GROUP_ADDED groupname:beta",
      "serial:2 pool:beta poolserial:1 eventname:PROCESS_GROUP_ADDED groupname:late",
      "serial:3 pool:beta poolserial:2 eventname:SUPERVISOR_STATE_CHANGE_RUNNING"
    ])
  })
})

describe.skipIf(!haveSupervisord())("examples/listeners/exit-on-fatal.sh", () => {
  it("shuts effsup and supervisord down when a program goes FATAL", async () => {
    const config = `${header()}
[eventlistener:exit-on-fatal]
command=${Path.join(ROOT, "examples/listeners/exit-on-fatal.sh")}
events=PROCESS_STATE_FATAL

[program:doomed]
command=sh -c 'exit 1'
startretries=0
`
    const ds = await Promise.all([start("effsup", config), start("supervisord", config)])
    try {
      const codes = await Promise.all(ds.map((d) => new Promise<number | null>((resolve) => {
        if (d.child.exitCode !== null) resolve(d.child.exitCode)
        else d.child.once("exit", (code) => resolve(code))
      })))
      expect(codes).toEqual([0, 0])
      for (const d of ds) expect(d.log()).toContain("WARN received SIGTERM indicating exit request")
    } finally {
      await Promise.all(ds.map((d) => d.stop()))
    }
  })
})
