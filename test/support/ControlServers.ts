/**
 * The control servers on real sockets for transport tests: a unix socket and an inet port on
 * 127.0.0.1, over a FakeSupervisor, built into a scope of their own; and a raw-socket client
 * that shows exactly what a server sends (status lines, 408s, closes).
 * @since 0.1.0
 */
import { Context, Effect, Exit, Layer, Logger, Scope } from "effect"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import type { InetServerConfig, UnixServerConfig } from "../../src/config/Types.ts"
import { type ConnectionLimits, defaultConnectionLimits } from "../../src/http/Connections.ts"
import { ControlServers, layer } from "../../src/http/Server.ts"
import { type FakeOptions, makeFakeSupervisor } from "./FakeSupervisor.ts"
import { freePort } from "./FreePort.ts"

/** Where a raw client connects. */
export type Target = { readonly path: string } | { readonly port: number }


/** A raw connection that sent `send`: what it received, when it connected and when it closed. */
export const connect = (target: Target, send: string | Buffer = "") => {
  const socket = "port" in target ? Net.connect(target.port, "127.0.0.1") : Net.connect(target.path)
  const chunks: Array<Buffer> = []
  socket.on("data", (d: Buffer) => chunks.push(d))
  socket.on("error", () => {})
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()))
  const connected = new Promise<void>((resolve) => socket.once("connect", () => resolve()))
  if (send.length > 0) socket.write(send)
  return { socket, closed, connected, received: () => Buffer.concat(chunks).toString("utf8") }
}

/** Options of `startServers`. */
export interface ServersOptions {
  readonly limits?: Partial<ConnectionLimits>
  readonly fake?: FakeOptions
  readonly unix?: Partial<UnixServerConfig>
  readonly inet?: Partial<InetServerConfig>
}

/** A unix-socket server and an inet server over a FakeSupervisor; `logs` collects what they log. */
export const startServers = async (options: ServersOptions = {}) => {
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "effsup-servers-"))
  const file = Path.join(dir, "s.sock")
  const port = await freePort()
  const logs: Array<string> = []
  const capture = Logger.layer([Logger.make(({ logLevel, message }) => {
    logs.push(`${logLevel} ${(Array.isArray(message) ? message : [message]).join(" ")}`)
  })])
  const scope = await Effect.runPromise(Scope.make())
  const fake = makeFakeSupervisor(options.fake)
  const context = await Effect.runPromise(
    Layer.buildWithScope(
      layer(
        {
          unixHttpServer: { file, chmod: 0o700, chown: undefined, username: undefined, password: undefined, ...options.unix },
          inetHttpServers: [{ section: "inet_http_server", host: "127.0.0.1", port, username: undefined, password: undefined, ...options.inet }]
        },
        { ...defaultConnectionLimits, ...options.limits }
      ),
      scope
    ).pipe(Effect.provide(Layer.merge(fake.layer, capture)))
  )
  const targets: readonly [Target, Target] = [{ path: file }, { port }]
  return {
    dir,
    fake,
    logs,
    targets,
    stopAccepting: () => Effect.runPromise(Context.get(context, ControlServers).stopAccepting),
    /** Release the servers; resolves with the milliseconds it took. */
    release: async () => {
      const started = Date.now()
      await Effect.runPromise(Scope.close(scope, Exit.void))
      Fs.rmSync(dir, { recursive: true, force: true })
      return Date.now() - started
    }
  }
}
