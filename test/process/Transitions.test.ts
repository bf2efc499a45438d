import { describe, expect, it } from "@effect/vitest"
import { type ProcessState, ProcessStateCode, STOPPED_STATES } from "../../src/domain/ProcessState.ts"
import {
  apply,
  type Event,
  initialStatus,
  type Status,
  startOutcome,
  stopOutcome,
  type Transition,
  transition
} from "../../src/process/Transitions.ts"

const STATES = Object.keys(ProcessStateCode) as Array<ProcessState>
const TOO_QUICK = "Exited too quickly (process log may have details)"

/** Every event, with the variants the table tells apart, by label. */
const EVENTS: Record<string, Event> = {
  "Start(request)": { _tag: "Start", by: "request" },
  "Start(autostart)": { _tag: "Start", by: "autostart" },
  "Start(autorestart)": { _tag: "Start", by: "autorestart" },
  Spawned: { _tag: "Spawned", pid: 7 },
  SpawnFailed: { _tag: "SpawnFailed", message: "boom" },
  StartsecsElapsed: { _tag: "StartsecsElapsed" },
  "Exited(quick)": { _tag: "Exited", at: 5, exitstatus: 1, expected: false, tooQuickly: true, restart: true },
  "Exited(expected)": { _tag: "Exited", at: 5, exitstatus: 0, expected: true, tooQuickly: false, restart: false },
  "Exited(unexpected)": { _tag: "Exited", at: 5, exitstatus: 3, expected: false, tooQuickly: false, restart: true },
  BackoffElapsed: { _tag: "BackoffElapsed" },
  BackoffExhausted: { _tag: "BackoffExhausted" },
  Stop: { _tag: "Stop" },
  StopTimeout: { _tag: "StopTimeout" },
  KillFailed: { _tag: "KillFailed" },
  Signal: { _tag: "Signal", signal: "SIGHUP" },
  "WriteStdin(child)": { _tag: "WriteStdin", hasChild: true },
  "WriteStdin(no child)": { _tag: "WriteStdin", hasChild: false },
  Quiesce: { _tag: "Quiesce" },
  Shutdown: { _tag: "Shutdown" },
  Abandon: { _tag: "Abandon", reason: "dependency db is FATAL" }
}

const REQUESTS = new Set(["Start", "Stop", "Signal", "WriteStdin"])

