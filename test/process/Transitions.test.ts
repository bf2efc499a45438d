import { describe, expect, it } from "@effect/vitest"
import { type ProcessState, ProcessStateCode, STOPPED_STATES } from "../../src/domain/ProcessState.ts"
import { type Policy, SUPERVISORD_POLICY } from "../../src/process/RestartPolicy.ts"
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
  Ready: { _tag: "Ready" },
  ReadyTimeout: { _tag: "ReadyTimeout", message: "not ready" },
  HealthPassed: { _tag: "HealthPassed" },
  HealthFailed: { _tag: "HealthFailed", message: "down" },
  DelayRestart: { _tag: "DelayRestart" },
  BackoffResetElapsed: { _tag: "BackoffResetElapsed" },
  Abandon: { _tag: "Abandon", reason: "dependency db is FATAL" },
  WatchdogMissed: { _tag: "WatchdogMissed", message: "sent no WATCHDOG=1 for 5 seconds" },
  Notified: { _tag: "Notified", status: "Serving", mainPid: 99 }
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
  Signal: "!NotRunning",
  "WriteStdin(child)": "none",
  "WriteStdin(no child)": "!NotRunning",
  Quiesce: "- {quiesced=true}",
  Shutdown: "- {quiesced=true}",
  Abandon: `FATAL {pid=0,spawnerr="dependency db is FATAL"} logAbandoned`
}

/**
 * The whole table while the supervisor runs, under supervisord's policy (a program using none of
 * effsup's options): state → event label → outcome; a missing label is "none". The events of
 * effsup's own rules (Ready, HealthFailed, DelayRestart, …) are all "none" here.
 */
