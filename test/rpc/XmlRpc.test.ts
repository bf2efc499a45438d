import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import { execFileSync } from "node:child_process"
import {
  decodeMethodCall,
  decodeMethodResponse,
  encodeFault,
  encodeMethodCall,
  encodeResponse,
  type MethodCall,
  type MethodResponse,
  type XmlRpcValue
} from "../../src/rpc/XmlRpc.ts"

/** An encoded response as text. */
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes)

const call = (body: string): MethodCall => {
  const r = decodeMethodCall(body)
  if (Result.isFailure(r)) throw new Error(r.failure.message)
  return r.success
}
const callError = (body: string, limits?: { maxBytes: number; maxDepth: number }): string => {
  const r = decodeMethodCall(body, limits)
  assert.isTrue(Result.isFailure(r), "expected a parse error")
  return Result.isFailure(r) ? r.failure.message : ""
}
const response = (body: string): MethodResponse => {
  const r = decodeMethodResponse(body)
  if (Result.isFailure(r)) throw new Error(r.failure.message)
  return r.success
}
const wrap = (value: string) =>
  `<?xml version="1.0"?><methodCall><methodName>m</methodName><params><param>${value}</param></params></methodCall>`
const param = (value: string): XmlRpcValue => call(wrap(value)).params[0]!

const python = (script: string, input: string): string =>
  execFileSync("python3", ["-c", script], { input, encoding: "utf8" })

describe("XmlRpc encode", () => {
  it("produces Python xmlrpc.client's response shape byte for byte", () => {
    const value: XmlRpcValue = {
      a: [1, true, 1.5, "s<&>", new Uint8Array([104, 105]), new Date(Date.UTC(2024, 0, 2, 3, 4, 5))]
    }
    const expected = python(
      "import xmlrpc.client as x, datetime, sys\n" +
        "sys.stdout.write(x.dumps(({'a':[1,True,1.5,'s<&>',x.Binary(b'hi'),datetime.datetime(2024,1,2,3,4,5)]},), methodresponse=True))",
      ""
    )
    assert.strictEqual(text(encodeResponse(value)), expected)
  })

  it("produces Python's fault and methodCall shapes", () => {
    const fault = python(
      "import xmlrpc.client as x, sys\nsys.stdout.write(x.dumps(x.Fault(10, 'BAD_NAME: foo'), methodresponse=True))",
      ""
    )
    assert.strictEqual(text(encodeFault({ faultCode: 10, faultString: "BAD_NAME: foo" })), fault)
    const req = python("import xmlrpc.client as x, sys\nsys.stdout.write(x.dumps((1, 'a', []), 'supervisor.x'))", "")
    assert.strictEqual(encodeMethodCall({ methodName: "supervisor.x", params: [1, "a", []] }), req)
  })

  it("is read back by Python, including \\r, non-ASCII and forbidden characters", () => {
    const value: XmlRpcValue = { text: "a\r\nb\u00e9\u{1F600}\x1b[0m", n: -7, big: 2 ** 40, d: 0.25, ok: false }
    const out = python(
      "import xmlrpc.client as x, sys, json\n(v,), m = x.loads(sys.stdin.read())\nprint(json.dumps(v, sort_keys=True))",
      text(encodeResponse(value))
    )
    assert.deepStrictEqual(JSON.parse(out), { big: 2 ** 40, d: 0.25, n: -7, ok: false, text: "a\r\nb\u00e9\u{1F600}\uFFFD[0m" })
  })

  it("round-trips every value type through its own decoder", () => {
    const value: XmlRpcValue = [
      "",
      "x & y",
      0,
      -2147483648,
      3.5,
      true,
      new Uint8Array([0, 255, 10]),
      new Date(Date.UTC(1999, 11, 31, 23, 59, 59)),
      [],
      {},
      { nested: [{ deep: ["z"] }] }
    ]
    const r = response(text(encodeResponse(value)))
    assert.deepStrictEqual(r, { _tag: "Success", value })
    const f = response(text(encodeFault({ faultCode: 70, faultString: "NOT_RUNNING" })))
    assert.deepStrictEqual(f, { _tag: "Fault", fault: { faultCode: 70, faultString: "NOT_RUNNING" } })
    assert.deepStrictEqual(call(encodeMethodCall({ methodName: "a.b", params: [value] })), { methodName: "a.b", params: [value] })
  })
})

