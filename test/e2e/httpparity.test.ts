/**
 * The control servers' HTTP surface side by side with supervisord 4.2.5, on raw requests (what
 * curl, `nc` or a script sends): the same request gets the same status and the headers a client
 * relies on from both daemons, on the unix socket and on an inet port with a `{SHA}` password.
 * Covered here: requests without a Host header; paths spelled as supervisord reads them
 * (percent-encoded, with extra leading slashes); methods supervisord's pages and unknown paths
 * refuse; Basic auth on those paths. (Where effsup deliberately differs, it is said inline.)
 */
import { createHash } from "node:crypto"
import * as Net from "node:net"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { freePort } from "../support/FreePort.ts"
import { type Daemon, haveSupervisord, header, type Kind, usePair, xmlrpc } from "./harness.ts"

const PORTS: Record<Kind, number> = { effsup: await freePort(), supervisord: await freePort() }

const config = (kind: Kind) => `${header()}
[inet_http_server]
port=127.0.0.1:${PORTS[kind]}
username=user
password={SHA}${createHash("sha1").update("123").digest("hex")}

[program:a]
command=sh -c 'echo out-a; exec sleep 1000'
startsecs=0

[group:g]
programs=w

[program:w]
command=sh -c 'echo out-w; exec sleep 1000'
startsecs=0
`

const AUTH = `Basic ${Buffer.from("user:123").toString("base64")}`
const GET_STATE = "<?xml version='1.0'?><methodCall><methodName>supervisor.getState</methodName><params></params></methodCall>"

/** What a client relies on in an answer: the status, and these headers when present. */
interface Answer {
  readonly status: number
  readonly contentType?: string
  readonly location?: string
  readonly wwwAuthenticate?: string
  /** The first bytes of the body (a stream's first chunk). */
  readonly body: string
}

/** Where a request goes: the daemon's unix socket, or its inet port. */
type Via = "unix" | "inet"

/**
 * Sends `request` (raw bytes) to the daemon and reads the answer: until the server closes, or —
 * for a stream that never ends — until the headers and `streamUntil` in the body have arrived.
 */
const send = (d: Daemon, via: Via, request: string, streamUntil?: string) =>
  new Promise<Answer>((resolve, reject) => {
    const socket = via === "unix" ? Net.connect(Path.join(d.dir, "sock")) : Net.connect(PORTS[d.kind], "127.0.0.1")
    let text = ""
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`${d.kind}: no complete answer to ${JSON.stringify(request.split("\r\n")[0])}; got ${JSON.stringify(text)}`))
    }, 10_000)
    const done = () => {
      clearTimeout(timer)
      socket.destroy()
      const split = text.indexOf("\r\n\r\n")
      const head = text.slice(0, split).split("\r\n")
      const field = (name: string) =>
        head.find((line) => line.toLowerCase().startsWith(`${name}:`))?.slice(name.length + 1).trim()
      const type = field("content-type")
      const location = field("location")
      const wwwAuthenticate = field("www-authenticate")
      resolve({
        status: Number(/^HTTP\/1\.\d (\d{3})/.exec(head[0]!)?.[1] ?? 0),
        // effsup writes `; charset=utf-8` where supervisord writes `;charset=utf-8`: the same type
        ...(type === undefined ? {} : { contentType: type.replace(/;\s*/, ";") }),
        ...(location === undefined ? {} : { location }),
        ...(wwwAuthenticate === undefined ? {} : { wwwAuthenticate }),
        // an XML-RPC answer whole (it is small), of anything else its start
        body: text.slice(split + 4, type === "text/xml" ? undefined : split + 4 + 40)
      })
    }
    socket.on("data", (chunk) => {
      text += String(chunk)
      if (streamUntil !== undefined && text.includes("\r\n\r\n") && text.slice(text.indexOf("\r\n\r\n")).includes(streamUntil)) done()
    })
    socket.on("end", done)
    socket.on("error", reject)
    socket.write(request)
  })

