/**
 * The web console in a real headless Chromium (Debian's, through playwright-core) against a real
 * daemon on its authenticated inet server: live updates, actions, log views, hostile output,
 * cross-site refusal, credentials, phone size, and the connection lost across a daemon restart.
 * Screenshots go to test/web/screenshots/ (git-ignored) for a person to look at.
 */
import * as Fs from "node:fs"
import * as Http from "node:http"
import * as Path from "node:path"
import type { Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Daemon, header, start } from "../e2e/harness.ts"
import { api, freePort, inetSection, type Target, waitFor } from "../http/support.ts"
import { type Browser, launch, rowState, screenshot, textIn } from "./browser.ts"

const SLEEP = `sleep 1000.${process.pid}4`
const HOSTILE_OUT = ["<script>window.__xss=1</script>", "<img src=x onerror=window.__xss=2>"]
const HOSTILE_ERR = "<img src=x onerror=window.__xss=3>"
const HOSTILE_NAME = "<i>odd"

const programs = `
[program:sleeper]
command=${SLEEP}
startsecs=0

[program:ticker]
command=sh -c 'i=0; while :; do echo "tick $i"; i=$((i+1)); sleep 0.3; done'
startsecs=0

[program:big]
command=sh -c 'i=0; while [ $i -lt 1500 ]; do echo "big line $i of the early output"; i=$((i+1)); done; exec ${SLEEP}'
startsecs=0

[program:hostile]
command=sh -c 'printf "%%s\\n" "${HOSTILE_OUT[0]}" "${HOSTILE_OUT[1]}"; printf "%%s\\n" "${HOSTILE_ERR}" >&2; exec ${SLEEP}'
startsecs=0

[program:${HOSTILE_NAME}]
command=${SLEEP}
startsecs=0

[program:missing]
command=/nonexistent/<img_src=x_onerror=window.__xss=4>
startretries=0

[group:pool]
programs=a,b

[program:a]
command=${SLEEP}
startsecs=0

[program:b]
command=${SLEEP}
startsecs=0
autostart=false
`

const CREDENTIALS = { username: "admin", password: "s3cret" }

// page functions run in the browser; this file is compiled without the DOM library
declare const document: any, window: any

/** Nothing a program printed became markup, and no injected handler ran. */
const assertNoInjection = async (page: Page) => {
  const found = await page.evaluate(() => ({
    xss: (window as { __xss?: unknown }).__xss,
    injected: document.querySelectorAll("main img, main i, dialog img, dialog i, dialog script, main script").length,
    scripts: [...document.scripts].map((s) => s.getAttribute("src"))
  }))
  expect(found).toEqual({ xss: undefined, injected: 0, scripts: ["console/app.js"] })
}

