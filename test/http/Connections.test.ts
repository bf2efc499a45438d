/**
 * The control servers' connection handling on real sockets (unix and inet): releasing the
 * servers never waits on a client that sends nothing or half a request, gives an answer in
 * progress a bounded grace, stopAccepting refuses new clients while open ones are answered, and
 * the header and request timeouts close silent clients (each connection's own deadline: an idle
 * daemon keeps no timer for them), and a kept-alive connection may idle between requests.
 */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import * as Http from "node:http"
import { type ConnectionLimits, defaultConnectionLimits, makeTrackedServer } from "../../src/http/Connections.ts"
import { encodeMethodCall } from "../../src/rpc/XmlRpc.ts"
import type { SupervisorShape } from "../../src/supervisor/Supervisor.ts"
import { connect, startServers } from "../support/ControlServers.ts"

const rpcRequest = (method: string) => {
  const body = encodeMethodCall({ methodName: method, params: [] })
  return `POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
}

const servers = (limits: Partial<ConnectionLimits>, overrides: Partial<SupervisorShape> = {}) =>
  startServers({ limits, fake: { overrides } })

const long = Duration.seconds(30)

describe("http/Server connections", () => {
  it("release closes silent, half-sent and unfinished connections at once", async () => {
    const s = await servers({ closeGrace: long, headersTimeout: long, requestTimeout: long })
    const clients = s.targets.flatMap((t) => [
      connect(t),
      ...Array.from({ length: 10 }, () => connect(t, "POST /RPC2 HTTP/1.1\r\nHost: x\r\n")),
      connect(t, "POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n<methodCall>")
    ])
    await Promise.all(clients.map((c) => c.connected))
    await new Promise((r) => setTimeout(r, 100))
    const took = await s.release()
    assert.isBelow(took, 1000)
    await Promise.all(clients.map((c) => c.closed))
  })

  it("an answer in progress gets the grace, then is cut; one that finishes in time is delivered", async () => {
    const s = await servers(
      { closeGrace: Duration.millis(400) },
      {
        startAll: () => Effect.never,
        stopAll: () => Effect.as(Effect.sleep("150 millis"), [])
      }
    )
    const [unix, inet] = s.targets
    const hung = connect(unix!, rpcRequest("supervisor.startAllProcesses"))
    const slow = connect(inet!, rpcRequest("supervisor.stopAllProcesses"))
    await Promise.all([hung.connected, slow.connected])
    await new Promise((r) => setTimeout(r, 50))
    const took = await s.release()
    assert.isAtLeast(took, 350)
    assert.isBelow(took, 2000)
    await Promise.all([hung.closed, slow.closed])
    assert.match(slow.received(), /^HTTP\/1\.1 200 OK/)
    assert.include(slow.received(), "<array><data>")
    assert.notMatch(hung.received(), /200 OK/)
  })

  it("stopAccepting refuses new connections and still answers the requests in progress", async () => {
    const s = await servers({}, { stopAll: () => Effect.as(Effect.sleep("300 millis"), []) })
    const inProgress = s.targets.map((target) => connect(target, rpcRequest("supervisor.stopAllProcesses")))
    await Promise.all(inProgress.map((c) => c.connected))
    await new Promise((r) => setTimeout(r, 50))
    await s.stopAccepting()
    for (const target of s.targets) {
      const late = connect(target, rpcRequest("supervisor.getPID"))
      await late.closed
      assert.strictEqual(late.received(), "")
    }
    for (const c of inProgress) {
      for (let i = 0; i < 40 && !c.received().includes("</methodResponse>"); i++) await new Promise((r) => setTimeout(r, 25))
      assert.match(c.received(), /^HTTP\/1\.1 200 OK/)
    }
    assert.isBelow(await s.release(), 1000)
    await Promise.all(inProgress.map((c) => c.closed))
  })

  it("answers a client that half-closes after its request (nc, socat), as supervisord does", async () => {
    // the fake answers getAllProcessInfo at once, startProcess only after a moment
    const s = await servers({}, { startProcess: () => Effect.sleep("100 millis") })
    for (const target of s.targets) {
      for (const method of ["supervisor.getAllProcessInfo", "supervisor.startProcess"]) {
        const body = encodeMethodCall({ methodName: method, params: method.endsWith("startProcess") ? ["cat"] : [] })
        const client = connect(target)
        client.socket.end(`POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`)
        await client.closed
        assert.match(client.received(), /^HTTP\/1\.1 200 OK[\s\S]*<\/methodResponse>\n$/)
      }
    }
    await s.release()
  })

  it("closes a client that sends no complete headers in time with 408, and answers others meanwhile", async () => {
    const s = await servers({ headersTimeout: Duration.millis(500), requestTimeout: Duration.millis(1000) })
    for (const target of s.targets) {
      const started = Date.now()
      const silent = connect(target)
      const trickle = connect(target, "GET /ok.html HTTP/1.1\r\n")
      const dribble = setInterval(() => trickle.socket.write("X-A: b\r\n"), 100)
      const ok = await new Promise<number>((resolve) =>
        Http.get({ ...("port" in target ? { port: target.port, host: "127.0.0.1" } : { socketPath: target.path }), path: "/ok.html" }, (res) => {
          res.resume()
          resolve(res.statusCode!)
        }))
      assert.strictEqual(ok, 200)
      await Promise.all([silent.closed, trickle.closed])
      clearInterval(dribble)
      assert.isBelow(Date.now() - started, 3000)
      assert.match(silent.received(), /^HTTP\/1\.1 408/)
      assert.match(trickle.received(), /^HTTP\/1\.1 408/)
    }
    await s.release()
  })

  it("spares a complete request whose answer takes longer than the request timeout", async () => {
    const s = await servers(
      { headersTimeout: Duration.millis(200), requestTimeout: Duration.millis(300) },
      { stopAll: () => Effect.as(Effect.sleep("700 millis"), []) }
    )
    for (const target of s.targets) {
      const slow = connect(target, rpcRequest("supervisor.stopAllProcesses").replace("Host: x\r\n", "Host: x\r\nConnection: close\r\n"))
      await slow.closed
      assert.match(slow.received(), /^HTTP\/1\.1 200 OK/)
      assert.match(slow.received(), /<array><data>[\s\S]*<\/methodResponse>\n$/)
    }
    await s.release()
  })

  const keepAlive = (method: string) => rpcRequest(method).replace("Host: x\r\n", "Host: x\r\nConnection: keep-alive\r\n")
  const answers = (text: string) => [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]))

  it("times out a kept-alive connection's next request that does not come in time, from its first byte", async () => {
    const s = await servers({ headersTimeout: Duration.millis(400), requestTimeout: Duration.millis(800) })
    for (const target of s.targets) {
      const client = connect(target, keepAlive("supervisor.getState"))
      // idle past both timeouts: nothing is due before the next request begins
      await new Promise((r) => setTimeout(r, 1000))
      assert.deepStrictEqual(answers(client.received()), [200])
      const begun = Date.now()
      client.socket.write("GET /ok.html HTTP/1.1\r\n")
      await client.closed
      assert.isAtLeast(Date.now() - begun, 300)
      assert.isBelow(Date.now() - begun, 2000)
      assert.match(client.received(), /HTTP\/1\.1 408 Request Timeout\r\nConnection: close\r\n\r\n$/)
    }
    await s.release()
  })

  it("keeps an idle kept-alive connection open and answers on it, as supervisord does, with no Keep-Alive timeout", async () => {
    const s = await servers({ headersTimeout: Duration.millis(200), requestTimeout: Duration.millis(300) })
    for (const target of s.targets) {
      const client = connect(target, keepAlive("supervisor.getState"))
      await new Promise((r) => setTimeout(r, 900))
      client.socket.write(keepAlive("supervisor.getPID"))
      for (let i = 0; i < 80 && answers(client.received()).length < 2; i++) await new Promise((r) => setTimeout(r, 25))
      assert.deepStrictEqual(answers(client.received()), [200, 200])
      assert.notMatch(client.received(), /keep-alive: timeout/i)
      assert.isFalse(client.socket.destroyed)
      client.socket.destroy()
    }
    await s.release()
  })

  it("closes a kept-alive connection idle for idleTimeout without a word", async () => {
    const s = await servers({ idleTimeout: Duration.millis(300) })
    for (const target of s.targets) {
      const client = connect(target, keepAlive("supervisor.getState"))
      const started = Date.now()
      await client.closed
      assert.isAtLeast(Date.now() - started, 250)
      assert.isBelow(Date.now() - started, 3000)
      assert.deepStrictEqual(answers(client.received()), [200])
    }
    await s.release()
  })

  it("keeps no periodic check: an idle daemon is not woken for clients it does not have", () => {
    // Node's own check would run every connectionsCheckingInterval whether or not a client is connected
    const { server } = makeTrackedServer(defaultConnectionLimits)
    assert.isAtLeast((server as typeof server & { readonly connectionsCheckingInterval: number }).connectionsCheckingInterval, 2 ** 31 - 1)
  })
})
