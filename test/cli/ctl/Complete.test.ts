/**
 * What Tab completes in ctl's shell (supervisorctl's Controller.complete), without a terminal.
 * @since 0.1.0
 */
import { describe, expect, it } from "@effect/vitest"
import { candidates, completionFor } from "../../../src/cli/ctl/Complete.ts"
import { ACTIONS } from "../../../src/cli/ctl/Help.ts"

const PROCESSES = [
  { name: "multi_0", group: "multi" },
  { name: "multi_1", group: "multi" },
  { name: "web", group: "web" }
]
const complete = (line: string) => candidates(completionFor(line), ACTIONS, PROCESSES)

describe("completion", () => {
  it("completes actions on an empty line, in the first word and after help", () => {
    expect(complete("")).toHaveLength(22)
    expect(complete("sta")).toEqual(["start ", "status "])
    expect(complete("  st")).toEqual(["start ", "status ", "stop "])
    expect(complete("help sh")).toEqual(["shutdown "])
    expect(complete("status")).toEqual(["status "])
  })

  it("completes process names after the process actions, group:name and group:* for groups", () => {
    expect(complete("stop ")).toEqual(["multi:* ", "multi:multi_0 ", "multi:multi_1 ", "web "])
    expect(complete("signal HUP w")).toEqual(["web "])
    expect(complete("tail mul")).toEqual(["multi:* ", "multi:multi_0 ", "multi:multi_1 "])
    // once the word has a ':', every process is offered as group:name
    expect(complete("pid web:")).toEqual(["web:* ", "web:web "])
  })

  it("completes groups after add, remove and update; nothing after the other actions", () => {
    expect(complete("update ")).toEqual(["multi ", "web "])
    expect(complete("avail x")).toEqual([])
    expect(complete("bogus ")).toEqual([])
  })

  it("replaces the word after the last delimiter, keeping ':', '*' and '-' in it", () => {
    expect(completionFor("stop multi:mu")).toEqual({ kind: "processes", word: "multi:mu" })
    expect(completionFor("stop a-b")).toEqual({ kind: "processes", word: "a-b" })
    expect(completionFor("add x=y")).toEqual({ kind: "groups", word: "y" })
  })
})
