/**
 * The XML tokenizer under the XML-RPC codec (XmlRpc.ts): a cursor over a whole document that
 * holds the current token in mutable fields instead of allocating one object per token, and
 * finds tags with `indexOf`/`startsWith`/`charCodeAt` and one sticky regex `test` per name. A
 * status answer for 200 programs is ~50 000 tokens decoded once by a freshly started `effsup ctl`,
 * whose code has not been optimised yet and whose young generation is 1 MiB (the shebang's flag),
 * so per-token allocations and regex matches were most of its cost. `match` lets the parser read
 * a whole run of the usual wire shape with one regex (XmlRpc.ts, struct members).
 *
 * Invariants: only the five predefined entities and numeric character references are decoded;
 * `<!DOCTYPE`/`<!ENTITY` (any `<!` other than a comment or CDATA) fail; adjacent text, entity
 * and CDATA pieces come out as one text token, comments and processing instructions are
 * skipped; every malformed input throws a `Failure` with its offset, never anything else.
 * Callers normalise line ends and check characters (`INVALID_CHAR`) first.
 * @since 0.1.0
 */

/** Characters XML 1.0 does not allow, literally or as character references. */
export const INVALID_CHAR =
  /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** Why and where a document is malformed; internal control flow, turned into an error by the codec. */
export class Failure {
  readonly reason: string
  readonly at: number
  constructor(reason: string, at: number) {
    this.reason = reason
    this.at = at
  }
}

/** The kind of the current token. */
export type TokenKind = typeof OPEN | typeof CLOSE | typeof TEXT | typeof EOF
/** A start tag `<name …>` or `<name …/>`. */
export const OPEN = 0
/** An end tag `</name>`. */
export const CLOSE = 1
/** Character data (with entities and CDATA decoded). */
export const TEXT = 2
/** The end of the document. */
export const EOF = 3

const LT = 0x3C // <
const GT = 0x3E // >
const SLASH = 0x2F
const BANG = 0x21
const QUESTION = 0x3F

const NAME = /[A-Za-z_:][-A-Za-z0-9_.:]*/y
// The uncommon shapes of a tag (attributes, blanks before `>`) take these.
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

/** A pull tokenizer over `src`; `peek`/`next` fill the token fields (`kind`, `at`, `empty`, `text`, the name). */
export class Scanner {
  readonly src: string
  /** Maximum nesting of arrays/structs the parser allows. */
  readonly maxDepth: number
  /** The offset of the current token. */
  at = 0
  /** The current token's kind. */
  kind: TokenKind = EOF
  /** For OPEN: whether the tag is self-closing. */
  empty = false
  /** For TEXT: the decoded text. */
  text = ""
  private pos = 0
  private held = false
  private nameStart = 0
  private nameEnd = 0

  constructor(src: string, maxDepth: number) {
    this.src = src
    this.maxDepth = maxDepth
  }

  /** The kind of the next token, which stays current until `next`. */
  peek(): TokenKind {
    if (!this.held) {
      this.read()
      this.held = true
    }
    return this.kind
  }

  /** Makes the next token current and consumes it. */
  next(): TokenKind {
    const kind = this.peek()
    this.held = false
    return kind
  }

  /**
   * Matches the sticky `re` where the next token starts (a peeked token counts as unread) and moves
   * past the match, dropping the peeked token; null, and nothing consumed, when it does not match.
   * Gotchas: the match is raw source; `re` must only match text that decodes to itself (no `&`, no markup).
   */
  match(re: RegExp): RegExpExecArray | null {
    re.lastIndex = this.held ? this.at : this.pos
    const m = re.exec(this.src)
    if (m !== null) {
      this.pos = re.lastIndex
      this.held = false
    }
    return m
  }

  /** The offset after the last token consumed or match made. */
  offset(): number {
    return this.held ? this.at : this.pos
  }

