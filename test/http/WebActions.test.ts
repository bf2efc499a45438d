/**
 * The pure parts of supervisord's web UI links (WebActions.ts, CrossSite.ts): the query, the
 * redirect's URL as supervisord builds it (Python's quote, the Host without port 80), and when a
 * browser followed a link from another site.
 */
import { describe, expect, it } from "vitest"
import { linkFromAnotherSite } from "../../src/http/CrossSite.ts"
import { linkRequest, localHost, pythonQuote, redirectLocation, serverUrl } from "../../src/http/WebActions.ts"

describe("supervisord's web UI links", () => {
  it("read action and processname; empty values count as absent (parse_qs)", () => {
    expect(linkRequest(new URLSearchParams("processname=a%3Ab&action=stop"))).toEqual({ action: "stop", processname: "a:b" })
    expect(linkRequest(new URLSearchParams("action=stopall&processname="))).toEqual({ action: "stopall", processname: undefined })
    expect(linkRequest(new URLSearchParams("processname=a&action="))).toBeUndefined()
    expect(linkRequest(new URLSearchParams("message=hi"))).toBeUndefined()
  })

  it("quote as Python does: `/` and `_.-~` kept, everything else as UTF-8 %XX", () => {
    expect(pythonQuote("ERROR: Process a:*: already started")).toBe("ERROR%3A%20Process%20a%3A%2A%3A%20already%20started")
    expect(pythonQuote("a/b_c.d-e~f")).toBe("a/b_c.d-e~f")
    expect(pythonQuote("café (x)!'")).toBe("caf%C3%A9%20%28x%29%21%27")
  })

  it("redirect to the Host the request named, without the default port", () => {
    expect(serverUrl("127.0.0.1:9001")).toBe("http://127.0.0.1:9001")
    expect(serverUrl("example.com:80")).toBe("http://example.com")
    expect(serverUrl("[::1]:9001")).toBe("http://[::1]:9001")
    expect(serverUrl("example.com:")).toBe("http://example.com")
    expect(serverUrl(undefined)).toBe("http://localhost")
    expect(redirectLocation("localhost", "Process a stopped")).toBe("http://localhost/?message=Process%20a%20stopped")
  })

  it("without a Host header (or with an empty one), redirect to the address the request came to", () => {
    expect(serverUrl("", "127.0.0.1:9001")).toBe("http://127.0.0.1:9001")
    expect(serverUrl("  ", "127.0.0.1:9001")).toBe("http://127.0.0.1:9001")
    expect(redirectLocation(undefined, "x", "127.0.0.1:9001")).toBe("http://127.0.0.1:9001/?message=x")
    expect(localHost({ localAddress: "127.0.0.1", localPort: 9001 })).toBe("127.0.0.1:9001")
    expect(localHost({ localAddress: "::ffff:127.0.0.1", localPort: 9001 })).toBe("127.0.0.1:9001")
    expect(localHost({ localAddress: "::1", localPort: 9001 })).toBe("[::1]:9001")
    // a unix socket has no address
    expect(localHost({ localAddress: undefined, localPort: undefined })).toBe("localhost")
    expect(localHost(undefined)).toBe("localhost")
  })

  it("tell a link followed from another site by Sec-Fetch-Site or Referer", () => {
    const host = "127.0.0.1:9001"
    expect(linkFromAnotherSite({ host })).toBe(false)
    expect(linkFromAnotherSite({ host, "sec-fetch-site": "none" })).toBe(false)
    expect(linkFromAnotherSite({ host, "sec-fetch-site": "same-origin", referer: "http://127.0.0.1:9001/" })).toBe(false)
    expect(linkFromAnotherSite({ host, "sec-fetch-site": "cross-site" })).toBe(true)
    expect(linkFromAnotherSite({ host, "sec-fetch-site": "same-site" })).toBe(true)
    expect(linkFromAnotherSite({ host, referer: "http://evil.example/page" })).toBe(true)
    expect(linkFromAnotherSite({ host, referer: "http://127.0.0.1:9002/" })).toBe(true)
    expect(linkFromAnotherSite({ host, referer: "not a url" })).toBe(true)
  })
})
