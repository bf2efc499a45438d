/**
 * [group:x] strategies on the scripted spawner and the TestClock: which members a death restarts
 * and in which order, how restarts are counted, and what giving up does.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Ref } from "effect"
import { TestClock } from "effect/testing"
import { recordRestart, restartSet } from "../../src/supervisor/Strategy.ts"
import * as FakeSpawner from "../support/FakeSpawner.ts"
import { exit, program, states, until, withTree } from "./TreeWorld.ts"

const MEMBERS = ["a", "b", "c"].map((n) => program(n, "startsecs=0\nautorestart=true")).join("")
const group = (options: string) => `${MEMBERS}[group:g]\nprograms=a,b,c\n${options}\n`
const since = (journal: Array<string>) => {
  const start = journal.length
  return () => journal.slice(start)
}
const strategyEvents = (events: ReadonlyArray<string>) => events.filter((e) => e.startsWith("GROUP_STRATEGY"))
const allRunning = (supervisor: Parameters<typeof states>[0]) =>
  FakeSpawner.eventually(Effect.map(states(supervisor), (s) => s.every((l) => l.endsWith(" RUNNING"))), "all RUNNING")

describe("Strategy (pure)", () => {
  it("restartSet: the one, all, or it and those after it", () => {
    assert.deepStrictEqual(restartSet("one_for_one", ["a", "b", "c"], 1), ["b"])
    assert.deepStrictEqual(restartSet("one_for_all", ["a", "b", "c"], 1), ["a", "b", "c"])
    assert.deepStrictEqual(restartSet("rest_for_one", ["a", "b", "c"], 1), ["b", "c"])
  })

  it("recordRestart keeps the restarts within the period; more than max_restarts is exhausted", () => {
    const limit = { maxRestarts: 2, maxRestartsPeriod: 10 }
    let h: ReadonlyArray<number> = []
    const at = (ms: number) => {
      const r = recordRestart(h, ms, limit)
      h = r.history
      return r.exhausted
    }
    assert.deepStrictEqual([at(0), at(1000), at(9000)], [false, false, true])
    h = [0, 1000]
    assert.isFalse(at(10_500)) // the one at 0 is out of the window
    assert.deepStrictEqual(h, [1000, 10_500])
    assert.deepStrictEqual(recordRestart([1, 2, 3], 4, { maxRestarts: undefined, maxRestartsPeriod: 1 }), { history: [1, 2, 3], exhausted: false })
    assert.isTrue(recordRestart([], 0, { maxRestarts: 0, maxRestartsPeriod: 1 }).exhausted)
  })
})

describe("[group:x] strategies (scripted children, TestClock)", () => {
  it.effect("one_for_one (the default) leaves restarts to each process, as supervisord", () =>
    withTree(group(""), ({ events, fake, supervisor }) =>
      Effect.gen(function*() {
        yield* allRunning(supervisor)
        const later = since(fake.journal)
        yield* exit(fake, "b", 1)
        yield* FakeSpawner.eventually(Effect.sync(() => later().length === 1), "b respawned")
        assert.deepStrictEqual(later(), ["spawn b"])
        assert.deepStrictEqual(strategyEvents(events), [])
      })))

  it.effect("one_for_all: a death stops the others (last first) and starts all again in programs= order", () =>
    withTree(group("strategy=one_for_all"), ({ events, fake, supervisor }) =>
      Effect.gen(function*() {
        yield* allRunning(supervisor)
        const later = since(fake.journal)
        yield* exit(fake, "b", 1)
        yield* FakeSpawner.eventually(Effect.sync(() => later().length === 5), "restarted")
        assert.deepStrictEqual(later(), ["SIGTERM c", "SIGTERM a", "spawn a", "spawn b", "spawn c"])
        yield* allRunning(supervisor)
        assert.deepStrictEqual(strategyEvents(events), ["GROUP_STRATEGY_RESTART g"])
        // The actor itself did not restart b: b went EXITED, then the group started it.
        assert.deepStrictEqual(events.filter((e) => e.startsWith("g:b")).slice(-3), ["g:b EXITED", "g:b STARTING", "g:b RUNNING"])
      })))

  it.effect("rest_for_one: a death restarts it and the members after it", () =>
    withTree(group("strategy=rest_for_one"), ({ fake, supervisor }) =>
      Effect.gen(function*() {
        yield* allRunning(supervisor)
        const later = since(fake.journal)
        yield* exit(fake, "b", null, "SIGKILL")
        yield* FakeSpawner.eventually(Effect.sync(() => later().length === 3), "restarted")
        assert.deepStrictEqual(later(), ["SIGTERM c", "spawn b", "spawn c"])
      })))

  it.effect("programs= order, not priority, decides who comes after whom", () =>
    withTree(
      ["a", "b", "c"].map((n, i) => program(n, `startsecs=0\npriority=${30 - i * 10}`)).join("") + "[group:g]\nprograms=a,b,c\nstrategy=rest_for_one\n",
      ({ fake, supervisor }) =>
        Effect.gen(function*() {
          yield* allRunning(supervisor)
          assert.deepStrictEqual(fake.journal, ["spawn a", "spawn b", "spawn c"]) // autostart: programs= order, as supervisord
          const later = since(fake.journal)
          yield* exit(fake, "a", 2)
          yield* FakeSpawner.eventually(Effect.sync(() => later().length === 5), "restarted")
          assert.deepStrictEqual(later(), ["SIGTERM c", "SIGTERM b", "spawn a", "spawn b", "spawn c"])
        })
    ))

  it.effect("an exit autorestart does not restart is no death; neither is a stop", () =>
    withTree(
      program("job", "startsecs=0") + program("srv", "startsecs=0") + "[group:g]\nprograms=job,srv\nstrategy=one_for_all\n",
      ({ events, fake, supervisor }) =>
        Effect.gen(function*() {
          yield* allRunning(supervisor)
          const later = since(fake.journal)
          yield* exit(fake, "job", 0)
          yield* until(supervisor, "g:job", "EXITED")
          yield* supervisor.stopProcess("g:srv", true)
          yield* TestClock.adjust("1 minute")
          assert.deepStrictEqual(later(), ["SIGTERM srv"])
          assert.deepStrictEqual(strategyEvents(events), [])
        })
    ))

  it.effect("restarts go through the normal stop path: stopsignal, then SIGKILL after stopwaitsecs", () =>
    withTree(
      program("a", "startsecs=0\nautorestart=true\nstopsignal=INT\nstopwaitsecs=7") + program("b", "startsecs=0\nautorestart=true") +
        "[group:g]\nprograms=a,b\nstrategy=one_for_all\n",
      ({ fake, supervisor }) =>
        Effect.gen(function*() {
          yield* allRunning(supervisor)
          yield* Ref.set(fake.ignored, ["SIGINT"])
          const later = since(fake.journal)
          yield* exit(fake, "b", 1)
          yield* FakeSpawner.eventually(Effect.sync(() => later().length === 1), "a signalled")
          yield* TestClock.adjust("6 seconds")
          assert.deepStrictEqual(later(), ["SIGINT a"])
          yield* TestClock.adjust("1 second")
          yield* FakeSpawner.eventually(Effect.sync(() => later().length === 4), "restarted")
          assert.deepStrictEqual(later(), ["SIGINT a", "SIGKILL a", "spawn a", "spawn b"])
          yield* Ref.set(fake.ignored, []) // so that the shutdown needs no clock
        })
    ))

  it.effect("more than max_restarts deaths within the period: the group gives up (on_exhausted=stop)", () =>
    withTree(group("strategy=one_for_all\nmax_restarts=2\nmax_restarts_period=10"), ({ events, fake, supervisor }) =>
      Effect.gen(function*() {
        yield* allRunning(supervisor)
        const die = (name: string) =>
          Effect.gen(function*() {
            const before = fake.journal.filter((l) => l.startsWith("spawn")).length
            yield* exit(fake, name, 1)
            yield* FakeSpawner.eventually(Effect.sync(() => fake.journal.filter((l) => l.startsWith("spawn")).length === before + 3), "restarted")
            yield* allRunning(supervisor)
          })
        // what allGroupStatus says: restarts since the start, and those within the period now
        const counts = Effect.map(supervisor.allGroupStatus, (all) => {
          const g = all.find((s) => s.name === "g")!
          return [g.restarts, g.recentRestarts]
        })
        assert.deepStrictEqual(yield* counts, [0, 0])
        yield* die("a")
        assert.deepStrictEqual(yield* counts, [1, 1])
        yield* TestClock.adjust("4 seconds")
        yield* die("b")
        assert.deepStrictEqual(yield* counts, [2, 2])
        // The first restart leaves the window: this one is the second in 10 s, not the third.
        yield* TestClock.adjust("7 seconds")
        assert.deepStrictEqual(yield* counts, [2, 1])
        yield* die("c")
        yield* TestClock.adjust("1 second")
        const later = since(fake.journal)
        yield* exit(fake, "a", 1)
        yield* FakeSpawner.eventually(Effect.map(states(supervisor), (s) => s.every((l) => /(STOPPED|EXITED)$/.test(l))), "all stopped")
        // giving up forgets the window, not the count
        assert.deepStrictEqual(yield* counts, [3, 0])
        assert.deepStrictEqual(later(), ["SIGTERM c", "SIGTERM b"])
        assert.deepStrictEqual(yield* states(supervisor), ["g:a EXITED", "g:b STOPPED", "g:c STOPPED"])
        assert.deepStrictEqual(strategyEvents(events), [
          "GROUP_STRATEGY_RESTART g", "GROUP_STRATEGY_RESTART g", "GROUP_STRATEGY_RESTART g", "GROUP_STRATEGY_EXHAUSTED g"
        ])
      })))

  it.effect("one_for_one with max_restarts counts each death; on_exhausted=fatal makes every member FATAL", () =>
    withTree(group("max_restarts=1\non_exhausted=fatal"), ({ fake, supervisor }) =>
      Effect.gen(function*() {
        yield* allRunning(supervisor)
        const later = since(fake.journal)
        yield* exit(fake, "b", 1)
        yield* FakeSpawner.eventually(Effect.sync(() => later().length === 1), "b restarted")
        yield* allRunning(supervisor)
        yield* exit(fake, "c", 1)
        yield* FakeSpawner.eventually(Effect.map(states(supervisor), (s) => s.every((l) => l.endsWith(" FATAL"))), "all FATAL")
        assert.deepStrictEqual(later(), ["spawn b", "SIGTERM b", "SIGTERM a"])
        const infos = yield* supervisor.allProcessInfo
        assert.deepStrictEqual([...new Set(infos.map((i) => i.spawnerr))], ["group g gave up: too many restarts"])
      })))

  it.effect("on_exhausted=shutdown shuts effsup down with the dying member's status (1 if it had none)", () =>
    withTree(group("max_restarts=0\non_exhausted=shutdown"), ({ fake, supervisor }) =>
      Effect.gen(function*() {
        yield* allRunning(supervisor)
        yield* exit(fake, "b", 4)
        assert.strictEqual(yield* supervisor.awaitExitRequest, "shutdown")
        assert.strictEqual(yield* supervisor.exitStatus, 4)
        assert.strictEqual((yield* supervisor.state).statename, "SHUTDOWN")
      })))
})
