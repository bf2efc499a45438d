/**
 * The SSE streams end to end on a real daemon's unix socket: the event stream (ids, replay after
 * Last-Event-ID, the gap after a daemon restart) and a log follow (offsets, resume, reset).
 */
import * as Path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Daemon, header, start } from "../e2e/harness.ts"
import { api, sse, type SseEvent, type Target, waitFor } from "./support.ts"

const SLEEP = `sleep 1000.${process.pid}2`

const config = header() + `
[program:sleeper]
command=${SLEEP}
startsecs=0

[program:printer]
command=sh -c 'i=0; while [ $i -lt 3 ]; do echo "line $i"; i=$((i+1)); done; exec ${SLEEP}'
startsecs=0
`

const json = (e: SseEvent | undefined) => JSON.parse(e!.data)
const isState = (name: string, state: string) => (e: SseEvent) => e.event === `PROCESS_STATE_${state}` && json(e).namespec === name

describe("http/Events (SSE on a real daemon)", () => {
  let daemon: Daemon
  let unix: Target

  beforeAll(async () => {
    daemon = await start("effsup", config)
    unix = { socketPath: Path.join(daemon.dir, "sock") }
    await waitFor(async () => {
      const { body } = await api(unix, "GET", "/processes")
      return body.every((p: { statename: string }) => p.statename === "RUNNING")
    }, "both programs to run")
  }, 60_000)
  afterAll(() => daemon?.stop())

  it("streams every state change live, each with an id, and the settled process info after it", async () => {
    const stream = sse(unix, "/api/v1/events")
    try {
      const hello = await stream.next((e) => e.event === "hello", "hello")
      expect(stream.status()).toBe(200)
      expect(stream.headers()["content-type"]).toMatch(/^text\/event-stream/)
      expect(stream.headers()["cache-control"]).toBe("no-cache")
      const { bootId } = json(hello)
      expect(json(hello)).toMatchObject({ resumed: false })
      expect((await api(unix, "POST", "/processes/sleeper/stop")).status).toBe(200)
      const stopping = await stream.next(isState("sleeper", "STOPPING"), "STOPPING")
      const stopped = await stream.next(isState("sleeper", "STOPPED"), "STOPPED")
      expect(json(stopped)).toMatchObject({ processName: "sleeper", groupName: "sleeper", fromState: "STOPPING" })
      const info = await stream.next((e) => e.event === "process" && json(e).statename === "STOPPED", "the STOPPED info")
      expect(json(info)).toMatchObject({ namespec: "sleeper", state: 0, pid: 0 })
      const seq = (e: SseEvent) => Number(e.id!.split("-")[1])
      expect(stopping.id!.startsWith(`${bootId}-`)).toBe(true)
      expect(seq(stopped)).toBeGreaterThan(seq(stopping))
      expect(seq(info)).toBeGreaterThan(seq(stopped))
    } finally {
      stream.close()
    }
  })

  it("replays exactly the missed events to a client that reconnects with Last-Event-ID", async () => {
    const witness = sse(unix, "/api/v1/events")
    const first = sse(unix, "/api/v1/events")
    try {
      await witness.next((e) => e.event === "hello", "the witness's hello")
      await first.next((e) => e.event === "hello", "hello")
      expect((await api(unix, "POST", "/processes/sleeper/start")).status).toBe(200)
      const seen = await first.next(isState("sleeper", "STARTING"), "STARTING")
      first.close()
      // missed while disconnected: the rest of this start, and a stop
      expect((await api(unix, "POST", "/processes/sleeper/stop")).status).toBe(200)
      const last = await witness.next((e) => e.event === "process" && json(e).statename === "STOPPED", "the witness's STOPPED info")
      const resumed = sse(unix, "/api/v1/events", { "last-event-id": seen.id! })
      try {
        await resumed.next((e) => e.id === last.id, "the resumed stream to catch up")
        expect(resumed.events[0]!.event).toBe("hello")
        expect(json(resumed.events[0])).toMatchObject({ resumed: true })
        const after = (events: ReadonlyArray<SseEvent>) => {
          const from = events.findIndex((e) => e.id === seen.id)
          const to = events.findIndex((e) => e.id === last.id)
          return events.slice(from + 1, to + 1)
        }
        expect(resumed.events.slice(1, resumed.events.findIndex((e) => e.id === last.id) + 1)).toEqual(after(witness.events))
        expect(resumed.events.some(isState("sleeper", "RUNNING"))).toBe(true)
        expect(resumed.events.some(isState("sleeper", "STOPPED"))).toBe(true)
      } finally {
        resumed.close()
      }
    } finally {
      witness.close()
      first.close()
    }
  })

  it("follows a log with offsets, resumes after Last-Event-ID, and resets when the log is cleared", async () => {
    const follow = sse(unix, "/api/v1/processes/printer/log/stdout/follow")
    try {
      const started = await follow.next((e) => e.event === "start", "start")
      expect(json(started)).toEqual({ offset: 0 })
      const log = await follow.next((e) => e.event === "log", "the log")
      expect(json(log)).toEqual({ offset: 0, text: "line 0\nline 1\nline 2\n" })
      expect(log.id).toMatch(/^\d+:21$/)
      follow.close()
      const resumed = sse(unix, "/api/v1/processes/printer/log/stdout/follow", { "last-event-id": log.id! })
      try {
        const again = await resumed.next((e) => e.event === "start", "the resumed start")
        expect(json(again)).toEqual({ offset: 21 })
        expect((await api(unix, "POST", "/processes/printer/clear")).status).toBe(200)
        const reset = await resumed.next((e) => e.event === "reset", "the reset after clearing")
        expect(json(reset).reason).toMatch(/^(truncated|rotated)$/)
        expect(resumed.events.filter((e) => e.event === "log")).toEqual([])
      } finally {
        resumed.close()
      }
      const tail = sse(unix, "/api/v1/processes/sleeper/log/stdout/follow?tail=5")
      try {
        expect(json(await tail.next((e) => e.event === "start", "start of an empty log"))).toEqual({ offset: 0 })
      } finally {
        tail.close()
      }
      const missing = await api(unix, "GET", "/processes/nope/log/stdout/follow")
      expect(missing).toEqual({ status: 404, body: { code: "BAD_NAME", message: "BAD_NAME: nope" } })
    } finally {
      follow.close()
    }
  })

  it("ends the streams when the daemon restarts, and tells a returning client it missed events", async () => {
    const stream = sse(unix, "/api/v1/events")
    const hello = await stream.next((e) => e.event === "hello", "hello")
    daemon.child.kill("SIGHUP")
    await waitFor(() => stream.closed(), "the stream to end at the restart")
    await waitFor(async () => {
      try {
        return (await api(unix, "GET", "/supervisor")).body.bootId !== json(hello).bootId
      } catch {
        return false
      }
    }, "the restarted daemon")
    const back = sse(unix, "/api/v1/events", { "last-event-id": hello.id! })
    try {
      const gap = await back.next((e) => e.event === "gap", "the gap")
      expect(json(gap)).toEqual({ reason: "restarted", missed: null })
      expect(json(back.events[0])).toMatchObject({ resumed: false })
    } finally {
      back.close()
    }
  })
})
