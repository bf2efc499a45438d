/**
 * Fuzzing HTTP request handling on the real control servers (a unix socket with Basic auth and an
 * inet port without), fed generated and mutated raw requests — methods, paths (traversal,
 * bad percent-encoding), lying or duplicated Content-Length, chunked bodies, credentials,
 * pipelined requests, XML-RPC bodies. Properties: every connection is answered or closed within
 * the deadline, no answer is a 500, nothing is logged as an unexpected exception, memory stays
 * bounded, and a normal client is still answered afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Duration } from "effect"
import fc from "fast-check"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import { encodeMethodCall, type XmlRpcValue } from "../../src/rpc/XmlRpc.ts"
import { startServers, type Target } from "../support/ControlServers.ts"
import { mutated, params, timeoutFor } from "./fuzz.ts"

/**
 * Sends `raw`, half-closes, and resolves with what was received: when the server closes, when an
 * answer has come and nothing more for 300 ms (a log tail streams on), or at the deadline.
 */
const exchange = (target: Target, raw: Buffer, deadlineMs: number) =>
  new Promise<{ readonly received: string; readonly closed: boolean }>((resolve) => {
    const socket = "port" in target ? Net.connect(target.port, "127.0.0.1") : Net.connect(target.path)
    const chunks: Array<Buffer> = []
    let quiet: NodeJS.Timeout | undefined
    const received = () => Buffer.concat(chunks).toString("latin1")
    const done = (closed: boolean) => {
      clearTimeout(timer)
      clearTimeout(quiet)
      socket.destroy()
      resolve({ received: received(), closed })
    }
    const timer = setTimeout(() => done(false), deadlineMs)
    socket.on("data", (c: Buffer) => {
      chunks.push(c)
      clearTimeout(quiet)
      if (/^HTTP\/1\.1 \d{3} [^]*\r\n\r\n/.test(received())) quiet = setTimeout(() => done(false), 300)
    })
    socket.on("error", () => {})
    socket.on("close", () => done(true))
    socket.end(raw)
  })

const basic = (credentials: string) => `Basic ${Buffer.from(credentials).toString("base64")}`

const rpcBody = fc.oneof(
  fc.tuple(
    fc.constantFrom(
      "supervisor.getState", "supervisor.getAllProcessInfo", "supervisor.getProcessInfo", "supervisor.readLog",
      "supervisor.tailProcessStdoutLog", "supervisor.startProcess", "supervisor.stopProcess", "supervisor.signalProcess",
      "supervisor.sendProcessStdin", "supervisor.readProcessStdoutLog", "system.multicall", "system.methodHelp", "nope"
    ),
    fc.array(
      fc.oneof(
        fc.constantFrom<XmlRpcValue>("cat", "web:*", "../../etc", "<b>\u001b[31m", -1, 0, 1024, true, [], {}),
        fc.array(fc.record({ methodName: fc.constantFrom("supervisor.getPID", "system.multicall", "x"), params: fc.constant([]) }), { maxLength: 3 })
      ),
      { maxLength: 4 }
    )
  ).map(([methodName, ps]) => encodeMethodCall({ methodName, params: ps })),
  fc.constantFrom(
    "<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;\">]><methodCall><methodName>&lol2;</methodName></methodCall>",
    "<!DOCTYPE x [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><methodCall><methodName>&x;</methodName></methodCall>",
    "<methodCall><methodName>supervisor.getState</methodName><params><param>" + "<value><array><data>".repeat(200) + "</param></params></methodCall>",
    "",
    "\u00ff\u00fe<methodCall/>"
  )
)

const PATHS = [
  "/RPC2", "/RPC2?x=1", "/RPC2/", "/logtail/cat", "/logtail/cat/stderr", "/logtail/cat/bogus", "/logtail/../../etc/passwd",
  "/logtail/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/logtail/%ZZ", "/logtail/cat%3Acat", "/logtail/<script>", "/mainlogtail",
  "/mainlogtail/../RPC2", "/ok.html", "/", "*", "//RPC2", "/%00", "/" + "a".repeat(3000), "http://x/RPC2", "/RPC2#frag"
]

/** `usual` most of the time, one of `others` sometimes. */
const mostly = <A>(usual: fc.Arbitrary<A>, ...others: ReadonlyArray<A>): fc.Arbitrary<A> =>
  fc.oneof({ weight: 4, arbitrary: usual }, { weight: 1, arbitrary: fc.constantFrom(...others) })

