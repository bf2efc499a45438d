/**
 * Hostile input on the control plane, on both kinds of server (a unix socket and an inet port,
 * each with Basic auth): entity tricks, DOCTYPE, oversized and lying Content-Length, request
 * smuggling, deep nesting, invalid UTF-8, wrong methods and types, missing or wrong
 * credentials, many slow connections, path traversal on log URLs, markup and ANSI in names and
 * output. Each is refused, or rendered as text, quickly and with bounded memory; none is a 500.
 * The same on the newer routes (the JSON API under /api/v1, the console's pages, /metrics):
 * oversized bodies, bad and deeply nested JSON, wrong methods, traversal in names, markup and
 * ANSI in names given back as JSON or plain text, and — with a real daemon whose events keep
 * coming — many SSE clients that never read do not hold up a normal client.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Duration, Result } from "effect"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Path from "node:path"
import { header, start } from "../e2e/harness.ts"
import { decodeMethodResponse, encodeMethodCall, type MethodResponse, type XmlRpcValue } from "../../src/rpc/XmlRpc.ts"
import { connect, startServers, type Target } from "../support/ControlServers.ts"
import { processInfo } from "../support/FakeSupervisor.ts"
import { tempDir } from "../support/TempDir.ts"

const AUTH = `Basic ${Buffer.from("user:123").toString("base64")}`
const MARKUP = "<script>alert(1)</script>&amp;\u001b[31mred\u001b[0m"

interface Reply {
  readonly status: number
  readonly head: string
  readonly body: string
  readonly ms: number
}

/** Sends one raw request (half-closing unless `keepOpen`) and parses the first answer. */
const raw = async (target: Target, request: string | Buffer, keepOpen = false): Promise<Reply> => {
  const started = Date.now()
  const client = connect(target)
  await client.connected
  if (keepOpen) client.socket.write(request)
  else client.socket.end(request)
  await client.closed
  const text = client.received()
  const split = text.indexOf("\r\n\r\n")
  const head = split < 0 ? text : text.slice(0, split)
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0)
  return { status, head, body: split < 0 ? "" : text.slice(split + 4), ms: Date.now() - started }
}

const post = (body: string | Buffer, headers: Record<string, string | number> = {}) => {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body)
  const all = { Host: "localhost", Authorization: AUTH, "Content-Type": "text/xml", "Content-Length": bytes.length, ...headers }
  const lines = Object.entries(all).filter(([, v]) => v !== "").map(([k, v]) => `${k}: ${v}`)
  return Buffer.concat([Buffer.from(`POST /RPC2 HTTP/1.1\r\n${lines.join("\r\n")}\r\n\r\n`), bytes])
}
const get = (path: string, auth: string | null = AUTH) =>
  `GET ${path} HTTP/1.1\r\nHost: localhost\r\n${auth === null ? "" : `Authorization: ${auth}\r\n`}Connection: close\r\n\r\n`

/** The body of an XML-RPC answer (de-chunked when needed). */
const rpcAnswer = (reply: Reply): MethodResponse => {
  const body = /transfer-encoding: chunked/i.test(reply.head)
    ? reply.body.split("\r\n").filter((_, i) => i % 2 === 1).join("")
    : reply.body
  const r = decodeMethodResponse(body)
  if (Result.isFailure(r)) throw new Error(`not an XML-RPC answer (${r.failure.message}): ${reply.head}\n${body.slice(0, 300)}`)
  return r.success
}
const call = (methodName: string, ...params: ReadonlyArray<XmlRpcValue>) => post(encodeMethodCall({ methodName, params }))

