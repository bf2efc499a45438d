/**
 * The XML-RPC wire codec: a small, pure, hand-written tokenizer and recursive-descent parser
 * for `methodCall` / `methodResponse`, and encoders whose output has the shape Python's
 * `xmlrpc.client.dumps` produces (so supervisorctl reads it unchanged).
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

// Characters XML 1.0 does not allow, literally or as character references.
const INVALID_CHAR = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
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

/** Encodes a successful response carrying one value. */
export const encodeResponse = (value: XmlRpcValue): string =>
  `${HEADER}<methodResponse>\n<params>\n<param>\n${encodeValue(value)}</param>\n</params>\n</methodResponse>\n`

/** Encodes a fault response. */
export const encodeFault = (fault: Fault): string =>
  `${HEADER}<methodResponse>\n<fault>\n${
    encodeValue({ faultCode: fault.faultCode, faultString: fault.faultString })
  }</fault>\n</methodResponse>\n`

// ---------------------------------------------------------------------------------------------
// Tokenizer
// ---------------------------------------------------------------------------------------------

type Token =
  | { readonly _tag: "Open"; readonly name: string; readonly empty: boolean; readonly at: number }
  | { readonly _tag: "Close"; readonly name: string; readonly at: number }
  | { readonly _tag: "Text"; readonly text: string; readonly at: number }
  | { readonly _tag: "Eof"; readonly at: number }

/** Internal control flow only: caught at the entry points and turned into an XmlRpcParseError. */
class Failure {
  readonly reason: string
  readonly at: number
  constructor(reason: string, at: number) {
    this.reason = reason
    this.at = at
  }
}

const NAME = /[A-Za-z_:][-A-Za-z0-9_.:]*/y
const ATTRIBUTE = /\s+[A-Za-z_:][-A-Za-z0-9_.:]*\s*=\s*(?:"[^"<]*"|'[^'<]*')/y
const TAG_END = /\s*(\/?)>/y
const CLOSE_END = /\s*>/y
const PREDEFINED: Readonly<Record<string, string>> = { amp: "&", lt: "<", gt: ">", quot: "\"", apos: "'" }

/** Decodes the five predefined entities and numeric character references; anything else fails. */
const decodeEntities = (raw: string, at: number): string => {
  let amp = raw.indexOf("&")
  if (amp < 0) return raw
  let out = ""
  let from = 0
  while (amp >= 0) {
    const semi = raw.indexOf(";", amp)
    const ref = semi < 0 ? "" : raw.slice(amp + 1, semi)
    if (semi < 0 || ref.length === 0 || ref.length > 10) throw new Failure("bare '&' or unterminated entity reference", at + amp)
    let decoded = PREDEFINED[ref]
    if (decoded === undefined) {
      const m = /^#(?:x([0-9A-Fa-f]+)|([0-9]+))$/.exec(ref)
      if (m === null) throw new Failure(`undefined entity '&${ref};' (only the predefined entities are allowed)`, at + amp)
      const code = m[1] !== undefined ? parseInt(m[1], 16) : parseInt(m[2]!, 10)
      decoded = code <= 0x10FFFF ? String.fromCodePoint(code) : "\0"
      if (INVALID_CHAR.test(decoded) || (code >= 0xD800 && code <= 0xDFFF)) {
        throw new Failure(`character reference '&${ref};' is not a legal XML character`, at + amp)
      }
    }
    out += raw.slice(from, amp) + decoded
    from = semi + 1
    amp = raw.indexOf("&", from)
  }
  return out + raw.slice(from)
}

