/** The pure parts of supervisord's tail page (TailPage.ts): escaping and the `limit` it honours. */
import { describe, expect, it } from "vitest"
import { escapeHtml } from "../../src/http/Html.ts"
import { tailLimit } from "../../src/http/TailPage.ts"

describe("the tail page", () => {
  it("shows a program's output only as text", () => {
    expect(escapeHtml(`<script>alert("x")</script> & 'y'`)).toBe("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;")
  })

  it("shows at least 1024 bytes, more when asked in digits", () => {
    expect([tailLimit(undefined), tailLimit("5"), tailLimit("4096"), tailLimit("-4096"), tailLimit("1e6"), tailLimit("")]).toEqual([1024, 1024, 4096, 1024, 1024, 1024])
  })
})