/** A request to the web routes (JSON body unless `headers` say otherwise), closing the connection after the answer. */
const web = (method: string, path: string, body: string | Buffer = "", headers: Record<string, string | number> = {}) => {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body)
  const all = { Host: "localhost", Authorization: AUTH, "Content-Type": "application/json", "Content-Length": bytes.length, Connection: "close", ...headers }
  const lines = Object.entries(all).filter(([, v]) => v !== "").map(([k, v]) => `${k}: ${v}`)
  return Buffer.concat([Buffer.from(`${method} ${path} HTTP/1.1\r\n${lines.join("\r\n")}\r\n\r\n`), bytes])
}

/** The JSON error body of an API answer. */
const apiError = (reply: Reply) => JSON.parse(reply.body) as { readonly code: string; readonly message: string }

describe("hostile input on the control servers", () => {
  let servers: Awaited<ReturnType<typeof startServers>>
  const logDir = tempDir("hostile")
  const catLog = Path.join(logDir, "cat.log")

  beforeAll(async () => {
    Fs.writeFileSync(catLog, `plain line\n${MARKUP}\n`)
    servers = await startServers({
      fake: {
        processes: [processInfo({ name: "cat" }), processInfo({ name: "<b>x</b>", group: "g\u001b[31m" })],
        logFiles: { "cat:cat/stdout": catLog },
        mainLog: catLog
      },
      unix: { username: "user", password: "123" },
      inet: { username: "user", password: "123" },
      limits: { headersTimeout: Duration.millis(800), requestTimeout: Duration.millis(1500) }
    })
  })
  afterAll(async () => {
    await servers.release()
  })

  const both = (name: string, test: (target: Target) => Promise<void>, timeout?: number) => {
    it(`${name} (unix)`, () => test(servers.targets[0]), timeout)
    it(`${name} (inet)`, () => test(servers.targets[1]), timeout)
  }

  both("refuses DOCTYPE, billion laughs and external entities with 400, expanding nothing", async (target) => {
    const laughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">` +
      Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? "" : i};`.repeat(10)}">`).join("") +
      `]><methodCall><methodName>&lol9;</methodName></methodCall>`
    const xxe = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><methodCall><methodName>&xxe;</methodName></methodCall>`
    const parameter = `<!DOCTYPE x [<!ENTITY % p SYSTEM "http://127.0.0.1:1/x.dtd"> %p;]><methodCall><methodName>m</methodName></methodCall>`
    const undeclared = `<methodCall><methodName>&xxe;</methodName></methodCall>`
    for (const body of [laughs, xxe, parameter, undeclared]) {
      const reply = await raw(target, post(body))
      assert.strictEqual(reply.status, 400)
      assert.isBelow(reply.ms, 1000)
      assert.notInclude(reply.body, "root:")
    }
  })

  both("refuses deep nesting and invalid UTF-8 with 400", async (target) => {
    const deep = `<methodCall><methodName>supervisor.getState</methodName><params><param>${"<value><array><data>".repeat(10_000)}` +
      `${"</data></array></value>".repeat(10_000)}</param></params></methodCall>`
    assert.strictEqual((await raw(target, post(deep))).status, 400)
    const invalid = Buffer.concat([Buffer.from("<methodCall><methodName>supervisor.getState"), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from("</methodName></methodCall>")])
    assert.strictEqual((await raw(target, post(invalid))).status, 400)
  })

  both("answers an oversized Content-Length at once, without reading the body", async (target) => {
    const oversized = await raw(target, post("", { "Content-Length": 16 * 1024 * 1024 + 1 }), true)
    assert.strictEqual(oversized.status, 413)
    assert.isBelow(oversized.ms, 700)
    for (const length of ["99999999999999999999", "-1", "12abc", "1e3"]) {
      const reply = await raw(target, post("<methodCall/>", { "Content-Length": length }))
      assert.include([400, 413], reply.status, `Content-Length: ${length}`)
    }
  })

  both("a Content-Length longer than the body: 400 at the client's FIN, 408 when it stays silent", async (target) => {
    const body = encodeMethodCall({ methodName: "supervisor.getState", params: [] })
    const lying = post(body, { "Content-Length": Buffer.byteLength(body) + 100 })
    assert.strictEqual((await raw(target, lying)).status, 400)
    const silent = await raw(target, lying, true)
    assert.strictEqual(silent.status, 408)
    assert.isBelow(silent.ms, 4000)
  })

  both("cannot smuggle a request past auth with a short Content-Length or both framings", async (target) => {
    const smuggled = `GET /logtail/cat HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`
    const body = encodeMethodCall({ methodName: "supervisor.getState", params: [] })
    const short = await raw(target, Buffer.concat([post(body, { "Content-Length": Buffer.byteLength(body) }), Buffer.from(smuggled)]))
    const statuses = [...short.head.concat(short.body).matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]))
    assert.deepStrictEqual(statuses, [200, 401])
    assert.notInclude(short.body, "plain line")
    const framed = await raw(target, post(`0\r\n\r\n${smuggled}`, { "Transfer-Encoding": "chunked" }))
    assert.include([400, 411], framed.status)
    assert.notInclude(framed.body, "plain line")
  })

  both("refuses wrong methods, and wrong parameter types are faults", async (target) => {
    for (const method of ["GET", "PUT", "DELETE", "PATCH", "OPTIONS"]) {
      const reply = await raw(target, `${method} /RPC2 HTTP/1.1\r\nHost: localhost\r\nAuthorization: ${AUTH}\r\nContent-Length: 0\r\n\r\n`)
      assert.strictEqual(reply.status, 400, method)
    }
    assert.strictEqual((await raw(target, `POST /logtail/cat HTTP/1.1\r\nHost: localhost\r\nAuthorization: ${AUTH}\r\nContent-Length: 0\r\n\r\n`)).status, 400)
    const typed = rpcAnswer(await raw(target, call("supervisor.getProcessInfo", 42)))
    assert.deepStrictEqual(typed, { _tag: "Fault", fault: { faultCode: 2, faultString: "INCORRECT_PARAMETERS" } })
    const arity = rpcAnswer(await raw(target, call("supervisor.readLog", 0)))
    assert.deepStrictEqual(arity, { _tag: "Fault", fault: { faultCode: 2, faultString: "INCORRECT_PARAMETERS" } })
  })

  both("requires credentials on every route: missing or wrong is 401, malformed is 400", async (target) => {
    for (const path of ["/RPC2", "/logtail/cat", "/mainlogtail", "/ok.html", "/nothing"]) {
      const none = await raw(target, get(path, null))
      assert.strictEqual(none.status, 401, path)
      assert.match(none.head, /www-authenticate: Basic realm="default"/)
      for (const wrong of ["user:1234", "user:", "nobody:123", ":123", "user:123:extra", "user"]) {
        assert.strictEqual((await raw(target, get(path, `Basic ${Buffer.from(wrong).toString("base64")}`))).status, 401, `${path} ${wrong}`)
      }
      for (const other of ["Basic", "Bearer abc", "Digest x"]) assert.strictEqual((await raw(target, get(path, other))).status, 401, `${path} ${other}`)
      // supervisord answers 500 to undecodable credentials (http.py), effsup 400
      assert.strictEqual((await raw(target, get(path, "Basic %%%"))).status, 400, path)
      assert.strictEqual((await raw(target, get(path, `Basic ${"A".repeat(20_000)}`))).status, 431)
    }
    const ok = await raw(target, get("/ok.html"))
    assert.deepStrictEqual([ok.status, ok.body], [200, "OK"])
  })

  both("never serves a file outside the process logs, whatever the log URL", async (target) => {
    for (const path of [
      "/logtail/../../etc/passwd", "/logtail/..%2F..%2F..%2Fetc%2Fpasswd", "/logtail/%2e%2e/%2e%2e/etc/passwd",
      "/logtail/cat/../../../../etc/passwd", "/logtail/cat%2F..%2F..%2Fetc%2Fpasswd", "/logtail/%00", "/logtail/%ZZ",
      "/logtail//etc/passwd", "/mainlogtail/../../etc/passwd", "/mainlogtail%2F..%2Fetc%2Fpasswd"
    ]) {
      const reply = await raw(target, get(path))
      assert.strictEqual(reply.status, 404, path)
      assert.notInclude(reply.body, "root:")
    }
  })

  both("renders markup and ANSI in names and output as text", async (target) => {
    const infos = rpcAnswer(await raw(target, call("supervisor.getAllProcessInfo")))
    assert.strictEqual(infos._tag, "Success")
    const names = (infos as unknown as { value: ReadonlyArray<{ name: string; group: string }> }).value.map((p) => `${p.group}:${p.name}`)
    // ESC is not an XML character: it is sent as U+FFFD; markup is escaped and reads back as itself
    assert.deepStrictEqual(names, ["cat:cat", "g\uFFFD[31m:<b>x</b>"])
    const unknown = rpcAnswer(await raw(target, call("supervisor.getProcessInfo", MARKUP)))
    assert.deepStrictEqual(unknown, { _tag: "Fault", fault: { faultCode: 10, faultString: `BAD_NAME: ${MARKUP.replaceAll("\u001b", "\uFFFD")}` } })
    const log = rpcAnswer(await raw(target, call("supervisor.readProcessStdoutLog", "cat", 0, 0)))
    assert.deepStrictEqual(log, { _tag: "Success", value: `plain line\n${MARKUP.replaceAll("\u001b", "\uFFFD")}\n` })
    // the tail is plain text, byte for byte
    const tail = connect(target, get("/logtail/cat"))
    for (let i = 0; i < 40 && !tail.received().includes("[0m"); i++) await new Promise((r) => setTimeout(r, 25))
    tail.socket.destroy()
    assert.match(tail.received(), /content-type: text\/plain;charset=utf-8/)
    assert.include(tail.received(), MARKUP)
  })

  both("the API, the console and /metrics need credentials like every other route", async (target) => {
    for (const path of ["/api/v1/processes", "/api/v1/events", "/api/v1/openapi.json", "/", "/console/app.js", "/metrics"]) {
      assert.strictEqual((await raw(target, get(path, null))).status, 401, path)
      assert.strictEqual((await raw(target, get(path, `Basic ${Buffer.from("user:nope").toString("base64")}`))).status, 401, path)
    }
  })

  both("the API refuses an oversized body at once, and bad, deep or undecodable JSON with 400 — never a 500", async (target) => {
    // a declared 20 MB body is refused before a byte of it is read
    const oversized = await raw(target, web("POST", "/api/v1/processes/cat/signal", "", { "Content-Length": 20_000_000 }), true)
    assert.strictEqual(oversized.status, 413)
    assert.isBelow(oversized.ms, 700)
    assert.strictEqual(apiError(oversized).code, "INCORRECT_PARAMETERS")
    // a chunked one is cut off at the same bound
    const chunk = "x".repeat(100 * 1024)
    const chunked = await raw(target, web("POST", "/api/v1/processes/cat/signal", `${chunk.length.toString(16)}\r\n${chunk}\r\n0\r\n\r\n`, {
      "Content-Length": "",
      "Transfer-Encoding": "chunked"
    }))
    assert.include([400, 413], chunked.status, chunked.body)
    for (
      const body of [
        "{bad json",
        "[".repeat(60_000),
        `{"signal":${"[".repeat(30_000)}"HUP"${"]".repeat(30_000)}}`,
        Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
        "null",
        "{}",
        JSON.stringify({ signal: ["HUP"] })
      ]
    ) {
      const reply = await raw(target, web("POST", "/api/v1/processes/cat/signal", body))
      assert.strictEqual(reply.status, 400, String(body).slice(0, 20))
      assert.strictEqual(apiError(reply).code, "INCORRECT_PARAMETERS")
      assert.isBelow(reply.ms, 1000)
    }
    // XML where JSON is expected
    const xml = await raw(target, web("POST", "/api/v1/processes/cat/signal", "<signal>HUP</signal>", { "Content-Type": "text/xml" }))
    assert.include([400, 415], xml.status)
  })

  both("wrong methods on the new routes are refused, never served", async (target) => {
    const refused: ReadonlyArray<readonly [string, string, number]> = [
      ["DELETE", "/api/v1/processes", 404],
      ["PUT", "/api/v1/processes/cat/start", 404],
      ["GET", "/api/v1/processes/cat/start", 404],
      ["PATCH", "/api/v1/supervisor", 404],
      ["POST", "/api/v1/events", 404],
      ["POST", "/metrics", 405],
      ["DELETE", "/metrics", 405],
      // supervisord's pages: any method but GET, HEAD and POST is supervisord's 400
      ["PUT", "/index.html", 400],
      ["DELETE", "/", 400],
      ["PATCH", "/tail.html", 400],
      ["OPTIONS", "/ok.html", 400]
    ]
    for (const [method, path, expected] of refused) {
      const reply = await raw(target, web(method, path))
      assert.strictEqual(reply.status, expected, `${method} ${path}`)
    }
    assert.strictEqual(apiError(await raw(target, web("DELETE", "/api/v1/processes"))).code, "NOT_FOUND")
  })

  both("traversal in names and paths on the API and the console never reaches a file", async (target) => {
    for (
      const path of [
        "/api/v1/processes/..%2F..%2Fetc%2Fpasswd", "/api/v1/processes/../../etc/passwd", "/api/v1/processes/cat/log/..%2F..%2Fetc%2Fpasswd",
        "/api/v1/processes/%2e%2e%2f%2e%2e%2fetc%2fpasswd/log/stdout", "/api/v1/processes/cat%00/log/stdout", "/api/v1/processes/%ZZ",
        "/console/../../etc/passwd", "/console/..%2F..%2F..%2Fetc%2Fpasswd", "/console/%2e%2e/%2e%2e/etc/passwd", "/console//etc/passwd",
        "/console/app.js/../../../etc/passwd", "/api/../etc/passwd", "/api/v1/openapi.json/..%2F..%2Fetc%2Fpasswd"
      ]
    ) {
      const reply = await raw(target, get(path))
      assert.include([400, 404], reply.status, path)
      assert.notInclude(reply.body, "root:", path)
    }
    // a name that looks like a path is just an unknown name
    const named = await raw(target, get("/api/v1/processes/..%2F..%2Fetc%2Fpasswd"))
    assert.deepStrictEqual(apiError(named), { code: "BAD_NAME", message: "BAD_NAME: ../../etc/passwd" })
  })

  both("markup and ANSI in names come back as JSON strings and plain-text metrics, never as markup", async (target) => {
    const list = await raw(target, get("/api/v1/processes"))
    assert.match(list.head, /content-type: application\/json/i)
    assert.match(list.head, /x-content-type-options: nosniff/i)
    assert.notInclude(list.body, "\u001b") // ESC is escaped in JSON
    const rows = JSON.parse(list.body) as ReadonlyArray<{ readonly name: string; readonly group: string }>
    assert.deepStrictEqual(rows.map((r) => [r.group, r.name]), [["cat", "cat"], ["g\u001b[31m", "<b>x</b>"]])
    const unknown = await raw(target, get(`/api/v1/processes/${encodeURIComponent(MARKUP)}`))
    assert.deepStrictEqual(apiError(unknown), { code: "BAD_NAME", message: `BAD_NAME: ${MARKUP}` })
    assert.match(unknown.head, /content-type: application\/json/i)
    const metrics = await raw(target, get("/metrics"))
    assert.match(metrics.head, /content-type: text\/plain/i)
    assert.match(metrics.head, /x-content-type-options: nosniff/i)
    assert.include(metrics.body, 'process="<b>x</b>"')
    // the console's pages are static: no name a program has ever reaches them
    const page = await raw(target, get("/"))
    assert.strictEqual(page.status, 200)
    assert.notInclude(page.body, "<b>x</b>")
  })
})

describe("slow SSE clients on a live daemon", () => {
  it("50 clients that never read the event stream do not hold up a normal client", async () => {
    const port = await new Promise<number>((resolve) => {
      const s = Net.createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as Net.AddressInfo).port
        s.close(() => resolve(p))
      })
    })
    // a program that crash-loops keeps PROCESS_STATE events (and their process rows) coming
    const d = await start("effsup", `${header()}
[inet_http_server]
port=127.0.0.1:${port}
username=user
password=123

[program:flap]
command=sh -c 'echo ${"x".repeat(200)}; exit 1'
startsecs=0
autorestart=true
startretries=1000000
`)
    const target = { port }
    const readers = Array.from({ length: 50 }, () => connect(target, get("/api/v1/events").replace("Connection: close", "Connection: keep-alive")))
    try {
      await Promise.all(readers.map((r) => r.connected))
      // they never read again: their socket buffers fill while events keep coming
      for (const r of readers) r.socket.pause()
      await new Promise((r) => setTimeout(r, 3000))
      for (let i = 0; i < 5; i++) {
        const list = await raw(target, get("/api/v1/processes/flap"))
        assert.strictEqual(list.status, 200)
        assert.isBelow(list.ms, 1000)
        const state = await raw(target, call("supervisor.getState"))
        assert.strictEqual(state.status, 200)
        assert.isBelow(state.ms, 1000)
        await new Promise((r) => setTimeout(r, 200))
      }
      assert.strictEqual(d.ctl("status", "flap").status < 4, true)
    } finally {
      readers.forEach((r) => r.socket.destroy())
      await d.stop()
    }
  }, 60_000)
})

describe("200 slow clients on the control servers", () => {
  // a header timeout long enough that the slow clients still hang on while a loaded machine answers
  // the normal client: what is checked is that the normal client is served meanwhile, not how fast
  let servers: Awaited<ReturnType<typeof startServers>>
  beforeAll(async () => {
    servers = await startServers({
      unix: { username: "user", password: "123" },
      inet: { username: "user", password: "123" },
      limits: { headersTimeout: Duration.seconds(4), requestTimeout: Duration.seconds(5) }
    })
  })
  afterAll(() => servers.release())

  for (const [kind, index] of [["unix", 0], ["inet", 1]] as const) {
    it(`keeps answering a normal client while 200 slow clients hang on, then shows them the door (${kind})`, async () => {
      const target = servers.targets[index]
      const slow = Array.from({ length: 200 }, (_, i) =>
        connect(target, i % 2 === 0 ? "" : "POST /RPC2 HTTP/1.1\r\nHost: localhost\r\n"))
      const drip = setInterval(() => slow.forEach((c, i) => i % 2 === 1 && !c.socket.destroyed && c.socket.write("X: y\r\n")), 100)
      try {
        await Promise.all(slow.map((c) => c.connected))
        for (let i = 0; i < 5; i++) {
          const reply = await raw(target, call("supervisor.getState"))
          assert.strictEqual(reply.status, 200)
          // answered while every slow client is still waiting: served beside them, not after them
          assert.isTrue(slow.every((c) => !c.socket.destroyed && c.received() === ""), `answer ${i} came after a slow client was let go`)
          await new Promise((r) => setTimeout(r, 100))
        }
        // and the slow ones are shown the door by the header timeout
        await Promise.all(slow.map((c) => c.closed))
        assert.isTrue(slow.every((c) => /^HTTP\/1\.1 408/.test(c.received())))
      } finally {
        clearInterval(drip)
        slow.forEach((c) => c.socket.destroy())
      }
    }, 20_000)
  }
})