/** A raw request: `headers` are sent as given (`Host` only when listed), then `body`. */
const raw = (method: string, path: string, headers: Readonly<Record<string, string>> = {}, body = "") =>
  `${method} ${path} HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("")}\r\n${body}`

const rpcCall = (path: string, headers: Readonly<Record<string, string>>) =>
  raw("POST", path, { ...headers, "Content-Type": "text/xml", "Content-Length": String(GET_STATE.length), Connection: "close" }, GET_STATE)

const states = (d: Daemon) =>
  (xmlrpc(d.dir, [["supervisor.getAllProcessInfo", []]])[0] as { value: ReadonlyArray<{ name: string; statename: string }> }).value
    .map((p) => `${p.name}:${p.statename}`)

/**
 * What is compared of an answer. Kept different on purpose: effsup's pages are its own (a 200
 * page's HTML is not compared), and its 301 after a link carries the message as text/plain
 * where supervisord sends medusa's HTML error page; the `… at <ctime>` in a message is masked.
 */
const comparable = (answer: Answer): Answer => ({
  ...answer,
  ...(answer.location === undefined ? {} : { location: answer.location.replace(/%20at%20.*$/, "%20at%20<ctime>") }),
  ...(answer.status === 301 ? { contentType: "<any>", body: "" } : {}),
  ...(answer.status === 200 && answer.contentType?.startsWith("text/html") ? { body: "" } : {})
})

/** The same requests to both daemons, over `via`: their comparable answers, effsup's first. */
const both = (pair: { both: () => readonly [Daemon, Daemon] }, via: Via, requests: ReadonlyArray<string>) =>
  Promise.all(pair.both().map(async (d) => {
    const answers: Array<readonly [string, Answer]> = []
    for (const request of requests) answers.push([request.split("\r\n")[0]!, comparable(await send(d, via, request))])
    return answers
  }))

