import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Layer, Logger, Ref, Scope, Stream } from "effect"
import { TestClock } from "effect/testing"
import type { ProcessConfig } from "../../src/config/Types.ts"
import type { ProcessState } from "../../src/domain/ProcessState.ts"
import { EventBus } from "../../src/events/EventBus.ts"
import * as ChildOutput from "../../src/logs/ChildOutput.ts"
import { Network } from "../../src/process/Probe.ts"
import * as ProcessActor from "../../src/process/ProcessActor.ts"
import { processConfig, quietChannel } from "../support/Configs.ts"
import * as FakeNetwork from "../support/FakeNetwork.ts"
import * as FakeSpawner from "../support/FakeSpawner.ts"

const config = (over: Partial<ProcessConfig> = {}): ProcessConfig =>
  processConfig({ command: "sleep 1000", stdout: quietChannel, stderr: quietChannel, ...over })

/**
 * What a scenario's script gets: the actor, the fake spawner and network, and the events so far:
 * PROCESS_STATE_* as `STATE` or `STATE:tries`, PROCESS_HEALTH_* as `HEALTH_*`.
 */
interface World {
  readonly actor: ProcessActor.ProcessActor
  readonly fake: FakeSpawner.FakeSpawnerControl
  readonly net: FakeNetwork.FakeNetwork
  readonly events: ReadonlyArray<string>
}

/** Run a script against one actor with a fake spawner in its own scope (closed at the end); returns the last snapshot. */
const scenario = (cfg: ProcessConfig, script: (world: World) => Effect.Effect<void, unknown>) =>
  Effect.gen(function*() {
    const fake = yield* FakeSpawner.make
    const net = FakeNetwork.make()
    const scope = yield* Scope.make()
    return yield* Effect.gen(function*() {
      const bus = yield* EventBus
      const events: Array<string> = []
      yield* bus.subscribe.pipe(
        Effect.flatMap(Stream.runForEach((e) =>
          Effect.sync(() => {
            const state = e._tag.slice("PROCESS_STATE_".length)
            if (e._tag.startsWith("PROCESS_STATE_")) events.push("tries" in e && (state === "BACKOFF" || state === "STARTING") ? `${state}:${e.tries}` : state)
            if (e._tag.startsWith("PROCESS_HEALTH_")) events.push(e._tag.slice("PROCESS_".length))
          })
        )),
        Effect.forkScoped({ startImmediately: true })
      )
      const output = yield* ChildOutput.make({
        processName: cfg.name, groupName: cfg.group, stdoutLog: undefined, stderrLog: undefined,
        stdout: cfg.stdout, stderr: cfg.stderr, stripAnsi: false
      })
      const actor = yield* ProcessActor.make(cfg, output, { env: { PATH: "/bin:/usr/bin" }, cwd: "/", serverUrl: undefined })
      yield* script({ actor, fake: fake.control, net, events })
      const last = yield* actor.snapshot
      yield* Scope.close(scope, Exit.void)
      return last
    }).pipe(
      Scope.provide(scope),
      Effect.provideService(Network, net.service),
      Effect.provide(Layer.mergeAll(fake.layer, EventBus.layer, NodeServices.layer))
    )
  })

const inState = (actor: ProcessActor.ProcessActor, state: ProcessState) =>
  FakeSpawner.eventually(Effect.map(actor.snapshot, (s) => s.state === state), `state ${state}`)
const child = (fake: FakeSpawner.FakeSpawnerControl, n: number) => Effect.map(Ref.get(fake.children), (cs) => cs[n]!)
const spawns = (fake: FakeSpawner.FakeSpawnerControl) => Effect.map(Ref.get(fake.children), (cs) => cs.length)
const state = (actor: ProcessActor.ProcessActor) => Effect.map(actor.snapshot, (s) => s.state)

