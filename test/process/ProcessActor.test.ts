import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Ref, Stream } from "effect"
import { TestClock } from "effect/testing"
import type { ProcessConfig } from "../../src/config/Types.ts"
import { EventBus } from "../../src/events/EventBus.ts"
import * as ChildOutput from "../../src/logs/ChildOutput.ts"
import * as ProcessActor from "../../src/process/ProcessActor.ts"
import { processConfig, quietChannel } from "../support/Configs.ts"
import * as FakeSpawner from "../support/FakeSpawner.ts"

const config = (over: Partial<ProcessConfig> = {}): ProcessConfig =>
  processConfig({ command: "sleep 1000", stdout: quietChannel, stderr: quietChannel, ...over })

/** Run a scenario with a fake spawner; returns the PROCESS_STATE_* events seen, with their tries. */
const scenario = (
  cfg: ProcessConfig,
  script: (actor: ProcessActor.ProcessActor, fake: FakeSpawner.FakeSpawnerControl) => Effect.Effect<void, unknown, never>
) =>
  Effect.gen(function*() {
    const fake = yield* FakeSpawner.make
    return yield* Effect.gen(function*() {
      const bus = yield* EventBus
      const events = yield* bus.subscribe
      const seen = yield* events.pipe(
        Stream.map((e) => e._tag === "PROCESS_STATE_BACKOFF" || e._tag === "PROCESS_STATE_STARTING" ? `${e._tag.slice(14)}:${e.tries}` : e._tag.slice(14)),
        Stream.runCollect,
        Effect.forkChild({ startImmediately: true })
      )
      const output = yield* ChildOutput.make({
        processName: cfg.name, groupName: cfg.group, stdoutPath: undefined, stderrPath: undefined,
        stdout: cfg.stdout, stderr: cfg.stderr, stripAnsi: false, autoLog: { stdout: false, stderr: false }
      })
      const actor = yield* ProcessActor.make(cfg, output, { env: { PATH: "/bin:/usr/bin" }, cwd: "/", serverUrl: undefined })
      yield* script(actor, fake.control)
      yield* Effect.yieldNow
      return { seen, actor }
    }).pipe(
      Effect.provide(Layer.mergeAll(fake.layer, EventBus.layer, NodeServices.layer)),
      Effect.flatMap(({ seen, actor }) => Effect.map(actor.snapshot, (s) => ({ seen, state: s })))
    )
  })

/** Let the actor finish what it is doing: it does real file-system I/O (command lookup), so wait in real time. */
const settle = Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, 30)))
const child = (fake: FakeSpawner.FakeSpawnerControl, n: number) => Effect.map(Ref.get(fake.children), (cs) => cs[n]!)

