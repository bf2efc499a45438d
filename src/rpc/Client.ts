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
 * The client holds no state besides the HTTP agent of its layer; releasing the layer closes it.
 * See shared/reference/supervisord-4.2.5.md §5.1, §5.7, §6.3.
 * @since 0.1.0
 */
// Deep imports on purpose: the "@effect/platform-node" and "effect/http" barrels load servers, undici,
// workers... and cost hundreds of milliseconds on every `effsup ctl` start.
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Result from "effect/Result"
import * as Stream from "effect/Stream"
import * as HttpClient from "effect/http/HttpClient"
import type * as HttpClientError from "effect/http/HttpClientError"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import type * as HttpClientResponse from "effect/http/HttpClientResponse"
import { decodeMethodResponse, encodeMethodCall, type XmlRpcValue } from "./XmlRpc.ts"

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
  /** A client for `options`; the HTTP agent (TCP or unix socket) lives as long as the layer. */
  static readonly layer = (options: ServerOptions): Layer.Layer<RpcClient> => {
    const address = parseServerUrl(options.serverurl)
    // keepAlive matters: supervisord (medusa) never flushes a /logtail stream to a "Connection: close" request.
    const http = NodeHttpClient.layerNodeHttpOptions(
      address?._tag === "Unix" ? { socketPath: address.socketPath, keepAlive: true } : { keepAlive: true }
    )
    return Layer.effect(RpcClient, make(options, address)).pipe(Layer.provide(http))
  }
}

const errnoReason = (cause: unknown): TransportReason => {
  const code = typeof cause === "object" && cause !== null ? (cause as { readonly code?: unknown }).code : undefined
  return code === "ECONNREFUSED" ? "ConnectionRefused" : code === "ENOENT" ? "NoSuchFile" : "Network"
}

const describe = (cause: unknown): string => cause instanceof Error ? cause.message : String(cause)

const make = (options: ServerOptions, address: ServerAddress | undefined) =>
  Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    const { serverurl } = options
    const base = address?._tag === "Http" ? address.base : "http://localhost"
    const auth = options.username !== undefined && options.password !== undefined
      ? HttpClientRequest.basicAuth(options.username, options.password)
      : (request: HttpClientRequest.HttpClientRequest) => request
    const transport = (reason: TransportReason, detail: string, status?: number) =>
      new RpcTransportError({ reason, serverurl, status, detail })
    const fromHttpError = (error: HttpClientError.HttpClientError) =>
      error.reason._tag === "TransportError"
        ? transport(errnoReason(error.reason.cause), describe(error.reason.cause))
        : transport("Network", error.message)
    const checkStatus = (response: HttpClientResponse.HttpClientResponse, what: string) =>
      response.status === 200
        ? Effect.succeed(response)
        : Effect.fail(transport(
          response.status === 401 ? "Unauthorized" : "HttpStatus",
          `${what}: ${response.status}`,
          response.status
        ))
    const send = (request: HttpClientRequest.HttpClientRequest, what: string) =>
      address === undefined
        ? Effect.fail(transport("BadUrl", "url must be http:// or unix://"))
        : client.execute(auth(request)).pipe(
          Effect.provideService(HttpClient.TracerPropagationEnabled, false), // no b3/traceparent headers
          Effect.mapError(fromHttpError),
          Effect.flatMap((response) => checkStatus(response, what))
        )

    const call = (method: string, params: ReadonlyArray<XmlRpcValue> = []) =>
      send(
        HttpClientRequest.post(`${base}/RPC2`).pipe(
          HttpClientRequest.bodyText(encodeMethodCall({ methodName: method, params }), "text/xml")
        ),
        `${method}`
      ).pipe(
        Effect.flatMap((response) => Effect.mapError(response.text, fromHttpError)),
        Effect.flatMap((body): Effect.Effect<XmlRpcValue, RpcFault | RpcTransportError> => {
          const decoded = decodeMethodResponse(body)
          if (Result.isFailure(decoded)) return Effect.fail(transport("BadResponse", decoded.failure.message))
          const response = decoded.success
          return response._tag === "Success"
            ? Effect.succeed(response.value)
            : Effect.fail(new RpcFault(response.fault))
        })
      )

    const stream = (path: string) =>
      Stream.unwrap(
        send(HttpClientRequest.get(`${base}${path}`), path).pipe(
          Effect.map((response) => Stream.mapError(response.stream, fromHttpError))
        )
      )

    return RpcClient.of({ serverurl, call, stream })
  })
