/**
 * Shutdown signals the processes of a group in reverse order, one after the other, as supervisord
 * does, although all requests are queued at once (Group.shutdownInOrder): an actor that wakes
 * before its turn (here every one of them, woken in config order by a signal request sent just
 * before the shutdown) waits for the one before it.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Ref } from "effect"
import { program, until, withTree } from "./TreeWorld.ts"

const NAMES = ["a", "b", "c", "d", "e", "f"]

describe("shutdown order", () => {
  it.effect("signals a group's processes in reverse order, each after the one before", () =>
    withTree(
      NAMES.map((n) => program(n, "startsecs=0")).join("") + `[group:g]\nprograms=${NAMES.join(",")}\n`,
      ({ fake, supervisor }) =>
        Effect.gen(function*() {
          for (const n of NAMES) yield* until(supervisor, `g:${n}`, "RUNNING")
          yield* Ref.set(fake.ignored, ["SIGCONT"])
          fake.journal.length = 0
          // each actor's mailbox gets a request now, in config order: the actors wake in that order
          for (const n of NAMES) yield* Effect.forkDetach(supervisor.signalProcess(`g:${n}`, "CONT"), { startImmediately: true })
        }),
      ({ fake }) =>
        Effect.sync(() =>
          assert.deepStrictEqual(fake.journal.filter((line) => line.startsWith("SIGTERM")), [...NAMES].reverse().map((n) => `SIGTERM ${n}`))
        )
    ))
})
