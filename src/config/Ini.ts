/**
 * supervisord's INI dialect (Python `RawConfigParser` with `inline_comment_prefixes=(';','#')`,
 * `strict=False`), parsed with the file and line of every section and value.
 *
 * Rules (shared/reference/supervisord-4.2.5.md §1.1):
 * - full-line comments start with `;` or `#` (after optional indentation);
 * - an inline `;`/`#` starts a comment only at column 0 or after whitespace, and quoting does not protect it;
 * - `name = value` and `name: value` (the first `=` or `:` splits), names lower-cased, values stripped;
 * - a line indented deeper than its option line continues the value (joined with `\n`), blank lines inside
 *   a value are kept, trailing blank lines are dropped;
 * - section names are case-sensitive; repeated sections and options merge, the last value wins;
 * - whitespace (indentation, stripping, the blank before an inline comment) is Python's `str.isspace`
 *   set: U+FEFF is not blank (a byte order mark is text), U+001C–U+001F and U+0085 are.
 *
 * Invariant: parsing never throws; every bad line becomes a located {@link ConfigIssue} and parsing goes on.
 * @since 0.1.0
 */
import type { ConfigIssue } from "./Types.ts"

/** One option value and where it was written (the line of its `name =`). */
export interface IniValue {
  readonly value: string
  readonly file: string
  readonly line: number
}

/** One section: its header's location and its options (lower-cased names, in first-seen order). */
export interface IniSection {
  readonly name: string
  readonly file: string
  readonly line: number
  readonly options: ReadonlyMap<string, IniValue>
}

/** A parsed (possibly merged) document: sections in first-seen order. */
export interface IniDocument {
  readonly sections: ReadonlyMap<string, IniSection>
}

/** The result of parsing one file: whatever could be read, plus every syntax problem. */
export interface IniParse {
  readonly document: IniDocument
  readonly issues: ReadonlyArray<ConfigIssue>
}

/** An empty document. */
export const emptyDocument: IniDocument = { sections: new Map() }

/** Python's whitespace (`str.isspace`, also `\s` in its `re`); JavaScript's `\s` differs (U+FEFF in, U+001C–U+001F and U+0085 out). */
export const PY_SPACE = "\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
const SPACE_RE = new RegExp(`[${PY_SPACE}]`)
const NON_SPACE_RE = new RegExp(`[^${PY_SPACE}]`)
const STRIP_RE = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, "g")
const STRIP_END_RE = new RegExp(`[${PY_SPACE}]+$`)
const SECTION_RE = /^\[([^]+)\]/
const OPTION_RE = new RegExp(`^([^]*?)[${PY_SPACE}]*([=:])[${PY_SPACE}]*([^]*)$`)

/** Python's `str.strip()`. */
export const strip = (text: string): string => text.replace(STRIP_RE, "")
/** Python's `str.rstrip()`. */
const stripEnd = (text: string): string => text.replace(STRIP_END_RE, "")

/**
 * Index where an inline comment starts, or -1. Mirrors RawConfigParser's scan: each round advances every
 * prefix to its next occurrence and stops at the first round where one is at column 0 or after whitespace.
 */
const inlineCommentStart = (line: string): number => {
  if (!line.includes(";") && !line.includes("#")) return -1 // most lines: no prefix at all
  let positions = new Map<string, number>([[";", -1], ["#", -1]])
  while (positions.size > 0) {
    const next = new Map<string, number>()
    let start = -1
    for (const [prefix, from] of positions) {
      const i = line.indexOf(prefix, from + 1)
      if (i < 0) continue
      next.set(prefix, i)
      if ((i === 0 || SPACE_RE.test(line[i - 1]!)) && (start < 0 || i < start)) start = i
    }
    if (start >= 0) return start
    positions = next
  }
  return -1
}

interface Building {
  readonly name: string
  readonly file: string
  readonly line: number
  readonly options: Map<string, { lines: Array<string>; file: string; line: number }>
}

/** Parse one file's text. `file` is recorded in every location. */
export const parseIni = (text: string, file: string): IniParse => {
  const sections = new Map<string, Building>()
  const issues: Array<ConfigIssue> = []
  let current: Building | undefined
  let option: string | undefined
  let indentLevel = 0
  const lines = text.split(/\r?\n/)
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop()
  lines.forEach((raw, index) => {
    const lineNo = index + 1
    const indent = raw.search(NON_SPACE_RE)
    const fullComment = indent >= 0 && (raw[indent] === ";" || raw[indent] === "#")
    const cut = fullComment ? 0 : inlineCommentStart(raw)
    const value = strip(cut >= 0 ? raw.slice(0, cut) : raw)
    if (value === "") {
      // a blank (comment-free) line inside a multi-line value is part of it
      if (cut < 0 && current !== undefined && option !== undefined) current.options.get(option)!.lines.push("")
      return
    }
    if (current !== undefined && option !== undefined && indent > indentLevel) {
      current.options.get(option)!.lines.push(value)
      return
    }
    indentLevel = indent
    const header = SECTION_RE.exec(value)
    if (header !== null) {
      const name = header[1]!
      current = sections.get(name) ?? { name, file, line: lineNo, options: new Map() }
      sections.set(name, current)
      option = undefined
      return
    }
    if (current === undefined) {
      issues.push({ file, line: lineNo, section: undefined, option: undefined,
        message: `expected a [section] header before the first option (got '${value}')` })
      return
    }
    const m = OPTION_RE.exec(value)
    if (m === null || strip(m[1]!) === "") {
      issues.push({ file, line: lineNo, section: current.name, option: undefined,
        message: `expected 'name = value', a [section] header or a comment (got '${value}')` })
      option = undefined
      return
    }
    option = stripEnd(m[1]!).toLowerCase()
    current.options.set(option, { lines: [strip(m[3]!)], file, line: lineNo })
  })
  const done = new Map<string, IniSection>()
  for (const s of sections.values()) {
    const options = new Map<string, IniValue>()
    for (const [k, v] of s.options) {
      // a one-line value is already stripped
      const value = v.lines.length === 1 ? v.lines[0]! : stripEnd(v.lines.join("\n"))
      options.set(k, { value, file: v.file, line: v.line })
    }
    done.set(s.name, { name: s.name, file: s.file, line: s.line, options })
  }
  return { document: { sections: done }, issues }
}

/** Merge `overlay` into `base` as RawConfigParser does when reading a second file: options of a repeated section override. */
export const mergeIni = (base: IniDocument, overlay: IniDocument): IniDocument => {
  const sections = new Map(base.sections)
  for (const s of overlay.sections.values()) {
    const old = sections.get(s.name)
    sections.set(s.name, old === undefined ? s : { ...old, options: new Map([...old.options, ...s.options]) })
  }
  return { sections }
}

/**
 * Rewrite every value of a document (e.g. `%(here)s` substitution for the file it came from).
 * Sections and values that `f` leaves unchanged (the same string) are kept, not copied.
 */
export const mapValues = (doc: IniDocument, f: (value: string) => string): IniDocument => {
  const sections = new Map<string, IniSection>()
  for (const s of doc.sections.values()) {
    let options: Map<string, IniValue> | undefined
    for (const [k, v] of s.options) {
      const value = f(v.value)
      if (value !== v.value) (options ??= new Map(s.options)).set(k, { ...v, value })
    }
    sections.set(s.name, options === undefined ? s : { ...s, options })
  }
  return { sections }
}
