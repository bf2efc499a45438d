import { describe, expect, it } from "@effect/vitest"
import { initialStatus } from "../../src/process/Transitions.ts"
import { checkInfo, describe as describeProcess } from "../../src/supervisor/Description.ts"
import { processConfig } from "../support/Configs.ts"

const base = { name: "web", pid: 12, start: 1000, stop: 0, now: 1005, spawnerr: "" }
const TCP = { _tag: "Tcp", host: "localhost", port: 8080 } as const
const HTTP = { _tag: "Http", url: "http://localhost:8080/health" } as const

describe("Description", () => {
  it("is supervisord's for a program without effsup's checks", () => {
    const info = { ...base, ...checkInfo({ ...initialStatus, state: "RUNNING" }, processConfig()) }
    expect(info).toEqual(base)
    expect(describeProcess({ ...info, state: "RUNNING" })).toBe("pid 12, uptime 0:00:05")
    expect(describeProcess({ ...info, state: "STARTING" })).toBe("")
  })

  it("with ready=: what STARTING waits for, and `ready` once RUNNING", () => {
    const config = processConfig({ ready: TCP })
    const starting = checkInfo({ ...initialStatus, state: "STARTING" }, config)
    expect(starting).toEqual({ readiness: { check: "tcp:localhost:8080", ready: false } })
    expect(describeProcess({ ...base, state: "STARTING", ...starting })).toBe("waiting for tcp:localhost:8080")
    const early = checkInfo({ ...initialStatus, state: "STARTING", ready: true }, config)
    expect(describeProcess({ ...base, state: "STARTING", ...early })).toBe("ready, waiting for startsecs")
    const running = checkInfo({ ...initialStatus, state: "RUNNING", ready: true }, config)
    expect(describeProcess({ ...base, state: "RUNNING", ...running })).toBe("pid 12, uptime 0:00:05, ready")
    expect(checkInfo({ ...initialStatus, state: "EXITED", ready: true }, config).readiness?.ready).toBe(false)
  })

  it("with healthcheck=: healthy, or unhealthy with the failures in a row of healthcheck_retries", () => {
    const config = processConfig({ ready: TCP, healthcheck: HTTP, healthcheckRetries: 3 })
    const running = (over: Partial<typeof initialStatus>) =>
      describeProcess({ ...base, state: "RUNNING", ...checkInfo({ ...initialStatus, state: "RUNNING", ready: true, ...over }, config) })
    expect(running({})).toBe("pid 12, uptime 0:00:05, ready")
    expect(running({ health: "healthy" })).toBe("pid 12, uptime 0:00:05, ready, healthy")
    expect(running({ health: "healthy", healthFailures: 2 })).toBe("pid 12, uptime 0:00:05, ready, unhealthy (2/3)")
    expect(running({ health: "unhealthy", healthFailures: 7 })).toBe("pid 12, uptime 0:00:05, ready, unhealthy (3/3)")
    expect(checkInfo({ ...initialStatus, state: "RUNNING", health: "unhealthy", healthFailures: 3 }, config).health).toEqual({
      check: "http://localhost:8080/health", status: "unhealthy", failures: 3, retries: 3
    })
  })

  it("with ready=notify: the child's STATUS= in parentheses, and a MAINPID= other than its pid", () => {
    const config = processConfig({ ready: { _tag: "Notify" } })
    const info = (over: Partial<typeof initialStatus>) => ({ ...base, state: over.state!, ...checkInfo({ ...initialStatus, ...over }, config) })
    expect(describeProcess(info({ state: "STARTING" }))).toBe("waiting for notify")
    expect(describeProcess(info({ state: "STARTING", notifyStatus: "Loading 40%" }))).toBe("waiting for notify (Loading 40%)")
    expect(describeProcess(info({ state: "STARTING", ready: true, notifyStatus: "Warming up" }))).toBe("ready, waiting for startsecs (Warming up)")
    expect(describeProcess(info({ state: "RUNNING", ready: true, notifyStatus: "Serving" }))).toBe("pid 12, uptime 0:00:05, ready (Serving)")
    expect(describeProcess(info({ state: "RUNNING", ready: true, mainPid: 12 }))).toBe("pid 12, uptime 0:00:05, ready")
    expect(describeProcess(info({ state: "RUNNING", ready: true, notifyStatus: "up", mainPid: 4242 }))).toBe(
      "pid 12, uptime 0:00:05, ready (up), main pid 4242"
    )
    expect(checkInfo({ ...initialStatus, state: "RUNNING", ready: true, notifyStatus: "up", mainPid: 4242 }, config).readiness).toEqual({
      check: "notify", ready: true, status: "up", mainPid: 4242
    })
    expect(checkInfo({ ...initialStatus, state: "EXITED", notifyStatus: "up", mainPid: 4242 }, config).readiness).toEqual({ check: "notify", ready: false })
  })

  it("a readiness timeout shows as the spawn error in BACKOFF", () => {
    const spawnerr = "not ready within 60 seconds (tcp:localhost:8080: connect ECONNREFUSED 127.0.0.1:8080)"
    expect(describeProcess({ ...base, state: "BACKOFF", spawnerr })).toBe(spawnerr)
  })
})
