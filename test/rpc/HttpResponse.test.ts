/**
 * rpc/HttpResponse: the three body framings, fed whole and one byte at a time, interim responses,
 * and the problems (with Node's http client's words).
 * @since 0.1.0
 */
import { describe, expect, it } from "@effect/vitest"
import { makeResponseReader } from "../../src/rpc/HttpResponse.ts"

/** Feed `pieces` (then a close, if asked) and return what the sink saw and the first problem. */
const read = (pieces: ReadonlyArray<string>, close = false) => {
  const seen: Array<string> = []
  const decoder = new TextDecoder()
  const reader = makeResponseReader({
    head: (status) => seen.push(`head ${status}`),
    body: (bytes) => seen.push(decoder.decode(bytes)),
    end: () => seen.push("end")
  })
  let problem: string | undefined
  for (const piece of pieces) problem ??= reader.push(new TextEncoder().encode(piece))
  if (close) problem ??= reader.close()
  return { seen: seen.filter((s) => s !== ""), problem }
}

const bytewise = (text: string) => [...text]

describe("HttpResponse", () => {
  it("reads a Content-Length body, whole or split anywhere, and ignores what follows it", () => {
    const response = "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\ncontent-length: 5\r\n\r\nhelloEXTRA"
    expect(read([response])).toEqual({ seen: ["head 200", "hello", "end"], problem: undefined })
    const split = read(bytewise(response))
    expect(split.seen.join("")).toBe("head 200helloend")
    expect(split.problem).toBeUndefined()
    expect(read(["HTTP/1.0 200 OK\nContent-Length: 0\n\n"]).seen).toEqual(["head 200", "end"])
  })

  it("removes the chunked framing, with extensions and trailers", () => {
    const response = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=1\r\nline \r\n2\r\n1\n\r\n0\r\nX-Trailer: y\r\n\r\n"
    expect(read([response]).seen.join("|")).toBe("head 200|line |1\n|end")
    expect(read(bytewise(response)).seen.join("")).toBe("head 200line 1\nend")
  })

  it("reads a body without a length up to the close", () => {
    expect(read(["HTTP/1.0 200 OK\r\n\r\nall ", "of it"], true)).toEqual({ seen: ["head 200", "all ", "of it", "end"], problem: undefined })
  })

  it("skips interim responses and gives 204 no body", () => {
    expect(read(["HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 401 Unauthorized\r\nContent-Length: 2\r\n\r\nno"]).seen).toEqual(["head 401", "no", "end"])
    expect(read(["HTTP/1.1 204 No Content\r\n\r\n"]).seen).toEqual(["head 204", "end"])
  })

  it("reports a connection closed early, and what is not HTTP", () => {
    expect(read([], true).problem).toBe("socket hang up")
    expect(read(["HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nshort"], true).problem).toBe("aborted")
    expect(read(["SSH-2.0-OpenSSH\r\n\r\n"]).problem).toBe("Parse Error: Expected HTTP/")
    expect(read(["HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n"]).problem).toBe("Parse Error: Invalid character in Content-Length")
    expect(read(["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"]).problem).toBe("Parse Error: Invalid character in chunk size")
    expect(read(["HTTP/1.1 200 OK\r\n", "x".repeat(70_000)]).problem).toBe("Parse Error: Header overflow")
  })
})