describe("web console (headless Chromium)", () => {
  let daemon: Daemon
  let unix: Target
  let url = ""
  let browser: Browser
  let page: Page

  beforeAll(async () => {
    const port = await freePort()
    daemon = await start("effsup", header() + inetSection(port, CREDENTIALS.username, CREDENTIALS.password) + programs)
    unix = { socketPath: Path.join(daemon.dir, "sock") }
    url = `http://127.0.0.1:${port}/`
    await waitFor(async () => {
      const { body } = await api(unix, "GET", "/processes")
      const states = body.map((p: { statename: string }) => p.statename).sort()
      return states.filter((s: string) => s === "RUNNING").length === 6 && states.includes("FATAL")
    }, "the programs to settle")
    browser = await launch({ credentials: CREDENTIALS })
    page = await browser.context.newPage()
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
    await daemon?.stop()
  })

  const pidOf = async (namespec: string) => (await api(unix, "GET", `/processes/${encodeURIComponent(namespec)}`)).body.pid

  it("loads quickly and shows every process by group, with state as text and colour", async () => {
    await page.goto(url)
    await page.waitForFunction(() => document.querySelectorAll("tr[data-namespec]").length === 8)
    // a second, warm load: what a user sees when they come back
    await page.reload()
    await page.waitForFunction(() => performance.getEntriesByName("effsup:table-filled").length === 1)
    // the rows the server wrote into the page are gone once the script has its own
    expect(await page.evaluate(() => document.querySelectorAll("tbody.server-rows").length)).toBe(0)
    const timing = await page.evaluate(() => {
      const nav = performance.getEntriesByType("navigation" as never)[0] as unknown as { domContentLoadedEventEnd: number }
      return {
        domContentLoaded: Math.round(nav.domContentLoadedEventEnd),
        tableFilled: Math.round(performance.getEntriesByName("effsup:table-filled")[0]!.startTime)
      }
    })
    console.log(`console load: DOMContentLoaded ${timing.domContentLoaded} ms, table filled ${timing.tableFilled} ms`)
    expect(timing.tableFilled).toBeLessThan(2000)
    expect(await page.evaluate(() => document.querySelectorAll("tr[data-namespec]").length)).toBe(8)
    await textIn(page, "#connection", "Live")
    expect(await page.textContent(`tr[data-namespec="sleeper"] .state`)).toBe("RUNNING")
    expect(await page.getAttribute(`tr[data-namespec="sleeper"] .state`, "class")).toBe("state ok")
    expect(await page.getAttribute(`tr[data-namespec="missing"] .state`, "class")).toBe("state bad")
    expect(await page.textContent(`tr[data-namespec="pool:b"] .state`)).toBe("STOPPED")
    expect(await page.textContent(`tbody[data-group="pool"] tr.group .toggle`)).toBe("pool")
    expect(await page.textContent(`tbody[data-group="pool"] tr.group .summary`)).toBe("1 of 2 running")
    expect(await page.isDisabled(`button[aria-label="Start sleeper"]`)).toBe(true)
    expect(await page.isEnabled(`button[aria-label="Stop sleeper"]`)).toBe(true)
    expect(await page.textContent("#counts")).toBe("6 of 8 running")
    await screenshot(page, "desktop")
  })

  it("shows state changes as they happen, pushed by the daemon (no polling, no reload)", async () => {
    const requests: Array<string> = []
    const onRequest = (r: { url: () => string }) => requests.push(r.url())
    page.on("request", onRequest)
    try {
      const before = await pidOf("sleeper")
      expect((await api(unix, "POST", "/processes/sleeper/stop")).status).toBe(200)
      await rowState(page, "sleeper", "STOPPED")
      expect((await api(unix, "POST", "/processes/sleeper/start")).status).toBe(200)
      await rowState(page, "sleeper", "RUNNING")
      const after = await pidOf("sleeper")
      expect(after).not.toBe(before)
      await page.waitForFunction((pid) => document.querySelector(`tr[data-namespec="sleeper"] .pid`)?.textContent === String(pid), after)
      expect(requests).toEqual([])
    } finally {
      page.off("request", onRequest)
    }
  })

  it("stops, starts and restarts from its buttons and the keyboard, with a message after each", async () => {
    await page.click(`button[aria-label="Stop sleeper"]`)
    await rowState(page, "sleeper", "STOPPED")
    await textIn(page, "#message-text", "Process sleeper stopped")
    await page.click(`button[aria-label="Start sleeper"]`)
    await rowState(page, "sleeper", "RUNNING")
    await textIn(page, "#message-text", "Process sleeper started")
    const before = await pidOf("sleeper")
    // keyboard only: focus the button and press Enter
    await page.focus(`button[aria-label="Restart sleeper"]`)
    await page.keyboard.press("Enter")
    await textIn(page, "#message-text", "Process sleeper restarted")
    await rowState(page, "sleeper", "RUNNING")
    expect(await pidOf("sleeper")).not.toBe(before)
    await page.click(`button[aria-label="Start group pool"]`)
    await rowState(page, "pool:b", "RUNNING")
    await textIn(page, "#message-text", "Group pool started")
    await textIn(page, `tbody[data-group="pool"] tr.group .summary`, "2 of 2 running")
  })

  it("filters by name and by state", async () => {
    const visible = () =>
      page.evaluate(() => [...document.querySelectorAll("tr[data-namespec]")].filter((r: any) => !r.hidden)
        .map((r: any) => r.getAttribute("data-namespec")))
    await page.keyboard.press("/")
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("filter-name")
    await page.keyboard.type("pool")
    expect(await visible()).toEqual(["pool:a", "pool:b"])
    await page.keyboard.press("Escape")
    expect((await visible()).length).toBe(8)
    await page.selectOption("#filter-state", "FATAL")
    expect(await visible()).toEqual(["missing"])
    await page.selectOption("#filter-state", "PROBLEM")
    expect(await visible()).toEqual(["missing"])
    await page.selectOption("#filter-state", "")
    expect((await visible()).length).toBe(8)
  })

  it("follows a log live, switches channels, and loads earlier output", async () => {
    await page.click(`button[aria-label="Log ticker"]`)
    await textIn(page, "#log-title", "Log of ticker")
    const tick = async () => Number(/tick (\d+)\n$/.exec((await page.textContent("#log-text")) ?? "")?.[1] ?? -1)
    await page.waitForFunction(() => /tick \d+\n$/.test(document.getElementById("log-text")?.textContent ?? ""))
    const first = await tick()
    await page.waitForFunction((n) => {
      const m = /tick (\d+)\n$/.exec(document.getElementById("log-text")?.textContent ?? "")
      return m !== null && Number(m[1]) >= n + 2
    }, first)
    await screenshot(page, "log-follow")
    await page.keyboard.press("Escape")
    expect(await page.isVisible("#log-dialog")).toBe(false)

    await page.click(`button[aria-label="Log big"]`)
    await textIn(page, "#log-text", "big line 1499 of the early output")
    expect(await page.textContent("#log-text")).not.toContain("big line 0 of")
    expect(await page.isEnabled("#log-earlier")).toBe(true)
    while (await page.isEnabled("#log-earlier")) {
      const before = (await page.textContent("#log-text"))!.length
      await page.click("#log-earlier")
      await page.waitForFunction((n) => (document.getElementById("log-text")?.textContent ?? "").length > n, before)
    }
    const text = (await page.textContent("#log-text"))!
    expect(text.startsWith("big line 0 of the early output\nbig line 1 of")).toBe(true)
    expect(text.split("\n").filter((l) => l.startsWith("big line")).length).toBe(1500)
    await page.click("#log-close")
  })

  it("keeps every program's output and every name as text, in every view", async () => {
    expect(await page.textContent(`tr[data-namespec="${HOSTILE_NAME}"] td.name`)).toBe(HOSTILE_NAME)
    expect(await page.textContent(`tr[data-namespec="missing"] td.desc`)).toContain("<img_src=x_onerror=window.__xss=4>")
    await assertNoInjection(page)

    await page.click(`button[aria-label="Log hostile"]`)
    await textIn(page, "#log-text", HOSTILE_OUT[1]!)
    expect(await page.textContent("#log-text")).toBe(`${HOSTILE_OUT.join("\n")}\n`)
    await assertNoInjection(page)
    await page.check(`input[name=log-channel][value=stderr]`)
    await textIn(page, "#log-text", HOSTILE_ERR)
    await assertNoInjection(page)
    await page.click("#log-close")

    await page.click(`button[aria-label="Log ${HOSTILE_NAME}"]`)
    await textIn(page, "#log-title", `Log of ${HOSTILE_NAME}`)
    await page.click("#log-close")
    await page.click(`button[aria-label="Stop ${HOSTILE_NAME}"]`)
    await textIn(page, "#message-text", `Process ${HOSTILE_NAME} stopped`)
    await rowState(page, HOSTILE_NAME, "STOPPED")
    await assertNoInjection(page)

    await page.click("#open-activity")
    await textIn(page, "#log-text", `stopped: ${HOSTILE_NAME} (terminated by SIGTERM)`)
    await assertNoInjection(page)
    await screenshot(page, "activity-log")
    await page.click("#log-close")
  })

  it("shows what reread/update will change before applying it", async () => {
    const file = Path.join(daemon.dir, "test.conf")
    const original = Fs.readFileSync(file, "utf8")
    Fs.writeFileSync(file, `${original}\n[program:fresh]\ncommand=${SLEEP}\nstartsecs=0\n`)
    try {
      await page.click("#open-update")
      await textIn(page, "#update-plan", "Added (1)")
      expect(await page.textContent("#update-plan li")).toBe("fresh")
      await screenshot(page, "update-preview")
      expect((await api(unix, "GET", "/processes/fresh")).status).toBe(404) // a preview changes nothing
      await page.click("#update-apply")
      await textIn(page, "#update-plan", "fresh: added")
      await page.click("#update-close")
      await rowState(page, "fresh", "RUNNING")
    } finally {
      Fs.writeFileSync(file, original)
    }
    await page.click("#open-update")
    await textIn(page, "#update-plan", "Removed (1)")
    await page.click("#update-apply")
    await textIn(page, "#update-plan", "fresh: removed")
    await page.click("#update-close")
    await page.waitForFunction(() => document.querySelector(`tr[data-namespec="fresh"]`) === null)
  })

  it("acts on supervisord's old action links as supervisord does, unless followed from another site", async () => {
    const pid = await pidOf("sleeper")
    const foreign = Http.createServer((_, res) => {
      res.setHeader("content-type", "text/html")
      res.end(`<a id="go" href="${url}index.html?processname=sleeper&action=stop">stop</a>`)
    })
    const port = await new Promise<number>((resolve) => foreign.listen(0, "127.0.0.1", () => resolve((foreign.address() as { port: number }).port)))
    try {
      await page.goto(`http://localhost:${port}/`)
      await page.click("#go")
      await textIn(page, "#message-text", "This link asks to stop sleeper")
      expect(await pidOf("sleeper")).toBe(pid)
    } finally {
      foreign.close()
    }
    // typed (or bookmarked): done, then the page shows supervisord's message
    await page.goto(`${url}index.html?processname=sleeper&action=restart`)
    await textIn(page, "#message-text", "Process sleeper restarted")
    expect(await pidOf("sleeper")).not.toBe(pid)
    await page.goto(url)
    await page.waitForFunction(() => document.querySelectorAll("tr[data-namespec]").length === 8)
  })

  it("refuses a cross-site POST with 403, and answers a request without credentials with 401", async () => {
    const foreign = Http.createServer((_, res) => {
      res.setHeader("content-type", "text/html")
      res.end(`<form method="post" action="${url}api/v1/processes/sleeper/stop"></form><script>document.forms[0].submit()</script>`)
    })
    const port = await new Promise<number>((resolve) => foreign.listen(0, "127.0.0.1", () => resolve((foreign.address() as { port: number }).port)))
    const pid = await pidOf("sleeper")
    const attacker = await browser.context.newPage()
    try {
      const refused = attacker.waitForResponse((r) => r.url().endsWith("/api/v1/processes/sleeper/stop"))
      await attacker.goto(`http://localhost:${port}/`)
      const response = await refused
      expect(response.status()).toBe(403)
      expect(await response.json()).toMatchObject({ code: "FORBIDDEN" })
      expect(await pidOf("sleeper")).toBe(pid)
    } finally {
      await attacker.close()
      foreign.close()
    }
    const status = await page.evaluate(() => fetch("api/v1/processes", { credentials: "omit" }).then((r) => r.status))
    expect(status).toBe(401)
  })

  it("fits a phone-sized screen", async () => {
    const phone = await browser.context.newPage()
    try {
      await phone.setViewportSize({ width: 390, height: 844 })
      await phone.goto(url)
      await phone.waitForFunction(() => document.querySelectorAll("tr[data-namespec]").length === 8)
      await textIn(phone, "#connection", "Live")
      const layout = await phone.evaluate(() => ({
        overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
        smallestButton: Math.min(...[...document.querySelectorAll("td.actions button")].map((b) => b.getBoundingClientRect().height))
      }))
      expect(layout.overflow).toBeLessThanOrEqual(0)
      expect(layout.smallestButton).toBeGreaterThanOrEqual(36)
      await screenshot(phone, "phone")
      await phone.click(`button[aria-label="Log ticker"]`)
      await textIn(phone, "#log-text", "tick")
      await screenshot(phone, "phone-log", { fullPage: false })
    } finally {
      await phone.close()
    }
  })

  it("shows the connection lost while the daemon restarts, then catches up without a reload", async () => {
    await page.evaluate(() => ((window as { __sameDocument?: boolean }).__sameDocument = true))
    await textIn(page, "#connection", "Live")
    const before = await pidOf("sleeper")
    daemon.child.kill("SIGHUP")
    await page.waitForFunction(() => document.getElementById("connection")?.dataset["state"] === "lost")
    expect(await page.textContent("#connection")).toMatch(/^Connection lost/)
    await screenshot(page, "connection-lost")
    await page.waitForFunction(() => ["reconnected", "live"].includes(document.getElementById("connection")?.dataset["state"] ?? ""), undefined, {
      timeout: 30_000
    })
    const after = await waitFor(async () => {
      try {
        const pid = await pidOf("sleeper")
        return pid !== before && pid !== 0 ? pid : undefined
      } catch {
        return undefined
      }
    }, "sleeper to run again after the restart")
    await page.waitForFunction((pid) => document.querySelector(`tr[data-namespec="sleeper"] .pid`)?.textContent === String(pid), after)
    expect(await page.evaluate(() => (window as { __sameDocument?: boolean }).__sameDocument)).toBe(true)
  })
})
