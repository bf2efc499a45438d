/**
 * Fuzzing the XML-RPC codec (XmlRpc.ts over XmlScanner.ts), the control plane's trust boundary:
 * whatever the bytes, decoding returns a value or a located XmlRpcParseError — never a throw,
 * never more than a second, never a value larger than its input allows — and every value the
 * encoder writes reads back as itself.
 */
import { describe, expect, it } from "@effect/vitest"
import { Result } from "effect"
import fc from "fast-check"
import {
  decodeMethodCall,
  decodeMethodResponse,
  defaultLimits,
  encodeFault,
  encodeMethodCall,
  encodeResponse,
  type XmlRpcParseError,
  type XmlRpcValue
} from "../../src/rpc/XmlRpc.ts"
import { mutated, params, timeoutFor, withinDeadline } from "./fuzz.ts"

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes)

// Characters XML 1.0 allows, so that strings survive the round trip (others become U+FFFD).
const xmlChar = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(..."abc xyz<>&;'\"=/\n\t\r]]>!?-#") },
  { weight: 2, arbitrary: fc.integer({ min: 0x20, max: 0xd7ff }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c)) }
)
const xmlString = fc.string({ unit: xmlChar, maxLength: 40 })

/** Values the encoder writes and the decoder reads back unchanged. */
const value: fc.Arbitrary<XmlRpcValue> = fc.letrec<{ value: XmlRpcValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    xmlString,
    fc.maxSafeInteger().map((n) => (n === 0 ? 0 : n)),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Number.isSafeInteger(n)),
    fc.boolean(),
    fc.integer({ min: Date.UTC(1, 0, 1), max: Date.UTC(9999, 11, 31) }).map((ms) => new Date(Math.floor(ms / 1000) * 1000)),
    fc.uint8Array({ maxLength: 40 }),
    fc.array(tie("value"), { maxLength: 5 }),
    fc.dictionary(xmlString.filter((k) => k !== "__proto__"), tie("value"), { maxKeys: 5 })
  )
})).value

const methodName = fc.stringMatching(/^[A-Za-z_][\w.:]{0,30}$/)

const FRAGMENTS = [
  "<", ">", "&", "</", "/>", "<!DOCTYPE x [<!ENTITY a \"b\">]>", "<!ENTITY", "&a;", "&lol;", "&#0;", "&#x110000;",
  "&#xD800;", "&#65;", "&amp;", "<![CDATA[", "]]>", "<!--", "-->", "<?xml version='1.0'?>", "<?", "?>", "\uFEFF",
  "\u0000", "\uD800", "\uFFFE", "\r", "<value>", "</value>", "<array><data>", "</data></array>", "<struct>",
  "<member><name>", "</name>", "<int>", "<i8>99999999999999999999</i8>", "<double>1e999</double>", "<boolean>",
  "<base64>", "<dateTime.iso8601>", "<nil/>", "<params>", "<param>", "<methodName>", "</methodCall>", "<fault>",
  "<value><array><data>".repeat(70), " xmlns:x='y'", "a=\"b\""
]

// Almost-valid documents: the XML-RPC grammar with any type tag, any leaf text, blanks, comments
// and CDATA in between — they reach the parser's every state far more often than random text.
const blank = fc.constantFrom("", "", " ", "\n", "\r\n\t", "<!-- c -->")
const leafText = fc.oneof(
  fc.constantFrom("", "0", "1", "-7", "+3", "2.5e3", "nan", "-inf", "1e999", "99999999999999999999", "20240102T03:04:05",
    "2024-01-02T03:04:05Z", "aGk=", "!!!", " x ", "&amp;&lt;", "&#65;&#x1F600;", "<![CDATA[<a&b>]]>", "a<!-- c -->b"),
  fc.string({ unit: xmlChar, maxLength: 12 }).map((t) => t.replace(/[<&]/g, ""))
)
const TYPES = ["string", "int", "i4", "i8", "boolean", "double", "dateTime.iso8601", "base64", "nil", "ex:nil", "object"]
const sloppyValue: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    leafText.map((t) => `<value>${t}</value>`),
    fc.constant("<value/>"),
    fc.tuple(fc.constantFrom(...TYPES), leafText, blank).map(([type, t, b]) => `<value>${b}<${type}>${t}</${type}>${b}</value>`),
    fc.constantFrom(...TYPES).map((type) => `<value><${type}/></value>`),
    fc.tuple(fc.array(tie("value"), { maxLength: 4 }), blank).map(([vs, b]) => `<value><array>${b}<data>${vs.join(b)}</data></array></value>`),
    fc.tuple(fc.array(fc.tuple(leafText, tie("value"), blank), { maxLength: 4 }), blank).map(([ms, b]) =>
      `<value><struct>${b}${ms.map(([n, v, b2]) => `<member>${b2}<name>${n}</name>${b2}${v}${b2}</member>`).join(b)}</struct></value>`)
  )
})).value
const sloppyCall = fc.tuple(leafText, fc.array(sloppyValue, { maxLength: 3 }), blank, fc.boolean()).map(([name, vs, b, prolog]) =>
  `${prolog ? "<?xml version='1.0'?>" : ""}${b}<methodCall>${b}<methodName>${name}</methodName>${b}<params>${
    vs.map((v) => `<param>${b}${v}${b}</param>`).join(b)
  }</params>${b}</methodCall>${b}`)
