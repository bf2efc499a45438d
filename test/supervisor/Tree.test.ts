import { assert, describe, it } from "@effect/vitest"
import { Effect, Ref } from "effect"
import { TestClock } from "effect/testing"
import { CantReread } from "../../src/domain/Errors.ts"
import * as FakeSpawner from "../support/FakeSpawner.ts"
import { parse, program, states, withTree } from "./TreeWorld.ts"

const PRIORITIES = [
  program("c", "priority=300"),
  program("a", "priority=100"),
  program("b", "priority=200\nautostart=false"),
  "[group:g]\nprograms=x,y\npriority=150\n",
  program("x", "priority=20"),
  program("y", "priority=10"),
  program("n", "priority=400\nnumprocs=2\nprocess_name=%(program_name)s_%(process_num)s")
].join("")

describe("Tree (scripted children, TestClock)", () => {
  it.effect("starts autostart programs by group priority, within a group in programs= order (as supervisord); stops them by priority in reverse, group by group", () =>
    withTree(PRIORITIES, ({ fake, supervisor }) =>
      Effect.gen(function*() {
        assert.deepStrictEqual(fake.journal, ["spawn a", "spawn x", "spawn y", "spawn c", "spawn n", "spawn n"])
        assert.deepStrictEqual(yield* states(supervisor), [
          "a:a STARTING", "b:b STOPPED", "c:c STARTING", "g:x STARTING", "g:y STARTING", "n:n_0 STARTING", "n:n_1 STARTING"
        ])
        fake.journal.length = 0
      }), ({ events, fake }) =>
      Effect.sync(() => {
        assert.deepStrictEqual(fake.journal, ["SIGTERM n", "SIGTERM n", "SIGTERM c", "SIGTERM x", "SIGTERM y", "SIGTERM a"])
        // One group at a time: a group's processes are all stopped before the next group is signalled.
        const stopping = events.filter((e) => e.endsWith(" STOPPING") || e.endsWith(" STOPPED")).map((e) => e.split(":")[0])
        assert.deepStrictEqual(stopping.filter((group, i) => group !== stopping[i - 1]), ["n", "c", "g", "a"])
        assert.strictEqual(stopping.length, 12)
        assert.strictEqual(events.indexOf("SUPERVISOR_STATE_CHANGE_STOPPING") < events.indexOf("n:n_1 STOPPING"), true)
      })))

  it.effect("runs one group per name (the first in priority order) and one process per name in a group (the later config), as supervisord", () =>
    withTree(
      [
        program("a"),
        program("b"),
        "[group:a]\nprograms=b\n",
        program("p", "process_name=x"),
        program("q", "process_name=x"),
        "[group:g]\nprograms=p,q\n"
      ].join(""),
      ({ fake, supervisor }) =>
        Effect.gen(function*() {
          assert.deepStrictEqual(fake.journal, ["spawn b", "spawn q"])
          assert.deepStrictEqual(yield* states(supervisor), ["a:b STARTING", "g:x STARTING"])
          assert.strictEqual((yield* supervisor.config).groups.length, 3)
        })
    ))

  it.effect("shutdown stops a STARTING process and gives up on one in BACKOFF, without waiting for any timer", () =>
    withTree(
      program("slow", "startsecs=10") + program("broken", "autostart=false"),
      ({ fake, supervisor }) =>
        Effect.gen(function*() {
          yield* Ref.set(fake.failWith, "can't find command 'broken'")
          yield* supervisor.startProcess("broken", false)
          yield* Ref.set(fake.failWith, undefined)
          assert.deepStrictEqual(yield* states(supervisor), ["broken:broken BACKOFF", "slow:slow STARTING"])
        }),
      ({ events, fake }) =>
        Effect.sync(() => {
          assert.deepStrictEqual(fake.journal, ["spawn slow", "SIGTERM slow"])
          assert.deepStrictEqual(events.filter((e) => e.startsWith("broken:")), ["broken:broken STARTING", "broken:broken BACKOFF", "broken:broken FATAL"])
          assert.deepStrictEqual(events.filter((e) => e.startsWith("slow:")), ["slow:slow STARTING", "slow:slow STOPPING", "slow:slow STOPPED"])
        })
    ))

  it.effect("once shutdown is requested nothing restarts and requests are refused", () =>
    withTree(program("loop", "startsecs=0\nautorestart=true") + program("idle", "autostart=false"), ({ fake, supervisor }) =>
      Effect.gen(function*() {
        yield* supervisor.shutdown
        assert.strictEqual((yield* Effect.flip(supervisor.startProcess("idle", false)))._tag, "ShutdownState")
        const [loop] = yield* Ref.get(fake.children)
        yield* loop!.exit({ code: 0, signal: null })
        // The exit is acted on (EXITED), but nothing restarts it.
        yield* FakeSpawner.eventually(Effect.map(states(supervisor), (s) => s[1] === "loop:loop EXITED"), "loop EXITED")
        assert.deepStrictEqual(yield* states(supervisor), ["idle:idle STOPPED", "loop:loop EXITED"])
        assert.deepStrictEqual(fake.journal, ["spawn loop"])
      })))

  it.effect("reloadConfig diffs against the active groups; stop/remove/add applies it as supervisorctl update does", () =>
    withTree(program("keep") + program("edit", "command=e1") + program("gone"), ({ events, fake, nextConfig, supervisor }) =>
      Effect.gen(function*() {
        yield* Ref.set(nextConfig, parse(program("keep") + program("edit", "command=e2") + program("new")))
        assert.deepStrictEqual(yield* supervisor.reloadConfig, { added: ["new"], changed: ["edit"], removed: ["gone"] })
        // Nothing changes until the diff is applied.
        assert.deepStrictEqual(yield* states(supervisor), ["edit:edit STARTING", "gone:gone STARTING", "keep:keep STARTING"])
        for (const name of ["gone", "edit"]) {
          yield* supervisor.stopGroup(name, true)
          yield* supervisor.removeGroup(name)
        }
        yield* supervisor.addGroup("edit")
        yield* supervisor.addGroup("new")
        assert.deepStrictEqual(fake.journal, ["spawn e1", "spawn gone", "spawn keep", "SIGTERM gone", "SIGTERM e1", "spawn e2", "spawn new"])
        assert.deepStrictEqual(yield* states(supervisor), ["edit:edit STARTING", "keep:keep STARTING", "new:new STARTING"])
        assert.deepStrictEqual(events.filter((e) => e.startsWith("PROCESS_GROUP")), [
          "PROCESS_GROUP_ADDED edit", "PROCESS_GROUP_ADDED gone", "PROCESS_GROUP_ADDED keep",
          "PROCESS_GROUP_REMOVED gone", "PROCESS_GROUP_REMOVED edit", "PROCESS_GROUP_ADDED edit", "PROCESS_GROUP_ADDED new"
        ])
      })))

  it.effect("restart re-reads the config first: a broken one changes nothing (no stop, no event, still RUNNING)", () =>
    withTree(program("run"), ({ events, fake, nextConfig, supervisor }) =>
      Effect.gen(function*() {
        yield* TestClock.adjust("1 second")
        const before = [...events]
        yield* Ref.set(nextConfig, new CantReread({ detail: "/etc/effsup.conf:3: [program:run] numprocs: 0 is below lower bound (1)" }))
        assert.strictEqual((yield* Effect.flip(supervisor.restart))._tag, "CantReread")
        assert.deepStrictEqual(yield* supervisor.state, { statecode: 1, statename: "RUNNING" })
        assert.deepStrictEqual(yield* states(supervisor), ["run:run RUNNING"])
        assert.deepStrictEqual(fake.journal, ["spawn run"])
        assert.deepStrictEqual(events, before)
        // a good config is kept for the restart: the daemon serves it next
        yield* Ref.set(nextConfig, parse(program("run") + program("other")))
        yield* supervisor.restart
        assert.deepStrictEqual((yield* supervisor.config).groups.map((g) => g.name), ["other", "run"])
        assert.strictEqual(yield* supervisor.awaitExitRequest, "restart")
      })))

  it.effect("addGroup and removeGroup refuse what they cannot do", () =>
    withTree(program("run") + program("later", "autostart=false"), ({ nextConfig, supervisor }) =>
      Effect.gen(function*() {
        const fault = <A, E extends { readonly _tag: string }>(effect: Effect.Effect<A, E>) => Effect.map(Effect.flip(effect), (e) => e._tag)
        assert.strictEqual(yield* fault(supervisor.addGroup("nope")), "BadName")
        assert.strictEqual(yield* fault(supervisor.addGroup("run")), "AlreadyAdded")
        assert.strictEqual(yield* fault(supervisor.removeGroup("nope")), "BadName")
        assert.strictEqual(yield* fault(supervisor.removeGroup("run")), "StillRunning")
        // A group whose processes are all stopped can go, and come back from the config.
        yield* supervisor.removeGroup("later")
        assert.strictEqual(yield* fault(supervisor.processInfo("later:later")), "BadName")
        yield* supervisor.addGroup("later")
        assert.deepStrictEqual(yield* states(supervisor), ["later:later STOPPED", "run:run STARTING"])
        // addGroup reads the config as last reloaded.
        yield* Ref.set(nextConfig, parse(program("run") + program("later", "autostart=false") + program("extra")))
        assert.strictEqual(yield* fault(supervisor.addGroup("extra")), "BadName")
        yield* supervisor.reloadConfig
        yield* supervisor.addGroup("extra")
        yield* TestClock.adjust("1 second")
        assert.deepStrictEqual(yield* states(supervisor), ["extra:extra RUNNING", "later:later STOPPED", "run:run RUNNING"])
      })))
})
