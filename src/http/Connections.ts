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
 * - an HTTP/1.1 request without a Host header is answered (supervisord does not require one);
 * - a connection that has not sent complete headers within `headersTimeout`, or a complete
 *   request within `requestTimeout`, is answered 408 (Node's answer) and closed, so a
 *   slowloris holds a descriptor for a bounded time and others are answered meanwhile; both are
 *   counted from the accept, and on a kept-alive connection from the first byte of its next request;
 * - a kept-alive connection may stay idle between requests for `idleTimeout` (supervisord keeps
 *   one for 30 minutes, medusa's zombie timeout), then it is closed without a word: clients that
 *   keep one connection (supervisor's `childutils.getRPCInterface`, used by event listeners such as
 *   superlance's memmon on every TICK_60) are answered on it as by supervisord;
 * - a daemon with no client connected has no timer for them (Node's periodic check, which woke an
 *   idle daemon every 5 s, is not used: each connection has its own deadline while it is open);
 * - `close` cuts at once every connection that is not in the middle of answering a complete
 *   request; those get `closeGrace` to finish and are then cut too. It returns once every
 *   connection is gone.
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as HttpTypes from "node:http"
import type * as Net from "node:net"

// Not `import * as Http from "node:http"`, whose ESM facade reads every export
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
  /** How long a kept-alive connection may wait, after an answer, for the first byte of its next request. */
  readonly idleTimeout: Duration.Duration
}

/**
 * The defaults: headers within 10 s, the whole request (bodies are at most 16 MiB) within 60 s,
 * answers in progress finish within 1 s of closing. supervisorctl sends a request in one write.
 */
export const defaultConnectionLimits: ConnectionLimits = {
  headersTimeout: Duration.seconds(10),
  requestTimeout: Duration.seconds(60),
  closeGrace: Duration.seconds(1),
  idleTimeout: Duration.minutes(30)
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

/** The longest delay a Node timer takes (about 24.8 days). */
const NEVER_MILLIS = 2 ** 31 - 1

/** A connection's deadline: once it passes (unless its request is complete by then), the connection is answered 408 and closed. */
interface Deadline {
  /**
   * Move the deadline to `millis` after the start: then a request that is `complete` is spared,
   * and one whose answer has `begun` is cut without a 408.
   */
  readonly extend: (millis: number, complete: () => boolean, begun: () => boolean) => void
  readonly cancel: () => void
}

/** What Node answers a request past its time, byte for byte. */
const REQUEST_TIMEOUT_ANSWER = "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n"

/** How long a client answered 408 has to read it and hang up before the connection is cut. */
const TIMEOUT_GRACE_MILLIS = 1000

/**
 * Answer 408 and close: the connection is no longer read, so a client still sending (a slowloris
 * dripping headers) gets no error for its writes and can read the answer, then it is cut.
 */
const timeOut = (socket: Net.Socket) => {
  socket.pause()
  socket.end(REQUEST_TIMEOUT_ANSWER)
  setTimeout(() => socket.destroy(), TIMEOUT_GRACE_MILLIS).unref()
}

/** A deadline `millis` from now for `socket`; its timer does not keep the daemon's loop alive. */
const startDeadline = (socket: Net.Socket, millis: number): Deadline => {
  const start = Date.now()
  let complete = () => false
  let begun = () => false
  const expire = () => {
    if (complete() || socket.destroyed) return
    if (begun()) socket.destroy()
    else timeOut(socket)
  }
  let timer = setTimeout(expire, millis).unref()
  return {
    extend: (total, isComplete, hasBegun) => {
      clearTimeout(timer)
      complete = isComplete
      begun = hasBegun
      timer = setTimeout(expire, Math.max(0, start + total - Date.now())).unref()
    },
    cancel: () => clearTimeout(timer)
  }
}

/** A Node HTTP server with `limits` applied, whose connections are tracked. */
export const makeTrackedServer = (limits: ConnectionLimits): TrackedServer => {
  const headersMillis = Duration.toMillis(limits.headersTimeout)
  const requestMillis = Math.max(headersMillis, Duration.toMillis(limits.requestTimeout))
  const server = Http.createServer({
    headersTimeout: headersMillis,
    requestTimeout: requestMillis,
    // Node looks for connections past those timeouts on an interval that runs whether or not a
    // client is connected; the deadlines below replace it, so it is set as far out as a timer goes
    connectionsCheckingInterval: NEVER_MILLIS,
    // Node closes a kept-alive connection idle for 5 s (and says so in a Keep-Alive header); the
    // idle wait below replaces it
    keepAliveTimeout: 0,
    // an HTTP/1.1 request without a Host header is answered, as by supervisord (Node refuses it
    // with 400 by default): a request typed or scripted for a unix socket often has none
    requireHostHeader: false
  })
  // A client that sends its request and then half-closes (`nc`, `socat`) still gets the answer,
  // as from supervisord; by default Node drops every request in progress at the client's FIN.
  // (`httpAllowHalfOpen` is the http.Server's own switch, untyped in @types/node.)
  ;(server as HttpTypes.Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true
  const open = new Set<Net.Socket>()
  // the request each connection is being answered for, until its response closes
  const answering = new Map<Net.Socket, HttpTypes.IncomingMessage>()
  let onDrained: (() => void) | undefined

  // each open connection's one deadline: for its headers, then for the rest of its request
  const deadlines = new Map<Net.Socket, Deadline>()
  // the kept-alive connections waiting for their next request, each with the function that ends the wait
  const idle = new Map<Net.Socket, () => void>()
  const idleMillis = Math.min(NEVER_MILLIS, Duration.toMillis(limits.idleTimeout))

  /** Wait for the next request: its first byte starts the headers' deadline; none in `idleTimeout` closes the connection. */
  const awaitNextRequest = (socket: Net.Socket) => {
    const onBytes = () => {
      stop()
      deadlines.set(socket, startDeadline(socket, headersMillis))
    }
    const timer = setTimeout(() => {
      stop()
      socket.destroy()
    }, idleMillis).unref()
    const stop = () => {
      clearTimeout(timer)
      socket.off("data", onBytes)
      idle.delete(socket)
    }
    socket.on("data", onBytes)
    idle.set(socket, stop)
  }

  server.on("connection", (socket: Net.Socket) => {
    open.add(socket)
    deadlines.set(socket, startDeadline(socket, headersMillis))
    socket.once("close", () => {
      open.delete(socket)
      answering.delete(socket)
      idle.get(socket)?.()
      deadlines.get(socket)?.cancel()
      deadlines.delete(socket)
      if (open.size === 0) onDrained?.()
    })
  })
  const onRequest = (request: HttpTypes.IncomingMessage, response: HttpTypes.ServerResponse) => {
    const socket = request.socket as Net.Socket
    answering.set(socket, request)
    // a request that came with the previous one (pipelined) was read before the wait began
    const waiting = idle.get(socket)
    if (waiting !== undefined) {
      waiting()
      deadlines.set(socket, startDeadline(socket, headersMillis))
    }
    // the headers are in: the whole request is due `requestTimeout` after the message started
    const deadline = deadlines.get(socket)
    deadline?.extend(requestMillis, () => request.complete, () => response.headersSent)
    response.once("close", () => {
      if (answering.get(socket) === request) answering.delete(socket)
      // kept alive: the next request's headers are due `headersTimeout` from its first byte
      if (deadlines.get(socket) === deadline && !socket.destroyed) {
        deadline?.cancel()
        deadlines.delete(socket)
        awaitNextRequest(socket)
      }
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