const sloppyResponse = fc.tuple(sloppyValue, blank, fc.boolean()).map(([v, b, fault]) =>
  fault
    ? `<methodResponse>${b}<fault>${b}${v}${b}</fault>${b}</methodResponse>`
    : `<methodResponse>${b}<params>${b}<param>${b}${v}${b}</param>${b}</params>${b}</methodResponse>`)

const validCall = fc.tuple(methodName, fc.array(value, { maxLength: 4 })).map(([name, ps]) =>
  encodeMethodCall({ methodName: name, params: ps }))
const validResponse = value.map((v) => text(encodeResponse(v)))

/** Checks the decoder's contract on one input: a value or a located error, quickly, bounded in size. */
const decodesSafely = (input: string, decode: (body: string) => Result.Result<unknown, XmlRpcParseError>) => {
  const result = withinDeadline("decoding", () => decode(input))
  if (Result.isFailure(result)) {
    expect(result.failure._tag).toBe("XmlRpcParseError")
    if (input.length <= defaultLimits.maxBytes) expect(result.failure.message).toMatch(/at line \d+, column \d+$/)
  } else {
    // nothing can expand: no entity declarations, so a value is never larger than its text
    expect(JSON.stringify(result.success, (_k, v) => (v instanceof Uint8Array ? Array.from(v) : v)).length)
      .toBeLessThanOrEqual(4 * input.length + 100)
  }
}

describe("fuzz: XML-RPC codec", () => {
  it("reads back every method call and response it writes", () => {
    fc.assert(
      fc.property(methodName, fc.array(value, { maxLength: 4 }), (name, ps) => {
        const call = decodeMethodCall(encodeMethodCall({ methodName: name, params: ps }))
        expect(call).toEqual(Result.succeed({ methodName: name, params: ps }))
        const response = decodeMethodResponse(text(encodeResponse(ps)))
        expect(response).toEqual(Result.succeed({ _tag: "Success", value: ps }))
      }),
      params(400)
    )
  }, timeoutFor(400, 20))

  it("writes well-formed XML for any value, any string (forbidden characters become U+FFFD), any fault", () => {
    const anyString = fc.string({ unit: "binary", maxLength: 40 })
    const anyValue = fc.letrec<{ value: XmlRpcValue }>((tie) => ({
      value: fc.oneof(
        { depthSize: "small" },
        anyString,
        fc.double(),
        fc.array(tie("value"), { maxLength: 4 }),
        fc.dictionary(anyString, tie("value"), { maxKeys: 4 })
      )
    })).value
    fc.assert(
      fc.property(anyValue, fc.integer(), anyString, (v, code, message) => {
        expect(Result.isSuccess(decodeMethodResponse(text(encodeResponse(v))))).toBe(true)
        const fault = decodeMethodResponse(text(encodeFault({ faultCode: code, faultString: message })))
        expect(Result.isSuccess(fault) && fault.success._tag === "Fault").toBe(true)
      }),
      params(300)
    )
  }, timeoutFor(300, 20))

  it("decodes arbitrary text to a value or a located error, within the deadline", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary", maxLength: 200 }), fc.string({ unit: fc.constantFrom(...FRAGMENTS), maxLength: 30 })), (input) => {
        decodesSafely(input, decodeMethodCall)
        decodesSafely(input, decodeMethodResponse)
      }),
      params(1500)
    )
  }, timeoutFor(1500, 10))

  it("decodes almost-valid method calls and responses to a value or a located error, within the deadline", () => {
    fc.assert(fc.property(sloppyCall, (input) => decodesSafely(input, decodeMethodCall)), params(1500))
    fc.assert(fc.property(sloppyResponse, (input) => decodesSafely(input, decodeMethodResponse)), params(1000))
  }, timeoutFor(2500, 10))

  it("decodes mutated method calls and responses to a value or a located error, within the deadline", () => {
    const calls = fc.oneof(validCall, sloppyCall)
    fc.assert(fc.property(mutated(calls, FRAGMENTS), (input) => decodesSafely(input, decodeMethodCall)), params(1500))
    const responses = fc.oneof(validResponse, sloppyResponse)
    fc.assert(fc.property(mutated(responses, FRAGMENTS), (input) => decodesSafely(input, decodeMethodResponse)), params(1000))
  }, timeoutFor(2500, 10))

  it("refuses oversized and deeply nested documents quickly", () => {
    fc.assert(
      fc.property(fc.integer({ min: 65, max: 5000 }), fc.constantFrom("array", "struct"), (depth, kind) => {
        const open = kind === "array" ? "<value><array><data>" : "<value><struct><member><name>k</name>"
        const close = kind === "array" ? "</data></array></value>" : "</member></struct></value>"
        const doc = `<methodCall><methodName>m</methodName><params><param>${open.repeat(depth)}<value>x</value>${close.repeat(depth)}</param></params></methodCall>`
        const result = withinDeadline("a deep document", () => decodeMethodCall(doc))
        expect(Result.isFailure(result) && /nested deeper than 64/.test(result.failure.message)).toBe(true)
      }),
      params(50)
    )
    const huge = "<methodCall>" + " ".repeat(defaultLimits.maxBytes) + "</methodCall>"
    const result = withinDeadline("an oversized body", () => decodeMethodCall(huge))
    expect(Result.isFailure(result) && /too large/.test(result.failure.message)).toBe(true)
  })
})
