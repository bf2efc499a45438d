/**
 * The XML-RPC wire codec: a small, pure recursive-descent parser for `methodCall` /
 * `methodResponse` over the hand-written tokenizer of XmlScanner.ts, and encoders whose output
 * has the shape Python's `xmlrpc.client.dumps` produces (so supervisorctl reads it unchanged).
 *
 * Invariants (the codec is a trust boundary):
 * - no DTD: `<!DOCTYPE` / `<!ENTITY` are rejected, so no entity can be declared or expanded;
 *   only the five predefined entities and numeric character references are decoded;
 * - bounded input size (`maxBytes`, measured as string length) and value nesting (`maxDepth`);
 * - characters XML 1.0 forbids (NUL, most C0 controls, lone surrogates, U+FFFE/U+FFFF) are
 *   rejected on decode, and replaced by U+FFFD on encode;
 * - every malformed input gives an `XmlRpcParseError` with a line and column, never a throw.
 * See shared/reference/supervisord-4.2.5.md §5.1.
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Result from "effect/Result"
import { CLOSE, EOF, Failure, INVALID_CHAR, OPEN, Scanner, TEXT } from "./XmlScanner.ts"

/** An XML-RPC value. number = <int>/<i4> when integral, else <double>; Uint8Array = <base64>; Date = <dateTime.iso8601>. */
export type XmlRpcValue =
  | string
  | number
  | boolean
  | Date
  | Uint8Array
  | ReadonlyArray<XmlRpcValue>
  | { readonly [key: string]: XmlRpcValue }

/** A decoded request: the method name and its positional parameters. */
export interface MethodCall {
  readonly methodName: string
  readonly params: ReadonlyArray<XmlRpcValue>
}

/** An XML-RPC fault (supervisord's codes are in Faults.ts). */
export interface Fault {
  readonly faultCode: number
  readonly faultString: string
}

/** A decoded response: one value, or a fault. */
export type MethodResponse =
  | { readonly _tag: "Success"; readonly value: XmlRpcValue }
  | { readonly _tag: "Fault"; readonly fault: Fault }

/** The body is not a well-formed, safe XML-RPC document; `message` says where and why. */
export class XmlRpcParseError extends Data.TaggedError("XmlRpcParseError")<{ readonly message: string }> {}

/** Bounds applied before and during decoding. */
export interface Limits {
  /** Maximum body length (string length, i.e. UTF-16 code units). */
  readonly maxBytes: number
  /** Maximum nesting of arrays/structs inside one value. */
  readonly maxDepth: number
}

/** Default limits for requests received by the server. */
export const defaultLimits: Limits = { maxBytes: 16 * 1024 * 1024, maxDepth: 64 }

/** Default limits for responses read by the client (whole log files can come back). */
export const responseLimits: Limits = { maxBytes: 512 * 1024 * 1024, maxDepth: 64 }

// ---------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------

const ESCAPED =
  /[&<>\r\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

const escapeChar = (c: string): string =>
  c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : c === "\r" ? "&#13;" : "\uFFFD"

// Anything ESCAPED could match (a superset: surrogates may be paired): most strings have none.
const MAYBE_ESCAPED = /[&<>\r\x00-\x08\x0B\x0C\x0E-\x1F\uD800-\uDFFF\uFFFE\uFFFF]/

/** Escapes text for element content; `\r` survives as `&#13;`, forbidden characters become U+FFFD. */
const escape = (s: string): string => (MAYBE_ESCAPED.test(s) ? s.replace(ESCAPED, escapeChar) : s)

const pad = (n: number, width = 2): string => String(n).padStart(width, "0")

const formatDate = (d: Date): string =>
  `${pad(d.getUTCFullYear(), 4)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}T` +
  `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`

const formatDouble = (n: number): string =>
  Number.isNaN(n) ? "nan" : n === Infinity ? "inf" : n === -Infinity ? "-inf" : String(n)

const toBase64 = (bytes: Uint8Array): string => {
  let binary = ""
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  }
  return btoa(binary)
}

