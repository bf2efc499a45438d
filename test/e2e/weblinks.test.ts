/**
 * supervisord's web UI action links (`/index.html?processname=x&action=stop` and the rest), side by
 * side with supervisord 4.2.5: the same steps get the same 301 and `Location` (the message with its
 * `… at <ctime>` masked), and leave the same states. A browser following such a link from another
 * site gets the page and nothing is done (effsup only: supervisord acts on it). Its tail page
 * (`/tail.html?processname=x`) shows the same title, text and Refresh link.
 */
import * as Http from "node:http"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { type Daemon, haveSupervisord, header, usePair, xmlrpc } from "./harness.ts"

const config = `${header()}
[program:a]
command=sleep 1000
startsecs=0

[program:b]
command=sh -c 'echo hello; exec sleep 1000'
startsecs=0
`

/** GET `path` over the daemon's socket, or POST `form` (form-urlencoded) to it: the status, Location and body. */
const fetchPage = (d: Daemon, path: string, headers: Http.OutgoingHttpHeaders = {}, form?: string) =>
  new Promise<{ readonly status: number; readonly location: string | undefined; readonly body: string }>((resolve, reject) => {
    const request = Http.request(
      {
        socketPath: Path.join(d.dir, "sock"),
        path,
        method: form === undefined ? "GET" : "POST",
        headers: form === undefined ? headers : { "content-type": "application/x-www-form-urlencoded", ...headers }
      },
      (response) => {
        let body = ""
        response.on("data", (chunk) => (body += String(chunk)))
        response.on("end", () => resolve({ status: response.statusCode ?? 0, location: response.headers.location, body }))
      }
    )
    request.on("error", reject)
    request.setTimeout(20_000, () => request.destroy(new Error(`no answer to ${path}`)))
    request.end(form)
  })

/** POST `form` (form-urlencoded) to `path` over the daemon's socket: the status and Location. */
const post = async (d: Daemon, path: string, form: string, headers: Http.OutgoingHttpHeaders = {}) => {
  const { location, status } = await fetchPage(d, path, headers, form)
  return { status, location }
}

/** GET `path`: the status and Location (the time in `… at <ctime>` masked). */
const get = async (d: Daemon, path: string, headers: Http.OutgoingHttpHeaders = {}) => {
  const { location, status } = await fetchPage(d, path, headers)
  return { status, location: location?.replace(/%20at%20.*$/, "%20at%20<ctime>") }
}

/** What a tail page shows (GET, or `form` POSTed): its status, title, text and Refresh link. */
const tailPage = async (d: Daemon, path: string, form?: string) => {
  const { body, status } = await fetchPage(d, path, {}, form)
  const unescape = (html: string | undefined) => html?.replaceAll("&amp;", "&")
  return {
    status,
    title: /<title>([^<]*)<\/title>/.exec(body)?.[1],
    text: /<pre>([^<]*)<\/pre>/.exec(body)?.[1],
    refresh: unescape(/href="(tail\.html[^"]*)"/.exec(body)?.[1])
  }
}

const states = (d: Daemon) =>
  (xmlrpc(d.dir, [["supervisor.getAllProcessInfo", []]])[0] as { value: ReadonlyArray<{ name: string; statename: string }> }).value
    .map((p) => `${p.name}:${p.statename}`)

const STEPS = [
  "/index.html?processname=a&action=stop",
  "/index.html?processname=a&action=stop",
  "/index.html?processname=a&action=start",
  "/index.html?processname=a&action=start",
  "/index.html?processname=a&action=restart",
  "/index.html?processname=b&action=clearlog",
  "/index.html?processname=nosuch&action=stop",
  "/index.html?processname=a%3A%2A&action=stop",
  "/index.html?processname=a&action=bogus",
  "/?action=refresh",
  "/index.html?action=stopall",
  "/index.html?action=restartall",
  "/index.html?processname=a&action=stop"
]

