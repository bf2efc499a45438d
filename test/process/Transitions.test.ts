import { describe, expect, it } from "@effect/vitest"
import { ProcessStateCode, type ProcessState } from "../../src/domain/ProcessState.ts"
import { type Event, transition } from "../../src/process/Transitions.ts"

const STATES = Object.keys(ProcessStateCode) as Array<ProcessState>
const EVENTS: ReadonlyArray<Event> = [
  { _tag: "Start" },
  { _tag: "Spawned" },
  { _tag: "SpawnFailed" },
  { _tag: "StartsecsElapsed" },
  { _tag: "Exited", tooQuickly: true, expected: false },
  { _tag: "Exited", tooQuickly: false, expected: true },
  { _tag: "Exited", tooQuickly: false, expected: false },
  { _tag: "BackoffElapsed" },
  { _tag: "GiveUp" },
  { _tag: "Stop" },
  { _tag: "StopTimeout" },
  { _tag: "KillFailed" }
]

/** The whole table, written out: state → event label → [next state or "-", actions]. */
const key = (e: Event) => e._tag === "Exited" ? `Exited(${e.tooQuickly ? "quick" : e.expected ? "expected" : "unexpected"})` : e._tag
const EXPECTED: Record<ProcessState, Record<string, string>> = {
  STOPPED: { Start: "STARTING spawn", KillFailed: "UNKNOWN" },
  EXITED: { Start: "STARTING spawn", KillFailed: "UNKNOWN" },
  FATAL: { Start: "STARTING spawn", KillFailed: "UNKNOWN" },
  STARTING: {
    Spawned: "- armStartsecs",
    SpawnFailed: "BACKOFF logSpawnError,backoff",
    StartsecsElapsed: "RUNNING resetBackoff,logSuccess",
    "Exited(quick)": "BACKOFF exitedTooQuickly,backoff",
    "Exited(expected)": "EXITED resetBackoff,logExited,autorestart",
    "Exited(unexpected)": "EXITED resetBackoff,logExited,autorestart",
    Stop: "STOPPING signalStop",
    KillFailed: "UNKNOWN"
  },
  RUNNING: {
    "Exited(quick)": "EXITED resetBackoff,logExited,autorestart",
    "Exited(expected)": "EXITED resetBackoff,logExited,autorestart",
    "Exited(unexpected)": "EXITED resetBackoff,logExited,autorestart",
    Stop: "STOPPING signalStop",
    KillFailed: "UNKNOWN"
  },
  BACKOFF: {
    BackoffElapsed: "STARTING spawn",
    GiveUp: "FATAL resetBackoff,logGaveUp",
    Stop: "STOPPED cancelBackoff",
    KillFailed: "UNKNOWN"
  },
  STOPPING: {
    "Exited(quick)": "STOPPED logStopped",
    "Exited(expected)": "STOPPED logStopped",
    "Exited(unexpected)": "STOPPED logStopped",
    StopTimeout: "- kill",
    KillFailed: "UNKNOWN"
  },
  UNKNOWN: {}
}

describe("Transitions", () => {
  for (const state of STATES) {
    for (const event of EVENTS) {
      it(`${state} × ${key(event)}`, () => {
        const t = transition(state, event)
        const got = t.next === undefined && t.actions.length === 0 ? "ignore" : `${t.next ?? "-"}${t.actions.length ? " " + t.actions.join(",") : ""}`
        expect(got).toBe(EXPECTED[state][key(event)] ?? "ignore")
      })
    }
  }
})
