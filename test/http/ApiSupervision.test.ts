/**
 * effsup's readiness, health, dependency waits and group strategies in the JSON API, on a real
 * daemon: typed fields on the process (`readiness`, `health`, `waitingFor`) and on the group
 * (`supervision`), which follow the programs as they change, agree with the description that
 * XML-RPC's getProcessInfo gives, and are declared in the OpenAPI document. A process without
 * any of it has none of these fields.
 */
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Daemon, header, start } from "../e2e/harness.ts"
import { api, freePort, supervisionPrograms, type Target, waitFor } from "./support.ts"

const SLEEP = `sleep 1000.${process.pid}2`

const programs = (port: number) =>
  supervisionPrograms({ sleep: SLEEP, readyPort: port, healthyFile: "%(here)s/healthy", onExhausted: "fatal" }) + `
[program:plain]
command=${SLEEP}
startsecs=0
`

describe("http/Api: readiness, health, dependencies and strategies as typed fields", () => {
  let daemon: Daemon
  let unix: Target
  let port: number
  let server: Net.Server | undefined

  beforeAll(async () => {
    port = await freePort()
    daemon = await start("effsup", header() + programs(port))
    unix = { socketPath: Path.join(daemon.dir, "sock") }
  }, 60_000)
  afterAll(async () => {
    server?.close()
    await daemon?.stop()
  })

  const info = async (namespec: string) => (await api(unix, "GET", `/processes/${encodeURIComponent(namespec)}`)).body
  /** getProcessInfo's description through the real supervisorctl (`status` prints it after the state). */
  const ctlDescription = (name: string) => daemon.ctl("status", name).stdout.replace(/^\S+\s+\S+\s+/, "").trim()

  it("shows a readiness check and a dependency wait until the check passes, then neither wait", async () => {
    await waitFor(async () => (await info("web")).statename === "STARTING" || undefined, "web to start")
    const web = await info("web")
    expect(web.readiness).toEqual({ check: `tcp:127.0.0.1:${port}`, ready: false })
    expect(web.description).toBe(`waiting for tcp:127.0.0.1:${port}`)
    const app = await info("app")
    expect(app.statename).toBe("STOPPED")
    expect(app.waitingFor).toEqual([{ target: "web", condition: "running" }])
    expect(app.description).toBe("waiting for web (running)")
    expect(ctlDescription("app")).toBe("waiting for web (running)")

    server = Net.createServer((socket) => socket.destroy()).listen(port, "127.0.0.1")
    await waitFor(async () => (await info("app")).statename === "RUNNING" || undefined, "app to start once web is ready")
    expect((await info("web")).readiness).toEqual({ check: `tcp:127.0.0.1:${port}`, ready: true })
    expect((await info("app")).waitingFor).toBeUndefined()
  })

  it("shows a health check's verdict and failures as they change", async () => {
    const unhealthy = await waitFor(async () => {
      const checked = await info("checked")
      return checked.health?.status === "unhealthy" ? checked : undefined
    }, "checked to be unhealthy")
    // on_unhealthy=event: it keeps running, and failing
    expect(unhealthy.health).toMatchObject({ check: `exec:test -f ${daemon.dir}/healthy`, status: "unhealthy", retries: 2 })
    expect(unhealthy.health.failures).toBeGreaterThanOrEqual(2)
    expect(unhealthy.statename).toBe("RUNNING")
    expect(unhealthy.description).toMatch(/^pid \d+, uptime \S+, unhealthy \(2\/2\)$/)
    expect(ctlDescription("checked")).toMatch(/^pid \d+, uptime \S+, unhealthy \(2\/2\)$/)

    Fs.writeFileSync(Path.join(daemon.dir, "healthy"), "")
    const healthy = await waitFor(async () => {
      const checked = await info("checked")
      return checked.health?.status === "healthy" ? checked : undefined
    }, "checked to be healthy again")
    expect(healthy.health).toMatchObject({ status: "healthy", failures: 0 })
  })

  it("leaves the fields out where nothing of it applies", async () => {
    const plain = await info("plain")
    expect(plain.statename).toBe("RUNNING")
    expect(Object.keys(plain)).not.toContain("readiness")
    expect(Object.keys(plain)).not.toContain("health")
    expect(Object.keys(plain)).not.toContain("waitingFor")
  })

  it("gives each group its restart strategy and counts the strategy's restarts", async () => {
    const crew = async () => (await api(unix, "GET", "/groups")).body.find((g: any) => g.name === "crew")
    expect(await crew()).toEqual({
      name: "crew",
      priority: 999,
      processes: ["crew:x", "crew:y"],
      supervision: { strategy: "one_for_all", maxRestarts: 3, maxRestartsPeriod: 60, onExhausted: "fatal" },
      restarts: 0,
      recentRestarts: 0
    })
    const plain = (await api(unix, "GET", "/groups")).body.find((g: any) => g.name === "plain")
    expect(plain).toMatchObject({ supervision: { strategy: "one_for_one", maxRestartsPeriod: 5, onExhausted: "stop" }, restarts: 0 })
    expect(plain.supervision.maxRestarts).toBeUndefined()

    await waitFor(async () => (await info("crew:y")).statename === "RUNNING" || undefined, "crew to run")
    for (const times of [1, 2]) {
      expect((await api(unix, "POST", "/processes/crew:x/signal", { json: { signal: "KILL" } })).status).toBe(200)
      await waitFor(async () => (await crew()).restarts === times || undefined, `restart ${times} to be counted`)
      expect(await crew()).toMatchObject({ restarts: times, recentRestarts: times })
      await waitFor(async () => (await info("crew:x")).statename === "RUNNING" || undefined, "crew:x to run again")
    }
  })

  it("declares the fields in the OpenAPI document", async () => {
    const { body } = await api(unix, "GET", "/openapi.json")
    const schemas = body.components.schemas
    expect(Object.keys(schemas.ProcessInfo.properties)).toEqual(expect.arrayContaining(["readiness", "health", "waitingFor"]))
    expect(schemas.ProcessInfo.required).not.toContain("readiness")
    expect(schemas.ProcessHealth.properties.status.enum).toEqual(["unchecked", "healthy", "unhealthy"])
    expect(schemas.DependencyWait.properties.condition.enum).toEqual(["running", "started", "completed"])
    expect(schemas.GroupStrategy.properties.strategy.enum).toEqual(["one_for_one", "one_for_all", "rest_for_one"])
  })
})
