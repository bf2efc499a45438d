import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Effect, Exit, Layer, Logger, ManagedRuntime, Result, Scope } from "effect"
import { execFile } from "node:child_process"
import { createHash } from "node:crypto"
import * as Fs from "node:fs"
import * as Http from "node:http"
import * as Net from "node:net"
import * as Path from "node:path"
import type { UnixServerConfig } from "../../src/config/Types.ts"
import { layer } from "../../src/http/Server.ts"
import { decodeMethodResponse, encodeMethodCall } from "../../src/rpc/XmlRpc.ts"
import { inetServerConfig, unixServerConfig } from "../support/Configs.ts"
import { makeFakeSupervisor } from "../support/FakeSupervisor.ts"
import { tempDir } from "../support/TempDir.ts"
import { request, type Reply, type Target } from "./support.ts"
import { freePort } from "../support/FreePort.ts"

const xmlCall = (methodName: string, ...params: Array<string | number | boolean>) => {
  const body = encodeMethodCall({ methodName, params })
  return { body, headers: { "content-type": "text/xml", "content-length": Buffer.byteLength(body) } }
}
const rpcValue = (reply: Reply) => {
  const r = decodeMethodResponse(reply.body.toString())
  if (Result.isFailure(r) || r.success._tag === "Fault") throw new Error(reply.body.toString())
  return r.success.value
}

