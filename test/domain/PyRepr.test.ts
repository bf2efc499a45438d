import { assert, describe, it } from "@effect/vitest"
import * as Cp from "node:child_process"
import { bytesRepr, strRepr } from "../../src/domain/PyRepr.ts"

const bytes = (...xs: ReadonlyArray<number | string>): Uint8Array =>
  new Uint8Array(xs.flatMap((x) => typeof x === "number" ? [x] : [...Buffer.from(x, "latin1")]))

// Expected outputs checked against CPython 3's repr().
describe("PyRepr", () => {
  it("bytes: quotes and escapes like CPython", () => {
    assert.strictEqual(bytesRepr(bytes("READY\n")), "b'READY\\n'")
    assert.strictEqual(bytesRepr(bytes("it's")), "b\"it's\"")
    assert.strictEqual(bytesRepr(bytes("'\"")), "b'\\'\"'")
    assert.strictEqual(bytesRepr(bytes("\\\t\r", 0, 0x7f, 0xff)), "b'\\\\\\t\\r\\x00\\x7f\\xff'")
    assert.strictEqual(bytesRepr(new Uint8Array(0)), "b''")
  })

  it("str: quotes like Python, printable non-ASCII stays, controls are escaped", () => {
    assert.strictEqual(strRepr("listener"), "'listener'")
    assert.strictEqual(strRepr("it's"), "\"it's\"")
    assert.strictEqual(strRepr("'\""), "'\\'\"'")
    assert.strictEqual(strRepr("a\nb\\"), "'a\\nb\\\\'")
    assert.strictEqual(strRepr("\x00\x1f\x7f\t\r"), "'\\x00\\x1f\\x7f\\t\\r'")
    assert.strictEqual(strRepr("é ✓\u0085\u00ad\u2028😀\udfff"), "'é ✓\\x85\\xad\\u2028😀\\udfff'")
  })

  it("str: every ASCII character, alone and among others, as CPython 3 prints it", () => {
    const samples = [...Array(128).keys()].flatMap((c) => {
      const ch = String.fromCharCode(c)
      return [ch, `a${ch}b`, `${ch}'`, `${ch}"`]
    })
    const python = Cp.execFileSync("python3", ["-c", "import json,sys; print(json.dumps([repr(s) for s in json.load(sys.stdin)]))"], {
      input: JSON.stringify(samples),
      encoding: "utf8"
    })
    assert.deepStrictEqual(samples.map(strRepr), JSON.parse(python) as Array<string>)
  })
})
