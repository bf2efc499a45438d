/**
 * Everything only the console, the JSON API and `/metrics` need, loaded on the first request to
 * one of them (Web.ts imports this module dynamically, so a daemon nobody browses never loads
 * `effect/http-api`, the OpenAPI generator or the Prometheus formatter).
 *
 * It answers:
 * - the console's assets (Assets.ts) on `/`, `/index.html` and `/console/*`, except supervisord's
 *   web UI action links (`/index.html?processname=x&action=stop`, also as a POSTed form), which
 *   are acted on and redirected as supervisord does (WebActions.ts); supervisord's tail page on `/tail.html`
 *   (TailPage.ts; also a POSTed form, its fields over the query's);
 * - `/api/v1/*` through the HttpApi router (Api.ts, ApiHandlers.ts), after the cross-site check
 *   (CrossSite.ts: 403); unknown API paths get 404 and invalid parameters 400, both as
 *   `{ code, message }` JSON like every other API error;
 * - `GET /metrics` (MetricsEndpoint.ts).
 * Every answer carries the security headers and is counted and timed (Metrics.ts).
 * @since 0.1.0
 */
import * as ByteSize from "effect/ByteSize"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import type * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Path from "effect/Path"
import type * as Scope from "effect/Scope"
// deep imports: the `effect/http` barrel is shared with the eagerly loaded servers, and what a
// lazy module takes through it would be bundled into the chunk the daemon loads at start
import * as Etag from "effect/http/Etag"
import * as Headers from "effect/http/Headers"
import * as HttpIncomingMessage from "effect/http/HttpIncomingMessage"
import * as HttpPlatform from "effect/http/HttpPlatform"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServerError from "effect/http/HttpServerError"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { HttpApiBuilder, HttpApiError } from "effect/http-api"
import { Supervisor } from "../supervisor/Supervisor.ts"
import { Api, API_PREFIX } from "./Api.ts"
import { type ErrorCode, errorJson, statusOfCode } from "./ApiErrors.ts"
import * as ApiHandlers from "./ApiHandlers.ts"
import * as Assets from "./Assets.ts"
import { crossSiteRefusal, linkFromAnotherSite, siteHeaders } from "./CrossSite.ts"
import { errorPage } from "./ErrorPage.ts"
import * as EventFeed from "./EventFeed.ts"
import * as MetricsEndpoint from "./MetricsEndpoint.ts"
import type { Recorder } from "./Metrics.ts"
import * as StatusRows from "./StatusRows.ts"
import * as TailPage from "./TailPage.ts"
import * as WebActions from "./WebActions.ts"

/** Answers one request for a console, API or metrics path (`path`: the URL path without the query). */
export type WebHandler = (
  request: HttpServerRequest.HttpServerRequest,
  path: string
) => Effect.Effect<HttpServerResponse.HttpServerResponse, never, Scope.Scope>

const jsonError = (code: ErrorCode, message: string, status: number = statusOfCode(code)) =>
  HttpServerResponse.text(errorJson(code, message), { status, contentType: "application/json" })

/** The largest request body the API reads (its JSON bodies are a few hundred bytes). */
export const API_MAX_BODY = 64 * 1024

/** The router answers a body it cannot decode with plain text: say it as the API does. */
const withJsonErrors = (response: HttpServerResponse.HttpServerResponse) =>
  response.status === 415
    ? jsonError("INCORRECT_PARAMETERS", "the request body must be JSON (Content-Type: application/json)", 415)
    : response

/** Stream answers must reach the client as they are written. */
const withStreamHeaders = (response: HttpServerResponse.HttpServerResponse) =>
  Option.getOrUndefined(Headers.get(response.headers, "content-type"))?.startsWith("text/event-stream")
    ? HttpServerResponse.setHeaders(response, { "cache-control": "no-cache", "x-accel-buffering": "no" })
    : response

/**
 * Builds the handler; the event collector behind `/api/v1/events` starts now and runs until the
 * enclosing scope closes; every stream it serves ends when `until` completes.
 */
