/**
 * The connections of one control listener, so that no client can hold the daemon: a Node HTTP
 * server created here times out slow and silent clients on its own, remembers every socket it
 * accepted and which request each one is being answered for, and can stop listening and then
 * close every connection with a bounded wait.
 *
 * Why: Node's `server.close()` stops the connection-timeout checks and then waits for every
 * connection to end by itself — one client that connects and sends nothing (or half a
 * request) would keep the server, and so the daemon, open for ever. supervisord exits at once
 * whatever its clients do.
 *
 * Invariants:
 * - a client that half-closes after a complete request is answered, then closed;
 * - a connection that has not sent complete headers within `headersTimeout`, or a complete
 *   request within `requestTimeout`, is answered 408 and closed (Node's own checks), so a
 *   slowloris holds a descriptor for a bounded time and others are answered meanwhile;
 * - `close` cuts at once every connection that is not in the middle of answering a complete
 *   request; those get `closeGrace` to finish and are then cut too. It returns once every
 *   connection is gone.
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as HttpTypes from "node:http"
import type * as Net from "node:net"

// As in rpc/Client.ts: not `import * as Http from "node:http"`, whose ESM facade reads every export
// and so loads Node's bundled undici through the lazy WebSocket/CloseEvent/MessageEvent getters
// (measured: 2.3 MiB of heap and 13 MiB of RSS in the daemon, which never uses them).
const Http = process.getBuiltinModule("node:http")

/** How long clients may take, and how long an answer in progress gets when the listener closes. */
export interface ConnectionLimits {
  /** From a connection's first byte (or its accept) to the end of the request headers. */
  readonly headersTimeout: Duration.Duration
  /** From a connection's first byte (or its accept) to the end of the request body. */
  readonly requestTimeout: Duration.Duration
  /** How long an answer in progress may still take once the listener closes. */
  readonly closeGrace: Duration.Duration
}

/**
 * The defaults: headers within 10 s, the whole request (bodies are at most 16 MiB) within 60 s,
 * answers in progress finish within 1 s of closing. supervisorctl sends a request in one write.
 */
export const defaultConnectionLimits: ConnectionLimits = {
  headersTimeout: Duration.seconds(10),
  requestTimeout: Duration.seconds(60),
  closeGrace: Duration.seconds(1)
}

/** A listener's HTTP server together with the handles to wind it down. */
export interface TrackedServer {
  /** The Node server, to be given to `NodeHttpServer.make`. */
  readonly server: HttpTypes.Server
  /** Stop listening (new connections are refused; open ones are still answered). Idempotent. */
  readonly stopAccepting: Effect.Effect<void>
  /** Stop listening and close every connection (see the module invariants); returns when all are gone. */
  readonly close: Effect.Effect<void>
}

/** A Node HTTP server with `limits` applied, whose connections are tracked. */
export const makeTrackedServer = (limits: ConnectionLimits): TrackedServer => {
  const headersMillis = Duration.toMillis(limits.headersTimeout)
  const server = Http.createServer({
    headersTimeout: headersMillis,
    requestTimeout: Math.max(headersMillis, Duration.toMillis(limits.requestTimeout)),
    // how often Node looks for connections past those timeouts (its default is 30 s): half the
    // headers timeout, so a silent client is closed within 1.5 × it. The check wakes an idle
    // daemon each time, so not more often than every 5 s (every 1 s had tripled idle CPU)
    connectionsCheckingInterval: Math.max(250, Math.min(5000, headersMillis / 2))
  })
  // A client that sends its request and then half-closes (`nc`, `socat`) still gets the answer,
  // as from supervisord; by default Node drops every request in progress at the client's FIN.
  // (`httpAllowHalfOpen` is the http.Server's own switch, untyped in @types/node.)
  ;(server as HttpTypes.Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true
  const open = new Set<Net.Socket>()
  // the request each connection is being answered for, until its response closes
  const answering = new Map<Net.Socket, HttpTypes.IncomingMessage>()
  let onDrained: (() => void) | undefined

  server.on("connection", (socket: Net.Socket) => {
    open.add(socket)
    socket.once("close", () => {
      open.delete(socket)
      answering.delete(socket)
      if (open.size === 0) onDrained?.()
    })
  })
  const onRequest = (request: HttpTypes.IncomingMessage, response: HttpTypes.ServerResponse) => {
    const socket = request.socket as Net.Socket
    answering.set(socket, request)
    response.once("close", () => {
      if (answering.get(socket) === request) answering.delete(socket)
    })
  }
  server.on("request", onRequest)
  server.on("checkContinue", onRequest)

  const drained = Effect.callback<void>((resume) => {
    if (open.size === 0) return resume(Effect.void)
    onDrained = () => resume(Effect.void)
    return Effect.sync(() => (onDrained = undefined))
  })

  const stopAccepting = Effect.sync(() => {
    if (server.listening) server.close()
  })

  const close = Effect.gen(function*() {
    yield* stopAccepting
    for (const socket of open) if (answering.get(socket)?.complete !== true) socket.destroy()
    yield* Effect.timeoutOption(drained, limits.closeGrace)
    for (const socket of open) socket.destroy()
    yield* drained
  })

  return { server, stopAccepting, close }
}
