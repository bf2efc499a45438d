import { describe, expect, it } from "vitest"
import { byPriority } from "../../src/supervisor/Tree.ts"

const group = (name: string, priority: number) => ({ name, config: { priority } })

describe("shutdown order", () => {
  it("cuts groups sorted by priority into runs of equal priority, in order", () => {
    const levels = byPriority([group("a", 1), group("b", 5), group("c", 5), group("d", 999)])
    expect(levels.map((level) => level.map((g) => g.name))).toEqual([["a"], ["b", "c"], ["d"]])
    expect(byPriority([])).toEqual([])
  })
})
