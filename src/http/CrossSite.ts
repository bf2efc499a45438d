/**
 * The console's and API's defence against cross-site requests: a state-changing request (any
 * method but GET, HEAD and OPTIONS) is refused when the browser says it comes from another site,
 * by `Sec-Fetch-Site` (anything but `same-origin` or `none`) or by an `Origin` whose host is not
 * the `Host` the request was sent to (`Origin: null` included). Requests without either header
 * (curl, scripts, supervisorctl-like clients) are not browser-initiated and pass.
 * GETs change no state in the console or the API, so they need no check; the one GET that does,
 * a supervisord web UI action link, is checked by `linkFromAnotherSite`.
 * @since 0.1.0
 */

/** The request headers the check reads (lower-case names). */
export interface SiteHeaders {
  readonly origin?: string | undefined
  readonly host?: string | undefined
  readonly "sec-fetch-site"?: string | undefined
  readonly referer?: string | undefined
}

/** The site headers of a request. */
export const siteHeaders = (request: { readonly headers: Readonly<Record<string, string | undefined>> }): SiteHeaders => ({
  origin: request.headers["origin"],
  host: request.headers["host"],
  "sec-fetch-site": request.headers["sec-fetch-site"],
  referer: request.headers["referer"]
})

const SAFE_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS"])

/** Whether `url` (an Origin or a Referer) names the host the request was sent to (`host`: its Host header). */
const sameHost = (url: string, host: string | undefined): boolean => {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return false
  }
  if (host === undefined) return false
  // the Host header may spell out the default port; the origin never does
  try {
    return parsed.host === new URL(`${parsed.protocol}//${host.trim()}`).host
  } catch {
    return false
  }
}

/** A browser's Sec-Fetch-Site naming another site (anything but `same-origin` or `none`), or undefined. */
const otherSite = (headers: SiteHeaders): string | undefined => {
  const site = headers["sec-fetch-site"]?.trim().toLowerCase()
  return site !== undefined && site !== "same-origin" && site !== "none" ? site : undefined
}

/** Why the request must be refused, or undefined when it may proceed. */
export const crossSiteRefusal = (method: string, headers: SiteHeaders): string | undefined => {
  if (SAFE_METHODS.has(method.toUpperCase())) return undefined
  const site = otherSite(headers)
  if (site !== undefined) return `cross-site request refused (Sec-Fetch-Site: ${site})`
  const origin = headers.origin?.trim()
  if (origin === undefined || sameHost(origin, headers.host)) return undefined
  return `cross-site request refused (Origin: ${origin})`
}

/**
 * Whether a browser followed a link from another site (supervisord's action links, WebActions.ts):
 * by `Sec-Fetch-Site` as above, or by a `Referer` whose host is not the `Host` (a link carries no
 * Origin). A typed or bookmarked URL (`none`) and scripts (neither header) are not.
 */
export const linkFromAnotherSite = (headers: SiteHeaders): boolean => {
  if (otherSite(headers) !== undefined) return true
  const referer = headers.referer?.trim()
  return referer !== undefined && referer !== "" && !sameHost(referer, headers.host)
}
