import { describe, expect, it } from "vitest"
import { crossSiteRefusal } from "../../src/http/CrossSite.ts"

describe("http/CrossSite", () => {
  it("never checks safe methods", () => {
    for (const method of ["GET", "HEAD", "OPTIONS", "get"]) {
      expect(crossSiteRefusal(method, { origin: "http://evil.example", "sec-fetch-site": "cross-site" })).toBeUndefined()
    }
  })

  it("lets through requests that carry no browser site information (curl, scripts)", () => {
    expect(crossSiteRefusal("POST", {})).toBeUndefined()
    expect(crossSiteRefusal("POST", { host: "127.0.0.1:9001" })).toBeUndefined()
  })

  it("lets through same-origin browser requests", () => {
    expect(crossSiteRefusal("POST", { origin: "http://127.0.0.1:9001", host: "127.0.0.1:9001", "sec-fetch-site": "same-origin" }))
      .toBeUndefined()
    expect(crossSiteRefusal("POST", { origin: "http://LOCALHOST", host: "localhost:80" })).toBeUndefined()
    expect(crossSiteRefusal("POST", { "sec-fetch-site": "none" })).toBeUndefined()
  })

  it("refuses what Sec-Fetch-Site says comes from another site, same-site included", () => {
    expect(crossSiteRefusal("POST", { "sec-fetch-site": "cross-site" })).toMatch(/Sec-Fetch-Site: cross-site/)
    expect(crossSiteRefusal("DELETE", { "sec-fetch-site": "same-site", origin: "http://a:1", host: "a:1" })).toMatch(/same-site/)
  })

  it("refuses a foreign, opaque or malformed Origin", () => {
    expect(crossSiteRefusal("POST", { origin: "http://evil.example", host: "127.0.0.1:9001" })).toMatch(/Origin: http:\/\/evil/)
    expect(crossSiteRefusal("POST", { origin: "http://127.0.0.1:9002", host: "127.0.0.1:9001" })).toBeDefined()
    expect(crossSiteRefusal("POST", { origin: "null", host: "127.0.0.1:9001" })).toBeDefined()
    expect(crossSiteRefusal("POST", { origin: "http://127.0.0.1:9001" })).toBeDefined()
  })
})
