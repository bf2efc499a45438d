import { assert, describe, it } from "@effect/vitest"
import * as StripAnsi from "../../src/logs/StripAnsi.ts"

const enc = new TextEncoder()
const dec = new TextDecoder()
const strip = (...chunks: ReadonlyArray<string>) => {
  const s = StripAnsi.make()
  return chunks.map((c) => dec.decode(s(enc.encode(c)))).join("")
}

describe("StripAnsi", () => {
  it("removes ESC [ … terminator like supervisord's stripEscapes", () => {
    assert.strictEqual(strip("\x1b[31mred\x1b[0m plain \x1b[2J\x1b[1;1Hx"), "red plain x")
    // only the listed terminators end a sequence: "x" does not, "m" does
    assert.strictEqual(strip("a\x1b[12x34mb"), "ab")
    // ESC without "[" is kept
    assert.strictEqual(strip("a\x1bb"), "a\x1bb")
  })

  it("returns chunks without ESC untouched", () => {
    const chunk = enc.encode("no escapes here")
    assert.strictEqual(StripAnsi.make()(chunk), chunk)
  })

  it("handles sequences cut across chunks", () => {
    const text = "x\x1b[1;31mred\x1b[0my\x1bz"
    for (let i = 0; i <= text.length; i++) {
      for (let j = i; j <= text.length; j++) {
        assert.strictEqual(strip(text.slice(0, i), text.slice(i, j), text.slice(j)), "xredy\x1bz", `${i} ${j}`)
      }
    }
  })
})
