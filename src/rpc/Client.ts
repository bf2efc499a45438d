/**
 * The XML-RPC client `effsup ctl` talks to a running supervisor with (effsup or a real supervisord):
 * `POST /RPC2` over `unix:///path` or `http://host:port` (read as supervisorctl's Python reads it,
 * see `parseServerUrl`), Basic auth when both a username and a
 * password are set, plus the streaming `GET /logtail/...` and `/mainlogtail` that `tail -f`,
 * `maintail -f` and `fg` follow.
 *
 * Invariants: a call fails with exactly one of two errors. `RpcFault` is the server's answer
 * (`faultCode`, `faultString`, verbatim); `RpcTransportError` is everything else, and its
 * `reason` separates what supervisorctl reports differently: `ConnectionRefused` (ECONNREFUSED),
 * `NoSuchFile` (ENOENT: the socket file is missing), `Unauthorized` (HTTP 401), any other
 * HTTP status, an unparseable response, and other network errors.
 * The client holds no state: each request has a connection of its own, closed once its response
 * has been read (or the request abandoned).
 * See shared/reference/supervisord-4.2.5.md §5.1, §5.7, §6.3.
 * @since 0.1.0
 */
// node:net on purpose, neither effect/http (loading its HTTP client stack costs ~200 ms and ~45 MiB
// on every `effsup ctl` start) nor node:http (loading it and its agent, and a request's trip through
// them, cost ~7 ms of every `effsup ctl status`): the client needs two request shapes only, and
// HttpResponse.ts reads the answers.
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import * as Result from "effect/Result"
import * as Stream from "effect/Stream"
import { makeResponseReader } from "./HttpResponse.ts"
import { strRepr } from "../domain/PyRepr.ts"
import { decodeMethodResponse, encodeMethodCall, type XmlRpcValue } from "./XmlRpc.ts"

// Not `import * as Net from "node:net"`: an ESM import of a built-in builds its ESM facade, which reads every export.
const Net = process.getBuiltinModule("node:net")

/** Where and how to reach the server (the `[supervisorctl]` options). */
export interface ServerOptions {
  readonly serverurl: string
  readonly username?: string | undefined
  readonly password?: string | undefined
}

/**
 * A parsed server URL: a unix socket path, the host and port of an http URL, or why the URL names
 * no server (`Invalid`: supervisorctl's ValueError text, or `NoHost` for an empty host).
 */
export type ServerAddress =
  | { readonly _tag: "Unix"; readonly socketPath: string }
  | { readonly _tag: "Http"; readonly host: string; readonly port: number }
  | { readonly _tag: "Invalid"; readonly message: string }
  | { readonly _tag: "NoHost" }

/** The fault a server answered with: supervisord's `faultCode` and `faultString`, verbatim. */
export class RpcFault extends Data.TaggedError("RpcFault")<{
  readonly faultCode: number
  readonly faultString: string
}> {
  /** Python's `repr` of the fault (what supervisorctl prints): the string quoted as `repr` quotes it. */
  override get message(): string {
    return `<Fault ${this.faultCode}: ${strRepr(this.faultString)}>`
  }
}

/** Why a request got no XML-RPC answer. */
export type TransportReason =
  | "ConnectionRefused"
  | "NoSuchFile"
  | "Unauthorized"
  | "HttpStatus"
  | "BadResponse"
  | "BadUrl"
  | "NoHost"
  | "Network"

/** A request that got no XML-RPC answer; `reason` tells ECONNREFUSED, ENOENT and 401 apart. */
export class RpcTransportError extends Data.TaggedError("RpcTransportError")<{
  readonly reason: TransportReason
  readonly serverurl: string
  readonly status?: number | undefined
  /** The phrase of the answer's status line (`Internal Server Error`), when there was an answer. */
  readonly statusText?: string | undefined
  readonly detail: string
  /** The system error's code (`ECONNRESET`; `ENOTFOUND` when the host has no address), when a system call failed. */
  readonly code?: string | undefined
  /** Its errno number (positive: 104 for ECONNRESET), when Node gave one. */
  readonly errno?: number | undefined
}> {
  override get message(): string {
    return `${this.serverurl}: ${this.detail}`
  }
}

/**
 * Parse `unix:///path` or `http://host[:port][/...]` (supervisorctl accepts only these two schemes).
 * An http URL is read as Python's `urllib.parse` reads it (supervisorctl's transport): the netloc
 * ends at the first `/`, `?` or `#`; user info before the last `@` is ignored; a `[...]` host is an
 * IPv6 literal (without its brackets); the host is lowercased; no port or an empty one is 80.
 * Gotchas: the path of a unix URL is everything after `unix://` (an empty one fails to connect with
 * EINVAL, as Python's `connect("")`; supervisorctl's option check refuses it first, `open` does not);
 * a port that is not ASCII digits, or above 65535, is Python's ValueError, and an empty host its
 * TypeError, both met only when a request is made.
 */
