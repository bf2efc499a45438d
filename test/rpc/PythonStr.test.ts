import { assert, describe, it } from "@effect/vitest"
import { pythonFloat, pythonInt, pythonStr, pythonTruth } from "../../src/rpc/PythonStr.ts"

// Expected texts are Python 3's own: str(x) / repr(x) for the value supervisord decodes.
describe("PythonStr", () => {
  it("reads ints as int() does, and truth values as bool() does", () => {
    const ints: ReadonlyArray<readonly [unknown, number | undefined]> = [
      [7, 7], [0.9, 0], [-1.9, -1], [-0.5, 0], [true, 1], [false, 0], ["10", 10], [" +7 ", 7], ["-0_5", -5], ["1_000", 1000],
      ["0x10", undefined], ["", undefined], ["1__0", undefined], ["_1", undefined], ["1.5", undefined], [NaN, undefined],
      [Infinity, undefined], [2 ** 60, undefined], [[1], undefined], [{}, undefined], [new TextEncoder().encode("12"), 12],
      // any script's decimal digits (python3 -c "int('٣')")
      ["٣", 3], ["５", 5], ["𝟗", 9], ["১০", 10], ["-٣_٤", -34], ["𝟬", 0], ["𝟿", 9], ["᠑", 1], ["½", undefined], ["²", undefined]
    ]
    for (const [value, int] of ints) assert.strictEqual(pythonInt(value as never), int, JSON.stringify(value))
    const truths: ReadonlyArray<readonly [unknown, boolean]> = [
      [true, true], [false, false], [2, true], [0, false], [NaN, true], ["no", true], ["", false], [[0], true], [[], false],
      [{ a: 0 }, true], [{}, false], [new Date(0), true], [new Uint8Array(0), false], [new Uint8Array([0]), true]
    ]
    for (const [value, truth] of truths) assert.strictEqual(pythonTruth(value as never), truth, String(value))
  })

  it("writes floats as repr(float): shortest round trip, exponent from 1e16 and below 1e-4", () => {
    const cases: ReadonlyArray<readonly [number, string]> = [
      [2.5, "2.5"], [100, "100.0"], [-1.5, "-1.5"], [0, "0.0"], [-0, "-0.0"], [0.1, "0.1"], [1 / 3, "0.3333333333333333"],
      [0.0001, "0.0001"], [0.00001, "1e-05"], [1.5e-7, "1.5e-07"], [9999999999999998, "9999999999999998.0"], [1e16, "1e+16"],
      [1.2345678901234568e17, "1.2345678901234568e+17"], [1e300, "1e+300"], [5e-324, "5e-324"],
      [1.7976931348623157e308, "1.7976931348623157e+308"], [NaN, "nan"], [Infinity, "inf"], [-Infinity, "-inf"]
    ]
    for (const [x, text] of cases) assert.strictEqual(pythonFloat(x), text, String(x))
  })

  it("writes scalars as str() and lists and dicts with their items' repr", () => {
    assert.strictEqual(pythonStr("a'b"), "a'b")
    assert.strictEqual(pythonStr(7), "7")
    assert.strictEqual(pythonStr(1e20), "1e+20")
    assert.strictEqual(pythonStr(false), "False")
    assert.strictEqual(pythonStr(new TextEncoder().encode("hé")), "hé")
    assert.strictEqual(pythonStr(new Date(Date.UTC(2020, 0, 1, 1, 2, 3))), "2020-01-01 01:02:03")
    assert.strictEqual(pythonStr([]), "[]")
    assert.strictEqual(pythonStr({}), "{}")
    assert.strictEqual(
      pythonStr([1, "a'b", 0.1, true, new Date(Date.UTC(2020, 0, 1, 1, 2, 0)), new Date(Date.UTC(2020, 0, 1, 1, 2, 3))]),
      `[1, "a'b", 0.1, True, datetime.datetime(2020, 1, 1, 1, 2), datetime.datetime(2020, 1, 1, 1, 2, 3)]`
    )
    assert.strictEqual(pythonStr({ k: 1, "é\"'": [[]] }), `{'k': 1, 'é"\\'': [[]]}`)
  })

  it("quotes strings as repr(str): escapes, and non-printable characters by code point", () => {
    assert.strictEqual(
      pythonStr(["tab\tnl\ncr\rbs\\ nbsp\u00a0 ls\u2028 shy\u00ad emoji\u{1F600} del\x7f"]),
      "['tab\\tnl\\ncr\\rbs\\\\ nbsp\\xa0 ls\\u2028 shy\\xad emoji\u{1F600} del\\x7f']"
    )
    assert.strictEqual(pythonStr([`"`, `'"`]), `['"', '\\'"']`)
  })
})
