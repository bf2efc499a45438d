/**
 * The JSON API end to end: a real daemon (`node src/bin.ts run`), driven over its real unix socket
 * and its inet server with Basic auth. Answers are checked against the XML-RPC API of the same
 * daemon where both say the same thing.
 */
import { Effect } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "effect/http"
import { HttpApiClient } from "effect/http-api"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Api } from "../../src/http/Api.ts"
import { type Daemon, header, start } from "../e2e/harness.ts"
import { api, basic, freePort, inetSection, request, type Target, waitFor } from "./support.ts"

const SLEEP = `sleep 1000.${process.pid}1`

const programs = `
[program:sleeper]
command=${SLEEP}
startsecs=0

[program:talker]
command=sh -c 'printf "out <b>bold</b> line\\n"; printf "err line\\n" >&2; exec ${SLEEP}'
startsecs=0

[group:pool]
programs=a,b

[program:a]
command=${SLEEP}
startsecs=0

[program:b]
command=${SLEEP}
startsecs=0
autostart=false

[program:failing]
command=sh -c 'exit 3'
startsecs=1
startretries=0
autorestart=false
`

describe("http/Api (JSON API on a real daemon)", () => {
  let daemon: Daemon
  let unix: Target
  let inet: Target
  const auth = { authorization: basic("admin", "s3cret") }

  beforeAll(async () => {
    const port = await freePort()
    daemon = await start("effsup", header() + inetSection(port) + programs)
    unix = { socketPath: Path.join(daemon.dir, "sock") }
    inet = { port }
    await waitFor(async () => {
      const { body } = await api(unix, "GET", "/processes")
      const states = Object.fromEntries(body.map((p: any) => [p.namespec, p.statename]))
      return states["sleeper"] === "RUNNING" && states["talker"] === "RUNNING" && states["pool:a"] === "RUNNING" &&
        states["failing"] === "FATAL"
    }, "the programs to settle")
  }, 60_000)
  afterAll(() => daemon?.stop())

  const info = async (namespec: string) => (await api(unix, "GET", `/processes/${encodeURIComponent(namespec)}`)).body

  it("lists processes with getAllProcessInfo's fields, JSON-typed, plus namespec", async () => {
    const { status, body } = await api(unix, "GET", "/processes")
    expect(status).toBe(200)
    expect(body.map((p: any) => p.namespec)).toEqual(["failing", "pool:a", "pool:b", "sleeper", "talker"])
    const sleeper = body.find((p: any) => p.name === "sleeper")
    expect(Object.keys(sleeper).sort()).toEqual([
      "description", "exitstatus", "group", "logfile", "name", "namespec", "now", "pid", "spawnerr", "start", "state",
      "statename", "stderr_logfile", "stdout_logfile", "stop"
    ])
    expect(sleeper).toMatchObject({ group: "sleeper", state: 20, statename: "RUNNING", exitstatus: 0, spawnerr: "" })
    expect(sleeper.description).toMatch(/^pid \d+, uptime 0:00:\d\d$/)
    // the same facts as XML-RPC's getProcessInfo (through supervisorctl)
    expect(daemon.ctl("pid", "sleeper").stdout.trim()).toBe(String(sleeper.pid))
    expect(body.find((p: any) => p.name === "failing")).toMatchObject({ statename: "FATAL", state: 200 })
  })

  it("gets one process; unknown names and group specs are BAD_NAME 404s", async () => {
    expect(await info("pool:a")).toMatchObject({ namespec: "pool:a", name: "a", group: "pool", statename: "RUNNING" })
    for (const name of ["nope", "pool:*", "pool:nope"]) {
      const { status, body } = await api(unix, "GET", `/processes/${encodeURIComponent(name)}`)
      expect([status, body]).toEqual([404, { code: "BAD_NAME", message: `BAD_NAME: ${name}` }])
    }
  })

  it("lists groups with their processes", async () => {
    const { body } = await api(unix, "GET", "/groups")
    // no strategy: each process restarts itself, as in supervisord
    const plain = { strategy: "one_for_one", maxRestartsPeriod: 5, onExhausted: "stop" }
    const none = { restarts: 0, recentRestarts: 0 }
    expect(body).toEqual([
      { name: "failing", priority: 999, processes: ["failing"], supervision: plain, ...none },
      { name: "pool", priority: 999, processes: ["pool:a", "pool:b"], supervision: plain, ...none },
      { name: "sleeper", priority: 999, processes: ["sleeper"], supervision: plain, ...none },
      { name: "talker", priority: 999, processes: ["talker"], supervision: plain, ...none }
    ])
  })

  it("stops, starts and restarts one process, with supervisord's faults when it cannot", async () => {
    const pid = (await info("sleeper")).pid
    const ok = [{ namespec: "sleeper", name: "sleeper", group: "sleeper", status: 80, code: "SUCCESS", description: "OK" }]
    expect(await api(unix, "POST", "/processes/sleeper/stop")).toEqual({ status: 200, body: ok })
    expect((await info("sleeper")).statename).toBe("STOPPED")
    expect(await api(unix, "POST", "/processes/sleeper/stop")).toEqual({
      status: 409,
      body: { code: "NOT_RUNNING", message: "NOT_RUNNING: sleeper" }
    })
    expect(await api(unix, "POST", "/processes/sleeper/start")).toEqual({ status: 200, body: ok })
    expect(await api(unix, "POST", "/processes/sleeper/start")).toEqual({
      status: 409,
      body: { code: "ALREADY_STARTED", message: "ALREADY_STARTED: sleeper" }
    })
    const before = (await info("sleeper")).pid
    expect(before).not.toBe(pid)
    expect(await api(unix, "POST", "/processes/sleeper/restart")).toEqual({ status: 200, body: ok })
    const after = await info("sleeper")
    expect(after.statename).toBe("RUNNING")
    expect(after.pid).not.toBe(before)
    expect((await api(unix, "POST", "/processes/nope/start")).body).toEqual({ code: "BAD_NAME", message: "BAD_NAME: nope" })
  })

  it("acts on a whole group (group:*) with one result per process", async () => {
    const started = await api(unix, "POST", `/processes/${encodeURIComponent("pool:*")}/start`)
    expect(started.body).toEqual([{ namespec: "pool:b", name: "b", group: "pool", status: 80, code: "SUCCESS", description: "OK" }])
    const stopped = await api(unix, "POST", "/processes/pool:*/stop")
    expect(stopped.body.map((r: any) => [r.namespec, r.code])).toEqual([["pool:a", "SUCCESS"], ["pool:b", "SUCCESS"]])
    expect((await api(unix, "POST", "/processes/nogroup:*/stop")).status).toBe(404)
    const restarted = await api(unix, "POST", "/processes/pool:/restart")
    expect(restarted.body.map((r: any) => [r.namespec, r.code])).toEqual([["pool:a", "SUCCESS"], ["pool:b", "SUCCESS"]])
    expect((await info("pool:b")).statename).toBe("RUNNING")
  })

  it("signals processes; a bad signal is BAD_SIGNAL 400, a bad body INCORRECT_PARAMETERS", async () => {
    const pid = (await info("pool:b")).pid
    expect((await api(unix, "POST", "/processes/pool:b/signal", { json: { signal: "KILL" } })).status).toBe(200)
    await waitFor(async () => (await info("pool:b")).pid !== pid || undefined, "pool:b to die of SIGKILL")
    expect(await api(unix, "POST", "/processes/sleeper/signal", { json: { signal: "NOPE" } })).toEqual({
      status: 400,
      body: { code: "BAD_SIGNAL", message: "BAD_SIGNAL: NOPE" }
    })
    const missing = await api(unix, "POST", "/processes/sleeper/signal", { json: { sig: "HUP" } })
    expect(missing.status).toBe(400)
    expect(missing.body.code).toBe("INCORRECT_PARAMETERS")
    const notJson = await request(unix, "POST", "/api/v1/processes/sleeper/signal", {
      headers: { "content-type": "text/plain" },
      body: "HUP"
    })
    expect(notJson.status).toBe(415)
    expect(JSON.parse(notJson.text).code).toBe("INCORRECT_PARAMETERS")
  })

  it("reads logs as raw text with supervisord's offset rules, and clears them", async () => {
    const read = (query: string, channel = "stdout") => request(unix, "GET", `/api/v1/processes/talker/log/${channel}${query}`)
    const all = await read("")
    expect(all.status).toBe(200)
    expect(all.headers["content-type"]).toMatch(/^text\/plain/)
    expect(all.text).toBe("out <b>bold</b> line\n")
    expect((await read("?offset=4&length=3")).text).toBe("<b>")
    expect((await read("?offset=-5&length=0")).text).toBe("line\n")
    expect((await read("?offset=99&length=5")).text).toBe("")
    expect((await read("", "stderr")).text).toBe("err line\n")
    const bad = await read("?offset=-5&length=2")
    expect([bad.status, JSON.parse(bad.text)]).toEqual([400, { code: "BAD_ARGUMENTS", message: "BAD_ARGUMENTS" }])
    expect((await read("", "stdin")).status).toBe(400)
    expect((await read("?offset=x")).status).toBe(400)
    const main = await request(unix, "GET", "/api/v1/mainlog?offset=0")
    expect(main.text).toMatch(/success: talker entered RUNNING state/)
    expect((await api(unix, "POST", "/processes/talker/clear")).body[0].code).toBe("SUCCESS")
    expect((await read("")).text).toBe("")
  })

  it("rereads and updates: a dry run previews, the real run applies", async () => {
    const file = Path.join(daemon.dir, "test.conf")
    const original = Fs.readFileSync(file, "utf8")
    Fs.writeFileSync(file, original.replace("[program:failing]", `[program:added]\ncommand=${SLEEP}\nstartsecs=0\n\n[program:failing]`))
    try {
      expect((await api(unix, "POST", "/reread")).body).toEqual({ added: ["added"], changed: [], removed: [] })
      const preview = await api(unix, "POST", "/update", { json: { dryRun: true } })
      expect(preview.body).toEqual({ plan: { added: ["added"], changed: [], removed: [] }, dryRun: true, groups: [] })
      expect((await api(unix, "GET", "/processes/added")).status).toBe(404)
      const applied = await api(unix, "POST", "/update")
      expect(applied.body).toEqual({
        plan: { added: ["added"], changed: [], removed: [] },
        dryRun: false,
        groups: [{ group: "added", action: "added", outcome: "OK" }]
      })
      await waitFor(async () => (await info("added")).statename === "RUNNING", "the added program to run")
      Fs.writeFileSync(file, original)
      const removed = await api(unix, "POST", "/update", { json: { groups: ["added"] } })
      expect(removed.body.groups).toEqual([{ group: "added", action: "removed", outcome: "OK" }])
      expect((await api(unix, "GET", "/processes/added")).status).toBe(404)
    } finally {
      Fs.writeFileSync(file, original)
    }
  })

  it("serves its OpenAPI document, made from the same definition", async () => {
    const { status, body } = await api(unix, "GET", "/openapi.json")
    expect(status).toBe(200)
    expect(body.openapi).toMatch(/^3\./)
    expect(Object.keys(body.paths).sort()).toEqual([
      "/api/v1/events", "/api/v1/groups", "/api/v1/mainlog", "/api/v1/mainlog/clear", "/api/v1/mainlog/follow",
      "/api/v1/processes", "/api/v1/processes/{namespec}", "/api/v1/processes/{namespec}/clear",
      "/api/v1/processes/{namespec}/log/{channel}", "/api/v1/processes/{namespec}/log/{channel}/follow",
      "/api/v1/processes/{namespec}/restart", "/api/v1/processes/{namespec}/signal", "/api/v1/processes/{namespec}/start",
      "/api/v1/processes/{namespec}/stop", "/api/v1/reread", "/api/v1/supervisor", "/api/v1/update"
    ])
    expect(Object.keys(body.paths["/api/v1/processes/{namespec}/stop"].post.responses).sort()).toEqual(
      ["200", "400", "403", "404", "409", "422", "500", "503"]
    )
  })

  it("drives the daemon with the typed client derived from the definition (inet, Basic auth)", async () => {
    const program = Effect.gen(function*() {
      const client = yield* HttpApiClient.make(Api, {
        transformClient: HttpClient.mapRequest((r) =>
          r.pipe(HttpClientRequest.prependUrl(`http://127.0.0.1:${(inet as { port: number }).port}`), HttpClientRequest.basicAuth("admin", "s3cret")))
      })
      const all = yield* client.processes.list()
      const missing = yield* client.processes.get({ params: { namespec: "nope" } }).pipe(Effect.flip)
      const daemonInfo = yield* client.supervisor.info()
      return { names: all.map((p) => p.namespec), missing, daemonInfo }
    }).pipe(Effect.provide(FetchHttpClient.layer))
    const { names, missing, daemonInfo } = await Effect.runPromise(program)
    expect(names).toContain("sleeper")
    expect(missing).toEqual({ code: "BAD_NAME", message: "BAD_NAME: nope" })
    expect(daemonInfo).toMatchObject({ identification: "supervisor", statename: "RUNNING", version: "0.1.0" })
  })

  it("asks for the server's Basic credentials everywhere, as XML-RPC does", async () => {
    for (const path of ["/", "/api/v1/processes", "/api/v1/events", "/metrics", "/console/app.js"]) {
      const none = await request(inet, "GET", path)
      expect([path, none.status, none.headers["www-authenticate"]]).toEqual([path, 401, "Basic realm=\"default\""])
      const wrong = await request(inet, "GET", path, { headers: { authorization: basic("admin", "wrong") } })
      expect(wrong.status).toBe(401)
    }
    expect((await request(inet, "GET", "/api/v1/processes", { headers: auth })).status).toBe(200)
  })

  it("refuses state changes from other sites with 403 and leaves the process alone", async () => {
    const pid = (await info("sleeper")).pid
    const attempts: ReadonlyArray<Record<string, string>> = [
      { origin: "http://evil.example" },
      { origin: "null" },
      { "sec-fetch-site": "cross-site" },
      { "sec-fetch-site": "same-site", origin: `http://127.0.0.1:${(inet as { port: number }).port}` }
    ]
    for (const headers of attempts) {
      const reply = await request(inet, "POST", "/api/v1/processes/sleeper/stop", { headers: { ...auth, ...headers } })
      expect([reply.status, JSON.parse(reply.text).code]).toEqual([403, "FORBIDDEN"])
    }
    // XML-RPC too: a page could POST a method call as text/plain with the browser's credentials
    const call = `<?xml version="1.0"?><methodCall><methodName>supervisor.stopProcess</methodName>` +
      `<params><param><value><string>sleeper</string></value></param></params></methodCall>`
    const rpc = await request(inet, "POST", "/RPC2", {
      headers: { ...auth, origin: "http://evil.example", "content-type": "text/plain", "content-length": Buffer.byteLength(call) },
      body: call
    })
    expect([rpc.status, rpc.text]).toEqual([403, "cross-site request refused (Origin: http://evil.example)\n"])
    expect(await info("sleeper")).toMatchObject({ statename: "RUNNING", pid })
    const sameOrigin = await request(inet, "POST", "/api/v1/processes/pool:b/stop", {
      headers: { ...auth, origin: `http://127.0.0.1:${(inet as { port: number }).port}`, "sec-fetch-site": "same-origin" }
    })
    expect(sameOrigin.status).toBe(200)
  })

  it("changes no state on an API GET, nor on supervisord's old action links a browser followed from another site", async () => {
    const pid = (await info("sleeper")).pid
    for (const path of ["/index.html?processname=sleeper&action=stop", "/?action=stopall", "/tail.html?processname=sleeper"]) {
      const page = await request(unix, "GET", path, { headers: { "sec-fetch-site": "cross-site" } })
      expect([path, page.status, page.headers["content-type"]]).toEqual([path, 200, "text/html; charset=utf-8"])
    }
    const tail = await request(unix, "GET", "/tail.html?processname=sleeper")
    expect([tail.status, tail.headers["content-type"]]).toEqual([200, "text/html; charset=utf-8"])
    for (const action of ["stop", "restart", "clear"]) {
      const reply = await request(unix, "GET", `/api/v1/processes/sleeper/${action}`)
      expect([reply.status, JSON.parse(reply.text).code]).toEqual([404, "NOT_FOUND"])
    }
    expect(await info("sleeper")).toMatchObject({ statename: "RUNNING", pid })
  })

  it("serves the console's page with its processes' rows and a strict CSP, its assets with ETags, and 404s unknown API paths as JSON", async () => {
    const page = await request(unix, "GET", "/")
    expect(page.headers["content-security-policy"]).toMatch(/script-src 'self'/)
    expect(page.headers["x-content-type-options"]).toBe("nosniff")
    expect(page.text).toContain("console/app.js")
    // the processes as they are now, for clients without scripts: no ETag
    expect(page.text).toMatch(/<span class="state" data-state="RUNNING">running<\/span><\/td><td>pid \d+, uptime [^<]*<\/td><td><a href="tail.html\?processname=sleeper">sleeper<\/a>/)
    expect(page.headers.etag).toBeUndefined()
    for (const [path, type] of [["/console/app.js", "text/javascript"], ["/console/app.css", "text/css"]] as const) {
      const asset = await request(unix, "GET", path)
      expect([asset.status, asset.headers["content-type"]?.split(";")[0]]).toEqual([200, type])
      const again = await request(unix, "GET", path, { headers: { "if-none-match": String(asset.headers.etag) } })
      expect(again.status).toBe(304)
    }
    expect((await request(unix, "GET", "/console/nope.js")).status).toBe(404)
    const unknown = await api(unix, "GET", "/nothing")
    expect(unknown).toEqual({ status: 404, body: { code: "NOT_FOUND", message: "no such API endpoint: GET /api/v1/nothing" } })
  })

  it("leaves /RPC2, /logtail, /mainlogtail and /ok.html as they were", async () => {
    expect(daemon.ctl("status", "sleeper").stdout).toMatch(/^sleeper\s+RUNNING\s+pid \d+/)
    const ok = await request(unix, "GET", "/ok.html")
    expect([ok.status, ok.text]).toEqual([200, "OK"])
    expect((await request(unix, "GET", "/logtail/nope")).status).toBe(404)
    expect((await request(unix, "POST", "/mainlogtail")).status).toBe(400)
  })
})
