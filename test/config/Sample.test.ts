import { describe, expect, it } from "@effect/vitest"
import { isDeepStrictEqual } from "node:util"
import { formatIssue, parseConfigText } from "../../src/config/Load.ts"
import * as Options from "../../src/config/Options.ts"
import { sampleConfig, sampleSections } from "../../src/config/Sample.ts"
import { optionNames, type Table } from "../../src/config/Table.ts"
import { testHost } from "../support/Configs.ts"

const FILE = "/etc/effsup/sample.conf"
const resolve = (text: string) => {
  const r = parseConfigText(text, FILE, testHost)
  return { value: r.value, issues: r.issues.map(formatIssue), notices: r.notices }
}

/** One option line of the printed sample: its section, name, and the line as it reads uncommented. */
interface SampleLine {
  readonly section: string
  readonly name: string
  readonly uncommented: string
  readonly commented: boolean
}

/** The option lines of the printed text (a small parser of its own, so that the test reads what users read). */
const sampleLines = (text: string): ReadonlyArray<SampleLine> => {
  const lines: Array<SampleLine> = []
  let section: string | undefined
  for (const line of text.split("\n")) {
    const header = /^;?\[([^\]]+)\]/.exec(line)
    if (header !== null) {
      section = header[1]!
      continue
    }
    const option = /^(;?)([a-z_.]+)\s*=/.exec(line)
    if (option !== null && section !== undefined) {
      lines.push({ section, name: option[2]!, uncommented: line.replace(/^;/, ""), commented: option[1] === ";" })
    }
  }
  return lines
}

/** What each sample section needs to load on its own (its required options), with valid values. */
const REQUIRED: Readonly<Record<string, string>> = {
  unix_http_server: "file=/tmp/effsup.sock",
  inet_http_server: "port=127.0.0.1:9001",
  supervisord: "",
  supervisorctl: "",
  "program:theprogramname": "command=/bin/cat",
  "eventlistener:theeventlistenername": "command=/bin/cat\nevents=PROCESS_STATE",
  "group:thegroupname": ""
}

/** A config with just `section` (and `[supervisord]`), plus `line`. */
const withSection = (section: string, line = "") =>
  section === "supervisord" ? `[supervisord]\n${line}\n` : `[supervisord]\n[${section}]\n${REQUIRED[section]}\n${line}\n`

describe("Sample (echo-config)", () => {
  const lines = sampleLines(sampleConfig)

  it("loads cleanly and yields the defaults", () => {
    const r = resolve(sampleConfig)
    expect(r.issues).toEqual([])
    expect(r.notices).toEqual([])
    expect(r.value.groups).toEqual([])
    expect(r.value.supervisord).toEqual(resolve("[supervisord]\n").value.supervisord)
    expect(r.value.unixHttpServer?.file).toBe("/tmp/effsup.sock")
    expect(r.value.supervisorctl?.serverurl).toBe("unix:///tmp/effsup.sock")
  })

  it("every commented-out default, uncommented, gives exactly the config that leaving it out gives", () => {
    const mismatches: Array<string> = []
    let checked = 0
    for (const line of lines.filter((l) => l.commented)) {
      const row = sampleSections.find((s) => s.header === line.section)?.rows.find((r) => r.name === line.name)
      expect(row, `[${line.section}] ${line.name} is a row of its section`).toBeDefined()
      if (!row!.sampleIsDefault) continue // an example: the tables say it is no default
      expect(REQUIRED[line.section], `[${line.section}] has defaults, so the test must know how to load it`).toBeDefined()
      const without = resolve(withSection(line.section))
      expect(without.issues).toEqual([])
      if (!isDeepStrictEqual(resolve(withSection(line.section, line.uncommented)), without)) mismatches.push(`[${line.section}] ${line.uncommented}`)
      checked++
    }
    expect(mismatches).toEqual([])
    expect(checked).toBe(sampleSections.flatMap((s) => s.rows.filter((r) => r.sampleIsDefault && s.set[r.name] === undefined)).length)
  })

  it("shows every option of every table, and only known options", () => {
    const tables: ReadonlyArray<Table> = [
      Options.PROGRAM_OPTIONS, Options.LISTENER_OPTIONS, Options.GROUP_OPTIONS, Options.SUPERVISORD_OPTIONS,
      Options.UNIX_SERVER_OPTIONS, Options.INET_SERVER_OPTIONS, Options.CTL_OPTIONS, Options.INCLUDE_OPTIONS
    ]
    const shown = new Set(lines.map((l) => l.name))
    expect(tables.flatMap((t) => optionNames(t)).filter((name) => !shown.has(name))).toEqual([])
    for (const l of lines.filter((l) => l.commented)) {
      const known = sampleSections.find((s) => s.header === l.section)?.rows.map((r) => r.name) ?? []
      expect(known, `[${l.section}] ${l.name}`).toContain(l.name)
    }
  })
})