/** `NEXT {patch} actions` ("-" = state unchanged), `actions !refusal`, or "none" (nothing at all; a request: accepted). */
const render = (t: Transition): string => {
  const actions = t.actions.join(",")
  if (t.refusal !== undefined) return [actions, `!${t.refusal}`].filter((p) => p !== "").join(" ")
  const patch = Object.entries(t.patch).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${JSON.stringify(v)}`)
  const parts = [t.next ?? "-", patch.length > 0 ? `{${patch.join(",")}}` : "", actions].filter((p) => p !== "")
  return parts.length === 1 && parts[0] === "-" ? "none" : parts.join(" ")
}

const status = (state: ProcessState, quiesced: boolean): Status => ({ ...initialStatus, state, pid: 42, backoff: 2, quiesced })

const STOPPED_ROW: Record<string, string> = {
  "Start(request)": `STARTING {exitstatus=0,spawnerr=""} spawn`,
  "Start(autostart)": `STARTING {exitstatus=0,spawnerr=""} spawn`,
  "Start(autorestart)": `STARTING {exitstatus=0,spawnerr=""} spawn`,
  "Exited(quick)": "- {laststop=5}",
  "Exited(expected)": "- {laststop=5}",
  "Exited(unexpected)": "- {laststop=5}",
  Stop: "!NotRunning",
  KillFailed: "UNKNOWN {pid=0}",
  Signal: "logSignalRefused !NotRunning",
  "WriteStdin(child)": "none",
  "WriteStdin(no child)": "!NotRunning",
  Quiesce: "- {quiesced=true}",
  Shutdown: "- {quiesced=true}",
  Abandon: `FATAL {pid=0,spawnerr="dependency db is FATAL"} logAbandoned`
}

/** The whole table while the supervisor runs: state → event label → outcome; a missing label is "none". */
const RUNNING_SUPERVISOR: Record<ProcessState, Record<string, string>> = {
  STOPPED: STOPPED_ROW,
  EXITED: STOPPED_ROW,
  // Abandoning a FATAL process only changes its reason.
  FATAL: { ...STOPPED_ROW, Abandon: `- {spawnerr="dependency db is FATAL"}` },
  STARTING: {
    "Start(request)": "!AlreadyStarted",
    "Start(autostart)": "!AlreadyStarted",
    "Start(autorestart)": "!AlreadyStarted",
    Spawned: "- {pid=7} armStartsecs",
    SpawnFailed: `BACKOFF {backoff=3,pid=0,spawnerr="boom"} logSpawnError,stepBackoff`,
    StartsecsElapsed: "RUNNING {backoff=0} resetBackoff,logSuccess",
    "Exited(quick)": `BACKOFF {backoff=3,laststop=5,pid=0,spawnerr="${TOO_QUICK}"} logExitedTooQuickly,stepBackoff`,
    "Exited(expected)": `EXITED {backoff=0,exitstatus=0,laststop=5,pid=0,spawnerr=""} resetBackoff,logExited`,
    "Exited(unexpected)": `EXITED {backoff=0,exitstatus=3,laststop=5,pid=0,spawnerr="Bad exit code 3"} resetBackoff,logExited,restart`,
    Stop: "STOPPING signalStop",
    KillFailed: "UNKNOWN {pid=0}",
    Signal: "- sendSignal",
    "WriteStdin(child)": "none",
    "WriteStdin(no child)": "!NotRunning",
    Quiesce: "- {quiesced=true}",
    Shutdown: "STOPPING {quiesced=true} signalStop"
  },
  RUNNING: {
    "Start(request)": "!AlreadyStarted",
    "Start(autostart)": "!AlreadyStarted",
    "Start(autorestart)": "!AlreadyStarted",
    // Too quick only counts while STARTING: a RUNNING process has stayed up startsecs.
    "Exited(quick)": `EXITED {backoff=0,exitstatus=1,laststop=5,pid=0,spawnerr="Bad exit code 1"} resetBackoff,logExited,restart`,
    "Exited(expected)": `EXITED {backoff=0,exitstatus=0,laststop=5,pid=0,spawnerr=""} resetBackoff,logExited`,
    "Exited(unexpected)": `EXITED {backoff=0,exitstatus=3,laststop=5,pid=0,spawnerr="Bad exit code 3"} resetBackoff,logExited,restart`,
    Stop: "STOPPING signalStop",
    KillFailed: "UNKNOWN {pid=0}",
    Signal: "- sendSignal",
    "WriteStdin(child)": "none",
    "WriteStdin(no child)": "!NotRunning",
    Quiesce: "- {quiesced=true}",
    Shutdown: "STOPPING {quiesced=true} signalStop"
  },
  BACKOFF: {
    "Start(request)": "!AlreadyStarted",
    "Start(autostart)": "!AlreadyStarted",
    "Start(autorestart)": "!AlreadyStarted",
    "Exited(quick)": "- {laststop=5}",
    "Exited(expected)": "- {laststop=5}",
    "Exited(unexpected)": "- {laststop=5}",
    BackoffElapsed: `STARTING {exitstatus=0,spawnerr=""} spawn`,
    BackoffExhausted: "FATAL {backoff=0,pid=0} resetBackoff,logGaveUp",
    Stop: "STOPPED {pid=0} cancelBackoff",
    KillFailed: "UNKNOWN {pid=0}",
    Signal: "logSignalRefused !NotRunning",
    "WriteStdin(child)": "none",
    "WriteStdin(no child)": "!NotRunning",
    Quiesce: "- {quiesced=true}",
    Shutdown: "FATAL {backoff=0,pid=0,quiesced=true} resetBackoff,logGaveUp"
  },
  STOPPING: {
    "Start(request)": "!AlreadyStarted",
    "Start(autostart)": "!AlreadyStarted",
    "Start(autorestart)": "!AlreadyStarted",
    "Exited(quick)": "STOPPED {exitstatus=1,laststop=5,pid=0} logStopped",
    "Exited(expected)": "STOPPED {exitstatus=0,laststop=5,pid=0} logStopped",
    "Exited(unexpected)": "STOPPED {exitstatus=3,laststop=5,pid=0} logStopped",
    Stop: "!NotRunning",
    StopTimeout: "- kill",
    KillFailed: "UNKNOWN {pid=0}",
    Signal: "- sendSignal",
    "WriteStdin(child)": "!NotRunning",
    "WriteStdin(no child)": "!NotRunning",
    Quiesce: "- {quiesced=true}",
    Shutdown: "- {quiesced=true}"
  },
  UNKNOWN: {
    "Start(request)": "!UnknownState",
    "Start(autostart)": "!UnknownState",
    "Start(autorestart)": "!UnknownState",
    "Exited(quick)": "- {laststop=5}",
    "Exited(expected)": "- {laststop=5}",
    "Exited(unexpected)": "- {laststop=5}",
    Stop: "!NotRunning",
    Signal: "logSignalRefused !NotRunning",
    "WriteStdin(child)": "none",
    "WriteStdin(no child)": "!NotRunning",
    Quiesce: "- {quiesced=true}",
    Shutdown: "- {quiesced=true}"
  }
}

/** While the supervisor stops: nothing starts by itself, a failed start gives up at once. Only the differences. */
const STOPPED_QUIESCED = { "Start(autostart)": "none", "Start(autorestart)": "none" }
const STOPPING_SUPERVISOR: Partial<Record<ProcessState, Record<string, string>>> = {
  STOPPED: STOPPED_QUIESCED,
  EXITED: STOPPED_QUIESCED,
  FATAL: STOPPED_QUIESCED,
  STARTING: {
    SpawnFailed: `BACKOFF {backoff=3,pid=0,spawnerr="boom"} logSpawnError,giveUp`,
    "Exited(quick)": `BACKOFF {backoff=3,laststop=5,pid=0,spawnerr="${TOO_QUICK}"} logExitedTooQuickly,giveUp`
  },
  BACKOFF: { BackoffElapsed: "none" }
}

const rowOf = (state: ProcessState, quiesced: boolean): Record<string, string> => {
  const expected = { ...RUNNING_SUPERVISOR[state], ...(quiesced ? STOPPING_SUPERVISOR[state] : {}) }
  return Object.fromEntries(Object.keys(EVENTS).map((label) => [label, expected[label] ?? "none"]))
}

const allPairs = STATES.flatMap((state) =>
  [false, true].flatMap((quiesced) =>
    Object.entries(EVENTS).map(([label, event]) => ({ state, quiesced, label, event, t: transition(status(state, quiesced), event) }))
  )
)

describe("Transitions", () => {
  for (const state of STATES) {
    for (const quiesced of [false, true]) {
      it(`${state}${quiesced ? " (supervisor stopping)" : ""} × every event`, () => {
        const got = Object.fromEntries(Object.entries(EVENTS).map(([label, event]) => [label, render(transition(status(state, quiesced), event))]))
        expect(got).toEqual(rowOf(state, quiesced))
      })
    }
  }

  it("only requests are refused, and a refusal changes nothing", () => {
    for (const { event, label, state, t } of allPairs) {
      if (t.refusal === undefined) continue
      expect(REQUESTS.has(event._tag), `${state} × ${label}`).toBe(true)
      expect([t.next, t.patch], `${state} × ${label}`).toEqual([undefined, {}])
    }
  })

  it("entering a stopped state or BACKOFF clears the pid", () => {
    for (const { label, state, t } of allPairs) {
      if (t.next !== undefined && (STOPPED_STATES.has(t.next) || t.next === "BACKOFF")) {
        expect(t.patch.pid, `${state} × ${label}`).toBe(0)
      }
    }
  })

  it("the backoff count and the backoff schedule are reset together", () => {
    for (const { label, state, t } of allPairs) {
      expect(t.patch.backoff === 0, `${state} × ${label}`).toBe(t.actions.includes("resetBackoff"))
    }
  })

  it("apply: the patch and next state, or the same status when nothing changes", () => {
    const before = status("STARTING", false)
    expect(apply(before, transition(before, { _tag: "StartsecsElapsed" }))).toEqual({ ...before, state: "RUNNING", backoff: 0 })
    expect(apply(before, transition(before, { _tag: "BackoffElapsed" }))).toBe(before)
    expect(apply(before, transition(before, { _tag: "Start", by: "request" }))).toBe(before)
  })

  it("a waiting start ends RUNNING, or with SPAWN_ERROR / ABNORMAL_TERMINATION", () => {
    const snap = (state: ProcessState, spawnerr = "") => ({ ...initialStatus, state, spawnerr })
    expect(startOutcome(snap("STARTING"))).toBe("pending")
    expect(startOutcome(snap("RUNNING"))).toBe("started")
    expect(startOutcome(snap("BACKOFF", "can't find command 'x'"))).toBe("SpawnError")
    expect(startOutcome(snap("BACKOFF", TOO_QUICK))).toBe("SpawnError")
    expect(startOutcome(snap("EXITED"))).toBe("AbnormalTermination")
    expect(startOutcome(snap("STOPPED"))).toBe("AbnormalTermination")
  })

  it("a waiting stop ends in a stopped state; UNKNOWN fails", () => {
    expect(STATES.map((s) => `${s}:${stopOutcome(s)}`)).toEqual([
      "STOPPED:stopped",
      "STARTING:pending",
      "RUNNING:pending",
      "BACKOFF:pending",
      "STOPPING:pending",
      "EXITED:stopped",
      "FATAL:stopped",
      "UNKNOWN:UnknownState"
    ])
  })
})