  /** Is the current tag named `name`? (No string is made.) */
  named(name: string): boolean {
    return this.nameEnd - this.nameStart === name.length && this.src.startsWith(name, this.nameStart)
  }

  /** The current tag's name. */
  name(): string {
    return this.src.slice(this.nameStart, this.nameEnd)
  }

  /** The current token as error messages show it: `<name>`, `</name>`, `text` or `end of input`. */
  describe(): string {
    return this.kind === OPEN ? `<${this.name()}>` : this.kind === CLOSE ? `</${this.name()}>` : this.kind === TEXT ? "text" : "end of input"
  }

  private read(): void {
    const src = this.src
    const at = this.pos
    this.at = at
    if (at >= src.length) {
      this.kind = EOF
      return
    }
    if (src.charCodeAt(at) !== LT) return this.readText()
    const c = src.charCodeAt(at + 1)
    if (c === QUESTION || (c === BANG && (src.startsWith("<!--", at) || src.startsWith("<![CDATA[", at)))) return this.readText()
    if (c === BANG) throw new Failure("DTDs and declarations (<!DOCTYPE, <!ENTITY) are not allowed", at)
    if (c === SLASH) {
      this.kind = CLOSE
      const end = this.scanName(at + 2, "malformed end tag")
      this.pos = src.charCodeAt(end) === GT ? end + 1 : end + this.expect(CLOSE_END, end, "malformed end tag")[0].length
      return
    }
    this.kind = OPEN
    let end = this.scanName(at + 1, "malformed start tag")
    const d = src.charCodeAt(end)
    if (d === GT) {
      this.empty = false
      this.pos = end + 1
    } else if (d === SLASH && src.charCodeAt(end + 1) === GT) {
      this.empty = true
      this.pos = end + 2
    } else {
      for (;;) {
        ATTRIBUTE.lastIndex = end
        if (ATTRIBUTE.exec(src) === null) break
        end = ATTRIBUTE.lastIndex
      }
      const tagEnd = this.expect(TAG_END, end, "malformed start tag")
      this.empty = tagEnd[1] === "/"
      this.pos = end + tagEnd[0].length
    }
  }

  /** Matches the sticky `re` at `from` or fails with `what`. */
  private expect(re: RegExp, from: number, what: string): RegExpExecArray {
    re.lastIndex = from
    const m = re.exec(this.src)
    if (m === null) throw new Failure(what, from)
    return m
  }

  /** Scans the name starting at `from` into the name fields and returns the offset after it. */
  private scanName(from: number, what: string): number {
    NAME.lastIndex = from
    if (!NAME.test(this.src)) throw new Failure(what, from)
    const end = NAME.lastIndex
    this.nameStart = from
    this.nameEnd = end
    return end
  }

  /** Reads character data up to the next tag, decoding entities and CDATA and skipping comments and PIs. */
  private readText(): void {
    const src = this.src
    let pos = this.pos
    let text = ""
    while (pos < src.length) {
      const lt = src.indexOf("<", pos)
      const end = lt < 0 ? src.length : lt
      if (end > pos) text += decodeEntities(src.slice(pos, end), pos)
      pos = end
      if (lt < 0) break
      if (src.startsWith("<![CDATA[", lt)) {
        const close = src.indexOf("]]>", lt + 9)
        if (close < 0) throw new Failure("unterminated CDATA section", lt)
        text += src.slice(lt + 9, close)
        pos = close + 3
      } else if (src.startsWith("<!--", lt)) {
        const close = src.indexOf("-->", lt + 4)
        if (close < 0) throw new Failure("unterminated comment", lt)
        pos = close + 3
      } else if (src.charCodeAt(lt + 1) === QUESTION) {
        const close = src.indexOf("?>", lt + 2)
        if (close < 0) throw new Failure("unterminated processing instruction", lt)
        pos = close + 2
      } else {
        break
      }
    }
    this.pos = pos
    this.kind = TEXT
    this.text = text
  }
}
