/**
 * depends_on in the tree, on the scripted spawner and the TestClock: what starts when, what a
 * waiting process shows, what a failed dependency does to it, and the stop order.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { meets } from "../../src/supervisor/DependencyGate.ts"
import { initialStatus } from "../../src/process/Transitions.ts"
import * as FakeSpawner from "../support/FakeSpawner.ts"
import { exit, program, stateOf, states, until, withTree } from "./TreeWorld.ts"

const description = (supervisor: World["supervisor"], spec: string) =>
  Effect.map(Effect.orDie(supervisor.processInfo(spec)), (i) => i.description)
type World = Parameters<Parameters<typeof withTree>[1]>[0]

const spawns = (journal: ReadonlyArray<string>) => journal.filter((l) => l.startsWith("spawn "))

describe("dependency conditions (pure)", () => {
  const policy = { autorestart: "unexpected" as const, exitcodes: [0] }
  const snap = (state: typeof initialStatus.state, more: Partial<typeof initialStatus> = {}) => ({ ...initialStatus, state, ...more })
  it("running = RUNNING; started = spawned (STARTING with a pid) or RUNNING; completed = EXITED with an expected code", () => {
    assert.isTrue(meets("running", policy, snap("RUNNING")))
    assert.isFalse(meets("running", policy, snap("STARTING", { pid: 5 })))
    assert.isTrue(meets("started", policy, snap("STARTING", { pid: 5 })))
    assert.isFalse(meets("started", policy, snap("STARTING")))
    assert.isTrue(meets("started", policy, snap("RUNNING")))
    assert.isTrue(meets("completed", policy, snap("EXITED", { exitstatus: 0 })))
    assert.isFalse(meets("completed", policy, snap("EXITED", { exitstatus: 2 })))
    assert.isFalse(meets("completed", policy, snap("STOPPED")))
  })
})

describe("depends_on (scripted children, TestClock)", () => {
  it.effect("a process starts only once its dependency is RUNNING, and says what it waits for meanwhile", () =>
    withTree(program("app", "depends_on=db\nstartsecs=0") + program("db"), ({ fake, supervisor }) =>
      Effect.gen(function*() {
        assert.deepStrictEqual(spawns(fake.journal), ["spawn db"])
        assert.strictEqual(yield* stateOf(supervisor, "app"), "STOPPED")
        assert.strictEqual(yield* description(supervisor, "app"), "waiting for db (running)")
        yield* TestClock.adjust("999 millis")
        assert.deepStrictEqual(spawns(fake.journal), ["spawn db"])
        yield* TestClock.adjust("1 millis")
        yield* until(supervisor, "app", "RUNNING")
        assert.deepStrictEqual(spawns(fake.journal), ["spawn db", "spawn app"])
        assert.match(yield* description(supervisor, "app"), /^pid \d+, uptime 0:00:0\d$/)
      })))

  it.effect("independent programs start at once in priority order; priority does not beat a dependency", () =>
    withTree(
      program("first", "priority=1") + program("needy", "priority=2\ndepends_on=last:started") + program("last", "priority=3"),
      ({ fake, supervisor }) =>
        Effect.gen(function*() {
          yield* until(supervisor, "needy", "STARTING")
          assert.deepStrictEqual(spawns(fake.journal), ["spawn first", "spawn last", "spawn needy"])
        })
    ))

  it.effect("completed waits for a one-shot job to exit with an expected code; a failed job abandons its dependents", () =>
    withTree(
      program("migrate", "startsecs=0\nautorestart=false") + program("app", "depends_on=migrate:completed\nstartsecs=0") +
        program("other", "depends_on=migrate:completed\nautostart=false\nstartsecs=0"),
      ({ fake, supervisor }) =>
        Effect.gen(function*() {
          yield* TestClock.adjust("10 seconds")
          assert.deepStrictEqual(spawns(fake.journal), ["spawn migrate"])
          assert.strictEqual(yield* description(supervisor, "app"), "waiting for migrate (completed)")
          yield* exit(fake, "migrate", 0)
          yield* until(supervisor, "app", "RUNNING")
          // A completed job is not run again for the next dependent.
          yield* supervisor.startProcess("other", true)
          assert.deepStrictEqual(spawns(fake.journal), ["spawn migrate", "spawn app", "spawn other"])
          // Run by hand and failing: whoever waits for it is abandoned.
          yield* supervisor.stopProcess("other", true)
          yield* supervisor.startProcess("migrate", false)
          const waiting = yield* Effect.forkChild(Effect.flip(supervisor.startProcess("other", true)))
          yield* FakeSpawner.eventually(Effect.map(description(supervisor, "other"), (d) => d === "waiting for migrate (completed)"), "other waits")
          yield* exit(fake, "migrate", 3)
          assert.strictEqual((yield* Fiber.join(waiting))._tag, "SpawnError")
          const info = yield* Effect.orDie(supervisor.processInfo("other"))
          assert.deepStrictEqual([info.state, info.spawnerr, info.description], [
            "FATAL", "dependency migrate exited with status 3", "dependency migrate exited with status 3"
          ])
        })
    ))

  it.effect("a start pulls in what it needs, whatever its autostart; a request with wait returns once it is RUNNING", () =>
    withTree(program("web", "autostart=false\ndepends_on=api") + program("api", "autostart=false\ndepends_on=db") + program("db", "autostart=false"), ({ fake, supervisor }) =>
      Effect.gen(function*() {
        const started = yield* Effect.forkChild(supervisor.startProcess("web", true))
        yield* FakeSpawner.eventually(Effect.sync(() => fake.journal.length === 1), "db spawned")
        assert.deepStrictEqual(yield* states(supervisor), ["api:api STOPPED", "db:db STARTING", "web:web STOPPED"])
        assert.strictEqual(yield* description(supervisor, "web"), "waiting for api (running)")
        assert.strictEqual(yield* description(supervisor, "api"), "waiting for db (running)")
        yield* TestClock.adjust("1 second")
        yield* until(supervisor, "api", "STARTING")
        yield* TestClock.adjust("1 second")
        yield* until(supervisor, "web", "STARTING")
        yield* TestClock.adjust("1 second")
        yield* Fiber.join(started)
        assert.deepStrictEqual(fake.journal, ["spawn db", "spawn api", "spawn web"])
        // Once running, a second start is refused as usual.
        assert.strictEqual((yield* Effect.flip(supervisor.startProcess("web", true)))._tag, "AlreadyStarted")
      })))

  it.effect("a dependency that goes FATAL makes the waiting process FATAL with the reason", () =>
    withTree(program("db", "startretries=0") + program("app", "depends_on=db"), ({ events, fake, supervisor }) =>
      Effect.gen(function*() {
        yield* exit(fake, "db", 1)
        yield* until(supervisor, "app", "FATAL")
        const info = yield* Effect.orDie(supervisor.processInfo("app"))
        assert.deepStrictEqual([info.spawnerr, info.description], ["dependency db is FATAL", "dependency db is FATAL"])
        assert.deepStrictEqual(events.filter((e) => e.startsWith("app:")), ["app:app FATAL"])
        // Starting it again starts the dependency again.
        const retry = yield* Effect.forkChild(supervisor.startProcess("app", true))
        yield* until(supervisor, "db", "STARTING")
        yield* TestClock.adjust("1 second")
        yield* until(supervisor, "app", "STARTING")
        yield* TestClock.adjust("1 second")
        yield* Fiber.join(retry)
        assert.deepStrictEqual(spawns(fake.journal), ["spawn db", "spawn db", "spawn app"])
      })))

  it.effect("stopping a waiting process cancels its start; a STOPPED dependency keeps others waiting until removed", () =>
    withTree(program("db", "startsecs=5") + program("app", "depends_on=db") + program("web", "depends_on=db"), ({ fake, supervisor }) =>
      Effect.gen(function*() {
        yield* supervisor.stopProcess("app", true)
        assert.strictEqual(yield* description(supervisor, "app"), "Not started")
        yield* supervisor.stopProcess("db", true)
        yield* TestClock.adjust("10 seconds")
        assert.strictEqual(yield* description(supervisor, "web"), "waiting for db (running)")
        yield* supervisor.removeGroup("db")
        yield* until(supervisor, "web", "FATAL")
        assert.strictEqual((yield* Effect.orDie(supervisor.processInfo("web"))).spawnerr, "dependency db was removed")
        assert.deepStrictEqual(spawns(fake.journal), ["spawn db"])
        assert.strictEqual(yield* stateOf(supervisor, "app"), "STOPPED")
      })))

  it.effect("processes stop before what they depend on: at shutdown, and for stop all", () => {
    // Priorities alone would stop db (100) first; the dependency puts app first.
    const config = program("db", "priority=100\nstartsecs=0") + program("app", "priority=50\nstartsecs=0\ndepends_on=db") +
      program("solo", "priority=200\nstartsecs=0")
    return withTree(config, ({ fake, supervisor }) =>
      Effect.gen(function*() {
        yield* until(supervisor, "app", "RUNNING")
        assert.deepStrictEqual(spawns(fake.journal), ["spawn db", "spawn solo", "spawn app"])
        fake.journal.length = 0
        // the results in the order the processes were done (the first wave's in reverse priority order), then db's
        const results = yield* supervisor.stopAll(false)
        assert.deepStrictEqual(results.map((r) => `${r.name} ${r.error?._tag ?? "ok"}`), ["solo ok", "app ok", "db ok"])
        // stop all signals everything at once, except that db waits until app has stopped.
        assert.deepStrictEqual([...fake.journal.slice(0, 2)].sort(), ["SIGTERM app", "SIGTERM solo"])
        assert.deepStrictEqual(fake.journal.slice(2), ["SIGTERM db"])
        // app is done last: it waited for db
        const restarted = yield* supervisor.startAll(true)
        assert.deepStrictEqual(restarted.map((r) => `${r.name} ${r.error?._tag ?? "ok"}`), ["db ok", "solo ok", "app ok"])
        fake.journal.length = 0
      }), ({ events, fake }) =>
      Effect.sync(() => {
        assert.deepStrictEqual(fake.journal, ["SIGTERM solo", "SIGTERM app", "SIGTERM db"])
        const stops = events.filter((e) => e.endsWith(" STOPPED"))
        assert.deepStrictEqual(stops.slice(-3), ["solo:solo STOPPED", "app:app STOPPED", "db:db STOPPED"])
      }))
  })

  it.effect("a group member and a numprocs program as dependencies: every process they name must meet the condition", () =>
    withTree(
      program("w", "numprocs=2\nprocess_name=w%(process_num)s\nstartsecs=0") + program("x", "startsecs=2") +
        "[group:g]\nprograms=x\n" + program("app", "depends_on=w, g:x:started"),
      ({ fake, supervisor }) =>
        Effect.gen(function*() {
          yield* until(supervisor, "app", "STARTING")
          assert.deepStrictEqual(spawns(fake.journal), ["spawn x", "spawn w", "spawn w", "spawn app"])
        })
    ))

  it.effect("a config without dependencies starts and stops exactly as before (one group at a time)", () =>
    withTree(program("a", "priority=1") + program("b", "priority=2"), ({ fake, supervisor }) =>
      Effect.gen(function*() {
        assert.deepStrictEqual(fake.journal, ["spawn a", "spawn b"])
        assert.strictEqual(yield* description(supervisor, "a"), "")
      }), ({ fake }) => Effect.sync(() => assert.deepStrictEqual(fake.journal.slice(2), ["SIGTERM b", "SIGTERM a"]))))
})
