import { assert, describe, it } from "@effect/vitest"
import * as Capture from "../../src/logs/Capture.ts"

const enc = new TextEncoder()
const dec = new TextDecoder()
const B = "<!--XSUPERVISOR:BEGIN-->"
const E = "<!--XSUPERVISOR:END-->"

/** Feed `chunks` then end; return the joined log text, the captured messages and the segment trace. */
const run = (chunks: ReadonlyArray<string>, maxBytes = 1000, transform?: (p: Uint8Array) => Uint8Array) => {
  const s = Capture.make(maxBytes, transform)
  const splits = [...chunks.map((c) => s.feed(enc.encode(c))), s.end()]
  return {
    log: splits.flatMap((x) => x.log.map((b) => dec.decode(b))).join(""),
    captured: splits.flatMap((x) => x.captured.map((b) => dec.decode(b))),
    segments: splits.flatMap((x) => x.segments.map((g) => `${g._tag}:${dec.decode(g.bytes)}`))
  }
}

/** Every way to cut `text` into two or three chunks. */
const splits = (text: string): Array<Array<string>> => {
  const out: Array<Array<string>> = [[text]]
  for (let i = 1; i < text.length; i++) {
    out.push([text.slice(0, i), text.slice(i)])
    for (let j = i + 1; j < text.length; j += 3) out.push([text.slice(0, i), text.slice(i, j), text.slice(j)])
  }
  return out
}

describe("Capture", () => {
  it("logs before and after a message back to back (beforeafter)", () => {
    const r = run([`before${B}captured${E}after`])
    assert.strictEqual(r.log, "beforeafter")
    assert.deepStrictEqual(r.captured, ["captured"])
    assert.deepStrictEqual(r.segments, ["Log:before", "Capturing:captured", "Captured:captured", "Log:after"])
  })

  it("gives the same result however the stream is chunked, tokens split anywhere", () => {
    const text = `a<b${B}one${E}<!--x${B}${E}mid<${B}two <!--XSUPERVISOR:END${E}tail<!--XSUP`
    for (const chunks of splits(text)) {
      const r = run(chunks)
      assert.strictEqual(r.log, "a<b<!--xmid<tail<!--XSUP", JSON.stringify(chunks))
      assert.deepStrictEqual(r.captured, ["one", "", "two <!--XSUPERVISOR:END"], JSON.stringify(chunks))
    }
  })

  it("holds back only a real token prefix at a chunk end", () => {
    const s = Capture.make(100)
    assert.deepStrictEqual(s.feed(enc.encode("hi\n")).log.map((b) => dec.decode(b)), ["hi\n"])
    assert.deepStrictEqual(s.feed(enc.encode("x<!--XSUPER")).log.map((b) => dec.decode(b)), ["x"])
    assert.deepStrictEqual(s.feed(enc.encode("man")).log.map((b) => dec.decode(b)), ["<!--XSUPERman"])
    assert.deepStrictEqual(s.feed(enc.encode("<!--XSUPERVISOR:BEG")).log, [])
    assert.deepStrictEqual(s.end().log.map((b) => dec.decode(b)), ["<!--XSUPERVISOR:BEG"])
  })

  it("never emits an unterminated message, and end resets to logging", () => {
    const s = Capture.make(100)
    s.feed(enc.encode(`${B}partial<!--XSUP`))
    assert.isTrue(s.capturing())
    const last = s.end()
    assert.deepStrictEqual(last.captured, [])
    assert.deepStrictEqual(last.segments.map((g) => g._tag), ["Capturing"])
    assert.isFalse(s.capturing())
    assert.strictEqual(dec.decode(s.feed(enc.encode("x")).log[0]), "x")
  })

  it("bounds a message with supervisord's front-drop rule (Q18)", () => {
    // BoundIO(5): "abc" -> "abc"; "de" -> 5 fits -> "abcde"; "fgh" -> 8 > 5: drop 3 -> "de" + "fgh"
    assert.deepStrictEqual(run([`${B}abc`, "de", "fgh", E], 5).captured, ["defgh"])
    // a piece larger than the bound is kept whole: "ab" then "0123456789" -> drop 10 (all) -> "0123456789"
    assert.deepStrictEqual(run([`${B}ab`, `0123456789${E}`], 5).captured, ["0123456789"])
    // not an exact tail: "abcd" then "ef" (6 > 5) drops 2 -> "cdef" (4 bytes, not "bcdef")
    assert.deepStrictEqual(run([`${B}abcd`, `ef${E}`], 5).captured, ["cdef"])
  })

  it("applies the transform to every piece before it is logged or buffered", () => {
    const upper = (p: Uint8Array) => enc.encode(dec.decode(p).toUpperCase())
    const r = run([`x${B}y${E}z`], 100, upper)
    assert.strictEqual(r.log, "XZ")
    assert.deepStrictEqual(r.captured, ["Y"])
  })

  it("boundAppend and the token search helpers", () => {
    const b = (s: string) => enc.encode(s)
    assert.strictEqual(dec.decode(Capture.boundAppend(b("12345"), b("67"), 5)), "34567")
    assert.strictEqual(Capture.indexOfToken(b(`xx${B}`), Capture.BEGIN_TOKEN, 0), 2)
    assert.strictEqual(Capture.indexOfToken(b(`xx${B}`), Capture.BEGIN_TOKEN, 3), -1)
    assert.strictEqual(Capture.prefixAtEnd(b("abc<!--X"), Capture.BEGIN_TOKEN, 0), 5)
    assert.strictEqual(Capture.prefixAtEnd(b("abc<!--X"), Capture.BEGIN_TOKEN, 5), 0)
    assert.strictEqual(Capture.prefixAtEnd(b("<"), Capture.END_TOKEN, 0), 1)
    assert.strictEqual(Capture.prefixAtEnd(b("<!-- "), Capture.END_TOKEN, 0), 0)
  })
})