describe("ProcessActor (scripted children, TestClock)", () => {
  it.effect("reaches RUNNING exactly after startsecs", () =>
    Effect.gen(function*() {
      const { state } = yield* scenario(config(), (actor) =>
        Effect.gen(function*() {
          yield* actor.launch
          yield* settle
          assert.strictEqual((yield* actor.snapshot).state, "STARTING")
          yield* TestClock.adjust("999 millis")
          assert.strictEqual((yield* actor.snapshot).state, "STARTING")
          yield* TestClock.adjust("1 millis")
          yield* settle
          assert.strictEqual((yield* actor.snapshot).state, "RUNNING")
        }))
      assert.strictEqual(state.state, "RUNNING")
    }))

  it.effect("quick exits back off 1 s, 2 s, 3 s and then go FATAL (startretries=3 → 4 spawns)", () =>
    Effect.gen(function*() {
      const { state } = yield* scenario(config(), (actor, fake) =>
        Effect.gen(function*() {
          yield* actor.launch
          for (let attempt = 0; attempt < 4; attempt++) {
            yield* settle
            assert.strictEqual((yield* Ref.get(fake.children)).length, attempt + 1)
            yield* (yield* child(fake, attempt)).exit({ code: 1, signal: null })
            yield* settle
            if (attempt < 3) {
              assert.strictEqual((yield* actor.snapshot).state, "BACKOFF")
              assert.strictEqual((yield* actor.snapshot).backoff, attempt + 1)
              yield* TestClock.adjust(`${attempt} seconds`)
              yield* TestClock.adjust("999 millis")
              yield* settle
              assert.strictEqual((yield* Ref.get(fake.children)).length, attempt + 1, "still waiting")
              yield* TestClock.adjust("1 millis")
            }
          }
          yield* settle
        }))
      assert.strictEqual(state.state, "FATAL")
      assert.strictEqual(state.spawnerr, "Exited too quickly (process log may have details)")
    }))

  it.effect("spawn errors go BACKOFF then FATAL; a later start clears spawnerr", () =>
    Effect.gen(function*() {
      const { state } = yield* scenario(config({ startretries: 1 }), (actor, fake) =>
        Effect.gen(function*() {
          yield* Ref.set(fake.failWith, "can't find command 'x'")
          yield* actor.launch
          yield* settle
          assert.strictEqual((yield* actor.snapshot).state, "BACKOFF")
          yield* TestClock.adjust("1 second")
          yield* settle
          assert.strictEqual((yield* actor.snapshot).state, "FATAL")
          yield* Ref.set(fake.failWith, undefined)
          yield* actor.start(false)
          yield* settle
        }))
      assert.strictEqual(state.state, "STARTING")
      assert.strictEqual(state.spawnerr, "")
    }))

  it.effect("an unexpected exit from RUNNING restarts; an expected one stays EXITED", () =>
    Effect.gen(function*() {
      const { state } = yield* scenario(config({ startsecs: 0 }), (actor, fake) =>
        Effect.gen(function*() {
          yield* actor.launch
          yield* settle
          assert.strictEqual((yield* actor.snapshot).state, "RUNNING")
          yield* (yield* child(fake, 0)).exit({ code: 3, signal: null })
          yield* settle
          assert.strictEqual((yield* Ref.get(fake.children)).length, 2)
          assert.strictEqual((yield* actor.snapshot).state, "RUNNING")
          yield* (yield* child(fake, 1)).exit({ code: 0, signal: null })
          yield* settle
        }))
      assert.strictEqual(state.state, "EXITED")
      assert.strictEqual(state.exitstatus, 0)
    }))

  it.effect("stop sends stopsignal, then SIGKILL after stopwaitsecs when it is ignored", () =>
    Effect.gen(function*() {
      const { state } = yield* scenario(config({ startsecs: 0, stopwaitsecs: 5 }), (actor, fake) =>
        Effect.gen(function*() {
          yield* Ref.set(fake.ignored, ["SIGTERM"])
          yield* actor.launch
          yield* settle
          const stopping = yield* actor.stop(true).pipe(Effect.forkChild)
          yield* settle
          assert.strictEqual((yield* actor.snapshot).state, "STOPPING")
          yield* TestClock.adjust("4999 millis")
          assert.deepStrictEqual((yield* child(fake, 0)).signals, ["SIGTERM"])
          yield* TestClock.adjust("1 millis")
          yield* settle
          yield* Fiber.join(stopping)
          assert.deepStrictEqual((yield* child(fake, 0)).signals, ["SIGTERM", "SIGKILL"])
        }))
      assert.strictEqual(state.state, "STOPPED")
      assert.strictEqual(state.exitstatus, -1)
    }))

  it.effect("stop in BACKOFF goes straight to STOPPED; start refuses a running process", () =>
    Effect.gen(function*() {
      const { state } = yield* scenario(config(), (actor, fake) =>
        Effect.gen(function*() {
          yield* actor.launch
          yield* settle
          const again = yield* Effect.flip(actor.start(false))
          assert.strictEqual(again._tag, "AlreadyStarted")
          yield* (yield* child(fake, 0)).exit({ code: 1, signal: null })
          yield* settle
          yield* actor.stop(true)
        }))
      assert.strictEqual(state.state, "STOPPED")
    }))

  it.effect("once quiesced (supervisor stopping) nothing restarts: not after an exit, not after backoff", () =>
    Effect.gen(function*() {
      const { state } = yield* scenario(config({ startsecs: 0, autorestart: "true" }), (actor, fake) =>
        Effect.gen(function*() {
          yield* actor.launch
          yield* settle
          yield* actor.quiesce
          yield* (yield* child(fake, 0)).exit({ code: 0, signal: null })
          yield* settle
          assert.strictEqual((yield* Ref.get(fake.children)).length, 1)
        }))
      assert.strictEqual(state.state, "EXITED")
      const backoff = yield* scenario(config(), (actor, fake) =>
        Effect.gen(function*() {
          yield* actor.launch
          yield* settle
          yield* (yield* child(fake, 0)).exit({ code: 1, signal: null })
          yield* settle
          yield* actor.quiesce
          yield* TestClock.adjust("5 seconds")
          yield* settle
          assert.strictEqual((yield* Ref.get(fake.children)).length, 1)
          assert.strictEqual((yield* actor.snapshot).state, "BACKOFF")
          yield* actor.shutdown
        }))
      assert.strictEqual(backoff.state.state, "FATAL")
    }))
})