describe("ProcessActor (scripted children, TestClock)", () => {
  it.effect("reaches RUNNING exactly after startsecs", () =>
    Effect.gen(function*() {
      const last = yield* scenario(config(), ({ actor, events }) =>
        Effect.gen(function*() {
          yield* actor.start(false, "autostart")
          assert.strictEqual(yield* state(actor), "STARTING")
          yield* TestClock.adjust("999 millis")
          assert.strictEqual(yield* state(actor), "STARTING")
          yield* TestClock.adjust("1 millis")
          assert.strictEqual(yield* state(actor), "RUNNING")
          assert.deepStrictEqual(events, ["STARTING:0", "RUNNING"])
        }))
      assert.strictEqual(last.state, "RUNNING")
      assert.strictEqual(last.pid, 1000)
    }))

  it.effect("quick exits back off 1 s, 2 s, 3 s and then go FATAL (startretries=3 → 4 spawns)", () =>
    Effect.gen(function*() {
      const last = yield* scenario(config(), ({ actor, events, fake }) =>
        Effect.gen(function*() {
          yield* actor.start(false, "autostart")
          for (let attempt = 0; attempt < 4; attempt++) {
            assert.strictEqual(yield* spawns(fake), attempt + 1)
            yield* (yield* child(fake, attempt)).exit({ code: 1, signal: null })
            if (attempt === 3) break
            yield* FakeSpawner.eventually(Effect.map(actor.snapshot, (s) => s.state === "BACKOFF" && s.backoff === attempt + 1), `backoff ${attempt + 1}`)
            yield* TestClock.adjust(`${attempt} seconds`)
            yield* TestClock.adjust("999 millis")
            assert.strictEqual(yield* spawns(fake), attempt + 1, "still waiting")
            yield* TestClock.adjust("1 millis")
          }
          yield* inState(actor, "FATAL")
          assert.deepStrictEqual(events, [
            "STARTING:0", "BACKOFF:1", "STARTING:1", "BACKOFF:2", "STARTING:2", "BACKOFF:3", "STARTING:3", "BACKOFF:4", "FATAL"
          ])
        }))
      assert.strictEqual(last.state, "FATAL")
      assert.strictEqual(last.backoff, 0)
      assert.strictEqual(last.spawnerr, "Exited too quickly (process log may have details)")
    }))

  it.effect("spawn errors go BACKOFF then FATAL; a later start clears spawnerr", () =>
    Effect.gen(function*() {
      const last = yield* scenario(config({ startretries: 1 }), ({ actor, fake }) =>
        Effect.gen(function*() {
          yield* Ref.set(fake.failWith, "can't find command 'x'")
          yield* actor.start(false, "autostart")
          assert.strictEqual(yield* state(actor), "BACKOFF")
          assert.strictEqual((yield* actor.snapshot).spawnerr, "can't find command 'x'")
          yield* TestClock.adjust("1 second")
          assert.strictEqual(yield* state(actor), "FATAL")
          yield* Ref.set(fake.failWith, undefined)
          yield* actor.start(false)
        }))
      assert.strictEqual(last.state, "STARTING")
      assert.strictEqual(last.spawnerr, "")
    }))

  it.effect("an unexpected exit from RUNNING restarts; an expected one stays EXITED", () =>
    Effect.gen(function*() {
      const last = yield* scenario(config({ startsecs: 0 }), ({ actor, events, fake }) =>
        Effect.gen(function*() {
          yield* actor.start(false, "autostart")
          assert.strictEqual(yield* state(actor), "RUNNING")
          yield* (yield* child(fake, 0)).exit({ code: 3, signal: null })
          yield* FakeSpawner.eventually(Effect.map(spawns(fake), (n) => n === 2), "a second spawn")
          yield* inState(actor, "RUNNING")
          yield* (yield* child(fake, 1)).exit({ code: 0, signal: null })
          yield* inState(actor, "EXITED")
          assert.deepStrictEqual(events, ["STARTING:0", "RUNNING", "EXITED", "STARTING:0", "RUNNING", "EXITED"])
        }))
      assert.strictEqual(last.state, "EXITED")
      assert.strictEqual(last.exitstatus, 0)
      assert.strictEqual(last.pid, 0)
    }))

  it.effect("stop sends stopsignal, then SIGKILL after stopwaitsecs when it is ignored", () =>
    Effect.gen(function*() {
      const last = yield* scenario(config({ startsecs: 0, stopwaitsecs: 5 }), ({ actor, fake }) =>
        Effect.gen(function*() {
          yield* Ref.set(fake.ignored, ["SIGTERM"])
          yield* actor.start(false, "autostart")
          const stopping = yield* actor.stop(true).pipe(Effect.forkChild)
          yield* inState(actor, "STOPPING")
          yield* TestClock.adjust("4999 millis")
          assert.deepStrictEqual((yield* child(fake, 0)).signals, ["SIGTERM"])
          yield* TestClock.adjust("1 millis")
          yield* Fiber.join(stopping)
          assert.deepStrictEqual((yield* child(fake, 0)).signals, ["SIGTERM", "SIGKILL"])
        }))
      assert.strictEqual(last.state, "STOPPED")
      assert.strictEqual(last.exitstatus, -1)
    }))

  it.effect("a caller waiting for a stop hears `waiting for x to stop` at once, then every 2 s while it is STOPPING", () =>
    Effect.gen(function*() {
      const logged: Array<string> = []
      const waiting = () => logged.filter((line) => line === "Info waiting for cat to stop").length
      yield* scenario(config({ name: "cat", startsecs: 0, stopwaitsecs: 3 }), ({ actor, fake }) =>
        Effect.gen(function*() {
          // it ignores SIGTERM and (for a while) SIGKILL: the reports go on after stopwaitsecs
          yield* Ref.set(fake.ignored, ["SIGTERM", "SIGKILL"])
          yield* actor.start(false, "autostart")
          const stopping = yield* actor.stop(true).pipe(Effect.forkChild({ startImmediately: true }))
          yield* inState(actor, "STOPPING")
          assert.strictEqual(waiting(), 1)
          yield* TestClock.adjust("1999 millis")
          assert.strictEqual(waiting(), 1)
          yield* TestClock.adjust("1 millis")
          assert.strictEqual(waiting(), 2)
          yield* TestClock.adjust("1 seconds") // stopwaitsecs: SIGKILL, still STOPPING
          assert.deepStrictEqual((yield* child(fake, 0)).signals, ["SIGTERM", "SIGKILL"])
          assert.strictEqual(waiting(), 2)
          yield* TestClock.adjust("1 seconds")
          assert.strictEqual(waiting(), 3)
          yield* (yield* child(fake, 0)).exit({ code: null, signal: "SIGKILL" })
          yield* Fiber.join(stopping)
          yield* TestClock.adjust("10 seconds")
          assert.strictEqual(waiting(), 3)
          // a stop nobody waits for reports nothing
          yield* Ref.set(fake.ignored, ["SIGTERM"])
          yield* actor.start(false, "autostart")
          yield* actor.stop(false)
          yield* inState(actor, "STOPPING")
          yield* TestClock.adjust("3 seconds")
          assert.strictEqual(waiting(), 3)
        })).pipe(Effect.provide(Logger.layer([Logger.make(({ logLevel, message }) => {
        logged.push(`${logLevel} ${String(Array.isArray(message) ? message.join(" ") : message)}`)
      })])))
    }))

  it.effect("stop in BACKOFF goes straight to STOPPED; start refuses a running process; stop refuses a stopped one", () =>
    Effect.gen(function*() {
      const last = yield* scenario(config(), ({ actor, fake }) =>
        Effect.gen(function*() {
          assert.strictEqual((yield* Effect.flip(actor.stop(false)))._tag, "NotRunning")
          yield* actor.start(false, "autostart")
          assert.strictEqual((yield* Effect.flip(actor.start(false)))._tag, "AlreadyStarted")
          yield* (yield* child(fake, 0)).exit({ code: 1, signal: null })
          yield* inState(actor, "BACKOFF")
          yield* actor.stop(true)
          assert.strictEqual((yield* Effect.flip(actor.stop(true)))._tag, "NotRunning")
        }))
      assert.strictEqual(last.state, "STOPPED")
    }))

  it.effect("start with wait: RUNNING, SPAWN_ERROR on a spawn failure, ABNORMAL_TERMINATION when stopped meanwhile", () =>
    Effect.gen(function*() {
      yield* scenario(config(), ({ actor }) =>
        Effect.gen(function*() {
          const started = yield* actor.start(true).pipe(Effect.forkChild({ startImmediately: true }))
          yield* inState(actor, "STARTING")
          yield* TestClock.adjust("1 second")
          yield* Fiber.join(started)
        }))
      yield* scenario(config(), ({ actor, fake }) =>
        Effect.gen(function*() {
          yield* Ref.set(fake.failWith, "spawn failed")
          assert.strictEqual((yield* Effect.flip(actor.start(true)))._tag, "SpawnError")
        }))
      yield* scenario(config(), ({ actor }) =>
        Effect.gen(function*() {
          const started = yield* actor.start(true).pipe(Effect.flip, Effect.forkChild({ startImmediately: true }))
          yield* inState(actor, "STARTING")
          yield* actor.stop(true)
          assert.strictEqual((yield* Fiber.join(started))._tag, "AbnormalTermination")
        }))
    }))

  it.effect("signals and stdin reach a running child only", () =>
    Effect.gen(function*() {
      yield* scenario(config({ startsecs: 0 }), ({ actor, fake }) =>
        Effect.gen(function*() {
          assert.strictEqual((yield* Effect.flip(actor.signal("SIGHUP")))._tag, "NotRunning")
          assert.strictEqual((yield* Effect.flip(actor.writeStdin(new TextEncoder().encode("x"))))._tag, "NotRunning")
          yield* Ref.set(fake.ignored, ["SIGUSR1", "SIGTERM", "SIGHUP"])
          yield* actor.start(false, "autostart")
          yield* actor.signal("SIGUSR1")
          yield* actor.writeStdin(new TextEncoder().encode("hello"))
          const first = yield* child(fake, 0)
          assert.deepStrictEqual(first.signals, ["SIGUSR1"])
          assert.deepStrictEqual(first.stdin, ["hello"])
          // While it is being stopped it still takes signals but no more input.
          yield* actor.stop(false)
          yield* actor.signal("SIGHUP")
          assert.strictEqual((yield* Effect.flip(actor.writeStdin(new TextEncoder().encode("late"))))._tag, "NotRunning")
          assert.deepStrictEqual(first.signals, ["SIGUSR1", "SIGTERM", "SIGHUP"])
          assert.deepStrictEqual(first.stdin, ["hello"])
          yield* TestClock.adjust("10 seconds")
          yield* inState(actor, "STOPPED")
        }))
    }))

  it.effect("once quiesced (supervisor stopping) nothing restarts: not after an exit, not after backoff", () =>
    Effect.gen(function*() {
      const exited = yield* scenario(config({ startsecs: 0, autorestart: "true" }), ({ actor, fake }) =>
        Effect.gen(function*() {
          yield* actor.start(false, "autostart")
          yield* actor.quiesce
          yield* (yield* child(fake, 0)).exit({ code: 0, signal: null })
          yield* inState(actor, "EXITED")
          assert.strictEqual(yield* spawns(fake), 1)
          yield* actor.start(false, "autostart")
          assert.strictEqual(yield* spawns(fake), 1, "autostart is dropped too")
        }))
      assert.strictEqual(exited.state, "EXITED")
      const backoff = yield* scenario(config(), ({ actor, fake }) =>
        Effect.gen(function*() {
          yield* actor.start(false, "autostart")
          yield* (yield* child(fake, 0)).exit({ code: 1, signal: null })
          yield* inState(actor, "BACKOFF")
          yield* actor.quiesce
          yield* TestClock.adjust("5 seconds")
          assert.strictEqual(yield* spawns(fake), 1)
          assert.strictEqual(yield* state(actor), "BACKOFF")
          yield* Effect.flatten(actor.shutdown)
        }))
      assert.strictEqual(backoff.state, "FATAL")
    }))

  it.effect("a failed start while the supervisor stops gives up at once", () =>
    Effect.gen(function*() {
      const last = yield* scenario(config(), ({ actor, events, fake }) =>
        Effect.gen(function*() {
          yield* actor.start(false, "autostart")
          yield* actor.quiesce
          yield* (yield* child(fake, 0)).exit({ code: 1, signal: null })
          yield* inState(actor, "FATAL")
          assert.deepStrictEqual(events, ["STARTING:0", "BACKOFF:1", "FATAL"])
        }))
      assert.strictEqual(last.state, "FATAL")
    }))

  it.effect("shutdown stops a STARTING process and gives up on one in BACKOFF", () =>
    Effect.gen(function*() {
      const starting = yield* scenario(config({ startsecs: 10 }), ({ actor, fake }) =>
        Effect.gen(function*() {
          yield* actor.start(false, "autostart")
          yield* Effect.flatten(actor.shutdown)
          assert.deepStrictEqual((yield* child(fake, 0)).signals, ["SIGTERM"])
        }))
      assert.strictEqual(starting.state, "STOPPED")
      const backingOff = yield* scenario(config(), ({ actor, events, fake }) =>
        Effect.gen(function*() {
          yield* Ref.set(fake.failWith, "spawn failed")
          yield* actor.start(false, "autostart")
          yield* Effect.flatten(actor.shutdown)
          assert.deepStrictEqual(events, ["STARTING:0", "BACKOFF:1", "FATAL"])
        }))
      assert.strictEqual(backingOff.state, "FATAL")
      assert.strictEqual(backingOff.spawnerr, "spawn failed")
    }))

  it.effect("closing the actor's scope stops its child", () =>
    Effect.gen(function*() {
      const fake = yield* FakeSpawner.make
      const scope = yield* Scope.make()
      const actor = yield* Effect.gen(function*() {
        const cfg = config({ startsecs: 0 })
        const output = yield* ChildOutput.make({
          processName: cfg.name, groupName: cfg.group, stdoutLog: undefined, stderrLog: undefined,
          stdout: cfg.stdout, stderr: cfg.stderr, stripAnsi: false
        })
        const actor = yield* ProcessActor.make(cfg, output, { env: {}, cwd: "/", serverUrl: undefined })
        yield* actor.start(false, "autostart")
        return actor
      }).pipe(Scope.provide(scope), Effect.provide(Layer.mergeAll(fake.layer, EventBus.layer, NodeServices.layer)))
      yield* Scope.close(scope, Exit.void)
      assert.deepStrictEqual(fake.control.journal, ["spawn sleep", "SIGTERM sleep"])
      assert.strictEqual((yield* actor.snapshot).state, "STOPPED")
    }))
})