/** The XML of one value. Built by string concatenation (V8 ropes), which beats joining an array of parts. */
const encodeValue = (value: XmlRpcValue): string => {
  if (typeof value === "string") return `<value><string>${escape(value)}</string></value>\n`
  if (typeof value === "number") {
    return Number.isSafeInteger(value)
      ? `<value><int>${value}</int></value>\n`
      : `<value><double>${formatDouble(value)}</double></value>\n`
  }
  if (typeof value === "boolean") return `<value><boolean>${value ? "1" : "0"}</boolean></value>\n`
  if (value instanceof Date) return `<value><dateTime.iso8601>${formatDate(value)}</dateTime.iso8601></value>\n`
  if (value instanceof Uint8Array) return `<value><base64>\n${toBase64(value)}\n</base64></value>\n`
  if (Array.isArray(value)) {
    let xml = "<value><array><data>\n"
    for (const item of value as ReadonlyArray<XmlRpcValue>) xml += encodeValue(item)
    return xml + "</data></array></value>\n"
  }
  let xml = "<value><struct>\n"
  for (const key in value) {
    xml += `<member>\n<name>${escape(key)}</name>\n${encodeValue((value as { readonly [key: string]: XmlRpcValue })[key]!)}</member>\n`
  }
  return xml + "</struct></value>\n"
}

const HEADER = "<?xml version='1.0'?>\n"

/** Encodes a request (`<methodCall>`), as a client sends it. */
export const encodeMethodCall = (call: MethodCall): string => {
  let xml = `${HEADER}<methodCall>\n<methodName>${escape(call.methodName)}</methodName>\n<params>\n`
  for (const param of call.params) xml += `<param>\n${encodeValue(param)}</param>\n`
  return xml + "</params>\n</methodCall>\n"
}

const utf8 = new TextEncoder()

/** Scratch space for encoding responses, kept between them (up to SCRATCH_KEPT bytes). */
let scratch = new Uint8Array(64 * 1024)
const SCRATCH_KEPT = 1024 * 1024

/**
 * UTF-8 bytes built from a run of strings, each encoded as it comes, into the scratch space; the
 * answer is one exact-size copy. A large answer (all process infos) thus never exists as one
 * large string (V8 puts those in large-object space, and every request would cost a major GC),
 * nor as a series of ever larger buffers.
 */
const byteSink = () => {
  let buf = scratch
  let len = 0
  return {
    put: (s: string): void => {
      const need = s.length * 3 // UTF-8 bytes per UTF-16 unit, at most
      if (buf.length - len < need) {
        let size = buf.length * 2
        while (size - len < need) size *= 2
        const bigger = new Uint8Array(size)
        bigger.set(buf.subarray(0, len))
        buf = bigger
      }
      len += utf8.encodeInto(s, buf.subarray(len)).written
    },
    bytes: (): Uint8Array => {
      if (buf.length <= SCRATCH_KEPT) scratch = buf
      return buf.slice(0, len)
    }
  }
}

// Encodings of structs and arrays answered as items of a list, by identity: values are immutable,
// and a caller that answers with the same object again (a process info that did not change)
// gets its XML again without re-encoding it. An item that is itself a list (a multicall's
// answers) has its own items encoded the same way, so the structs it shares with other answers
// are encoded once, and its XML is a short rope over theirs.
const encodedItems = new WeakMap<object, string>()

const encodeItem = (item: XmlRpcValue): string => {
  if (typeof item !== "object" || item instanceof Date || item instanceof Uint8Array) return encodeValue(item)
  let xml = encodedItems.get(item)
  if (xml === undefined) {
    xml = Array.isArray(item) ? encodeList(item as ReadonlyArray<XmlRpcValue>) : encodeValue(item)
    encodedItems.set(item, xml)
  }
  return xml
}

const encodeList = (items: ReadonlyArray<XmlRpcValue>): string => {
  let xml = "<value><array><data>\n"
  for (const item of items) xml += encodeItem(item)
  return xml + "</data></array></value>\n"
}

/**
 * The length (UTF-16 code units) of a value's XML as an item of an array answer. A struct or
 * array's encoding is kept (by identity), so answering it afterwards costs no second encoding.
 */
export const encodedItemLength = (item: XmlRpcValue): number => encodeItem(item).length