export const make = (
  supervisor: Supervisor["Service"],
  recorder: Recorder,
  until: Effect.Effect<void>
): Effect.Effect<WebHandler, never, Scope.Scope | FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const feed = yield* EventFeed.make(supervisor, { until, onDrops: (n) => recorder.recordDrops("events-api", n) })
    const services = yield* Effect.context<FileSystem.FileSystem | Path.Path>()
    const platform = Layer.mergeAll(HttpPlatform.layer, Etag.layerWeak).pipe(Layer.provideMerge(Layer.succeedContext(services)))
    const routes = HttpApiBuilder.layer(Api, { openapiPath: `${API_PREFIX}/openapi.json` }).pipe(
      Layer.provide(ApiHandlers.layer({ supervisor, feed, until })),
      Layer.provide(platform)
    )
    const api = yield* HttpRouter.toHttpEffect(routes)
    const assets = yield* Assets.make(Effect.map(supervisor.allProcessInfo, StatusRows.renderRows))

    const apiRequest = (request: HttpServerRequest.HttpServerRequest) => {
      const refusal = crossSiteRefusal(request.method, siteHeaders(request))
      if (refusal !== undefined) return Effect.succeed(jsonError("FORBIDDEN", refusal))
      // refused before a byte of it is read; a chunked body is cut off at the same size
      if (Number(request.headers["content-length"] ?? 0) > API_MAX_BODY) {
        return Effect.succeed(jsonError("INCORRECT_PARAMETERS", `request bodies are at most ${API_MAX_BODY} bytes`, 413))
      }
      return api.pipe(
        Effect.provideService(HttpIncomingMessage.MaxBodySize, ByteSize.bytes(API_MAX_BODY)),
        Effect.map((response) => withStreamHeaders(withJsonErrors(response))),
        Effect.catchTag("HttpServerError", (e) =>
          Effect.succeed(
            e.reason._tag === "RouteNotFound"
              ? jsonError("NOT_FOUND", `no such API endpoint: ${request.method} ${request.url}`)
              : e.reason._tag === "RequestParseError"
              ? jsonError("INCORRECT_PARAMETERS", e.message)
              : jsonError("FAILED", e.message)
          )),
        Effect.catchCause((cause) => {
          const defect = Cause.squash(cause)
          if (HttpApiError.HttpApiSchemaError.is(defect)) {
            return Effect.succeed(jsonError("INCORRECT_PARAMETERS", `${defect.kind}: ${defect.cause.message}`))
          }
          // a body the router could not read (cut off at API_MAX_BODY, or broken framing) comes as a defect
          if (HttpServerError.isHttpServerError(defect) && defect.reason._tag === "RequestParseError") {
            const tooLarge = defect.reason.reason === "BodyTooLarge" || /maxBytes/.test(String(defect.reason.cause))
            return Effect.succeed(
              tooLarge
                ? jsonError("INCORRECT_PARAMETERS", `request bodies are at most ${API_MAX_BODY} bytes`, 413)
                : jsonError("INCORRECT_PARAMETERS", "the request body could not be read")
            )
          }
          return Effect.as(
            Effect.logError(`API request ${request.method} ${request.url} failed: ${Cause.pretty(cause)}`),
            jsonError("FAILED", "unexpected error (see the activity log)")
          )
        })
      )
    }

    // the query as sent, whatever the path (`//?action=refresh` is no URL `new URL` takes)
    const queryOf = (request: HttpServerRequest.HttpServerRequest) => {
      const mark = request.url.indexOf("?")
      return new URLSearchParams(mark < 0 ? "" : request.url.slice(mark + 1).split("#", 1)[0])
    }

    /** A supervisord web UI action link to act on (WebActions.ts), or undefined: the page is served. */
    const actionLink = (request: HttpServerRequest.HttpServerRequest, path: string) => {
      if (request.method !== "GET" || (path !== "/" && path !== "/index.html")) return undefined
      const link = WebActions.linkRequest(queryOf(request))
      return link === undefined || linkFromAnotherSite(siteHeaders(request)) ? undefined : link
    }

    /**
     * The fields of a form POSTed to a page, read as supervisord reads them: the query's, then the
     * form's (x-www-form-urlencoded), the form's winning; or the error page a body too large or
     * unreadable gets.
     */
    const postedFields = (request: HttpServerRequest.HttpServerRequest) =>
      Effect.gen(function*() {
        if (Number(request.headers["content-length"] ?? 0) > API_MAX_BODY) return errorPage(413)
        const body = yield* request.text.pipe(
          Effect.provideService(HttpIncomingMessage.MaxBodySize, ByteSize.bytes(API_MAX_BODY)),
          Effect.option
        )
        if (Option.isNone(body)) return errorPage(400)
        const fields = queryOf(request)
        for (const [name, value] of new URLSearchParams(body.value)) fields.set(name, value)
        return fields
      })

    /**
     * A form POSTed to the page: acted on as the same fields in a link would be, and a form that
     * asks no action gets the page, as from supervisord. Refused with 403 when a browser sent it
     * from another site.
     */
    const formPost = (request: HttpServerRequest.HttpServerRequest, path: string) =>
      Effect.gen(function*() {
        const refusal = crossSiteRefusal(request.method, siteHeaders(request))
        if (refusal !== undefined) return HttpServerResponse.text(`${refusal}\n`, { status: 403 })
        const fields = yield* postedFields(request)
        if (!(fields instanceof URLSearchParams)) return fields
        const link = WebActions.linkRequest(fields)
        return link === undefined ? yield* assets(request, path, "GET") : yield* followLink(request, link)
      })

    const followLink = (request: HttpServerRequest.HttpServerRequest, link: WebActions.LinkRequest) =>
      WebActions.perform(link).pipe(
        Effect.provideService(Supervisor, supervisor),
        Effect.map((outcome) =>
          outcome._tag === "Done"
            ? HttpServerResponse.text(`${outcome.message}\n`, {
              status: 301,
              headers: {
                location: WebActions.redirectLocation(
                  request.headers["host"],
                  outcome.message,
                  WebActions.localHost((request.source as { readonly socket?: Parameters<typeof WebActions.localHost>[0] }).socket)
                )
              }
            })
            : HttpServerResponse.text(`unknown action ${JSON.stringify(link.action)}\n`, { status: 500 })
        )
      )

    const tailPage = (fields: URLSearchParams) =>
      TailPage.render(fields).pipe(
        Effect.provideService(Supervisor, supervisor),
        Effect.map((html) =>
          HttpServerResponse.text(html, {
            contentType: "text/html; charset=utf-8",
            headers: { "cache-control": "no-cache", "content-security-policy": Assets.CONTENT_SECURITY_POLICY }
          })
        )
      )

    return (request, path) => {
      const link = actionLink(request, path)
      const answer = path === "/metrics"
        ? request.method === "GET" || request.method === "HEAD"
          ? MetricsEndpoint.respond(supervisor, recorder)
          : Effect.succeed(HttpServerResponse.empty({ status: 405, headers: { allow: "GET, HEAD" } }))
        : link !== undefined
        ? followLink(request, link)
        : request.method === "POST" && (path === "/" || path === "/index.html")
        ? formPost(request, path)
        : path === "/tail.html" && (request.method === "GET" || request.method === "HEAD")
        ? tailPage(queryOf(request))
        : path === "/tail.html" && request.method === "POST"
        ? Effect.flatMap(postedFields(request), (fields) => fields instanceof URLSearchParams ? tailPage(fields) : Effect.succeed(fields))
        : Assets.isAssetPath(path)
        ? assets(request, path)
        : apiRequest(request)
      return answer.pipe(
        Effect.map(HttpServerResponse.setHeaders(Assets.SECURITY_HEADERS)),
        Effect.provideService(HttpServerRequest.HttpServerRequest, request),
        Effect.provideContext(services),
        recorder.observe("api", request.method)
      )
    }
  })
