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
 * The client holds no state besides the keep-alive HTTP agent of its layer; releasing the layer closes it.
 * See shared/reference/supervisord-4.2.5.md §5.1, §5.7, §6.3.
 * @since 0.1.0
 */
// node:http on purpose, not effect/http: loading the HTTP client stack costs ~200 ms and ~45 MiB on
// every `effsup ctl` start, and this client needs two requests shapes only.
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import * as Result from "effect/Result"
import * as Stream from "effect/Stream"
import type * as HttpTypes from "node:http"
import { decodeMethodResponse, encodeMethodCall, type XmlRpcValue } from "./XmlRpc.ts"

// Not `import * as Http from "node:http"`: an ESM import of a built-in builds its ESM facade, which
// reads every export, and node:http's lazy `WebSocket`/`CloseEvent`/`MessageEvent` getters then load Node's whole
// bundled undici (~35 ms on every `effsup ctl` start). The CommonJS object leaves them unread.
const Http = process.getBuiltinModule("node:http")

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
  /** A client for `options`; the keep-alive agent (TCP or unix socket) lives as long as the layer. */
  static readonly layer = (options: ServerOptions): Layer.Layer<RpcClient> =>
    Layer.effect(
      RpcClient,
      Effect.map(
        // keepAlive matters: supervisord (medusa) never flushes a /logtail stream to a "Connection: close" request.
        Effect.acquireRelease(Effect.sync(() => new Http.Agent({ keepAlive: true })), (agent) => Effect.sync(() => agent.destroy())),
        (agent) => make(options, parseServerUrl(options.serverurl), agent)
      )
    )
}

const errnoReason = (cause: unknown): TransportReason => {
  const code = typeof cause === "object" && cause !== null ? (cause as { readonly code?: unknown }).code : undefined
  return code === "ECONNREFUSED" ? "ConnectionRefused" : code === "ENOENT" ? "NoSuchFile" : "Network"
}

const describe = (cause: unknown): string => cause instanceof Error ? cause.message : String(cause)

const make = (options: ServerOptions, address: ServerAddress | undefined, agent: HttpTypes.Agent) => {
  const { serverurl } = options
  const transport = (reason: TransportReason, detail: string, status?: number) =>
    new RpcTransportError({ reason, serverurl, status, detail })
  const authorization = options.username !== undefined && options.password !== undefined
    ? { authorization: `Basic ${Buffer.from(`${options.username}:${options.password}`).toString("base64")}` }
    : {}
  // No TLS, so no SNI `servername`: left unset, the agent derives one for every request with net.isIP, whose
  // IPv6 regex V8 compiles on a fresh process's first calls (~5 ms of every `effsup ctl`).
  const target = address?._tag === "Http"
    ? (() => {
      const url = new URL(address.base)
      return { host: url.hostname, port: url.port === "" ? 80 : Number(url.port), servername: "", headerHost: url.host }
    })()
    : { socketPath: address?.socketPath ?? "", servername: "", headerHost: "localhost" }

  /** Send one request; succeeds with the response once its status is 200. */
  const send = (method: "GET" | "POST", path: string, body: string | undefined) =>
    Effect.callback<HttpTypes.IncomingMessage, RpcTransportError>((resume) => {
      if (address === undefined) {
        resume(Effect.fail(transport("BadUrl", "url must be http:// or unix://")))
        return
      }
      const { headerHost, ...where } = target
      const request = Http.request({
        ...where,
        agent,
        method,
        path,
        headers: {
          host: headerHost,
          ...authorization,
          ...(body === undefined ? {} : { "content-type": "text/xml", "content-length": Buffer.byteLength(body) })
        }
      }, (response) => {
        const status = response.statusCode ?? 0
        if (status === 200) return resume(Effect.succeed(response))
        response.resume()
        resume(Effect.fail(transport(status === 401 ? "Unauthorized" : "HttpStatus", `${path}: ${status}`, status)))
      })
      request.on("error", (cause) => resume(Effect.fail(transport(errnoReason(cause), describe(cause)))))
      request.end(body)
      return Effect.sync(() => request.destroy())
    })

  /** The whole body of a response, as text. */
  const text = (response: HttpTypes.IncomingMessage) =>
    Effect.callback<string, RpcTransportError>((resume) => {
      const chunks: Array<Buffer> = []
      response.on("data", (chunk: Buffer) => chunks.push(chunk))
      response.on("end", () => resume(Effect.succeed(Buffer.concat(chunks).toString("utf8"))))
      response.on("error", (cause) => resume(Effect.fail(transport("Network", describe(cause)))))
    })

  const call = (method: string, params: ReadonlyArray<XmlRpcValue> = []) =>
    send("POST", "/RPC2", encodeMethodCall({ methodName: method, params })).pipe(
      Effect.flatMap(text),
      Effect.flatMap((body): Effect.Effect<XmlRpcValue, RpcFault | RpcTransportError> => {
        const decoded = decodeMethodResponse(body)
        if (Result.isFailure(decoded)) return Effect.fail(transport("BadResponse", decoded.failure.message))
        const response = decoded.success
        return response._tag === "Success" ? Effect.succeed(response.value) : Effect.fail(new RpcFault(response.fault))
      })
    )

  const stream = (path: string): Stream.Stream<Uint8Array, RpcTransportError> =>
    Stream.unwrap(Effect.map(send("GET", path, undefined), (response) =>
      Stream.callback<Uint8Array, RpcTransportError>((queue) =>
        Effect.acquireRelease(
          Effect.sync(() => {
            response.on("data", (chunk: Buffer) => Queue.offerUnsafe(queue, new Uint8Array(chunk)))
            response.on("end", () => Queue.endUnsafe(queue))
            response.on("error", (cause) => Queue.failCauseUnsafe(queue, Cause.fail(transport("Network", describe(cause)))))
          }),
          () => Effect.sync(() => response.destroy()) // stop following (Ctrl-C in tail -f)
        )
      )))

  return RpcClient.of({ serverurl, call, stream })
}