/** Encodes a successful response carrying one value, as UTF-8 (an array's items one at a time). */
export const encodeResponse = (value: XmlRpcValue): Uint8Array => {
  const sink = byteSink()
  sink.put(`${HEADER}<methodResponse>\n<params>\n<param>\n`)
  if (Array.isArray(value)) {
    sink.put("<value><array><data>\n")
    for (const item of value as ReadonlyArray<XmlRpcValue>) sink.put(encodeItem(item))
    sink.put("</data></array></value>\n")
  } else {
    sink.put(encodeValue(value))
  }
  sink.put("</param>\n</params>\n</methodResponse>\n")
  return sink.bytes()
}

/** Encodes a fault response, as UTF-8. */
export const encodeFault = (fault: Fault): Uint8Array =>
  utf8.encode(
    `${HEADER}<methodResponse>\n<fault>\n${
      encodeValue({ faultCode: fault.faultCode, faultString: fault.faultString })
    }</fault>\n</methodResponse>\n`
  )

// ---------------------------------------------------------------------------------------------
// Parser (over the tokens of XmlScanner.ts)
// ---------------------------------------------------------------------------------------------

const isBlank = (s: string): boolean => s.trim().length === 0

/** Skips whitespace-only text; any other text here is an error. */
const skipBlank = (sc: Scanner): void => {
  if (sc.peek() !== TEXT) return
  if (!isBlank(sc.text)) throw new Failure("unexpected text", sc.at)
  sc.next()
}

/** Consumes `<name>` (or `<name/>`); returns true when it was self-closing. */
const open = (sc: Scanner, name: string): boolean => {
  skipBlank(sc)
  if (sc.next() !== OPEN || !sc.named(name)) throw new Failure(`expected <${name}>, found ${sc.describe()}`, sc.at)
  return sc.empty
}

const close = (sc: Scanner, name: string): void => {
  skipBlank(sc)
  if (sc.next() !== CLOSE || !sc.named(name)) throw new Failure(`expected </${name}>, found ${sc.describe()}`, sc.at)
}

/** Is the next non-blank token `<name>`? */
const peekOpen = (sc: Scanner, name: string): boolean => {
  skipBlank(sc)
  return sc.peek() === OPEN && sc.named(name)
}

/** The text content of a leaf element whose start tag was just consumed. */
const leafText = (sc: Scanner, name: string, empty: boolean): string => {
  if (empty) return ""
  const text = sc.peek() === TEXT ? (sc.next(), sc.text) : ""
  if (sc.next() !== CLOSE || !sc.named(name)) throw new Failure(`expected </${name}>, found ${sc.describe()}`, sc.at)
  return text
}

const INT = /^[+-]?\d+$/
const DOUBLE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/
const SPECIAL_DOUBLE: Readonly<Record<string, number>> = {
  nan: NaN, inf: Infinity, "+inf": Infinity, "-inf": -Infinity, infinity: Infinity, "+infinity": Infinity, "-infinity": -Infinity
}
const DATE = /^(\d{4})-?(\d{2})-?(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?Z?$/
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

const fromBase64 = (s: string, at: number): Uint8Array => {
  const clean = s.replace(/\s+/g, "")
  if (clean.length % 4 !== 0 || !BASE64.test(clean)) throw new Failure("invalid base64", at)
  const binary = atob(clean)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

const scalar = (type: string, raw: string, at: number): XmlRpcValue => {
  const s = raw.trim()
  switch (type) {
    case "string":
      return raw
    case "nil":
      return ""
    case "int":
    case "i4":
    case "i8": {
      const n = Number(s)
      if (!INT.test(s) || !Number.isSafeInteger(n)) throw new Failure(`invalid <${type}> value '${s.slice(0, 40)}'`, at)
      return n
    }
    case "double": {
      const special = SPECIAL_DOUBLE[s.toLowerCase()]
      if (special !== undefined) return special
      if (!DOUBLE.test(s)) throw new Failure(`invalid <double> value '${s.slice(0, 40)}'`, at)
      return Number(s)
    }
    case "boolean":
      if (s === "1") return true
      if (s === "0") return false
      throw new Failure(`invalid <boolean> value '${s.slice(0, 40)}'`, at)
    case "dateTime.iso8601": {
      const m = DATE.exec(s)
      const d = m === null ? new Date(NaN) : new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!))
      if (Number.isNaN(d.getTime())) throw new Failure(`invalid <dateTime.iso8601> value '${s.slice(0, 40)}'`, at)
      return d
    }
    case "base64":
      return fromBase64(raw, at)
    default:
      throw new Failure(`unknown value type <${type}>`, at)
  }
}

