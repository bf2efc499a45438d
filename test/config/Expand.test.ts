import { describe, expect, it } from "@effect/vitest"
import { Result } from "effect"
import { expand, substituteHere } from "../../src/config/Expand.ts"

const vars = { program_name: "web", process_num: 7, numprocs: 2, here: "/etc" }
const ok = (t: string) => Result.getOrThrow(expand(t, vars, "program:web.command"))
const err = (t: string) => {
  const r = expand(t, vars, "program:web.command")
  if (Result.isSuccess(r)) throw new Error(`expected a failure for ${t}`)
  return r.failure
}

// Expected outputs checked against Python's `%` operator.
describe("Expand", () => {
  it("expands %(name)s, %(n)d, %(n)02d, widths and %%", () => {
    expect(ok("/bin/%(program_name)s -n %(process_num)d")).toBe("/bin/web -n 7")
    expect(ok("%(program_name)s_%(process_num)02d")).toBe("web_07")
    expect(ok("%(program_name)5s|%(process_num)-4d|%(process_num).3d|%(process_num)x")).toBe("  web|7   |007|7")
    expect(ok("100%% of %(numprocs)s")).toBe("100% of 2")
    expect(ok("%(program_name)r")).toBe("'web'")
    expect(ok("no percent")).toBe("no percent")
  })

  it("names the unknown variable and lists the available ones (sorted)", () => {
    expect(err("/bin/echo %(foo)s")).toBe(
      "Format string '/bin/echo %(foo)s' for 'program:web.command' contains names ('foo') which cannot be expanded. Available names: here, numprocs, process_num, program_name"
    )
  })

  it("rejects a lone %, an unclosed key, an unknown conversion and %d of a string", () => {
    expect(err("/bin/echo 100%")).toBe("Format string '/bin/echo 100%' for 'program:web.command' is badly formatted: incomplete format")
    expect(err("%(program_name)s%")).toContain("is badly formatted: incomplete format")
    expect(err("%(foo")).toContain("is badly formatted: incomplete format key")
    expect(err("%z")).toContain("is badly formatted: unsupported format character 'z' (0x7a) at index 1")
    expect(err("%(program_name)d")).toContain("is badly formatted: %d format: a real number is required, not str")
    expect(err("%s")).toContain("is badly formatted")
  })

  it("formats numbers with %e, %f, %g and %c as Python does", () => {
    const num = (t: string, n: number) => Result.getOrThrow(expand(t, { n }, "x"))
    expect(num("%(n)f|%(n)e|%(n)g|%(n)c|%(n)E|%(n)+G", 65)).toBe("65.000000|6.500000e+01|65|A|6.500000E+01|+65")
    expect(num("%(n)010.2f|%(n)-8e|%(n).0f|%(n).f|%(n).3g|%(n)5c|", 65)).toBe("0000065.00|6.500000e+01|65|65|65|    A|")
    expect([num("%(n)g", 1234567), num("%(n)e", 1234567), num("%(n)g", 0), num("%(n)e", 0), num("%(n)g", 1e20), num("%(n)f", -3)])
      .toEqual(["1.23457e+06", "1.234567e+06", "0", "0.000000e+00", "1e+20", "-3.000000"])
    expect(num("%(n)g", 9999995)).toBe("1e+07")
    expect(err("%(program_name)f")).toContain("is badly formatted: must be real number, not str")
    expect(err("%(program_name)c")).toContain("is badly formatted: %c requires int or char")
    expect(expand("%(n)c", { n: -1 }, "x")).toEqual(Result.fail("Format string '%(n)c' for 'x' is badly formatted: %c arg not in range(0x110000)"))
  })

  it("substituteHere replaces every literal %(here)s", () => {
    expect(substituteHere("%(here)s/a:%(here)s/b", "/d")).toBe("/d/a:/d/b")
  })
})