/** One request, from the grammar, written as bytes (sometimes two pipelined). */
const request = fc.record({
  line: fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(["POST", "/RPC2"], ["POST", "/RPC2"], ["GET", "/ok.html"], ["GET", "/logtail/cat"], ["GET", "/mainlogtail"]) },
    {
      weight: 2,
      arbitrary: fc.tuple(fc.constantFrom("POST", "GET", "HEAD", "PUT", "OPTIONS", "CONNECT", "G ET", "", "POST\u0000"), fc.constantFrom(...PATHS))
    }
  ),
  version: mostly(fc.constant("HTTP/1.1"), "HTTP/1.0", "HTTP/2.0", "HTTP/1.1 extra", ""),
  auth: mostly(fc.constant(basic("user:123")), undefined, basic("user:nope"), basic("user"), "Basic %%%", "Basic", "Bearer x", basic("user:123").repeat(200)),
  body: rpcBody,
  length: mostly(fc.constant("exact"), "none", "more", "less", "huge", "negative", "text", "twice", "chunked"),
  extraHeaders: fc.array(
    mostly(fc.constantFrom("Content-Type: text/xml", "Connection: keep-alive", "Accept: */*"), "Expect: 100-continue", "Connection: close",
      "Transfer-Encoding: chunked", "Host: a\r\nHost: b", "X-Long: " + "v".repeat(9000), "Bad Header", ": empty",
      "Content-Encoding: gzip", "Upgrade: websocket\r\nConnection: Upgrade"),
    { maxLength: 3 }
  ),
  host: mostly(fc.constant(true), false),
  pipelined: fc.boolean()
}).map((r) => {
  const body = Buffer.from(r.body, "utf8")
  const lines = [`${r.line[0]} ${r.line[1]} ${r.version}`.trimEnd()]
  if (r.host) lines.push("Host: localhost")
  if (r.auth !== undefined) lines.push(`Authorization: ${r.auth}`)
  const len = { exact: body.length, more: body.length + 17, less: Math.max(0, body.length - 9), huge: "99999999999999999999", negative: "-5", text: "ten" }
  if (r.length === "twice") lines.push(`Content-Length: ${body.length}`, `Content-Length: ${body.length + 1}`)
  else if (r.length === "chunked") lines.push("Transfer-Encoding: chunked")
  else if (r.length !== "none") lines.push(`Content-Length: ${len[r.length]}`)
  lines.push(...r.extraHeaders)
  const payload = r.length === "chunked" ? Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from("\r\n0\r\n\r\n")]) : body
  const one = Buffer.concat([Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1"), payload])
  return r.pipelined ? Buffer.concat([one, Buffer.from("GET /ok.html HTTP/1.1\r\nHost: x\r\n\r\n")]) : one
})

const FRAGMENTS = ["\r\n", "\n", "\r\n\r\n", ":", " ", "\u0000", "Content-Length: 5\r\n", "Transfer-Encoding: chunked\r\n", "0\r\n\r\n", "%", "../", "\u00ff"]
const rawRequest = fc.oneof(
  { weight: 6, arbitrary: request },
  { weight: 2, arbitrary: mutated(request.map((b) => b.toString("latin1")), FRAGMENTS).map((s) => Buffer.from(s, "latin1")) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)) }
)

describe("fuzz: HTTP request handling", () => {
  let servers: Awaited<ReturnType<typeof startServers>>
  let targets: ReadonlyArray<Target> = []
  let rssBefore = 0

  beforeAll(async () => {
    const log = Path.join(Fs.mkdtempSync(Path.join(Os.tmpdir(), "effsup-fuzz-log-")), "cat.log")
    Fs.writeFileSync(log, "cat output <b>bold</b> \u001b[31mred\u001b[0m\n")
    servers = await startServers({
      fake: { logFiles: { "cat:cat/stdout": log }, mainLog: log },
      unix: { username: "user", password: "123" },
      limits: { headersTimeout: Duration.millis(500), requestTimeout: Duration.millis(1000) }
    })
    targets = servers.targets
    rssBefore = process.memoryUsage().rss
    return () => Fs.rmSync(Path.dirname(log), { recursive: true, force: true })
  })
  afterAll(() => servers.release())

  it("answers or closes every request in time, never with a 500, and keeps serving", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(rawRequest, { minLength: 1, maxLength: 8 }), async (raws) => {
        // the batch goes out at once, to both servers: a slow answer does not hold up the others
        const outcomes = await Promise.all(raws.flatMap((raw) => targets.map((t) => exchange(t, raw, 3000))))
        for (const { closed, received } of outcomes) {
          expect(closed || /^HTTP\/1\.1 \d{3} /.test(received), `no answer and no close: ${JSON.stringify(received)}`).toBe(true)
          expect([...received.matchAll(/HTTP\/1\.[01] (\d{3}) /g)].map((m) => m[1])).not.toContain("500")
        }
      }),
      params(60)
    )
    expect(servers.logs.filter((l) => /unexpected exception/.test(l))).toEqual([])
    for (const target of targets) {
      const started = Date.now()
      const ok = await exchange(target, Buffer.from(`GET /ok.html HTTP/1.1\r\nHost: x\r\nAuthorization: ${basic("user:123")}\r\nConnection: close\r\n\r\n`), 3000)
      expect(ok.received).toMatch(/^HTTP\/1\.1 200 OK[\s\S]*OK$/)
      expect(Date.now() - started).toBeLessThan(1000)
    }
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(256 * 1024 * 1024)
  }, timeoutFor(60, 3500))
})