describe("XmlRpc decode", () => {
  it("reads what Python's xmlrpc.client sends", () => {
    const body = python(
      "import xmlrpc.client as x, sys\nsys.stdout.write(x.dumps(('foo:*', True, {'k': [1, 2.5]}), 'supervisor.startProcess'))",
      ""
    )
    assert.deepStrictEqual(call(body), { methodName: "supervisor.startProcess", params: ["foo:*", true, { k: [1, 2.5] }] })
  })

  it("accepts untyped values, i4, nil, CDATA, comments, attributes, entities and CRLF", () => {
    assert.strictEqual(param("<value>plain</value>"), "plain")
    assert.strictEqual(param("<value>  </value>"), "  ")
    assert.strictEqual(param("<value/>"), "")
    assert.strictEqual(param("<value><string/></value>"), "")
    assert.strictEqual(param("<value><i4> 42 </i4></value>"), 42)
    assert.strictEqual(param("<value><nil/></value>"), "")
    assert.strictEqual(param("<value><string><![CDATA[<a&b>]]></string></value>"), "<a&b>")
    assert.strictEqual(param("<value><string>a<!-- c -->b</string></value>"), "ab")
    assert.strictEqual(param("<value><string>&lt;&gt;&amp;&quot;&apos;&#65;&#x1F600;</string></value>"), "<>&\"'A\u{1F600}")
    assert.strictEqual(param("<value><string>a\r\nb\rc&#13;</string></value>"), "a\nb\nc\r")
    assert.strictEqual(call(`<methodCall xmlns:x="urn:y"><methodName>m</methodName></methodCall>`).params.length, 0)
    assert.strictEqual(call(`<methodCall><methodName>m</methodName><params/></methodCall>`).params.length, 0)
    assert.deepStrictEqual(param("<value><array><data/></array></value>"), [])
    assert.deepStrictEqual(param("<value><dateTime.iso8601>2024-01-02T03:04:05Z</dateTime.iso8601></value>"), new Date(Date.UTC(2024, 0, 2, 3, 4, 5)))
  })

  it("reads struct members the same in the wire's usual shape and in any other", () => {
    const struct = (members: string) => param(`<value><struct>${members}</struct></value>`)
    const usual = "<member>\n<name>n</name>\n<value><int>7</int></value>\n</member>\n" +
      "<member><name>s</name><value><string>a b</string></value></member>" +
      "<member> <name></name> <value>x</value> </member>"
    const other = "<member><!-- c --><name>n</name><value> <int>7</int> </value></member>" +
      "<member><name>s</name><value><string>a&#32;b</string></value></member>" +
      "<member> <name><![CDATA[]]></name> <value><![CDATA[x]]></value> </member>"
    assert.deepStrictEqual(struct(usual), { n: 7, s: "a b", "": "x" })
    assert.deepStrictEqual(struct(other), struct(usual))
    const at = (members: string) => callError(wrap(`<value><struct>${members}</struct></value>`)).replace(/.* at /, "")
    assert.strictEqual(
      at("<member> <name>n</name> <value><int>x</int></value> </member>"),
      at("<member> <name>n</name> <value><int>x</int></value><!-- c --> </member>")
    )
  })

  it("keeps __proto__ as an ordinary key", () => {
    const v = param("<value><struct><member><name>__proto__</name><value><int>1</int></value></member></struct></value>")
    assert.deepStrictEqual(Object.keys(v as object), ["__proto__"])
    assert.strictEqual(Object.getPrototypeOf(v), Object.prototype)
  })

  it("rejects DTDs and external or custom entities (billion laughs, XXE)", () => {
    const laughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>` +
      `<methodCall><methodName>&lol2;</methodName></methodCall>`
    assert.match(callError(laughs), /DTD/)
    const xxe = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>` +
      `<methodCall><methodName>&xxe;</methodName></methodCall>`
    assert.match(callError(xxe), /DTD/)
    assert.match(callError(`<methodCall><methodName>&xxe;</methodName></methodCall>`), /undefined entity/)
    assert.match(callError(`<methodCall><methodName>a & b</methodName></methodCall>`), /entity/)
    assert.match(callError(`<methodCall><methodName>&#0;</methodName></methodCall>`), /legal XML character/)
    assert.match(callError(`<methodCall><methodName>&#xD800;</methodName></methodCall>`), /legal XML character/)
  })

  it("bounds nesting depth and size", () => {
    const deep = "<value><array><data>".repeat(100) + "<value>x</value>" + "</data></array></value>".repeat(100)
    assert.match(callError(wrap(deep)), /nested deeper than 64/)
    const ok = "<value><array><data>".repeat(10) + "<value>x</value>" + "</data></array></value>".repeat(10)
    assert.match(callError(wrap(ok), { maxBytes: 1e6, maxDepth: 5 }), /nested deeper than 5/)
    const huge = wrap(`<value><string>${"a".repeat(2000)}</string></value>`)
    assert.match(callError(huge, { maxBytes: 1000, maxDepth: 8 }), /too large/)
    // the default limit admits large honest payloads quickly
    const big = "b".repeat(4 * 1024 * 1024)
    assert.strictEqual(param(`<value><string>${big}</string></value>`), big)
    // a flood of tags does not blow the stack
    const wide = "<value><array><data>" + "<value><int>1</int></value>".repeat(100_000) + "</data></array></value>"
    assert.strictEqual((param(wide) as ReadonlyArray<XmlRpcValue>).length, 100_000)
  })

  it("rejects bad characters", () => {
    assert.match(callError(wrap("<value>a\u0000b</value>")), /illegal XML character U\+0000/)
    assert.match(callError(wrap("<value>a\u001bb</value>")), /illegal XML character U\+001b/)
    assert.match(callError(wrap("<value>\uD800</value>")), /illegal XML character/)
    assert.match(callError(wrap("<value>\uFFFE</value>")), /illegal XML character/)
  })

  it("rejects malformed XML with a location", () => {
    assert.match(callError(""), /expected <methodCall>, found end of input at line 1, column 1/)
    assert.match(callError("<methodCall>\n<methodName>m</methodName>\n</methodcall>"), /expected <\/methodCall>.* at line 3, column 1/)
    assert.match(callError("<methodCall><methodName>m</methodName>"), /end of input/)
    assert.match(callError("<methodCall><methodName>m</methodName></methodCall><x/>"), /after the document element/)
    assert.match(callError("<methodCall><methodName>m</methodName></methodCall>junk"), /unexpected text/)
    assert.match(callError("<methodCall <methodName>m</methodName></methodCall>"), /malformed start tag/)
    assert.match(callError("<methodCall><!-- x</methodCall>"), /unterminated comment/)
    assert.match(callError("<methodCall><methodName>m</methodName><params><param><value><string>x</value></param></params></methodCall>"), /expected <\/string>/)
    assert.match(callError(wrap("<value>text<string>x</string></value>")), /expected <\/value>/)
  })

  it("rejects a missing or empty methodName", () => {
    assert.match(callError("<methodCall><params/></methodCall>"), /expected <methodName>/)
    assert.match(callError("<methodCall><methodName></methodName></methodCall>"), /empty <methodName>/)
    // spaces are part of the name, as supervisord reads it (an unknown method there, not an empty name)
    assert.deepStrictEqual(call("<methodCall><methodName>\n supervisor.getState </methodName></methodCall>"), {
      methodName: "\n supervisor.getState ",
      params: []
    })
    assert.match(callError("<methodResponse/>"), /expected <methodCall>/)
  })

  it("rejects values of the wrong type", () => {
    assert.match(callError(wrap("<value><int>abc</int></value>")), /invalid <int>/)
    assert.match(callError(wrap("<value><int>1.5</int></value>")), /invalid <int>/)
    assert.match(callError(wrap("<value><int>99999999999999999999</int></value>")), /invalid <int>/)
    assert.match(callError(wrap("<value><boolean>2</boolean></value>")), /invalid <boolean>/)
    assert.match(callError(wrap("<value><double>1e</double></value>")), /invalid <double>/)
    assert.match(callError(wrap("<value><base64>!!!!</base64></value>")), /invalid base64/)
    assert.match(callError(wrap("<value><dateTime.iso8601>yesterday</dateTime.iso8601></value>")), /invalid <dateTime/)
    assert.match(callError(wrap("<value><object/></value>")), /unknown value type <object>/)
    assert.match(callError(wrap("<value><struct><member><value>x</value></member></struct></value>")), /expected <name>/)
    assert.match(callError(wrap("<value><array><value>x</value></array></value>")), /expected <data>/)
  })

  it("validates fault structs in responses", () => {
    const bad = `<methodResponse><fault><value><struct><member><name>faultCode</name><value>x</value></member></struct></value></fault></methodResponse>`
    const r = decodeMethodResponse(bad)
    assert.isTrue(Result.isFailure(r) && /faultCode/.test(r.failure.message))
    const two = `<methodResponse><params><param><value>a</value></param><param><value>b</value></param></params></methodResponse>`
    assert.isTrue(Result.isFailure(decodeMethodResponse(two)))
  })
})
