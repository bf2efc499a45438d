/** The console page's server-written rows (StatusRows.ts): order, names, escaping. */
import { describe, expect, it } from "vitest"
import { renderRows } from "../../src/http/StatusRows.ts"
import type { ProcessInfo } from "../../src/supervisor/Api.ts"

const info = (group: string, name: string, extra: Partial<ProcessInfo> = {}): ProcessInfo => ({
  name, group, start: 0, stop: 0, now: 0, state: "STOPPED", spawnerr: "", exitstatus: 0,
  stdoutLogfile: "", stderrLogfile: "", pid: 0, description: "Not started", ...extra
})

describe("the page's first rows", () => {
  it("list processes by group and name, as supervisord's page, with their namespec linked to the tail page", () => {
    const html = renderRows([info("web", "web_1"), info("api", "api", { state: "RUNNING", pid: 42, description: "pid 42, uptime 0:00:05" }), info("web", "web_0")])
    const names = [...html.matchAll(/processname=([^"]*)">([^<]*)<\/a>/g)].map((m) => [m[1], m[2]])
    expect(names).toEqual([["api", "api"], ["web%3Aweb_0", "web:web_0"], ["web%3Aweb_1", "web:web_1"]])
    expect(html).toContain(`<span class="state" data-state="RUNNING">running</span></td><td>pid 42, uptime 0:00:05</td>`)
    expect(html).toMatch(/web:web_0<\/a><\/td><td><\/td>/) // no pid when not running
  })

  it("write names and descriptions only as text, and nothing for no process", () => {
    expect(renderRows([info("g", "<b>", { description: `Exited "too" quickly & <script>` })])).not.toMatch(/<b>|<script>/)
    expect(renderRows([])).toBe("")
  })
})
