/**
 * rpc/Client against a tiny in-process HTTP server on a unix socket: results, faults, Basic auth,
 * and the transport reasons (ENOENT, ECONNREFUSED, 401, other status) supervisorctl tells apart.
 * @since 0.1.0
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { createServer, type Server } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { parseServerUrl, RpcClient } from "../../src/rpc/Client.ts"
import { encodeFault, encodeResponse } from "../../src/rpc/XmlRpc.ts"

const withServer = <A>(f: (url: string, seen: Array<string>) => Promise<A>): Promise<A> => {
  const dir = mkdtempSync(join(tmpdir(), "effsup-client-"))
  const sock = join(dir, "s.sock")
  const seen: Array<string> = []
  const server: Server = createServer((req, res) => {
    let body = ""
    req.on("data", (c) => (body += c))
    req.on("end", () => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? "-"}`)
      if (req.url === "/logtail/x/stdout") return res.end("line 1\nline 2\n")
      if (req.url === "/logtail/c/stdout") return res.write("chunked ", () => res.end("body\n")) // no length: chunked
      if (req.url === "/hangup") return req.socket.destroy()
      if (req.url === "/cut") return res.writeHead(200, { "content-length": 100 }).write("part", () => req.socket.destroy())
      if (req.url === "/RPC2" && body.includes("secret")) return res.writeHead(401).end()
      if (req.url !== "/RPC2") return res.writeHead(404).end()
      res.setHeader("content-type", "text/xml")
      res.end(body.includes("bad") ? encodeFault({ faultCode: 10, faultString: "BAD_NAME: bad" }) : encodeResponse("3.0"))
    })
  })
  return new Promise<void>((r) => server.listen(sock, r))
    .then(() => f(`unix://${sock}`, seen))
    .finally(() => {
      server.close()
      rmSync(dir, { recursive: true, force: true })
    })
}

const run = <A, E>(url: string, eff: Effect.Effect<A, E, RpcClient>, auth?: { username: string; password: string }) =>
  Effect.runPromise(eff.pipe(Effect.provide(RpcClient.layer({ serverurl: url, ...auth }))))

describe("RpcClient", () => {
  it("parses server URLs", () => {
    expect(parseServerUrl("unix:///tmp/s.sock")).toEqual({ _tag: "Unix", socketPath: "/tmp/s.sock" })
    expect(parseServerUrl("http://localhost:9001/RPC2")).toEqual({ _tag: "Http", host: "localhost", port: 9001 })
    expect(parseServerUrl("foo://x")).toEqual({ _tag: "Invalid", message: "Unknown protocol for serverurl foo://x" })
  })

  it("reads an http URL as Python's urllib.parse does (supervisorctl's transport)", () => {
    expect(parseServerUrl("http://[::1]:9001")).toEqual({ _tag: "Http", host: "::1", port: 9001 })
    expect(parseServerUrl("http://u:p@LocalHost?x:1")).toEqual({ _tag: "Http", host: "localhost", port: 80 })
    expect(parseServerUrl("http://127.0.0.1:")).toEqual({ _tag: "Http", host: "127.0.0.1", port: 80 })
    expect(parseServerUrl("http://127.0.0.1:abc")).toEqual({ _tag: "Invalid", message: "Port could not be cast to integer value as 'abc'" })
    expect(parseServerUrl("http://127.0.0.1:-1")).toEqual({ _tag: "Invalid", message: "Port could not be cast to integer value as '-1'" })
    expect(parseServerUrl("http://127.0.0.1:65536")).toEqual({ _tag: "Invalid", message: "Port out of range 0-65535" })
    expect(parseServerUrl("http://[::1:9001")).toEqual({ _tag: "Invalid", message: "Invalid IPv6 URL" })
    expect(parseServerUrl("http://:9001")).toEqual({ _tag: "NoHost" })
    expect(parseServerUrl("unix://")).toEqual({ _tag: "Unix", socketPath: "" })
  })

  it("returns values and faults, sends Basic auth only with both user and password", () =>
    withServer(async (url, seen) => {
      expect(await run(url, RpcClient.use((c) => c.call("supervisor.getVersion")))).toBe("3.0")
      const fault = await run(url, Effect.flip(RpcClient.use((c) => c.call("supervisor.getProcessInfo", ["bad"]))))
      expect(fault).toMatchObject({ _tag: "RpcFault", faultCode: 10, faultString: "BAD_NAME: bad" })
      await run(url, RpcClient.use((c) => c.call("supervisor.getVersion")), { username: "u", password: "p" })
      expect(seen.at(-1)).toBe(`POST /RPC2 Basic ${Buffer.from("u:p").toString("base64")}`)
      const unauthorized = await run(url, Effect.flip(RpcClient.use((c) => c.call("secret"))))
      expect(unauthorized).toMatchObject({ _tag: "RpcTransportError", reason: "Unauthorized", status: 401, statusText: "Unauthorized" })
    }))

  it("streams a GET body and fails a 404 with its status", () =>
    withServer(async (url) => {
      const text = await run(url, RpcClient.use((c) => c.stream("/logtail/x/stdout").pipe(Stream.decodeText(), Stream.mkString)))
      expect(text).toBe("line 1\nline 2\n")
      const chunked = await run(url, RpcClient.use((c) => c.stream("/logtail/c/stdout").pipe(Stream.decodeText(), Stream.mkString)))
      expect(chunked).toBe("chunked body\n")
      const hangup = await run(url, Effect.flip(RpcClient.use((c) => Stream.runDrain(c.stream("/hangup")))))
      expect(hangup).toMatchObject({ reason: "Network", detail: "socket hang up" })
      const cut = await run(url, Effect.flip(RpcClient.use((c) => Stream.runDrain(c.stream("/cut")))))
      expect(cut).toMatchObject({ reason: "Network", detail: "aborted" })
      const missing = await run(url, Effect.flip(RpcClient.use((c) => Stream.runDrain(c.stream("/logtail/y/stdout")))))
      expect(missing).toMatchObject({ reason: "HttpStatus", status: 404, statusText: "Not Found" })
    }))

  it("tells a missing socket (ENOENT) from a refused connection", async () => {
    const enoent = await run("unix:///nonexistent/dir/s.sock", Effect.flip(RpcClient.use((c) => c.call("x"))))
    expect(enoent).toMatchObject({ reason: "NoSuchFile" })
    const refused = await run("http://127.0.0.1:1", Effect.flip(RpcClient.use((c) => c.call("x"))))
    expect(refused).toMatchObject({ reason: "ConnectionRefused" })
    const bad = await run("foo://x", Effect.flip(RpcClient.use((c) => c.call("x"))))
    expect(bad).toMatchObject({ reason: "BadUrl" })
    // an empty socket path: Python's connect("") fails with EINVAL
    const empty = await run("unix://", Effect.flip(RpcClient.use((c) => c.call("x"))))
    expect(empty).toMatchObject({ reason: "Network", code: "EINVAL", errno: 22 })
  })
})