const parseArray = (sc: Scanner, empty: boolean, depth: number): ReadonlyArray<XmlRpcValue> => {
  const items: Array<XmlRpcValue> = []
  if (empty) return items
  if (!open(sc, "data")) {
    while (peekOpen(sc, "value")) items.push(parseValue(sc, depth))
    close(sc, "data")
  }
  close(sc, "array")
  return items
}

/**
 * The shape nearly every struct member has on the wire (`<member>\n<name>pid</name>\n<value><int>7</int></value>\n</member>`,
 * as Python's xmlrpc.client and our encoder write it): one sticky match instead of a dozen tokens. Its text has
 * no `&` and no markup, so it reads exactly as the token path would read it; anything else takes that path.
 */
const SIMPLE_MEMBER =
  /\s*<member>\s*<name>([^<&]*)<\/name>\s*<value>(?:<(string|int|i4|boolean|double)>([^<&]*)<\/\2>|([^<&]*))<\/value>(\s*<\/member>)/y

/** Sets a member; a "__proto__" key becomes an own property, never the prototype. */
const put = (struct: Record<string, XmlRpcValue>, key: string, value: XmlRpcValue): void => {
  if (key === "__proto__") Object.defineProperty(struct, key, { value, enumerable: true, writable: true, configurable: true })
  else struct[key] = value
}

/** Reads a whole member into `struct` with `SIMPLE_MEMBER`; false, and nothing consumed, when it does not match. */
const simpleMember = (sc: Scanner, struct: Record<string, XmlRpcValue>): boolean => {
  const m = sc.match(SIMPLE_MEMBER)
  if (m === null) return false
  const type = m[2]
  if (type === undefined) {
    put(struct, m[1]!, m[4]!)
  } else {
    const text = m[3]!
    // the offset of `<type>`, where the token path reports a bad scalar
    const at = sc.offset() - m[5]!.length - "</value>".length - (type.length + 3) - text.length - (type.length + 2)
    put(struct, m[1]!, scalar(type, text, at))
  }
  return true
}

/** Reads the next member into `struct` with the token path; false at the end of the struct. */
const member = (sc: Scanner, struct: Record<string, XmlRpcValue>, depth: number): boolean => {
  if (!peekOpen(sc, "member")) return false
  const at = sc.at
  if (open(sc, "member")) throw new Failure("empty <member>", at)
  const key = leafText(sc, "name", open(sc, "name"))
  put(struct, key, parseValue(sc, depth))
  close(sc, "member")
  return true
}

const parseStruct = (sc: Scanner, empty: boolean, depth: number): { readonly [key: string]: XmlRpcValue } => {
  const struct: Record<string, XmlRpcValue> = {}
  if (empty) return struct
  let more = true
  while (more) more = simpleMember(sc, struct) || member(sc, struct, depth)
  close(sc, "struct")
  return struct
}

/** Parses `<value>…</value>`; `depth` counts the arrays/structs this value is nested in. */
const parseValue = (sc: Scanner, depth: number): XmlRpcValue => {
  if (open(sc, "value")) return ""
  let blank = ""
  if (sc.peek() === TEXT) {
    if (!isBlank(sc.text)) return leafText(sc, "value", false)
    blank = sc.text
    sc.next()
  }
  const kind = sc.next()
  if (kind === CLOSE && sc.named("value")) return blank
  if (kind !== OPEN) throw new Failure(`expected a value, found ${sc.describe()}`, sc.at)
  const at = sc.at
  let value: XmlRpcValue
  if (sc.named("array") || sc.named("struct")) {
    if (depth >= sc.maxDepth) throw new Failure(`values nested deeper than ${sc.maxDepth}`, at)
    value = sc.named("array") ? parseArray(sc, sc.empty, depth + 1) : parseStruct(sc, sc.empty, depth + 1)
  } else {
    const type = sc.name()
    value = scalar(type, leafText(sc, type, sc.empty), at)
  }
  close(sc, "value")
  return value
}

