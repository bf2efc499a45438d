/**
 * The console's and API's defence against cross-site requests: a state-changing request (any
 * method but GET, HEAD and OPTIONS) is refused when the browser says it comes from another site,
 * by `Sec-Fetch-Site` (anything but `same-origin` or `none`) or by an `Origin` whose host is not
 * the `Host` the request was sent to (`Origin: null` included). Requests without either header
 * (curl, scripts, supervisorctl-like clients) are not browser-initiated and pass.
 * GETs never change state anywhere in the console or the API, so they need no check.
 * @since 0.1.0
 */

/** The request headers the check reads (lower-case names). */
export interface SiteHeaders {
  readonly origin?: string | undefined
  readonly host?: string | undefined
  readonly "sec-fetch-site"?: string | undefined
}

/** The site headers of a request. */
export const siteHeaders = (request: { readonly headers: Readonly<Record<string, string | undefined>> }): SiteHeaders => ({
  origin: request.headers["origin"],
  host: request.headers["host"],
  "sec-fetch-site": request.headers["sec-fetch-site"]
})

const SAFE_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS"])

/** Why the request must be refused, or undefined when it may proceed. */
export const crossSiteRefusal = (method: string, headers: SiteHeaders): string | undefined => {
  if (SAFE_METHODS.has(method.toUpperCase())) return undefined
  const site = headers["sec-fetch-site"]?.trim().toLowerCase()
  if (site !== undefined && site !== "same-origin" && site !== "none") {
    return `cross-site request refused (Sec-Fetch-Site: ${site})`
  }
  const origin = headers.origin?.trim()
  if (origin === undefined) return undefined
  const refused = `cross-site request refused (Origin: ${origin})`
  let originUrl: URL
  try {
    originUrl = new URL(origin)
  } catch {
    return refused
  }
  const host = headers.host?.trim()
  if (host === undefined) return refused
  // the Host header may spell out the default port; the origin never does
  let requestHost: string
  try {
    requestHost = new URL(`${originUrl.protocol}//${host}`).host
  } catch {
    return refused
  }
  return originUrl.host === requestHost ? undefined : refused
}
