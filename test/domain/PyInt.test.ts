import { assert, describe, it } from "@effect/vitest"
import { pythonIntText } from "../../src/domain/PyInt.ts"
import { parseSignal } from "../../src/domain/Signals.ts"

// Expected values are CPython 3's int(text) (python3 -c "print(int('٣'))").
describe("PyInt", () => {
  it("takes what int() takes: spaces, a sign, `_` between digits, any script's decimal digits", () => {
    const cases: ReadonlyArray<readonly [string, number | undefined]> = [
      ["10", 10], [" +7 ", 7], ["-0_5", -5], ["-0", 0], ["٣", 3], ["５", 5], ["𝟗", 9], ["১০", 10], ["-٣_٤", -34], ["𝟬", 0],
      ["᠑", 1], ["", undefined], ["1__0", undefined], ["_1", undefined], ["1_", undefined], ["0x10", undefined],
      ["1.5", undefined], ["½", undefined], ["²", undefined], ["+-1", undefined], ["1 0", undefined], ["99999999999999999999", undefined]
    ]
    for (const [text, value] of cases) assert.strictEqual(pythonIntText(text), value, text)
  })

  it("reads a signal number as int() does (supervisord's signal_number): `٩` is SIGKILL", () => {
    assert.deepStrictEqual(parseSignal("٩"), { name: "SIGKILL", number: 9 })
    assert.deepStrictEqual(parseSignal("０"), parseSignal("0"))
    assert.deepStrictEqual(parseSignal(" 1_5 "), { name: "SIGTERM", number: 15 })
    assert.strictEqual(parseSignal("٩٩"), undefined)
  })
})