const RUNNING_SUPERVISOR: Record<ProcessState, Record<string, string>> = {
  STOPPED: STOPPED_ROW,
  EXITED: STOPPED_ROW,
  // Abandoning a FATAL process only changes its reason.
  FATAL: { ...STOPPED_ROW, Abandon: `- {spawnerr="dependency db is FATAL"}` },
  STARTING: {
    Notified: `- {mainPid=99,notifyStatus="Serving"}`,
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
    Notified: `- {mainPid=99,notifyStatus="Serving"}`,
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
    Signal: "!NotRunning",
    "WriteStdin(child)": "none",
    "WriteStdin(no child)": "!NotRunning",
    Quiesce: "- {quiesced=true}",
    Shutdown: "FATAL {backoff=0,pid=0,quiesced=true} resetBackoff"
  },
  STOPPING: {
    Notified: `- {mainPid=99,notifyStatus="Serving"}`,
    "Start(request)": "- logStillRunning",
    "Start(autostart)": "- logStillRunning",
    "Start(autorestart)": "- logStillRunning",
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
    Signal: "!NotRunning",
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
  BACKOFF: { BackoffElapsed: "none", BackoffExhausted: "FATAL {backoff=0,pid=0} resetBackoff" }
}

const rowOf = (state: ProcessState, quiesced: boolean): Record<string, string> => {
  const expected = { ...RUNNING_SUPERVISOR[state], ...(quiesced ? STOPPING_SUPERVISOR[state] : {}) }
  return Object.fromEntries(Object.keys(EVENTS).map((label) => [label, expected[label] ?? "none"]))
}

const READY: Policy = { ...SUPERVISORD_POLICY, awaitsReady: true }
const HEALTH: Policy = { ...SUPERVISORD_POLICY, checksHealth: true, healthRetries: 3 }
const BACKOFF: Policy = { ...SUPERVISORD_POLICY, backoffAfterRunning: true }
const RESET_LATER: Policy = { ...BACKOFF, resetsLater: true }
const EVERYTHING: Policy = { ...RESET_LATER, awaitsReady: true, checksHealth: true }
const POLICIES: Record<string, Policy> = {
  supervisord: SUPERVISORD_POLICY,
  ready: READY,
  health: HEALTH,
  "health (stop)": { ...HEALTH, onUnhealthy: "stop" },
  "health (event)": { ...HEALTH, onUnhealthy: "event" },
  backoff: BACKOFF,
  everything: EVERYTHING
}

/** Every status the rules tell apart, for the invariants: each state, quiesced or not, with each run's facts. */
const STATUSES: ReadonlyArray<Status> = STATES.flatMap((state) =>
  [false, true].flatMap((quiesced) => {
    const base = status(state, quiesced)
    return [
      base,
      { ...base, ready: true, startsecsPassed: true },
      { ...base, health: "unhealthy", healthFailures: 3 } as const,
      { ...base, healthFailures: 2 },
      { ...base, afterStop: "backoff" } as const,
      { ...base, afterStop: "restart" } as const
    ]
  })
)

const allPairs = Object.entries(POLICIES).flatMap(([policyName, policy]) =>
  STATUSES.flatMap((s) =>
    Object.entries(EVENTS).map(([label, event]) => ({
      state: `${s.state} (${policyName}, ${JSON.stringify(s)})`,
      label,
      event,
      t: transition(s, event, policy)
    }))
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

  it("a stop or shutdown request always ends in a stopped state: the stop no longer restarts or backs off", () => {
    for (const { event, label, state, t } of allPairs) {
      if (event._tag !== "Stop" && event._tag !== "Shutdown") continue
      if (state.startsWith("STOPPING") && t.refusal === undefined) expect(t.patch.afterStop ?? "stopped", `${state} × ${label}`).toBe("stopped")
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

/** One case of effsup's rules: the status (over `status(state, false)`), the event, the policy and the outcome. */
type Case = readonly [label: string, state: ProcessState, over: Partial<Status>, event: string, policy: Policy, expected: string]

const EXITED_BEFORE_READY = "Exited before it was ready (process log may have details)"

const CASES: ReadonlyArray<Case> = [
  // ready=: STARTING → RUNNING on Ready and startsecs, whichever comes last.
  ["the check starts with the child", "STARTING", {}, "Spawned", READY, "- {pid=7} armStartsecs,startReadiness"],
  ["startsecs first: wait for Ready", "STARTING", {}, "StartsecsElapsed", READY, "- {startsecsPassed=true}"],
  ["then Ready: RUNNING", "STARTING", { startsecsPassed: true }, "Ready", READY, "RUNNING {backoff=0,ready=true} resetBackoff,logSuccess"],
  ["Ready first: wait for startsecs", "STARTING", {}, "Ready", READY, "- {ready=true}"],
  ["then startsecs: RUNNING", "STARTING", { ready: true }, "StartsecsElapsed", READY, "RUNNING {backoff=0} resetBackoff,logSuccess"],
  ["no Ready in time: stopped, then a failed start", "STARTING", {}, "ReadyTimeout", READY,
    `STOPPING {afterStop="backoff",spawnerr="not ready"} logNotReady,signalStop`],
  ["its exit: BACKOFF", "STOPPING", { afterStop: "backoff" }, "Exited(unexpected)", READY,
    `BACKOFF {afterStop="stopped",backoff=3,exitstatus=3,laststop=5,pid=0} logStopped,stepBackoff`],
  ["a stop meanwhile: it just stops", "STOPPING", { afterStop: "backoff" }, "Stop", READY, `- {afterStop="stopped"}`],
  ["a shutdown meanwhile: it just stops", "STOPPING", { afterStop: "backoff" }, "Shutdown", READY, `- {afterStop="stopped",quiesced=true}`],
  ["an exit before it is ready is a failed start, even after startsecs", "STARTING", { startsecsPassed: true }, "Exited(unexpected)", READY,
    `BACKOFF {backoff=3,laststop=5,pid=0,spawnerr="${EXITED_BEFORE_READY}"} logExitedTooQuickly,stepBackoff`],
  ["an exit before startsecs is still too quick", "STARTING", {}, "Exited(quick)", READY,
    `BACKOFF {backoff=3,laststop=5,pid=0,spawnerr="${TOO_QUICK}"} logExitedTooQuickly,stepBackoff`],
  ["a late Ready changes nothing", "RUNNING", {}, "Ready", READY, "none"],
  ["a late timeout changes nothing", "RUNNING", {}, "ReadyTimeout", READY, "none"],
  ["a new start forgets the last run's facts", "FATAL", { ready: true, startsecsPassed: true, health: "unhealthy", healthFailures: 3 }, "Start(request)", READY,
    `STARTING {exitstatus=0,health="unchecked",healthFailures=0,ready=false,spawnerr="",startsecsPassed=false} spawn`],
  // healthcheck=: failures in a row, then on_unhealthy.
  ["checks start with RUNNING", "STARTING", {}, "StartsecsElapsed", HEALTH, "RUNNING {backoff=0} resetBackoff,logSuccess,startHealthcheck"],
  ["with ready= too", "STARTING", { startsecsPassed: true }, "Ready", EVERYTHING, "RUNNING {ready=true} armBackoffReset,logSuccess,startHealthcheck"],
  ["a failure is counted", "RUNNING", {}, "HealthFailed", HEALTH, "- {healthFailures=1} logHealthFailed"],
  ["the last one restarts it through the stop path", "RUNNING", { healthFailures: 2 }, "HealthFailed", HEALTH,
    `STOPPING {afterStop="restart",health="unhealthy",healthFailures=3} logHealthFailed,announceUnhealthy,signalStop`],
  ["which then starts it again", "STOPPING", { afterStop: "restart" }, "Exited(unexpected)", HEALTH,
    `STOPPED {afterStop="stopped",exitstatus=3,laststop=5,pid=0} logStopped,restart`],
  ["on_unhealthy=stop stops it", "RUNNING", { healthFailures: 2 }, "HealthFailed", { ...HEALTH, onUnhealthy: "stop" },
    `STOPPING {health="unhealthy",healthFailures=3} logHealthFailed,announceUnhealthy,signalStop`],
  ["on_unhealthy=event only says so", "RUNNING", { healthFailures: 2 }, "HealthFailed", { ...HEALTH, onUnhealthy: "event" },
    `- {health="unhealthy",healthFailures=3} logHealthFailed,announceUnhealthy`],
  ["once unhealthy, more failures are only counted", "RUNNING", { health: "unhealthy", healthFailures: 3 }, "HealthFailed", HEALTH, "- {healthFailures=4}"],
  ["a pass after that: healthy again", "RUNNING", { health: "unhealthy", healthFailures: 4 }, "HealthPassed", HEALTH,
    `- {health="healthy",healthFailures=0} announceHealthy`],
  ["a pass before that resets the count", "RUNNING", { healthFailures: 1 }, "HealthPassed", HEALTH, `- {health="healthy",healthFailures=0}`],
  ["a pass while healthy changes nothing", "RUNNING", { health: "healthy" }, "HealthPassed", HEALTH, "none"],
  ["a pass after failures since the last pass resets the count", "RUNNING", { health: "healthy", healthFailures: 2 }, "HealthPassed", HEALTH, `- {health="healthy",healthFailures=0}`],
  ["checks count only while RUNNING", "STOPPING", { healthFailures: 2 }, "HealthFailed", HEALTH, "none"],
  // watchdog= (ready=notify): one missed keep-alive makes it unhealthy at once, then on_unhealthy.
  ["a missed watchdog restarts it through the stop path", "RUNNING", {}, "WatchdogMissed", HEALTH,
    `STOPPING {afterStop="restart",health="unhealthy"} announceUnhealthy,signalStop`],
  ["on_unhealthy=stop stops it", "RUNNING", {}, "WatchdogMissed", { ...HEALTH, onUnhealthy: "stop" }, `STOPPING {health="unhealthy"} announceUnhealthy,signalStop`],
  ["on_unhealthy=event only says so", "RUNNING", {}, "WatchdogMissed", { ...HEALTH, onUnhealthy: "event" }, `- {health="unhealthy"} announceUnhealthy`],
  ["once unhealthy, another miss changes nothing", "RUNNING", { health: "unhealthy" }, "WatchdogMissed", { ...HEALTH, onUnhealthy: "event" }, "none"],
  ["the watchdog counts only while RUNNING", "STARTING", {}, "WatchdogMissed", HEALTH, "none"],
  // ready=notify: STATUS= and MAINPID= are recorded while the child lives, and forgotten by the next start.
  ["a notification is recorded", "STARTING", {}, "Notified", READY, `- {mainPid=99,notifyStatus="Serving"}`],
  ["not once the child is gone", "BACKOFF", {}, "Notified", READY, "none"],
  ["a new start forgets them", "EXITED", { notifyStatus: "Serving", mainPid: 99 }, "Start(request)", READY,
    `STARTING {exitstatus=0,mainPid=0,notifyStatus="",spawnerr=""} spawn`],
  // backoff=: a crash after RUNNING waits per the schedule.
  ["a crash from RUNNING: EXITED, then BACKOFF", "RUNNING", {}, "Exited(unexpected)", BACKOFF,
    `EXITED {exitstatus=3,laststop=5,pid=0,spawnerr="Bad exit code 3"} logExited,delayRestart`],
  ["EXITED → BACKOFF, counted", "EXITED", {}, "DelayRestart", BACKOFF, "BACKOFF {backoff=3,pid=0} stepBackoff"],
  ["an expected exit that autorestart=true restarts: at once", "RUNNING", {}, "Exited(expected, restart)", BACKOFF,
    `EXITED {backoff=0,exitstatus=0,laststop=5,pid=0,spawnerr=""} resetBackoff,logExited,restart`],
  ["an exit autorestart does not restart ends there", "RUNNING", {}, "Exited(expected)", BACKOFF,
    `EXITED {backoff=0,exitstatus=0,laststop=5,pid=0,spawnerr=""} resetBackoff,logExited`],
  ["backoff_reset_after: RUNNING keeps the count and arms the reset", "STARTING", {}, "StartsecsElapsed", RESET_LATER, "RUNNING armBackoffReset,logSuccess"],
  ["which resets it", "RUNNING", {}, "BackoffResetElapsed", RESET_LATER, "- {backoff=0} resetBackoff"],
  ["not in another state", "BACKOFF", {}, "BackoffResetElapsed", RESET_LATER, "none"]
]

const QUIESCED_CASES: ReadonlyArray<Case> = [
  ["no Ready in time while the supervisor stops: FATAL once stopped", "STOPPING", { afterStop: "backoff" }, "Exited(unexpected)", READY,
    `BACKOFF {afterStop="stopped",backoff=3,exitstatus=3,laststop=5,pid=0} logStopped,giveUp`],
  ["a crash while the supervisor stops is not restarted", "EXITED", {}, "DelayRestart", BACKOFF, "none"],
  ["after an unhealthy stop the restart is asked (a Start the quiesced table drops)", "STOPPING", { afterStop: "restart" }, "Exited(unexpected)", HEALTH,
    `STOPPED {afterStop="stopped",exitstatus=3,laststop=5,pid=0} logStopped,restart`]
]

const MORE_EVENTS: Record<string, Event> = {
  "Exited(expected, restart)": { _tag: "Exited", at: 5, exitstatus: 0, expected: true, tooQuickly: false, restart: true }
}

describe("Transitions beyond supervisord (ready=, healthcheck=, backoff=)", () => {
  for (const [quiesced, cases] of [[false, CASES], [true, QUIESCED_CASES]] as const) {
    for (const [label, state, over, eventLabel, policy, expected] of cases) {
      it(`${state} × ${eventLabel}: ${label}`, () => {
        const event = EVENTS[eventLabel] ?? MORE_EVENTS[eventLabel]!
        expect(render(transition({ ...status(state, quiesced), ...over }, event, policy))).toBe(expected)
      })
    }
  }
})
