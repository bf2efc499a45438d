/**
 * effsup's readiness, health, dependencies and group strategies in the web console, in a real
 * headless Chromium against a real daemon: badges beside the state (not ready / ready, unhealthy /
 * healthy, waits for …) with the description's own words, the group's strategy in its header, and
 * the list of PROCESS_HEALTH_* and GROUP_STRATEGY_* events, all pushed live by the daemon.
 */
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Path from "node:path"
import type { Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Daemon, header, start } from "../e2e/harness.ts"
import { api, freePort, inetSection, supervisionPrograms, type Target, waitFor } from "../http/support.ts"
import { type Browser, launch, rowState, screenshot, textIn } from "./browser.ts"
import { tempDir } from "../support/TempDir.ts"

const SLEEP = `sleep 1000.${process.pid}5`
const CREDENTIALS = { username: "admin", password: "s3cret" }

// page functions run in the browser; this file is compiled without the DOM library
declare const document: any

const programs = (readyPort: number, flags: string) =>
  supervisionPrograms({ sleep: SLEEP, readyPort, healthyFile: `${flags}/healthy`, onExhausted: "stop" })

describe("web console: readiness, health, dependencies, strategies (headless Chromium)", () => {
  let daemon: Daemon
  let unix: Target
  let browser: Browser
  let page: Page
  let readyPort: number
  let server: Net.Server | undefined
  const flags = tempDir("health")

  const badges = (namespec: string): Promise<Array<{ text: string; tone: string; title: string }>> =>
    page.evaluate((ns) =>
      [...document.querySelectorAll(`tr[data-namespec="${ns}"] .badge`)].map((b: any) => ({
        text: b.textContent,
        tone: b.className.replace("badge ", ""),
        title: b.title
      })), namespec)
  const waitForBadge = (namespec: string, text: string) =>
    page.waitForFunction(
      ([ns, t]) => [...document.querySelectorAll(`tr[data-namespec="${ns}"] .badge`)].some((b: any) => b.textContent === t),
      [namespec, text] as const,
      { timeout: 15_000 }
    )

  beforeAll(async () => {
    Fs.writeFileSync(Path.join(flags, "healthy"), "")
    readyPort = await freePort()
    const port = await freePort()
    daemon = await start("effsup", header() + inetSection(port, CREDENTIALS.username, CREDENTIALS.password) + programs(readyPort, flags))
    unix = { socketPath: Path.join(daemon.dir, "sock") }
    await waitFor(async () => {
      const { body } = await api(unix, "GET", "/processes")
      const state = Object.fromEntries(body.map((p: any) => [p.namespec, p]))
      return state["web"]?.statename === "STARTING" && state["checked"]?.health?.status === "healthy" &&
        state["crew:y"]?.statename === "RUNNING"
    }, "the programs to settle")
    browser = await launch({ credentials: CREDENTIALS })
    page = await browser.context.newPage()
    await page.goto(`http://127.0.0.1:${port}/`)
    await page.waitForFunction(() => document.querySelectorAll("tr[data-namespec]").length === 5)
    await textIn(page, "#connection", "Live")
  }, 60_000)
  afterAll(async () => {
    server?.close()
    await browser?.close()
    await daemon?.stop()
  })

  it("badges a readiness check and a dependency wait, then ready once the check passes", async () => {
    expect(await badges("web")).toEqual([{ text: "not ready", tone: "busy", title: `waiting for tcp:127.0.0.1:${readyPort}` }])
    expect(await page.textContent(`tr[data-namespec="web"] .desc`)).toBe(`waiting for tcp:127.0.0.1:${readyPort}`)
    expect(await badges("app")).toEqual([{ text: "waits for web", tone: "busy", title: "waiting for web (running)" }])
    expect(await page.textContent(`tr[data-namespec="app"] .desc`)).toBe("waiting for web (running)")

    server = Net.createServer((socket) => socket.destroy()).listen(readyPort, "127.0.0.1")
    await rowState(page, "app", "RUNNING")
    await rowState(page, "web", "RUNNING")
    await waitForBadge("web", "ready")
    expect(await badges("app")).toEqual([])
    // the description keeps what follows the (locally ticking) uptime
    expect(await page.textContent(`tr[data-namespec="web"] .desc`)).toMatch(/^pid \d+, uptime 0:00:\d\d, ready$/)
  })

  it("badges health as it changes and lists the PROCESS_HEALTH events", async () => {
    expect(await badges("checked")).toEqual([{ text: "healthy", tone: "ok", title: `healthcheck exec:test -f ${flags}/healthy passes` }])
    Fs.rmSync(Path.join(flags, "healthy"))
    await waitForBadge("checked", "unhealthy 2/2")
    await textIn(page, "#event-list", "checked is unhealthy after 2 failed checks")
    expect(await page.isVisible("#events")).toBe(true)
    expect(await page.textContent(`tr[data-namespec="checked"] .desc`)).toMatch(/, unhealthy \(2\/2\)$/)

    Fs.writeFileSync(Path.join(flags, "healthy"), "")
    await waitForBadge("checked", "healthy")
    await textIn(page, "#event-list li:first-child", "checked is healthy again")
    expect(await page.textContent("#event-list li:first-child code")).toBe("PROCESS_HEALTH_HEALTHY")
  })

  it("shows a group's strategy and lists its GROUP_STRATEGY restarts", async () => {
    expect(await page.textContent(`tbody[data-group="crew"] tr.group .strategy`)).toBe(
      "one_for_all, at most 3 restarts in 60 s, then stop"
    )
    const y = (await api(unix, "GET", "/processes/crew:y")).body.pid
    expect((await api(unix, "POST", "/processes/crew:x/signal", { json: { signal: "KILL" } })).status).toBe(200)
    await textIn(page, "#event-list", "group crew: x died, restarting x, y (one_for_all)")
    expect(await page.textContent("#event-list li:first-child code")).toBe("GROUP_STRATEGY_RESTART")
    // one_for_all: y was restarted too
    await waitFor(async () => {
      const now = (await api(unix, "GET", "/processes/crew:y")).body
      return now.statename === "RUNNING" && now.pid !== y
    }, "crew:y to be restarted")
    await rowState(page, "crew:y", "RUNNING")
    await textIn(page, `tbody[data-group="crew"] tr.group .strategy`, "restarted 1 time, 1 in the last 60 s")
    await screenshot(page, "supervision")
  })
})
