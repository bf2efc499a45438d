/**
 * The console's static assets (`src/http/console/`: one HTML page, one script, one stylesheet),
 * shipped in the package and read once, on the first request for one of them. `npm run build`
 * copies the folder next to the compiled modules (`dist/http/console`) and next to the bundle
 * (`dist/app/console`), so the same lookup — `./console/` or `../console/` beside this module —
 * finds it from the sources, the compiled tree and the bundle's chunks.
 *
 * Every answer is `Cache-Control: no-cache`, the script and stylesheet with an ETag (a reload
 * costs a 304; the page carries the processes' rows, StatusRows.ts, and is sent whole), `nosniff`, and
 * for the page a Content-Security-Policy that allows only this origin's script, style and
 * connections: nothing a program prints can load or run code even if it reached the markup.
 * The page is the same for `/` and `/index.html`; its query is read by the page's
 * script (supervisord's `?processname=x&action=stop` links reach it only when a browser followed
 * them from another site: the server acts on the others, WebActions.ts).
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Option from "effect/Option"
import * as Path from "effect/Path"
import * as Headers from "effect/http/Headers"
import type * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { ROWS_PLACEHOLDER } from "./StatusRows.ts"

/** A loaded asset. */
interface Asset {
  readonly body: Uint8Array
  readonly contentType: string
  readonly etag: string
  /** A page's text around ROWS_PLACEHOLDER, split once at load; undefined for the other assets. */
  readonly around: readonly [before: string, after: string] | undefined
}

/** The text of `body` before and after ROWS_PLACEHOLDER, when it has one. */
const aroundRows = (body: Uint8Array): Asset["around"] => {
  const [before, after] = new TextDecoder().decode(body).split(ROWS_PLACEHOLDER)
  return after === undefined ? undefined : [before!, after]
}

const FILES = {
  "index.html": "text/html; charset=utf-8",
  "app.js": "text/javascript; charset=utf-8",
  "app.css": "text/css; charset=utf-8"
} as const

/** URL paths of the assets, by file. */
const ROUTES: Readonly<Record<string, keyof typeof FILES>> = {
  "/": "index.html",
  "/index.html": "index.html",
  "/console/app.js": "app.js",
  "/console/app.css": "app.css"
}

/** The page's Content-Security-Policy. */
export const CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

/** Headers every console, API and metrics answer carries. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY"
}

/** Is `path` one of the console's asset paths? */
export const isAssetPath = (path: string): boolean => Object.hasOwn(ROUTES, path)

const hash = (bytes: Uint8Array) =>
  Effect.promise(() => crypto.subtle.digest("SHA-256", bytes)).pipe(
    Effect.map((d) => `"${[...new Uint8Array(d).slice(0, 12)].map((b) => b.toString(16).padStart(2, "0")).join("")}"`)
  )

/** Reads every asset from the first folder that has them. Fails (a defect) when none does. */
const load = Effect.gen(function*() {
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  const candidates = yield* Effect.forEach(["./console/", "../console/"], (dir) =>
    Effect.orDie(path.fromFileUrl(new URL(dir, import.meta.url))))
  for (const dir of candidates) {
    const found = yield* Effect.option(Effect.forEach(Object.entries(FILES), ([file, contentType]) =>
      Effect.gen(function*() {
        const body = yield* fs.readFile(path.join(dir, file))
        const around = contentType.startsWith("text/html") ? aroundRows(body) : undefined
        return [file, { body, contentType, etag: yield* hash(body), around }] as const
      })))
    if (Option.isSome(found)) return new Map<string, Asset>(found.value)
  }
  return yield* Effect.die(new Error(`the console's assets are missing (looked in ${candidates.join(", ")})`))
})

/**
 * A handler for the asset paths: loads the assets on first use and answers GET/HEAD with them
 * (304 when the client's ETag matches); other methods get 405. The page gets `rows` (the
 * processes as they are now, StatusRows.ts) where its file has ROWS_PLACEHOLDER, and so no ETag.
 * `method` answers as for that method instead of the request's (a form POSTed without an action
 * gets the page as a GET would).
 */
export const make = (rows: Effect.Effect<string>) =>
  Effect.gen(function*() {
    const assets = yield* Effect.cached(load)
    return (request: HttpServerRequest.HttpServerRequest, path: string, method: string = request.method) =>
      Effect.gen(function*() {
        if (method !== "GET" && method !== "HEAD") {
          return HttpServerResponse.empty({ status: 405, headers: { allow: "GET, HEAD" } })
        }
        const asset = (yield* assets).get(ROUTES[path]!)!
        const headers: Record<string, string> = { "cache-control": "no-cache", ...SECURITY_HEADERS }
        const page = asset.contentType.startsWith("text/html")
        if (page) {
          headers["content-security-policy"] = CONTENT_SECURITY_POLICY
          if (method === "HEAD" || asset.around === undefined) {
            return HttpServerResponse.uint8Array(method === "HEAD" ? new Uint8Array(0) : asset.body, { contentType: asset.contentType, headers })
          }
          const [before, after] = asset.around
          return HttpServerResponse.text(before + (yield* rows) + after, { contentType: asset.contentType, headers })
        }
        headers["etag"] = asset.etag
        if (Option.getOrUndefined(Headers.get(request.headers, "if-none-match")) === asset.etag) {
          return HttpServerResponse.empty({ status: 304, headers })
        }
        return HttpServerResponse.uint8Array(method === "HEAD" ? new Uint8Array(0) : asset.body, {
          contentType: asset.contentType,
          headers
        })
      })
  })