describe.skipIf(!haveSupervisord())("the control servers' HTTP surface against supervisord", () => {
  const pair = usePair(config, /success: w entered RUNNING/)

  it("answer a request without a Host header, as supervisord does", async () => {
    for (const via of ["unix", "inet"] as const) {
      const auth = via === "inet" ? { Authorization: AUTH } : {}
      const [effsup, supervisord] = await both(pair, via, [
        raw("GET", "/ok.html", { ...auth, Connection: "close" }),
        rpcCall("/RPC2", auth),
        raw("GET", "/tail.html?processname=a", { ...auth, Connection: "close" })
      ])
      expect(effsup, via).toEqual(supervisord)
      expect(effsup!.map(([, a]) => a.status)).toEqual([200, 200, 200])
      const [e, s] = await Promise.all(pair.both().map((d) => send(d, via, raw("GET", "/logtail/a", auth), "out-a")))
      expect(e, via).toEqual(s)
    }
  }, 60_000)

  it("redirect a link without a Host header, or with an empty one, to the port it came to", async () => {
    // supervisord names the address by its reverse lookup (`localhost`), effsup by its number
    const redirects = await Promise.all(pair.both().map(async (d) =>
      Promise.all([{}, { Host: "" }].map(async (host) => {
        const answer = await send(d, "inet", raw("GET", "/?action=refresh", { ...host, Authorization: AUTH, Connection: "close" }))
        const location = new URL(answer.location ?? "http://nowhere/")
        return { status: answer.status, port: Number(location.port), path: location.pathname, message: location.searchParams.get("message")?.slice(0, 17) }
      }))
    ))
    expect(redirects[0]).toEqual([
      { status: 301, port: PORTS.effsup, path: "/", message: "Page refreshed at" },
      { status: 301, port: PORTS.effsup, path: "/", message: "Page refreshed at" }
    ])
    expect(redirects[1]).toEqual([
      { status: 301, port: PORTS.supervisord, path: "/", message: "Page refreshed at" },
      { status: 301, port: PORTS.supervisord, path: "/", message: "Page refreshed at" }
    ])
  }, 30_000)

  it("route a path as supervisord decodes it: percent-escapes and extra leading slashes", async () => {
    const h = { Host: "localhost", Connection: "close" }
    const [effsup, supervisord] = await both(pair, "unix", [
      raw("GET", "//ok.html", h),
      raw("GET", "/%6Fk.html", h),
      raw("GET", "/ok%2Ehtml", h),
      raw("GET", "/ok.html%3Fignored", h),
      raw("GET", "//tail.html?processname=a", h),
      raw("GET", "//index.html?action=refresh", h),
      raw("GET", "//?action=refresh", h),
      raw("GET", "/%52PC2", h),
      rpcCall("/%52PC2", h),
      raw("GET", "/index.html/", h),
      raw("GET", "/logtail/", h),
      raw("GET", "//logtail/a", h)
    ])
    expect(effsup).toEqual(supervisord)
    expect(effsup!.map(([, a]) => a.status)).toEqual([200, 200, 200, 200, 200, 301, 301, 400, 200, 404, 404, 404])
    // a log URL is decoded twice, as supervisord decodes it: g%253Aw is g:w
    const tails = await Promise.all(pair.both().map(async (d) => [
      await send(d, "unix", raw("GET", "/logtail%2Fa", { Host: "localhost" }), "out-a"),
      await send(d, "unix", raw("GET", "/logtail/g%253Aw", { Host: "localhost" }), "out-w"),
      await send(d, "unix", raw("GET", "/logtail/g%3Aw/stdout", { Host: "localhost" }), "out-w")
    ]))
    expect(tails[0]).toEqual(tails[1])
    expect(tails[0]!.map((a) => a.status)).toEqual([200, 200, 200])
  }, 60_000)

  it("answer garbled method calls as supervisord does", async () => {
    const body = (xml: string, type = "text/xml") =>
      raw("POST", "/RPC2", { Host: "localhost", "Content-Type": type, "Content-Length": String(Buffer.byteLength(xml)), Connection: "close" }, xml)
    const [effsup, supervisord] = await both(pair, "unix", [
      // a method name is taken as written: spaces make it an unknown method
      body("<methodCall><methodName> </methodName></methodCall>"),
      body("<methodCall><methodName>\n  supervisor.getState\n</methodName></methodCall>"),
      body("<methodCall><methodName><![CDATA[supervisor.getState]]></methodName></methodCall>"),
      body("<?xml version='1.0'?><methodCall><methodName>supervisor.getState</methodName></methodCall>", "application/json"),
      body("<methodCall><methodName></methodName></methodCall>"),
      body("<methodCall><params/></methodCall>"),
      body("<methodCall><methodName>supervisor.getState</methodName></methodCall>trailing"),
      body("<methodResponse><params><param><value>1</value></param></params></methodResponse>"),
      body("not xml at all"),
      body('{"methodName":"supervisor.getState"}', "application/json")
    ])
    expect(effsup).toEqual(supervisord)
    expect(effsup!.map(([, a]) => a.status)).toEqual([200, 200, 200, 200, 400, 400, 400, 400, 400, 400])
    expect(effsup![0]![1].body).toContain("UNKNOWN_METHOD")
  }, 30_000)

  it("keep a kept-alive connection open while it idles, and answer on it, as supervisord does", async () => {
    // supervisor's childutils.getRPCInterface keeps one connection: a listener woken by TICK_60
    // calls again on it a minute later. Past Node's 5 s keep-alive timeout and the 10 s header
    // timeout, both of which closed it.
    const call = raw("POST", "/RPC2", { Host: "localhost", "Content-Type": "text/xml", "Content-Length": String(GET_STATE.length) }, GET_STATE)
    const results = await Promise.all(pair.both().map((d) =>
      new Promise<ReadonlyArray<unknown>>((resolve, reject) => {
        const socket = Net.connect(Path.join(d.dir, "sock"))
        let text = ""
        const statuses = () => [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]))
        let closedEarly = false
        socket.on("close", () => (closedEarly = statuses().length < 2))
        socket.on("error", reject)
        socket.on("data", (chunk) => {
          text += String(chunk)
          if (statuses().length === 2 && text.endsWith("</methodResponse>\n")) {
            socket.destroy()
            resolve([statuses(), /keep-alive: timeout/i.test(text)])
          }
        })
        socket.write(call)
        setTimeout(() => (closedEarly ? resolve(["closed while idle", statuses()]) : socket.write(call)), 11_000)
      })
    ))
    expect(results[0]).toEqual(results[1])
    expect(results[0]).toEqual([[200, 200], false])
  }, 30_000)

  it("act on a link however its path is spelled", async () => {
    const h = { Host: "localhost", Connection: "close" }
    for (const [path, state] of [["//index.html?processname=a&action=stop", "a:STOPPED"], ["/index%2Ehtml?processname=a&action=start", "a:RUNNING"]]) {
      const answers = await Promise.all(pair.both().map(async (d) => {
        const answer = await send(d, "unix", raw("GET", path!, h))
        return [answer.status, answer.location, states(d).filter((s) => s.startsWith("a:"))]
      }))
      expect(answers[0]).toEqual(answers[1])
      expect(answers[0]![2]).toEqual([state])
    }
  }, 30_000)

  it("refuse with 400 a method supervisord's pages do not take, and any but GET and HEAD elsewhere", async () => {
    const h = { Host: "localhost", Connection: "close", "Content-Length": "0" }
    const requests = ["PUT", "DELETE", "OPTIONS", "PATCH"].flatMap((method) =>
      ["/", "/index.html", "/tail.html", "/ok.html", "/nothing", "/logtail/a", "/mainlogtail"].map((path) => raw(method, path, h))
    )
    // POST to an unknown path (supervisord's file handler takes GET and HEAD only)
    requests.push(raw("POST", "/nothing", h), raw("POST", "/stylesheets/supervisor.css", h), raw("GET", "/nothing", h))
    const [effsup, supervisord] = await both(pair, "unix", requests)
    expect(effsup).toEqual(supervisord)
    expect(effsup!.map(([, a]) => a.status)).toEqual([...requests.slice(0, -1).map(() => 400), 404])
  }, 60_000)

  it("ask for credentials on every path however it is spelled, and take {SHA} passwords", async () => {
    const paths = ["/", "/index.html", "//index.html", "/tail.html?processname=a", "/ok.html", "/%6Fk.html", "/mainlogtail", "/logtail/a", "/nothing", "/stylesheets/supervisor.css"]
    const wrong = `Basic ${Buffer.from("user:1234").toString("base64")}`
    const requests = paths.flatMap((path) => [
      raw("GET", path, { Host: "localhost", Connection: "close" }),
      raw("GET", path, { Host: "localhost", Authorization: wrong, Connection: "close" })
    ])
    requests.push(rpcCall("/RPC2", { Host: "localhost" }), rpcCall("/%52PC2", { Host: "localhost", Authorization: wrong }))
    const [effsup, supervisord] = await both(pair, "inet", requests)
    expect(effsup).toEqual(supervisord)
    for (const [line, answer] of effsup!) {
      expect(answer, line).toMatchObject({ status: 401, wwwAuthenticate: 'Basic realm="default"', contentType: "text/html" })
    }
    const granted = await both(pair, "inet", [
      rpcCall("/%52PC2", { Host: "localhost", Authorization: AUTH }),
      raw("GET", "//ok.html", { Host: "localhost", Authorization: AUTH, Connection: "close" })
    ])
    expect(granted[0]).toEqual(granted[1])
    expect(granted[0]!.map(([, a]) => a.status)).toEqual([200, 200])
  }, 60_000)
})
