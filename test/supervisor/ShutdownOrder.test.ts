/**
 * Shutdown signals the processes of a group in reverse order, one after the other, as supervisord
 * does, although all requests are queued at once (Group.shutdownInOrder): an actor that wakes
 * before its turn (here every one of them, woken in config order by the quiesce that comes first)
 * waits for the one before it.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { program, until, withTree } from "./TreeWorld.ts"

const NAMES = ["a", "b", "c", "d", "e", "f"]

describe("shutdown order", () => {
  it.effect("signals a group's processes in reverse order, each after the one before", () =>
    withTree(
      NAMES.map((n) => program(n, "startsecs=0")).join("") + `[group:g]\nprograms=${NAMES.join(",")}\n`,
      ({ fake, supervisor }) =>
        Effect.gen(function*() {
          for (const n of NAMES) yield* until(supervisor, `g:${n}`, "RUNNING")
          fake.journal.length = 0
        }),
      ({ fake }) => Effect.sync(() => assert.deepStrictEqual(fake.journal, [...NAMES].reverse().map((n) => `SIGTERM ${n}`)))
    ))
})
