/**
 * auto_shutdown with significant programs, on the scripted spawner and the TestClock: when the
 * tree asks to shut down, and with which exit status.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { shutdownDue } from "../../src/supervisor/ExitPolicy.ts"
import * as FakeSpawner from "../support/FakeSpawner.ts"
import { exit, program, until, withTree, type World } from "./TreeWorld.ts"

/** Whether a shutdown has been requested by now (the world has run until it is quiet). */
const requested = (world: World) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.forkChild(world.supervisor.awaitExitRequest)
    for (let i = 0; i < 50; i++) yield* Effect.yieldNow
    const done = fiber.pollUnsafe()
    yield* Fiber.interrupt(fiber)
    return done !== undefined
  })

const JOB = "startsecs=0\nautorestart=false\nsignificant=true"

describe("shutdownDue (pure)", () => {
  it("never / any / all", () => {
    assert.isFalse(shutdownDue("never", [true, true]))
    assert.isTrue(shutdownDue("any_significant", [false, true]))
    assert.isFalse(shutdownDue("any_significant", [false, false]))
    assert.isFalse(shutdownDue("all_significant", [false, true]))
    assert.isTrue(shutdownDue("all_significant", [true, true]))
    assert.isFalse(shutdownDue("all_significant", []))
  })
})

describe("auto_shutdown (scripted children, TestClock)", () => {
  it.effect("any_significant: the first significant program to end shuts down, with its exit status", () =>
    withTree(`auto_shutdown=any_significant\n${program("job", JOB)}${program("web", "startsecs=0")}`, (world) =>
      Effect.gen(function*() {
        yield* until(world.supervisor, "job", "RUNNING")
        assert.isFalse(yield* requested(world))
        yield* exit(world.fake, "job", 3)
        assert.strictEqual(yield* world.supervisor.awaitExitRequest, "shutdown")
        assert.strictEqual(yield* world.supervisor.exitStatus, 3)
      }), ({ fake }) => Effect.sync(() => assert.deepStrictEqual(fake.journal, ["spawn job", "spawn web", "SIGTERM web"]))))

  it.effect("all_significant waits for the last one, and takes its status; FATAL counts as 1", () =>
    withTree(`auto_shutdown=all_significant\n${program("one", JOB)}${program("two", "significant=true\nstartretries=0")}`, (world) =>
      Effect.gen(function*() {
        yield* exit(world.fake, "one", 0)
        yield* until(world.supervisor, "one", "EXITED")
        assert.isFalse(yield* requested(world))
        yield* exit(world.fake, "two", 0) // before startsecs: BACKOFF, then FATAL (no retries)
        yield* until(world.supervisor, "two", "FATAL")
        assert.strictEqual(yield* world.supervisor.awaitExitRequest, "shutdown")
        assert.strictEqual(yield* world.supervisor.exitStatus, 1)
      })))

  it.effect("what restarts, or was stopped by a request, has not ended", () =>
    withTree(
      `auto_shutdown=any_significant\n${program("loop", "startsecs=0\nautorestart=true\nsignificant=true")}` +
        program("idle", "startsecs=0\nsignificant=true"),
      (world) =>
        Effect.gen(function*() {
          yield* until(world.supervisor, "loop", "RUNNING")
          yield* exit(world.fake, "loop", 9)
          yield* FakeSpawner.eventually(Effect.sync(() => world.fake.journal.filter((l) => l === "spawn loop").length === 2), "loop restarted")
          yield* world.supervisor.stopProcess("idle", true)
          yield* TestClock.adjust("1 minute")
          assert.isFalse(yield* requested(world))
          assert.deepStrictEqual(world.fake.journal, ["spawn idle", "spawn loop", "spawn loop", "SIGTERM idle"])
        })
    ))

  it.effect("all_significant judges the current states: a significant program started again has not ended any more", () =>
    withTree(`auto_shutdown=all_significant\n${program("one", JOB)}${program("two", JOB)}`, (world) =>
      Effect.gen(function*() {
        yield* exit(world.fake, "one", 0)
        yield* until(world.supervisor, "one", "EXITED")
        yield* world.supervisor.startProcess("one", false)
        yield* exit(world.fake, "two", 0)
        yield* until(world.supervisor, "two", "EXITED")
        assert.isFalse(yield* requested(world))
        yield* exit(world.fake, "one", 5)
        assert.strictEqual(yield* world.supervisor.awaitExitRequest, "shutdown")
        assert.strictEqual(yield* world.supervisor.exitStatus, 5)
      })))

  it.effect("never (the default): significant programs end and nothing happens", () =>
    withTree(program("job", JOB), (world) =>
      Effect.gen(function*() {
        yield* exit(world.fake, "job", 2)
        yield* until(world.supervisor, "job", "EXITED")
        assert.isFalse(yield* requested(world))
        assert.strictEqual(yield* world.supervisor.exitStatus, 0)
      })))
})