describe.skipIf(!haveSupervisord())("supervisord's web UI action links against effsup and supervisord", () => {
  const pair = usePair(config, /success: b entered RUNNING/)

  it("are acted on and redirected with supervisord's messages", async () => {
    const answers = await Promise.all(pair.both().map(async (d) => {
      const steps: Array<unknown> = []
      for (const step of STEPS) steps.push([step, await get(d, step), states(d)])
      return steps
    }))
    expect(answers[0]).toEqual(answers[1])
    expect(answers[0]![0]).toEqual([
      STEPS[0],
      { status: 301, location: "http://localhost/?message=Process%20a%20stopped" },
      ["a:STOPPED", "b:RUNNING"]
    ])
  }, 60_000)

  it("are acted on when POSTed as a form too, the form's fields over the query's", async () => {
    const answers = await Promise.all(pair.both().map(async (d) => [
      await post(d, "/index.html", "processname=a&action=start"),
      await post(d, "/index.html?processname=a&action=start", "action=stop"),
      states(d)
    ]))
    expect(answers[0]).toEqual(answers[1])
    expect(answers[0]).toEqual([
      { status: 301, location: "http://localhost/?message=Process%20a%20started" },
      { status: 301, location: "http://localhost/?message=Process%20a%20stopped" },
      ["a:STOPPED", "b:RUNNING"]
    ])
  }, 30_000)

  it("answer a form POSTed without an action with the page, and a tail form with the tail page", async () => {
    const answers = await Promise.all(pair.both().map(async (d) => {
      const page = await fetchPage(d, "/", {}, "processname=a")
      return [
        { status: page.status, location: page.location, html: /<html/i.test(page.body) },
        (await fetchPage(d, "/index.html?processname=a", {}, "foo=bar")).status,
        states(d),
        await tailPage(d, "/tail.html", "processname=b"),
        await tailPage(d, "/tail.html?processname=a", "processname=b&limit=5")
      ]
    }))
    expect(answers[0]).toEqual(answers[1])
    expect(answers[0]!.slice(0, 4)).toEqual([
      { status: 200, location: undefined, html: true },
      200,
      ["a:STOPPED", "b:RUNNING"],
      { status: 200, title: "Supervisor tail of process b", text: "hello\n", refresh: "tail.html?processname=b&limit=1024" }
    ])
  }, 30_000)

  it("show a process's tail as supervisord's tail page does", async () => {
    const pages = await Promise.all(pair.both().map(async (d) => [
      await tailPage(d, "/tail.html?processname=b"),
      await tailPage(d, "/tail.html?processname=b&limit=5"),
      await tailPage(d, "/tail.html?processname=nosuch"),
      await tailPage(d, "/tail.html")
    ]))
    expect(pages[0]).toEqual(pages[1])
    expect(pages[0]![0]).toEqual({ status: 200, title: "Supervisor tail of process b", text: "hello\n", refresh: "tail.html?processname=b&limit=1024" })
    expect(pages[0]![2]!.text).toBe("ERROR: unexpected rpc fault [10] BAD_NAME: nosuch")
  })

  it("are not acted on when a browser followed them from another site (effsup)", async () => {
    const d = pair.effsup
    expect(states(d)).toContain("a:STOPPED")
    for (const headers of [{ "sec-fetch-site": "cross-site" }, { "sec-fetch-site": "same-site" }, { referer: "http://evil.example/x" }]) {
      expect(await get(d, "/index.html?processname=a&action=start", headers)).toEqual({ status: 200, location: undefined })
      expect(states(d)).toContain("a:STOPPED")
    }
    expect(await post(d, "/index.html", "processname=a&action=start", { origin: "http://evil.example" })).toEqual({ status: 403, location: undefined })
    expect(states(d)).toContain("a:STOPPED")
    // typed or bookmarked (none), or a link on the console itself (same origin): acted on
    expect((await get(d, "/index.html?processname=a&action=start", { "sec-fetch-site": "none" })).status).toBe(301)
    expect((await get(d, "/index.html?processname=a&action=stop", { "sec-fetch-site": "same-origin", referer: "http://localhost/" })).status).toBe(301)
    expect(states(d)).toContain("a:STOPPED")
  })
})
