import { assert, describe, it } from "@effect/vitest"
import { stopWaves } from "../../src/supervisor/StopOrder.ts"

/** Processes `group/name`; `deps` maps a name to the names it depends on. */
const waves = (ordered: ReadonlyArray<string>, deps: Readonly<Record<string, ReadonlyArray<string>>>, byGroup = true) =>
  stopWaves(
    ordered,
    (a) => (deps[a] ?? []).map((d) => ordered.find((o) => o === d) ?? d),
    (a, b) => !byGroup || a.split("/")[0] === b.split("/")[0]
  ).map((w) => w.join(" "))

describe("stopWaves", () => {
  it("without dependencies: the runs of the given order (one group at a time)", () => {
    assert.deepStrictEqual(waves(["n/n1", "n/n0", "c/c", "g/x", "g/y", "a/a"], {}), ["n/n1 n/n0", "c/c", "g/x g/y", "a/a"])
    assert.deepStrictEqual(waves(["a/a", "b/b", "c/c"], {}, false), ["a/a b/b c/c"])
  })

  it("a process stops before what it depends on, otherwise the given order holds", () => {
    // Reverse priority would stop db first; app depends on db.
    assert.deepStrictEqual(waves(["solo/solo", "db/db", "app/app"], { "app/app": ["db/db"] }), ["solo/solo", "app/app", "db/db"])
    assert.deepStrictEqual(waves(["solo/solo", "db/db", "app/app"], { "app/app": ["db/db"] }, false), ["solo/solo app/app", "db/db"])
  })

  it("within a group, a dependency cuts the wave", () => {
    assert.deepStrictEqual(waves(["g/c", "g/b", "g/a"], { "g/a": ["g/b"] }), ["g/c g/a", "g/b"])
    assert.deepStrictEqual(waves(["g/web", "g/api", "g/db"], { "g/web": ["g/api"], "g/api": ["g/db"] }), ["g/web", "g/api", "g/db"])
  })

  it("dependencies outside the set are ignored, and a cycle cannot block the order", () => {
    assert.deepStrictEqual(waves(["a/a"], { "a/a": ["gone/x"] }), ["a/a"])
    assert.deepStrictEqual(waves(["a/a", "b/b"], { "a/a": ["b/b"], "b/b": ["a/a"] }), ["a/a", "b/b"])
  })
})
