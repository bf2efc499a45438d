/**
 * The console, JSON API and metrics as the control servers see them: one instance per daemon,
 * shared by every `[unix_http_server]`/`[inet_http_server]`. What must run from start-up is
 * here and small — the metrics recorder (Metrics.ts), which counts from the first event and the
 * first XML-RPC request. The rest (WebApp.ts: HttpApi routes, OpenAPI, SSE, assets, Prometheus
 * rendering) is imported on the first request for a console, API or metrics path, and lives
 * until the servers are released.
 *
 * Invariant: `close` ends every stream the web part serves (events, log follows); the servers'
 * layer runs it before it waits for open requests, so shutdown never waits on a browser tab.
 * @since 0.1.0
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import type * as FileSystem from "effect/FileSystem"
import type * as Path from "effect/Path"
import type * as Scope from "effect/Scope"
import type * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { Supervisor } from "../supervisor/Supervisor.ts"
import { crossSiteRefusal, siteHeaders } from "./CrossSite.ts"
import * as Metrics from "./Metrics.ts"

/** The console, API and metrics of one daemon. */
export interface Web {
  /** Answer a request for a console, API or metrics path (`path`: the URL path without the query). */
  readonly handle: (
    request: HttpServerRequest.HttpServerRequest,
    path: string
  ) => Effect.Effect<HttpServerResponse.HttpServerResponse, never, Scope.Scope>
  /**
   * Answer an XML-RPC request with `handler`, counted and timed; a browser's cross-site request
   * gets 403 instead (CrossSite.ts): once a browser holds the console's credentials, any page
   * could otherwise POST a method call. XML-RPC clients send neither Origin nor Sec-Fetch-Site.
   */
  readonly rpc: <E, R>(
    request: HttpServerRequest.HttpServerRequest,
    handler: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
  ) => Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
  /** End every stream being served. */
  readonly close: Effect.Effect<void>
}

const WEB_PATHS = new Set(["/", "/index.html", "/tail.html", "/metrics"])

/** Is `path` (without the query) served by the web part? */
export const isWebPath = (path: string): boolean =>
  WEB_PATHS.has(path) || path.startsWith("/console/") || path === "/api" || path.startsWith("/api/")

/** The web part of a daemon; the recorder starts counting now and everything stops with the scope. */
export const make: Effect.Effect<Web, never, Scope.Scope | Supervisor | FileSystem.FileSystem | Path.Path> = Effect.gen(
  function*() {
    const supervisor = yield* Supervisor
    const recorder = yield* Metrics.make(supervisor)
    const closing = yield* Deferred.make<void>()
    // The app is built by the first request's fiber, but in the servers' own context (their scope,
    // logger, file system): what it captures must not be that request's services. Uninterruptible,
    // so a client that hangs up during the first load does not leave an interrupted app cached.
    const serversContext = yield* Effect.context<Scope.Scope | FileSystem.FileSystem | Path.Path>()
    const app = yield* Effect.cached(
      Effect.promise(() => import("./WebApp.ts")).pipe(
        Effect.flatMap((m) => m.make(supervisor, recorder, Deferred.await(closing))),
        Effect.setContext(serversContext),
        Effect.uninterruptible
      )
    )
    return {
      handle: (request, path) => Effect.flatMap(app, (handle) => handle(request, path)),
      rpc: (request, handler) => {
        const refusal = crossSiteRefusal(request.method, siteHeaders(request))
        const answer = refusal === undefined ? handler : Effect.succeed(HttpServerResponse.text(`${refusal}\n`, { status: 403 }))
        return recorder.observe("rpc", request.method)(answer)
      },
      close: Effect.asVoid(Deferred.succeed(closing, undefined))
    }
  }
)