const TCP = { _tag: "Tcp", host: "localhost", port: 8080 } as const
const snapshot = (actor: ProcessActor.ProcessActor) => actor.snapshot

describe("ProcessActor: ready=, healthcheck=, backoff= (scripted children and network, TestClock)", () => {
  it.effect("ready=tcp: STARTING until the port answers, even long after startsecs", () =>
    Effect.gen(function*() {
      const last = yield* scenario(config({ ready: TCP }), ({ actor, events, net }) =>
        Effect.gen(function*() {
          yield* actor.start(false, "autostart")
          yield* TestClock.adjust("10 seconds")
          assert.strictEqual(yield* state(actor), "STARTING")
          assert.isAbove(net.calls.length, 10, "tried again and again")
          net.up.add("localhost:8080")
          yield* TestClock.adjust("1 second")
          yield* inState(actor, "RUNNING")
          assert.deepStrictEqual(events, ["STARTING:0", "RUNNING"])
          const tries = net.calls.length
          yield* TestClock.adjust("10 seconds")
          assert.strictEqual(net.calls.length, tries, "no more probing once ready")
        }))
      assert.isTrue(last.ready)
    }))

  it.effect("ready= and startsecs: whichever comes last makes it RUNNING", () =>
    Effect.gen(function*() {
      yield* scenario(config({ ready: TCP, startsecs: 5 }), ({ actor, net }) =>
        Effect.gen(function*() {
          net.up.add("localhost:8080")
          yield* actor.start(false, "autostart")
          yield* TestClock.adjust("4999 millis")
          assert.strictEqual(yield* state(actor), "STARTING")
          assert.isTrue((yield* snapshot(actor)).ready)
          yield* TestClock.adjust("1 millis")
          assert.strictEqual(yield* state(actor), "RUNNING")
        }))
    }))

  it.effect("ready_timeout: the child is stopped and the start counts as failed, FATAL after startretries", () =>
    Effect.gen(function*() {
      const last = yield* scenario(config({ ready: TCP, readyTimeout: 5, startretries: 1 }), ({ actor, events, fake }) =>
        Effect.gen(function*() {
          yield* actor.start(false, "autostart")
          yield* TestClock.adjust("4999 millis")
          assert.strictEqual(yield* state(actor), "STARTING")
          yield* TestClock.adjust("1 millis")
          yield* inState(actor, "BACKOFF")
          assert.deepStrictEqual((yield* child(fake, 0)).signals, ["SIGTERM"])
          assert.strictEqual(
            (yield* snapshot(actor)).spawnerr,
            "not ready within 5 seconds (tcp:localhost:8080: connect ECONNREFUSED localhost:8080)"
          )
          yield* TestClock.adjust("1 second")
          assert.strictEqual(yield* spawns(fake), 2)
          yield* TestClock.adjust("5 seconds")
          yield* inState(actor, "FATAL")
          assert.deepStrictEqual(events, ["STARTING:0", "STOPPING", "BACKOFF:1", "STARTING:1", "STOPPING", "BACKOFF:2", "FATAL"])
        }))
      assert.strictEqual(last.state, "FATAL")
    }))

  it.effect("ready=log: a line of the child's output (even unfinished) makes it ready", () =>
    Effect.gen(function*() {
      yield* scenario(config({ ready: { _tag: "Log", pattern: "^listening on \\d+" }, startsecs: 0 }), ({ actor, fake }) =>
        Effect.gen(function*() {
          yield* actor.start(false, "autostart")
          const first = yield* child(fake, 0)
          yield* first.print("booting\nnot listening on 1\n")
          yield* TestClock.adjust("1 second")
          assert.strictEqual(yield* state(actor), "STARTING")
          yield* first.print("listening on 80")
          yield* inState(actor, "RUNNING")
        }))
    }))

  it.effect("ready=fd:N: the child gets a pipe at fd N; a newline on it makes it ready", () =>
    Effect.gen(function*() {
      yield* scenario(config({ ready: { _tag: "Fd", fd: 3 }, startsecs: 1 }), ({ actor, fake }) =>
        Effect.gen(function*() {
          yield* actor.start(false, "autostart")
          const first = yield* child(fake, 0)
          assert.deepStrictEqual(first.fds, { stdin: undefined, ready: 3 })
          yield* first.notify("not yet")
          yield* TestClock.adjust("5 seconds")
          assert.strictEqual(yield* state(actor), "STARTING")
          assert.isFalse((yield* snapshot(actor)).ready)
          yield* first.notify(" ready\n")
          yield* inState(actor, "RUNNING")
        }))
    }))

  it.effect("ready=fd:N: the pipe closed without a newline is a failed start at once; ready_timeout applies", () =>
    Effect.gen(function*() {
      const closed = yield* scenario(config({ ready: { _tag: "Fd", fd: 4 }, startsecs: 0, startretries: 0 }), ({ actor, events, fake }) =>
        Effect.gen(function*() {
          yield* actor.start(false, "autostart")
          const first = yield* child(fake, 0)
          yield* first.notify("no newline")
          yield* first.closeReady
          yield* inState(actor, "FATAL")
          assert.deepStrictEqual(first.signals, ["SIGTERM"])
          assert.deepStrictEqual(events, ["STARTING:0", "STOPPING", "BACKOFF:1", "FATAL"])
        }))
      assert.strictEqual(closed.spawnerr, "not ready: fd:4 was closed without a newline")
      const silent = yield* scenario(config({ ready: { _tag: "Fd", fd: 3 }, readyTimeout: 2, startsecs: 0, startretries: 0 }), ({ actor }) =>
        Effect.gen(function*() {
          yield* actor.start(false, "autostart")
          yield* TestClock.adjust("1999 millis")
          assert.strictEqual(yield* state(actor), "STARTING")
          yield* TestClock.adjust("1 millis")
          yield* inState(actor, "FATAL")
        }))
      assert.strictEqual(silent.spawnerr, "not ready within 2 seconds (nothing written to fd 3)")
    }))

  it.effect("an exit before ready= succeeded is a failed start", () =>
    Effect.gen(function*() {
      const last = yield* scenario(config({ ready: TCP, startsecs: 0, startretries: 0 }), ({ actor, events, fake }) =>
        Effect.gen(function*() {
          yield* actor.start(false, "autostart")
          yield* TestClock.adjust("3 seconds")
          yield* (yield* child(fake, 0)).exit({ code: 0, signal: null })
          yield* inState(actor, "FATAL")
          assert.deepStrictEqual(events, ["STARTING:0", "BACKOFF:1", "FATAL"])
        }))
      assert.strictEqual(last.spawnerr, "Exited before it was ready (process log may have details)")
    }))

  it.effect("healthcheck=: three failures in a row restart it through the stop path, with PROCESS_HEALTH_UNHEALTHY", () =>
    Effect.gen(function*() {
      const cfg = config({ startsecs: 0, healthcheck: TCP, healthcheckInterval: 10, healthcheckRetries: 3 })
      const last = yield* scenario(cfg, ({ actor, events, fake, net }) =>
        Effect.gen(function*() {
          net.up.add("localhost:8080")
          yield* actor.start(false, "autostart")
          assert.strictEqual((yield* snapshot(actor)).health, "unchecked")
          const health = (what: string, done: (s: ProcessActor.ProcessSnapshot) => boolean) =>
            FakeSpawner.eventually(Effect.map(snapshot(actor), done), what)
          yield* TestClock.adjust("10 seconds")
          yield* health("healthy", (s) => s.health === "healthy")
          net.up.clear()
          yield* TestClock.adjust("10 seconds")
          yield* TestClock.adjust("10 seconds")
          yield* health("two failures, still RUNNING", (s) => s.healthFailures === 2 && s.state === "RUNNING")
          net.up.add("localhost:8080")
          yield* TestClock.adjust("10 seconds")
          yield* health("a pass resets the count", (s) => s.healthFailures === 0 && s.health === "healthy")
          net.up.clear()
          for (let i = 0; i < 3; i++) yield* TestClock.adjust("10 seconds")
          yield* FakeSpawner.eventually(Effect.map(spawns(fake), (n) => n === 2), "a second spawn")
          yield* inState(actor, "RUNNING")
          assert.deepStrictEqual((yield* child(fake, 0)).signals, ["SIGTERM"])
          assert.deepStrictEqual(events, ["STARTING:0", "RUNNING", "STOPPING", "HEALTH_UNHEALTHY", "STOPPED", "STARTING:0", "RUNNING"])
        }))
      assert.deepStrictEqual([last.health, last.healthFailures], ["unchecked", 0])
    }))

  it.effect("on_unhealthy=event: it keeps running, and says when it is healthy again", () =>
    Effect.gen(function*() {
      const cfg = config({ startsecs: 0, healthcheck: TCP, healthcheckInterval: 1, healthcheckRetries: 2, onUnhealthy: "event" })
      const last = yield* scenario(cfg, ({ actor, events, fake, net }) =>
        Effect.gen(function*() {
          yield* actor.start(false, "autostart")
          yield* TestClock.adjust("5 seconds")
          yield* FakeSpawner.eventually(Effect.map(snapshot(actor), (s) => s.health === "unhealthy" && s.healthFailures === 5), "unhealthy (5 failures)")
          net.up.add("localhost:8080")
          yield* TestClock.adjust("1 second")
          yield* FakeSpawner.eventually(Effect.map(snapshot(actor), (s) => s.health === "healthy"), "healthy")
          assert.deepStrictEqual(events, ["STARTING:0", "RUNNING", "HEALTH_UNHEALTHY", "HEALTH_HEALTHY"])
          assert.strictEqual(yield* spawns(fake), 1)
        }))
      assert.strictEqual(last.state, "RUNNING")
    }))

  it.effect("without backoff= a crash after RUNNING restarts at once (supervisord); with it, it waits per the schedule", () =>
    Effect.gen(function*() {
      const crashes = (cfg: ProcessConfig) =>
        scenario(cfg, ({ actor, fake, events }) =>
          Effect.gen(function*() {
            yield* actor.start(false, "autostart")
            yield* TestClock.adjust("1 second")
            yield* (yield* child(fake, 0)).exit({ code: 1, signal: null })
            yield* inState(actor, cfg.backoff === undefined ? "STARTING" : "BACKOFF")
            assert.deepStrictEqual(events.slice(2), cfg.backoff === undefined ? ["EXITED", "STARTING:0"] : ["EXITED", "BACKOFF:1"])
          }))
      yield* crashes(config())
      yield* crashes(config({ backoff: "linear" }))
    }))

  it.effect("backoff=exponential: crash loops wait 1 s, 2 s, 4 s; backoff_reset_after of good running starts over", () =>
    Effect.gen(function*() {
      const cfg = config({ backoff: "exponential", backoffResetAfter: 30, startretries: Infinity })
      yield* scenario(cfg, ({ actor, fake }) =>
        Effect.gen(function*() {
          yield* actor.start(false, "autostart")
          const crashAfterRunning = (n: number, wait: number) =>
            Effect.gen(function*() {
              yield* TestClock.adjust("1 second")
              assert.strictEqual(yield* state(actor), "RUNNING")
              yield* (yield* child(fake, n)).exit({ code: 1, signal: null })
              yield* inState(actor, "BACKOFF")
              yield* TestClock.adjust(`${wait * 1000 - 1} millis`)
              assert.strictEqual(yield* spawns(fake), n + 1, `crash ${n + 1} still waits`)
              yield* TestClock.adjust("1 millis")
              assert.strictEqual(yield* spawns(fake), n + 2, `crash ${n + 1} restarted after ${wait} s`)
            })
          yield* crashAfterRunning(0, 1)
          yield* crashAfterRunning(1, 2)
          yield* crashAfterRunning(2, 4)
          yield* TestClock.adjust("30 seconds") // 1 s to RUNNING, then 29 s of the 30
          assert.strictEqual((yield* snapshot(actor)).backoff, 3)
          yield* TestClock.adjust("1 second")
          assert.strictEqual((yield* snapshot(actor)).backoff, 0)
          yield* (yield* child(fake, 3)).exit({ code: 1, signal: null })
          yield* inState(actor, "BACKOFF")
          yield* TestClock.adjust("1 second")
          assert.strictEqual(yield* spawns(fake), 5, "back to the first wait")
        }))
    }))

  it.effect("startretries=infinite: quick exits never give up", () =>
    Effect.gen(function*() {
      const last = yield* scenario(config({ startretries: Infinity, backoff: "constant", backoffInitial: 0.5 }), ({ actor, fake }) =>
        Effect.gen(function*() {
          yield* actor.start(false, "autostart")
          for (let n = 0; n < 25; n++) {
            yield* (yield* child(fake, n)).exit({ code: 1, signal: null })
            yield* inState(actor, "BACKOFF")
            yield* TestClock.adjust("500 millis")
            yield* inState(actor, "STARTING")
          }
        }))
      assert.deepStrictEqual([last.state, last.backoff], ["STARTING", 25])
    }))
})
