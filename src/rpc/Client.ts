/**
 * The XML-RPC client `effsup ctl` talks to a running supervisor with (effsup or a real supervisord):
 * `POST /RPC2` over `unix:///path` or `http://host:port`, Basic auth when both a username and a
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
import { decodeMethodResponse, encodeMethodCall, type XmlRpcValue } from "./XmlRpc.ts"

// Not `import * as Net from "node:net"`: an ESM import of a built-in builds its ESM facade, which reads every export.
const Net = process.getBuiltinModule("node:net")

/** Where and how to reach the server (the `[supervisorctl]` options). */
export interface ServerOptions {
  readonly serverurl: string
  readonly username?: string | undefined
  readonly password?: string | undefined
}

/** A parsed server URL: a unix socket path, or the `http://host:port` base. */
export type ServerAddress =
  | { readonly _tag: "Unix"; readonly socketPath: string }
  | { readonly _tag: "Http"; readonly base: string }

/** The fault a server answered with: supervisord's `faultCode` and `faultString`, verbatim. */
export class RpcFault extends Data.TaggedError("RpcFault")<{
  readonly faultCode: number
  readonly faultString: string
}> {
  override get message(): string {
    return `<Fault ${this.faultCode}: '${this.faultString}'>`
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
  | "Network"

/** A request that got no XML-RPC answer; `reason` tells ECONNREFUSED, ENOENT and 401 apart. */
export class RpcTransportError extends Data.TaggedError("RpcTransportError")<{
  readonly reason: TransportReason
  readonly serverurl: string
  readonly status?: number | undefined
  readonly detail: string
}> {
  override get message(): string {
    return `${this.serverurl}: ${this.detail}`
  }
}

/**
 * Parse `unix:///path` or `http://host[:port][/...]` (supervisorctl accepts only these two schemes).
 * Gotchas: the path of a unix URL is everything after `unix://`; an http URL keeps only host and port.
 */
export const parseServerUrl = (serverurl: string): ServerAddress | undefined => {
  if (serverurl.startsWith("unix://")) {
    const socketPath = serverurl.slice("unix://".length)
    return socketPath === "" ? undefined : { _tag: "Unix", socketPath }
  }
  if (!serverurl.startsWith("http://")) return undefined
  try {
    const url = new URL(serverurl)
    return url.host === "" ? undefined : { _tag: "Http", base: `http://${url.host}` }
  } catch {
    return undefined
  }
}

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

const describe = (cause: unknown): string => cause instanceof Error ? cause.message : String(cause)

/** Where one request's answer goes: its body as it arrives, then its end, or why there is none. */
interface Receiver {
  readonly body: (bytes: Uint8Array) => void
  readonly end: () => void
  readonly fail: (error: RpcTransportError) => void
}

const make = (options: ServerOptions, address: ServerAddress | undefined) => {
  const { serverurl } = options
  const transport = (reason: TransportReason, detail: string, status?: number) =>
    new RpcTransportError({ reason, serverurl, status, detail })
  const authorization = options.username !== undefined && options.password !== undefined
    ? `authorization: Basic ${Buffer.from(`${options.username}:${options.password}`).toString("base64")}\r\n`
    : ""
  const target = address?._tag === "Http"
    ? (() => {
      const url = new URL(address.base)
      return { connect: { host: url.hostname, port: url.port === "" ? 80 : Number(url.port) }, host: url.host }
    })()
    : { connect: { path: address?.socketPath ?? "" }, host: "localhost" }

  /**
   * Send one request on a connection of its own and give its answer to `receiver`: the body of a
   * 200, else the status as an error. Returns what abandons the request (and closes the connection).
   */
  const send = (method: "GET" | "POST", path: string, body: string | undefined, receiver: Receiver): () => void => {
    if (address === undefined) {
      receiver.fail(transport("BadUrl", "url must be http:// or unix://"))
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
      head: (status) => {
        answered = true
        if (status !== 200) fail(transport(status === 401 ? "Unauthorized" : "HttpStatus", `${path}: ${status}`, status))
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
    socket.on("error", (cause) => fail(answered ? transport("Network", "aborted") : transport(errnoReason(cause), describe(cause))))
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
