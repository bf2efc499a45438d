import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Exit, Schedule } from "effect"
import { backoffSchedule } from "../../src/process/Backoff.ts"

const delays = (startretries: number) =>
  Effect.gen(function*() {
    const step = yield* Schedule.toStep(backoffSchedule(startretries))
    const out: Array<number> = []
    while (out.length < 20) {
      const r = yield* Effect.exit(step(0, undefined))
      if (Exit.isFailure(r)) break
      out.push(Duration.toSeconds(r.value[1]))
    }
    return out
  })

describe("Backoff", () => {
  it.effect("waits 1 s, 2 s, 3 s then gives up after startretries", () =>
    Effect.gen(function*() {
      expect(yield* delays(3)).toEqual([1, 2, 3])
      expect(yield* delays(0)).toEqual([])
      expect(yield* delays(5)).toEqual([1, 2, 3, 4, 5])
    }))
})