export const parseServerUrl = (serverurl: string): ServerAddress => {
  if (serverurl.startsWith("unix://")) return { _tag: "Unix", socketPath: serverurl.slice("unix://".length) }
  if (!serverurl.startsWith("http://")) return unknownProtocol(serverurl)
  const netloc = /^[^/?#]*/.exec(serverurl.slice("http://".length))![0]
  if (netloc.includes("[") !== netloc.includes("]")) return { _tag: "Invalid", message: "Invalid IPv6 URL" }
  const hostinfo = netloc.slice(netloc.lastIndexOf("@") + 1)
  const open = hostinfo.indexOf("[")
  const [hostname, port] = open >= 0
    ? (() => {
      const bracketed = hostinfo.slice(open + 1)
      const close = bracketed.indexOf("]")
      const rest = bracketed.slice(close + 1)
      return [bracketed.slice(0, close), rest.includes(":") ? rest.slice(rest.indexOf(":") + 1) : ""]
    })()
    : hostinfo.includes(":")
    ? [hostinfo.slice(0, hostinfo.indexOf(":")), hostinfo.slice(hostinfo.indexOf(":") + 1)]
    : [hostinfo, ""]
  if (port !== "" && !/^[0-9]+$/.test(port)) {
    return { _tag: "Invalid", message: `Port could not be cast to integer value as ${strRepr(port)}` }
  }
  const number = port === "" ? 80 : Number(port)
  if (number > 65535) return { _tag: "Invalid", message: "Port out of range 0-65535" }
  if (hostname === "") return { _tag: "NoHost" }
  return { _tag: "Http", host: hostname.toLowerCase(), port: number }
}

const unknownProtocol = (serverurl: string): ServerAddress => ({
  _tag: "Invalid",
  message: `Unknown protocol for serverurl ${serverurl}`
})

/** The XML-RPC client service. */
export class RpcClient extends Context.Service<RpcClient, {
  /** The server URL as given (supervisorctl prints it in its connection errors). */
  readonly serverurl: string
  /** Call `method` with `params`; the result value, or the server's fault. */
  readonly call: (
    method: string,
    params?: ReadonlyArray<XmlRpcValue>
  ) => Effect.Effect<XmlRpcValue, RpcFault | RpcTransportError>
  /**
   * GET `path` (`/logtail/<name>/<channel>`, `/mainlogtail`) and stream the body until the server closes it.
   * A status other than 200 fails the stream with reason `HttpStatus` (or `Unauthorized`).
   */
  readonly stream: (path: string) => Stream.Stream<Uint8Array, RpcTransportError>
}>()("effsup/rpc/RpcClient") {
  /** A client for `options`. */
  static readonly layer = (options: ServerOptions): Layer.Layer<RpcClient> =>
    Layer.succeed(RpcClient, make(options, parseServerUrl(options.serverurl)))
}

const errnoReason = (cause: unknown): TransportReason => {
  const code = typeof cause === "object" && cause !== null ? (cause as { readonly code?: unknown }).code : undefined
  return code === "ECONNREFUSED" ? "ConnectionRefused" : code === "ENOENT" ? "NoSuchFile" : "Network"
}

/** The system error code (`ECONNRESET`, `ENOTFOUND`) and errno number of a Node socket error, when it has them. */
const systemError = (cause: unknown): { readonly code?: string; readonly errno?: number } => {
  const e = typeof cause === "object" && cause !== null ? cause as { readonly code?: unknown; readonly errno?: unknown } : {}
  return {
    ...(typeof e.code === "string" ? { code: e.code } : {}),
    ...(typeof e.errno === "number" ? { errno: Math.abs(e.errno) } : {})
  }
}

const describe = (cause: unknown): string => cause instanceof Error ? cause.message : String(cause)

/** Where one request's answer goes: its body as it arrives, then its end, or why there is none. */
interface Receiver {
  readonly body: (bytes: Uint8Array) => void
  readonly end: () => void
  readonly fail: (error: RpcTransportError) => void
}

const make = (options: ServerOptions, address: ServerAddress) => {
  const { serverurl } = options
  const transport = (reason: TransportReason, detail: string, status?: number, cause?: unknown, statusText?: string) =>
    new RpcTransportError({ reason, serverurl, status, statusText, detail, ...systemError(cause) })
  const authorization = options.username !== undefined && options.password !== undefined
    ? `authorization: Basic ${Buffer.from(`${options.username}:${options.password}`).toString("base64")}\r\n`
    : ""
  const target = address._tag === "Http"
    ? {
      connect: { host: address.host, port: address.port },
      host: `${address.host.includes(":") ? `[${address.host}]` : address.host}${address.port === 80 ? "" : `:${address.port}`}`
    }
    : { connect: { path: address._tag === "Unix" ? address.socketPath : "" }, host: "localhost" }

  /**
   * Send one request on a connection of its own and give its answer to `receiver`: the body of a
   * 200, else the status as an error. Returns what abandons the request (and closes the connection).
   */
  const send = (method: "GET" | "POST", path: string, body: string | undefined, receiver: Receiver): () => void => {
    if (address._tag === "Invalid" || address._tag === "NoHost") {
      receiver.fail(address._tag === "Invalid" ? transport("BadUrl", address.message) : transport("NoHost", "no host"))
      return () => undefined
    }
    if (address._tag === "Unix" && address.socketPath === "") {
      receiver.fail(transport("Network", "Invalid argument", undefined, { code: "EINVAL", errno: 22 }))
      return () => undefined
    }
    const socket = Net.connect(target.connect)
    let settled = false
    let answered = false // the status and headers have arrived
    const settle = (report: () => void) => {
      if (settled) return
      settled = true
      socket.destroy()
      report()
    }
    const fail = (error: RpcTransportError) => settle(() => receiver.fail(error))
    const reader = makeResponseReader({
      head: (status, reason) => {
        answered = true
        if (status !== 200) fail(transport(status === 401 ? "Unauthorized" : "HttpStatus", `${path}: ${status} ${reason}`, status, undefined, reason))
      },
      body: (bytes) => {
        if (!settled) receiver.body(bytes)
      },
      end: () => settle(receiver.end)
    })
    const check = (problem: string | undefined) => {
      if (problem !== undefined) fail(transport("Network", problem))
    }
    socket.on("data", (bytes: Buffer) => check(reader.push(bytes)))
    socket.on("end", () => check(reader.close()))
    // as from node:http: an error in the body (a reset) is "aborted"
    socket.on("error", (cause) => fail(answered ? transport("Network", "aborted") : transport(errnoReason(cause), describe(cause), undefined, cause)))
    // keep-alive as Node's keep-alive agent sent it: supervisord (medusa) never flushes a /logtail
    // stream to a "Connection: close" request
    const content = body === undefined ? "" : `content-type: text/xml\r\ncontent-length: ${Buffer.byteLength(body)}\r\n`
    socket.write(`${method} ${path} HTTP/1.1\r\nhost: ${target.host}\r\n${authorization}${content}Connection: keep-alive\r\n\r\n${body ?? ""}`)
    return () => settle(() => undefined)
  }

  const call = (method: string, params: ReadonlyArray<XmlRpcValue> = []) =>
    Effect.callback<string, RpcTransportError>((resume) => {
      const chunks: Array<Uint8Array> = []
      const abandon = send("POST", "/RPC2", encodeMethodCall({ methodName: method, params }), {
        body: (bytes) => chunks.push(bytes),
        end: () => resume(Effect.succeed(Buffer.concat(chunks).toString("utf8"))),
        fail: (error) => resume(Effect.fail(error))
      })
      return Effect.sync(abandon)
    }).pipe(
      Effect.flatMap((body): Effect.Effect<XmlRpcValue, RpcFault | RpcTransportError> => {
        const decoded = decodeMethodResponse(body)
        if (Result.isFailure(decoded)) return Effect.fail(transport("BadResponse", decoded.failure.message))
        const response = decoded.success
        return response._tag === "Success" ? Effect.succeed(response.value) : Effect.fail(new RpcFault(response.fault))
      })
    )

  const stream = (path: string): Stream.Stream<Uint8Array, RpcTransportError> =>
    Stream.callback<Uint8Array, RpcTransportError>((queue) =>
      Effect.acquireRelease(
        Effect.sync(() =>
          send("GET", path, undefined, {
            body: (bytes) => Queue.offerUnsafe(queue, bytes),
            end: () => Queue.endUnsafe(queue),
            fail: (error) => Queue.failCauseUnsafe(queue, Cause.fail(error))
          })
        ),
        (abandon) => Effect.sync(abandon) // stop following (Ctrl-C in tail -f)
      )
    )

  return RpcClient.of({ serverurl, call, stream })
}
