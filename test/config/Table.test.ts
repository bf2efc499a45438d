import { describe, expect, it } from "@effect/vitest"
import * as Codecs from "../../src/config/Codecs.ts"
import { parseIni } from "../../src/config/Ini.ts"
import { formatIssue } from "../../src/config/Load.ts"
import * as Options from "../../src/config/Options.ts"
import { makeContext, reader, readOptions } from "../../src/config/Reader.ts"
import { custom, nested, option, optional, optionNames, optionRows, type Table } from "../../src/config/Table.ts"
import { testHost } from "../support/Configs.ts"

const ALL_TABLES: Readonly<Record<string, Table>> = {
  PROGRAM_OPTIONS: Options.PROGRAM_OPTIONS,
  stdout: Options.PROGRAM_OPTIONS.stdout.rows,
  stderr: Options.PROGRAM_OPTIONS.stderr.rows,
  LISTENER_OPTIONS: Options.LISTENER_OPTIONS,
  GROUP_OPTIONS: Options.GROUP_OPTIONS,
  SUPERVISORD_OPTIONS: Options.SUPERVISORD_OPTIONS,
  UNIX_SERVER_OPTIONS: Options.UNIX_SERVER_OPTIONS,
  INET_SERVER_OPTIONS: Options.INET_SERVER_OPTIONS,
  CTL_OPTIONS: Options.CTL_OPTIONS,
  INCLUDE_OPTIONS: Options.INCLUDE_OPTIONS
}

/** A toy table and the section `[t]` with `text`, read at `section` scope. */
const toy = {
  size: option("size", Codecs.integer, "3", "a size", { check: (n) => n > 10 ? `size ${n} is above 10` : undefined }),
  mode: optional("mode", Codecs.octal, "022", "a mode"),
  strict: option("strict", Codecs.boolean, "false", "strict"),
  stricter: option("stricter", Codecs.boolean, "false", "defaults to strict", { defaultFrom: "strict" }),
  perProcess: option("per_process", Codecs.integer, "7", "read per process", { scope: "process" }),
  name: custom<string>()("name", { example: "x" }, "read by hand")
}
const readToy = (text: string) => {
  const doc = parseIni(`[t]\n${text}`, "/t.conf").document
  const ctx = makeContext(testHost, "/", undefined)
  const values = readOptions(ctx, reader(ctx, doc.sections.get("t")!), toy, "section", {})
  return { values, issues: ctx.issues.map(formatIssue) }
}

describe("option tables", () => {
  it("readOptions decodes the rows of one scope: defaults, located issues, checks, defaultFrom", () => {
    expect(readToy("")).toEqual({ values: { size: 3, mode: undefined, strict: false, stricter: false }, issues: [] })
    expect(readToy("strict=yes\nmode=0o7\n").values).toEqual({ size: 3, mode: 7, strict: true, stricter: true })
    expect(readToy("strict=yes\nstricter=no\n").values.stricter).toBe(false)
    expect(readToy("size=x\n")).toEqual({
      values: { size: 3, mode: undefined, strict: false, stricter: false },
      issues: ["/t.conf:2: [t] size: invalid literal for int() with base 10: 'x'"]
    })
    expect(readToy("size=11\n")).toEqual({
      values: { size: 11, mode: undefined, strict: false, stricter: false },
      issues: ["/t.conf:2: [t] size: size 11 is above 10"]
    })
  })

  it("a default must decode: a bad one fails when the table is built", () => {
    expect(() => option("n", Codecs.integer, "ten", "")).toThrow("the default of n (ten) is invalid")
  })

  it("lists option names in order, nested rows flattened, shared names once", () => {
    const a = { x: option("x", Codecs.integer, "1", ""), inner: nested({ y: option("y_1", Codecs.text, "", ""), z: optional("z_1", Codecs.text, "", "") }) }
    expect(optionRows(a).map((r) => r.name)).toEqual(["x", "y_1", "z_1"])
    expect(optionNames(a, { x: option("x", Codecs.integer, "2", ""), w: option("w", Codecs.integer, "2", "") })).toEqual(["x", "y_1", "z_1", "w"])
    expect(optionNames(Options.PROGRAM_OPTIONS)).toContain("stderr_capture_maxbytes")
  })

  for (const [tableName, table] of Object.entries(ALL_TABLES)) {
    it(`${tableName}: every defaultFrom names an earlier decoded row of the same scope; names are unique`, () => {
      const fields = Object.keys(table)
      fields.forEach((field, i) => {
        const row = table[field]!
        if (row._tag !== "Decoded" || row.defaultFrom === undefined) return
        const source = table[row.defaultFrom]
        expect(source?._tag, `${field}.defaultFrom`).toBe("Decoded")
        expect(fields.indexOf(row.defaultFrom), `${field}.defaultFrom comes first`).toBeLessThan(i)
        expect(source!.scope, `${field}.defaultFrom has the same scope`).toBe(row.scope)
      })
      const names = optionRows(table).map((r) => r.name)
      expect(new Set(names).size).toBe(names.length)
    })
  }
})
