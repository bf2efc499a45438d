import { describe, expect, it } from "@effect/vitest"
import { type IniDocument, mapValues, mergeIni, parseIni } from "../../src/config/Ini.ts"

const plain = (doc: IniDocument) =>
  Object.fromEntries([...doc.sections.values()].map((s) => [s.name, Object.fromEntries([...s.options].map(([k, v]) => [k, v.value]))]))
const parse = (text: string) => {
  const r = parseIni(text, "/etc/x.conf")
  expect(r.issues).toEqual([])
  return plain(r.document)
}

// Expected values were produced by supervisord's own UnhosedConfigParser (Python 3.11) on the same text.
describe("Ini", () => {
  it("accepts = and : delimiters, splits at the first one, lower-cases option names", () => {
    expect(parse("[a]\ncommand: /bin/cat\nx = 1\nY=2\nz:=3\nk = a=b:c\n")).toEqual({
      a: { command: "/bin/cat", x: "1", y: "2", z: "=3", k: "a=b:c" }
    })
  })

  it("strips full-line comments and inline comments only after whitespace (quotes do not protect)", () => {
    const text = "; c\n# c\n[a]\n  ; indented comment\nv = bash -c 'foo ; bar'\nw = a;b\nu = a #b\nt = x#y;z ;q\ns = a#b#c #d ;e\n"
    expect(parse(text)).toEqual({ a: { v: "bash -c 'foo", w: "a;b", u: "a", t: "x#y;z", s: "a#b#c #d" } })
  })

  it("strips, indents and splits inline comments by Python's whitespace: U+FEFF is text, U+001C and U+0085 are blank", () => {
    expect(parse("[a]\nx=0\ufeff\ny=a\x1c\n\x85z=1\nw=a\u00a0;c\nv=a\ufeff;c\n\ufeffu=1\n")).toEqual({
      a: { x: "0\ufeff", y: "a\nz=1", w: "a", v: "a\ufeff;c", "\ufeffu": "1" }
    })
  })

  it("joins indented continuation lines, keeping blank lines inside and dropping trailing ones", () => {
    expect(parse("[include]\nfiles = a.conf\n   b.conf\n\n   c.conf\n\nnext = 1\n")).toEqual({
      include: { files: "a.conf\nb.conf\n\nc.conf", next: "1" }
    })
    expect(parse("[a]\nx=1\n\n  y=2\n")).toEqual({ a: { x: "1\n\ny=2" } })
    expect(parse("[a]\n  x=1\n  y=2\n")).toEqual({ a: { x: "1", y: "2" } })
  })

  it("merges repeated sections (last value wins) and keeps section names case-sensitive", () => {
    expect(parse("[a]\nx=1\n[b]\ny=1\n[a]\nx=2\nz=3\n")).toEqual({ a: { x: "2", z: "3" }, b: { y: "1" } })
    expect(parse("[Prog:X]\nCommand=1\n")).toEqual({ "Prog:X": { command: "1" } })
  })

  it("reads headers with trailing text and empty values", () => {
    expect(parse("[a] ; comment\nx=1\n[b]junk\ny=2\n")).toEqual({ a: { x: "1" }, b: { y: "2" } })
    expect(parse("[a]\nx=\ny =   \n")).toEqual({ a: { x: "", y: "" } })
  })

  it("records the file and line of every section and value (CRLF too)", () => {
    const r = parseIni("; top\r\n[a]\r\nx = 1\r\n\r\ny = 2\r\n  more\r\n", "/f.conf")
    const a = r.document.sections.get("a")!
    expect([a.file, a.line]).toEqual(["/f.conf", 2])
    expect(a.options.get("x")).toEqual({ value: "1", file: "/f.conf", line: 3 })
    expect(a.options.get("y")).toEqual({ value: "2\nmore", file: "/f.conf", line: 5 })
  })

  it("reports every syntax error with its line and keeps parsing", () => {
    const r = parseIni("x=1\n[a]\nthis is not ini\ny=2\n=3\n", "/f.conf")
    expect(r.issues.map((i) => [i.line, i.section, i.message])).toEqual([
      [1, undefined, "expected a [section] header before the first option (got 'x=1')"],
      [3, "a", "expected 'name = value', a [section] header or a comment (got 'this is not ini')"],
      [5, "a", "expected 'name = value', a [section] header or a comment (got '=3')"]
    ])
    expect(plain(r.document)).toEqual({ a: { y: "2" } })
  })

  it("mergeIni overrides option by option, across files, keeping each value's own location", () => {
    const a = parseIni("[p]\nx=1\ny=1\n", "/a.conf").document
    const b = parseIni("[q]\nz=1\n[p]\ny=2\n", "/b.conf").document
    const m = mergeIni(a, b)
    expect(plain(m)).toEqual({ p: { x: "1", y: "2" }, q: { z: "1" } })
    expect(m.sections.get("p")!.options.get("y")).toMatchObject({ file: "/b.conf", line: 4 })
    expect(m.sections.get("p")!.file).toBe("/a.conf")
  })

  it("mapValues rewrites values and keeps locations", () => {
    const doc = mapValues(parseIni("[a]\nx=%(here)s/y\n", "/d/f.conf").document, (v) => v.replace("%(here)s", "/d"))
    expect(doc.sections.get("a")!.options.get("x")).toEqual({ value: "/d/y", file: "/d/f.conf", line: 2 })
  })
})