/** Checks size and characters, skips the prolog, runs `body` on the root and checks nothing but markup follows. */
const parseDocument = <A>(src: string, limits: Limits, root: (sc: Scanner) => A): Result.Result<A, XmlRpcParseError> => {
  if (src.length > limits.maxBytes) {
    return Result.fail(new XmlRpcParseError({ message: `body too large (${src.length} > ${limits.maxBytes})` }))
  }
  // XML end-of-line handling: \r\n and lone \r read as \n
  const text = src.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n")
  try {
    const bad = INVALID_CHAR.exec(text)
    if (bad !== null) throw new Failure(`illegal XML character U+${bad[0].charCodeAt(0).toString(16).padStart(4, "0")}`, bad.index)
    const sc = new Scanner(text, limits.maxDepth)
    const value = root(sc)
    skipBlank(sc)
    if (sc.next() !== EOF) throw new Failure(`unexpected ${sc.describe()} after the document element`, sc.at)
    return Result.succeed(value)
  } catch (e) {
    if (!(e instanceof Failure)) throw e
    const before = text.slice(0, e.at)
    const line = before.split("\n").length
    const column = e.at - before.lastIndexOf("\n")
    return Result.fail(new XmlRpcParseError({ message: `${e.reason} at line ${line}, column ${column}` }))
  }
}

/** Decodes a `<methodCall>` request body. */
export const decodeMethodCall = (body: string, limits: Limits = defaultLimits): Result.Result<MethodCall, XmlRpcParseError> =>
  parseDocument(body, limits, (sc) => {
    if (open(sc, "methodCall")) throw new Failure("empty <methodCall>", 0)
    skipBlank(sc)
    sc.peek()
    const at = sc.at
    // the name as written, spaces and all: supervisord (xmlrpc.py `loads`) takes the element's
    // text, so ` supervisor.getState ` or ` ` is an unknown method there, not an empty name
    const methodName = leafText(sc, "methodName", open(sc, "methodName"))
    if (methodName.length === 0) throw new Failure("empty <methodName>", at)
    const params: Array<XmlRpcValue> = []
    if (peekOpen(sc, "params") && !open(sc, "params")) {
      while (peekOpen(sc, "param")) {
        if (open(sc, "param")) throw new Failure("empty <param>", (sc.peek(), sc.at))
        params.push(parseValue(sc, 0))
        close(sc, "param")
      }
      close(sc, "params")
    }
    close(sc, "methodCall")
    return { methodName, params }
  })

const asFault = (value: XmlRpcValue, at: number): Fault => {
  const v = value as { readonly faultCode?: XmlRpcValue; readonly faultString?: XmlRpcValue }
  if (typeof value !== "object" || value instanceof Date || value instanceof Uint8Array || Array.isArray(value) ||
    typeof v.faultCode !== "number" || typeof v.faultString !== "string") {
    throw new Failure("a <fault> must hold a struct with an int faultCode and a string faultString", at)
  }
  return { faultCode: v.faultCode, faultString: v.faultString }
}

/** Decodes a `<methodResponse>` body: the single returned value, or the fault. */
export const decodeMethodResponse = (
  body: string,
  limits: Limits = responseLimits
): Result.Result<MethodResponse, XmlRpcParseError> =>
  parseDocument(body, limits, (sc): MethodResponse => {
    if (open(sc, "methodResponse")) throw new Failure("empty <methodResponse>", 0)
    let response: MethodResponse
    if (peekOpen(sc, "fault")) {
      const at = sc.at
      if (open(sc, "fault")) throw new Failure("empty <fault>", at)
      response = { _tag: "Fault", fault: asFault(parseValue(sc, 0), at) }
      close(sc, "fault")
    } else {
      if (open(sc, "params")) throw new Failure("a response needs exactly one <param>", 0)
      if (open(sc, "param")) throw new Failure("empty <param>", 0)
      response = { _tag: "Success", value: parseValue(sc, 0) }
      close(sc, "param")
      close(sc, "params")
    }
    close(sc, "methodResponse")
    return response
  })