/** A pull tokenizer over a whole document; adjacent text, entity and CDATA pieces come out as one Text token. */
const makeLexer = (src: string, maxDepth: number) => {
  let pos = 0
  let peeked: Token | undefined

  const expectAt = (re: RegExp, what: string): RegExpExecArray => {
    re.lastIndex = pos
    const m = re.exec(src)
    if (m === null) throw new Failure(what, pos)
    pos = re.lastIndex
    return m
  }

  // Skips a comment or processing instruction at `pos`; returns false when `pos` starts neither.
  const skipMarkup = (): boolean => {
    if (src.startsWith("<!--", pos)) {
      const end = src.indexOf("-->", pos + 4)
      if (end < 0) throw new Failure("unterminated comment", pos)
      pos = end + 3
      return true
    }
    if (src.startsWith("<?", pos)) {
      const end = src.indexOf("?>", pos + 2)
      if (end < 0) throw new Failure("unterminated processing instruction", pos)
      pos = end + 2
      return true
    }
    return false
  }

  const readText = (): Token => {
    const at = pos
    let text = ""
    while (pos < src.length) {
      if (src.startsWith("<![CDATA[", pos)) {
        const end = src.indexOf("]]>", pos + 9)
        if (end < 0) throw new Failure("unterminated CDATA section", pos)
        text += src.slice(pos + 9, end)
        pos = end + 3
      } else if (src.startsWith("<!--", pos) || src.startsWith("<?", pos)) {
        skipMarkup()
      } else if (src[pos] === "<") {
        break
      } else {
        const next = src.indexOf("<", pos)
        const end = next < 0 ? src.length : next
        text += decodeEntities(src.slice(pos, end), pos)
        pos = end
      }
    }
    return { _tag: "Text", text, at }
  }

  const read = (): Token => {
    if (pos >= src.length) return { _tag: "Eof", at: pos }
    const at = pos
    if (src[pos] !== "<" || src.startsWith("<![CDATA[", pos) || src.startsWith("<!--", pos) || src.startsWith("<?", pos)) {
      return readText()
    }
    if (src.startsWith("<!", pos)) throw new Failure("DTDs and declarations (<!DOCTYPE, <!ENTITY) are not allowed", pos)
    if (src.startsWith("</", pos)) {
      pos += 2
      const name = expectAt(NAME, "malformed end tag")[0]
      expectAt(CLOSE_END, "malformed end tag")
      return { _tag: "Close", name, at }
    }
    pos += 1
    const name = expectAt(NAME, "malformed start tag")[0]
    for (;;) {
      ATTRIBUTE.lastIndex = pos
      if (ATTRIBUTE.exec(src) === null) break
      pos = ATTRIBUTE.lastIndex
    }
    const empty = expectAt(TAG_END, "malformed start tag")[1] === "/"
    return { _tag: "Open", name, empty, at }
  }

  return {
    maxDepth,
    peek: (): Token => (peeked ??= read()),
    next: (): Token => {
      const t = peeked ?? read()
      peeked = undefined
      return t
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------------------------

type Lexer = ReturnType<typeof makeLexer>

const isBlank = (s: string): boolean => s.trim().length === 0

const describe = (t: Token): string =>
  t._tag === "Open" ? `<${t.name}>` : t._tag === "Close" ? `</${t.name}>` : t._tag === "Text" ? "text" : "end of input"

/** Skips whitespace-only text; any other text here is an error. */
const skipBlank = (lx: Lexer): void => {
  const t = lx.peek()
  if (t._tag !== "Text") return
  if (!isBlank(t.text)) throw new Failure("unexpected text", t.at)
  lx.next()
}

/** Consumes `<name>` (or `<name/>`); returns true when it was self-closing. */
const open = (lx: Lexer, name: string): boolean => {
  skipBlank(lx)
  const t = lx.next()
  if (t._tag !== "Open" || t.name !== name) throw new Failure(`expected <${name}>, found ${describe(t)}`, t.at)
  return t.empty
}

const close = (lx: Lexer, name: string): void => {
  skipBlank(lx)
  const t = lx.next()
  if (t._tag !== "Close" || t.name !== name) throw new Failure(`expected </${name}>, found ${describe(t)}`, t.at)
}

/** Is the next non-blank token `<name>`? */
const peekOpen = (lx: Lexer, name: string): boolean => {
  skipBlank(lx)
  const t = lx.peek()
  return t._tag === "Open" && t.name === name
}

/** The text content of a leaf element whose start tag was just consumed. */
const leafText = (lx: Lexer, name: string, empty: boolean): string => {
  if (empty) return ""
  const t = lx.peek()
  const text = t._tag === "Text" ? (lx.next(), t.text) : ""
  const end = lx.next()
  if (end._tag !== "Close" || end.name !== name) throw new Failure(`expected </${name}>, found ${describe(end)}`, end.at)
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

const parseArray = (lx: Lexer, empty: boolean, depth: number): ReadonlyArray<XmlRpcValue> => {
  const items: Array<XmlRpcValue> = []
  if (empty) return items
  if (!open(lx, "data")) {
    while (peekOpen(lx, "value")) items.push(parseValue(lx, depth))
    close(lx, "data")
  }
  close(lx, "array")
  return items
}

const parseStruct = (lx: Lexer, empty: boolean, depth: number): { readonly [key: string]: XmlRpcValue } => {
  const struct: Record<string, XmlRpcValue> = {}
  if (empty) return struct
  while (peekOpen(lx, "member")) {
    const at = lx.peek().at
    if (open(lx, "member")) throw new Failure("empty <member>", at)
    const key = leafText(lx, "name", open(lx, "name"))
    const value = parseValue(lx, depth)
    close(lx, "member")
    // defineProperty: a "__proto__" key becomes an own property, never the prototype
    Object.defineProperty(struct, key, { value, enumerable: true, writable: true, configurable: true })
  }
  close(lx, "struct")
  return struct
}

/** Parses `<value>…</value>`; `depth` counts the arrays/structs this value is nested in. */
const parseValue = (lx: Lexer, depth: number): XmlRpcValue => {
  if (open(lx, "value")) return ""
  const first = lx.peek()
  if (first._tag === "Text" && !isBlank(first.text)) return leafText(lx, "value", false)
  skipBlank(lx)
  const t = lx.peek()
  if (t._tag === "Close" && t.name === "value") {
    lx.next()
    return first._tag === "Text" ? first.text : ""
  }
  if (t._tag !== "Open") throw new Failure(`expected a value, found ${describe(t)}`, t.at)
  lx.next()
  let value: XmlRpcValue
  if (t.name === "array" || t.name === "struct") {
    if (depth >= lx.maxDepth) throw new Failure(`values nested deeper than ${lx.maxDepth}`, t.at)
    value = t.name === "array" ? parseArray(lx, t.empty, depth + 1) : parseStruct(lx, t.empty, depth + 1)
  } else {
    value = scalar(t.name, leafText(lx, t.name, t.empty), t.at)
  }
  close(lx, "value")
  return value
}

/** Checks size and characters, skips the prolog, runs `body` on the root and checks nothing but markup follows. */
const parseDocument = <A>(src: string, limits: Limits, root: (lx: Lexer) => A): Result.Result<A, XmlRpcParseError> => {
  if (src.length > limits.maxBytes) {
    return Result.fail(new XmlRpcParseError({ message: `body too large (${src.length} > ${limits.maxBytes})` }))
  }
  // XML end-of-line handling: \r\n and lone \r read as \n
  const text = src.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n")
  try {
    const bad = INVALID_CHAR.exec(text)
    if (bad !== null) throw new Failure(`illegal XML character U+${bad[0].charCodeAt(0).toString(16).padStart(4, "0")}`, bad.index)
    const lx = makeLexer(text, limits.maxDepth)
    const value = root(lx)
    skipBlank(lx)
    const end = lx.next()
    if (end._tag !== "Eof") throw new Failure(`unexpected ${describe(end)} after the document element`, end.at)
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
  parseDocument(body, limits, (lx) => {
    if (open(lx, "methodCall")) throw new Failure("empty <methodCall>", 0)
    skipBlank(lx)
    const at = lx.peek().at
    const methodName = leafText(lx, "methodName", open(lx, "methodName")).trim()
    if (methodName.length === 0) throw new Failure("empty <methodName>", at)
    const params: Array<XmlRpcValue> = []
    if (peekOpen(lx, "params") && !open(lx, "params")) {
      while (peekOpen(lx, "param")) {
        if (open(lx, "param")) throw new Failure("empty <param>", lx.peek().at)
        params.push(parseValue(lx, 0))
        close(lx, "param")
      }
      close(lx, "params")
    }
    close(lx, "methodCall")
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
  parseDocument(body, limits, (lx): MethodResponse => {
    if (open(lx, "methodResponse")) throw new Failure("empty <methodResponse>", 0)
    let response: MethodResponse
    if (peekOpen(lx, "fault")) {
      const at = lx.peek().at
      if (open(lx, "fault")) throw new Failure("empty <fault>", at)
      response = { _tag: "Fault", fault: asFault(parseValue(lx, 0), at) }
      close(lx, "fault")
    } else {
      if (open(lx, "params")) throw new Failure("a response needs exactly one <param>", 0)
      if (open(lx, "param")) throw new Failure("empty <param>", 0)
      response = { _tag: "Success", value: parseValue(lx, 0) }
      close(lx, "param")
      close(lx, "params")
    }
    close(lx, "methodResponse")
    return response
  })