/** Opens a streaming GET and collects its body until `done` holds. */
const follow = (target: Target, path: string) => {
  let text = ""
  let status = 0
  const req = Http.request({ ...target, host: "127.0.0.1", method: "GET", path }, (res) => {
    status = res.statusCode!
    res.setEncoding("utf8")
    res.on("data", (c: string) => (text += c))
  })
  req.on("error", () => {})
  req.end()
  const until = async (done: (text: string) => boolean, what: string) => {
    for (let i = 0; i < 200 && !done(text); i++) await new Promise((r) => setTimeout(r, 25))
    if (!done(text)) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(text)}`)
  }
  return { until, text: () => text, status: () => status, close: () => req.destroy() }
}


const sha = (s: string) => `{SHA}${createHash("sha1").update(s).digest("hex")}`
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`

const unixConfig = (file: string, extra: Partial<UnixServerConfig> = {}): UnixServerConfig =>
  unixServerConfig(file, { chmod: 0o760, ...extra })

describe("http/Server", () => {
  const dir = tempDir("http")
  const sock = Path.join(dir, "supervisor.sock")
  const catLog = Path.join(dir, "cat.log")
  const mainLog = Path.join(dir, "main.log")
  const logs: Array<string> = []
  const fake = makeFakeSupervisor({ logFiles: { "cat:cat/stdout": catLog }, mainLog })
  let port = 0
  let runtime: ManagedRuntime.ManagedRuntime<never, unknown>
  const unix: Target = { socketPath: sock }
  const inet = () => ({ port })

  beforeAll(async () => {
    Fs.writeFileSync(catLog, "x".repeat(1500) + "0123456789\n")
    Fs.writeFileSync(mainLog, "main log line\n")
    port = await freePort()
    const inetConfig = inetServerConfig("127.0.0.1", port, { username: "user", password: sha("123") })
    const capture = Logger.layer([Logger.make(({ logLevel, message }) => {
      logs.push(`${logLevel} ${(Array.isArray(message) ? message : [message]).join(" ")}`)
    })])
    runtime = ManagedRuntime.make(
      layer({ unixHttpServer: unixConfig(sock), inetHttpServers: [inetConfig] }).pipe(Layer.provide(fake.layer), Layer.provide(capture))
    )
    await runtime.runPromise(Effect.void)
  })
  afterAll(async () => {
    await runtime.dispose()
  })

  it("creates the unix socket with the configured mode and logs the missing auth", () => {
    const st = Fs.statSync(sock)
    assert.isTrue(st.isSocket())
    assert.strictEqual(st.mode & 0o777, 0o760)
    assert.isFalse(Fs.existsSync(`${sock}.${process.pid}`))
    assert.include(logs, "Fatal Server 'unix_http_server' running without any HTTP authentication checking")
    assert.isFalse(logs.some((l) => l.includes("inet_http_server")))
  })

  it("answers XML-RPC on the unix socket", async () => {
    const reply = await request(unix, "POST", "/RPC2", xmlCall("supervisor.getVersion"))
    assert.strictEqual(reply.status, 200)
    assert.strictEqual(reply.headers["content-type"], "text/xml")
    assert.strictEqual(reply.headers["server"], "effsup")
    assert.strictEqual(rpcValue(reply), "3.0")
    const info = await request(unix, "POST", "/RPC2", xmlCall("supervisor.getProcessInfo", "cat"))
    assert.strictEqual((rpcValue(info) as Record<string, unknown>)["statename"], "RUNNING")
  })

  it("answers bad requests like supervisord", async () => {
    assert.strictEqual((await request(unix, "GET", "/RPC2")).status, 400)
    const chunked = await request(unix, "POST", "/RPC2", { headers: { "transfer-encoding": "chunked" }, body: xmlCall("x").body })
    assert.strictEqual(chunked.status, 411)
    const garbage = "<methodCall><methodName>x"
    assert.strictEqual((await request(unix, "POST", "/RPC2", { headers: { "content-length": garbage.length }, body: garbage })).status, 400)
    const bad = Buffer.from([0x3c, 0xff, 0xfe])
    assert.strictEqual((await request(unix, "POST", "/RPC2", { headers: { "content-length": bad.length }, body: bad })).status, 400)
    const dtd = `<!DOCTYPE x [<!ENTITY a "b">]><methodCall><methodName>&a;</methodName></methodCall>`
    assert.strictEqual((await request(unix, "POST", "/RPC2", { headers: { "content-length": dtd.length }, body: dtd })).status, 400)
    assert.isTrue(logs.some((l) => l.startsWith("Error XML-RPC request data") && l.includes("DTD")))
    const ok = await request(unix, "GET", "/ok.html")
    assert.deepStrictEqual([ok.status, ok.body.toString()], [200, "OK"])
    assert.strictEqual((await request(unix, "GET", "/nothing")).status, 404)
  })

  it("requires Basic auth on the inet server ({SHA} password)", async () => {
    const none = await request(inet(), "POST", "/RPC2", xmlCall("supervisor.getVersion"))
    assert.strictEqual(none.status, 401)
    assert.strictEqual(none.headers["www-authenticate"], "Basic realm=\"default\"")
    const call = xmlCall("supervisor.getState")
    const wrong = await request(inet(), "POST", "/RPC2", { body: call.body, headers: { ...call.headers, authorization: basic("user", "nope") } })
    assert.strictEqual(wrong.status, 401)
    assert.strictEqual((await request(inet(), "GET", "/ok.html", { headers: { authorization: "Basic %%%" } })).status, 400)
    assert.strictEqual((await request(inet(), "GET", "/logtail/cat")).status, 401)
    const ok = await request(inet(), "POST", "/RPC2", { body: call.body, headers: { ...call.headers, authorization: basic("user", "123") } })
    assert.strictEqual(ok.status, 200)
    assert.deepStrictEqual(rpcValue(ok), { statecode: 1, statename: "RUNNING" })
  })

  it("tails a log: last 1024 bytes, appends, truncation, rotation", async () => {
    const tail = follow(unix, "/logtail/cat")
    await tail.until((t) => t.length >= 1024, "the initial 1024 bytes")
    assert.strictEqual(tail.status(), 200)
    assert.strictEqual(tail.text(), "x".repeat(1013) + "0123456789\n")
    Fs.appendFileSync(catLog, "appended line\n")
    await tail.until((t) => t.endsWith("appended line\n"), "an appended line")
    Fs.truncateSync(catLog, 0)
    Fs.appendFileSync(catLog, "after truncate\n")
    await tail.until((t) => t.endsWith("==> File truncated <==\nafter truncate\n"), "the truncation marker")
    Fs.renameSync(catLog, `${catLog}.1`)
    Fs.writeFileSync(catLog, "rotated file\n")
    await tail.until((t) => t.endsWith("rotated file\n"), "the rotated file")
    tail.close()
  })

  it("answers 404 for unknown processes, channels and missing logs; tails the main log", async () => {
    assert.strictEqual((await request(unix, "GET", "/logtail/nope")).status, 404)
    assert.strictEqual((await request(unix, "GET", "/logtail/cat/bogus")).status, 404)
    assert.strictEqual((await request(unix, "GET", "/logtail/cat/stderr")).status, 404)
    assert.strictEqual((await request(unix, "POST", "/logtail/cat")).status, 400)
    const tail = follow(unix, "/mainlogtail")
    await tail.until((t) => t === "main log line\n", "the main log")
    tail.close()
    const encoded = follow(unix, "/logtail/cat%3Acat/stdout")
    await encoded.until((t) => t.includes("rotated file"), "a percent-encoded namespec")
    encoded.close()
  })

  it("serves a real supervisorctl (status, version)", async () => {
    const conf = Path.join(dir, "ctl.conf")
    Fs.writeFileSync(conf, `[supervisorctl]\nserverurl=unix://${sock}\n`)
    const ctl = (...args: Array<string>) =>
      new Promise<{ code: number; out: string }>((resolve) =>
        execFile("supervisorctl", ["-c", conf, ...args], (error, stdout, stderr) =>
          resolve({ code: error === null ? 0 : (error.code as number), out: stdout + stderr })))
    const version = await ctl("version")
    assert.deepStrictEqual(version, { code: 0, out: "0.1.0\n" })
    const status = await ctl("status")
    assert.strictEqual(status.code, 3)
    const lines = status.out.trim().split("\n").map((l) => l.split(/\s+/).slice(0, 2).join(" "))
    assert.deepStrictEqual(lines, ["cat RUNNING", "web:web_00 STOPPED", "web:web_01 STOPPED"])
    const inetCtl = await new Promise<string>((resolve) =>
      execFile("supervisorctl", ["-s", `http://127.0.0.1:${port}`, "-u", "user", "-p", "123", "pid"], (_e, out) => resolve(out)))
    assert.strictEqual(inetCtl, "1234\n")
  })
})

describe("http/Server socket lifecycle", () => {
  const silent = Logger.layer([])
  const build = (file: string) =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const exit = yield* Layer.buildWithScope(layer({ unixHttpServer: unixConfig(file), inetHttpServers: [] }), scope).pipe(
        Effect.provide(Layer.merge(makeFakeSupervisor().layer, silent)),
        Effect.exit
      )
      return { exit, close: Scope.close(scope, Exit.void) }
    })

  it("replaces a stale socket, refuses a live one, removes its socket on release", async () => {
    const dir = tempDir("sock")
    const file = Path.join(dir, "s.sock")
    // a stale socket file: bound by a process that is gone
    await new Promise<void>((resolve) =>
      execFile("python3", ["-c", `import socket; s = socket.socket(socket.AF_UNIX); s.bind(${JSON.stringify(file)})`], () => resolve()))
    assert.isTrue(Fs.statSync(file).isSocket())
    const first = await Effect.runPromise(build(file))
    assert.isTrue(Exit.isSuccess(first.exit))
    assert.strictEqual((await request({ socketPath: file }, "GET", "/ok.html")).status, 200)

    const second = await Effect.runPromise(build(file))
    assert.isTrue(Exit.isFailure(second.exit))
    assert.include(String(Exit.isFailure(second.exit) ? second.exit.cause : ""), "Another program is already listening")
    assert.strictEqual((await request({ socketPath: file }, "GET", "/ok.html")).status, 200)

    const tail = follow({ socketPath: file }, "/mainlogtail")
    await Effect.runPromise(first.close)
    tail.close()
    assert.isFalse(Fs.existsSync(file))
  })

  it("reports a busy inet port, and chowns the unix socket", async () => {
    const busy = Net.createServer()
    const port = await new Promise<number>((resolve) => busy.listen(0, "127.0.0.1", () => resolve((busy.address() as Net.AddressInfo).port)))
    const inet = inetServerConfig("127.0.0.1", port)
    const exit = await Effect.runPromise(
      Layer.build(layer({ unixHttpServer: undefined, inetHttpServers: [inet] })).pipe(
        Effect.provide(Layer.merge(makeFakeSupervisor().layer, silent)),
        Effect.scoped,
        Effect.exit
      )
    )
    busy.close()
    assert.include(String(Exit.isFailure(exit) ? exit.cause : ""), "Another program is already listening")

    const dir = tempDir("sock")
    const file = Path.join(dir, "s.sock")
    const owned = await Effect.runPromise(
      Layer.build(layer({ unixHttpServer: unixConfig(file, { chown: "nobody:nogroup", chmod: 0o700 }), inetHttpServers: [] })).pipe(
        Effect.andThen(Effect.sync(() => Fs.statSync(file))),
        Effect.provide(Layer.merge(makeFakeSupervisor().layer, silent)),
        Effect.scoped
      )
    )
    if (process.getuid?.() === 0) assert.deepStrictEqual([owned.uid, owned.gid, owned.mode & 0o777], [65534, 65534, 0o700])
    assert.isFalse(Fs.existsSync(file))
  })

  it("ends open log tails on release instead of waiting for them", async () => {
    const dir = tempDir("sock")
    const file = Path.join(dir, "s.sock")
    const log = Path.join(dir, "main.log")
    Fs.writeFileSync(log, "hello\n")
    const fake = makeFakeSupervisor({ mainLog: log })
    const scope = await Effect.runPromise(Scope.make())
    await Effect.runPromise(
      Layer.buildWithScope(layer({ unixHttpServer: unixConfig(file), inetHttpServers: [] }), scope).pipe(
        Effect.provide(Layer.merge(fake.layer, silent))
      )
    )
    const tail = follow({ socketPath: file }, "/mainlogtail")
    await tail.until((t) => t === "hello\n", "the main log")
    const started = Date.now()
    await Effect.runPromise(Scope.close(scope, Exit.void))
    assert.isBelow(Date.now() - started, 5000)
    tail.close()
  })
})
