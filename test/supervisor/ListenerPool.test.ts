import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { type Cause, Effect, FileSystem, Layer, Logger, Queue, References, type Scope, Stream } from "effect"
import { NoFile } from "../../src/domain/Errors.ts"
import type { ProcessState } from "../../src/domain/ProcessState.ts"
import type { SupervisorEvent } from "../../src/events/Event.ts"
import { EventBus } from "../../src/events/EventBus.ts"
import { envelopeText } from "../../src/events/Payload.ts"
import * as ChildOutput from "../../src/logs/ChildOutput.ts"
import * as NodeSpawner from "../../src/process/NodeSpawner.ts"
import * as ProcessActor from "../../src/process/ProcessActor.ts"
import { Spawner } from "../../src/process/Spawner.ts"
import { EventSerials, type ListenerPool, make, makeEventSerials } from "../../src/supervisor/ListenerPool.ts"
import { listenerConfig, processConfig, quietChannel } from "../support/Configs.ts"

const group = (groupName: string): SupervisorEvent => ({ _tag: "PROCESS_GROUP_ADDED", groupName })
const tick = (when: number): SupervisorEvent => ({ _tag: "TICK_5", when })
const running = (processName: string, groupName: string): SupervisorEvent => ({
  _tag: "PROCESS_STATE_RUNNING", processName, groupName, fromState: "STARTING", pid: 1, tries: 0, expected: true
})

const exited = (processName: string, groupName: string, pid: number): SupervisorEvent => ({
  _tag: "PROCESS_STATE_EXITED", processName, groupName, fromState: "RUNNING", pid, tries: 0, expected: false
})

/** Wait (without time) until the pool's fibers have caught up and `check` holds. */
const eventually = (check: () => boolean) =>
  Effect.gen(function*() {
    for (let i = 0; i < 2000 && !check(); i++) yield* Effect.yieldNow
    assert.isTrue(check(), "condition never held")
  })

/** A scripted listener process: its state, what it received on stdin, and its stdout. */
const fakeListener = (pool: ListenerPool, name: string, pid: number) =>
  Effect.gen(function*() {
    const stdout = yield* Queue.unbounded<Uint8Array, Cause.Done>()
    const received: Array<string> = []
    const fake = {
      state: "RUNNING" as ProcessState,
      brokenStdin: false,
      received,
      process: {
        config: processConfig({ name }),
        snapshot: Effect.sync((): ProcessActor.ProcessSnapshot => ({ state: fake.state, pid, laststart: 0, laststop: 0, spawnerr: "", exitstatus: 0, backoff: 0, ready: false, health: "unchecked", healthFailures: 0, notifyStatus: "", mainPid: 0 })),
        writeStdin: (data: Uint8Array) =>
          fake.brokenStdin ? Effect.fail(new NoFile({ detail: name })) : Effect.sync(() => void received.push(Buffer.from(data).toString("utf8")))
      },
      say: (s: string) => Queue.offer(stdout, new Uint8Array(Buffer.from(s, "latin1"))),
      close: Queue.end(stdout)
    }
    // what the process actor does with a listener's stdout: drain the pool's tap of it
    yield* pool.tapStdout(name, pid, Stream.fromQueue(stdout)).pipe(Stream.runDrain, Effect.forkScoped)
    return fake
  })

const setup = (options: { readonly events: ReadonlyArray<string>; readonly bufferSize?: number; readonly names?: ReadonlyArray<string> }) =>
  Effect.gen(function*() {
    const bus = yield* EventBus
    const pool = yield* make({
      name: "pool",
      identifier: "supervisor",
      announced: true,
      listener: listenerConfig({ events: options.events, bufferSize: options.bufferSize ?? 10 })
    })
    const fakes = yield* Effect.forEach(options.names ?? ["a", "b"], (n, i) => fakeListener(pool, n, 100 + i))
    yield* pool.attach(fakes.map((f) => f.process))
    return { bus, pool, fakes }
  })

const header = (serial: number, poolSerial: number, event: SupervisorEvent) =>
  envelopeText({ identifier: "supervisor", serial, pool: "pool", poolSerial, event })

const logs: Array<string> = []
const TestEnv = Layer.mergeAll(
  EventBus.layer,
  Logger.layer([Logger.make(({ logLevel, message }) => {
    logs.push(`${logLevel} ${(Array.isArray(message) ? message : [message]).join(" ")}`)
  })]),
  Layer.succeed(References.MinimumLogLevel, "Debug")
)
const run = <A, E>(effect: Effect.Effect<A, E, EventBus | Scope.Scope>) =>
  Effect.gen(function*() {
    logs.length = 0
    return yield* effect
  }).pipe(Effect.provideService(EventSerials, makeEventSerials()), Effect.provide(TestEnv, { local: true }))

describe("ListenerPool", () => {
  it.effect("sends each subscribed event to the first RUNNING and READY listener, as an exact envelope", () =>
    run(Effect.gen(function*() {
      const { bus, fakes: [a, b] } = yield* setup({ events: ["PROCESS_GROUP"] })
      yield* b!.say("READY\n")
      yield* a!.say("READY\n")
      yield* bus.publish(tick(5)) // not subscribed: consumes no serial
      yield* bus.publish(group("g1"))
      yield* eventually(() => a!.received.length === 1)
      assert.deepStrictEqual(a!.received, [header(0, 0, group("g1"))])
      assert.deepStrictEqual(b!.received, [])
      yield* a!.say("RESULT 2\nOK")
      yield* eventually(() => logs.includes("Debug a: event was processed"))
      yield* bus.publish(group("g2"))
      yield* eventually(() => b!.received.length === 1) // a is ACKNOWLEDGED, not READY
      assert.deepStrictEqual(b!.received, [header(1, 1, group("g2"))])
      assert.isTrue(logs.includes("Debug event 0 sent to listener a"))
    })))

  it.effect("buffers while nobody is ready; a full buffer discards its oldest event", () =>
    run(Effect.gen(function*() {
      const { bus, fakes: [a], pool } = yield* setup({ events: ["EVENT"], bufferSize: 2, names: ["a"] })
      for (const g of ["g0", "g1", "g2"]) yield* bus.publish(group(g))
      yield* eventually(() => logs.includes("Error pool pool event buffer overflowed, discarding event 0"))
      assert.deepStrictEqual((yield* pool.buffered).map((e) => [e.serial, e.poolSerial]), [[1, 1], [2, 2]])
      yield* a!.say("READY\n")
      yield* eventually(() => a!.received.length === 1)
      assert.deepStrictEqual(a!.received, [header(1, 1, group("g1"))])
    })))

  it.effect("a rejected event goes back to the head and is redelivered with the same serials", () =>
    run(Effect.gen(function*() {
      const { bus, fakes: [a] } = yield* setup({ events: ["EVENT"], names: ["a"] })
      yield* a!.say("READY\n")
      yield* bus.publish(group("g0"))
      yield* bus.publish(group("g1"))
      yield* eventually(() => a!.received.length === 1)
      yield* a!.say("RESULT 4\nFAILREADY\n")
      yield* eventually(() => a!.received.length === 2)
      assert.deepStrictEqual(a!.received, [header(0, 0, group("g0")), header(0, 0, group("g0"))])
      assert.isTrue(logs.includes("Warn a: event was rejected"))
      assert.isTrue(logs.some((l) => l.startsWith("Debug rebuffering event 0 for pool pool (buf size=1, max=10)")))
      yield* a!.say("RESULT 2\nOKREADY\n")
      yield* eventually(() => a!.received.length === 3)
      assert.strictEqual(a!.received[2], header(1, 1, group("g1")))
    })))

  it.effect("a bad result line makes the listener UNKNOWN and its event goes to another listener", () =>
    run(Effect.gen(function*() {
      const { bus, fakes: [a, b] } = yield* setup({ events: ["EVENT"] })
      yield* a!.say("READY\n")
      yield* bus.publish(group("g0"))
      yield* eventually(() => a!.received.length === 1)
      yield* b!.say("READY\n")
      yield* a!.say("RESULT x\nREADY\n")
      yield* eventually(() => b!.received.length === 1)
      assert.strictEqual(b!.received[0], header(0, 0, group("g0")))
      assert.isTrue(logs.includes("Warn a: bad result line: 'RESULT x'"))
      yield* b!.say("RESULT 2\nOKREADY\n")
      yield* bus.publish(group("g1"))
      yield* eventually(() => b!.received.length === 2)
      assert.strictEqual(a!.received.length, 1)
    })))

  it.effect("the event of a listener that dies while BUSY is re-queued at its exit; a respawned listener starts ACKNOWLEDGED", () =>
    run(Effect.gen(function*() {
      const { bus, fakes: [a, b], pool } = yield* setup({ events: ["PROCESS_GROUP"] })
      yield* a!.say("READY\n")
      yield* bus.publish(group("g0"))
      yield* eventually(() => a!.received.length === 1)
      // a closed stdout alone keeps the event with its listener (supervisord: until the exit)
      yield* a!.close
      for (let i = 0; i < 50; i++) yield* Effect.yieldNow
      assert.strictEqual((yield* pool.buffered).length, 0)
      yield* bus.publish(exited("a", "pool", 100))
      yield* eventually(() => logs.some((l) => l.startsWith("Debug rebuffering event 0")))
      assert.strictEqual((yield* pool.buffered).length, 1)
      const again = yield* fakeListener(pool, "a", 200) // respawn of a with a new pid
      yield* pool.attach([again.process, b!.process])
      yield* again.say("READY\n")
      yield* eventually(() => again.received.length === 1)
      assert.strictEqual(again.received[0], header(0, 0, group("g0")))
    })))

  it.effect("listeners not yet RUNNING get nothing until their PROCESS_STATE_RUNNING", () =>
    run(Effect.gen(function*() {
      const { bus, fakes: [a] } = yield* setup({ events: ["PROCESS_GROUP"], names: ["a"] })
      a!.state = "STARTING"
      yield* a!.say("READY\n")
      yield* bus.publish(group("g0"))
      yield* eventually(() => logs.includes("Debug a: ACKNOWLEDGED -> READY"))
      for (let i = 0; i < 50; i++) yield* Effect.yieldNow
      assert.deepStrictEqual(a!.received, [])
      a!.state = "RUNNING"
      yield* bus.publish(running("a", "pool"))
      yield* eventually(() => a!.received.length === 1)
    })))

  it.effect("a failed write leaves the listener as it was and tries the next one", () =>
    run(Effect.gen(function*() {
      const { bus, fakes: [a, b] } = yield* setup({ events: ["EVENT"] })
      a!.brokenStdin = true
      yield* a!.say("READY\n")
      yield* b!.say("READY\n")
      yield* bus.publish(group("g0"))
      yield* eventually(() => b!.received.length === 1)
      assert.isTrue(logs.includes("Debug epipe occurred while sending event 0 to listener a, listener state unchanged"))
    })))

  it.effect("a pool sees nothing before its own group's PROCESS_GROUP_ADDED, which it sees", () =>
    run(Effect.gen(function*() {
      const bus = yield* EventBus
      const pool = yield* make({ name: "late", identifier: "supervisor", listener: listenerConfig({ events: ["EVENT"] }) })
      yield* bus.publish(group("early"))
      yield* bus.publish(group("late"))
      yield* bus.publish(group("after"))
      for (let i = 0; i < 50; i++) yield* Effect.yieldNow
      assert.deepStrictEqual((yield* pool.buffered).map((b) => [b.event, b.poolSerial]), [[group("late"), 0], [group("after"), 1]])
    })))

  it.effect("pools share the global serial; each has its own pool serial", () =>
    run(Effect.gen(function*() {
      const one = yield* setup({ events: ["TICK"], names: ["a"] })
      const two = yield* make({ name: "two", identifier: "supervisor", announced: true, listener: listenerConfig({ events: ["EVENT"] }) })
      yield* one.bus.publish(tick(5))
      yield* one.bus.publish(group("g"))
      yield* one.bus.publish(tick(10))
      const serials = (pool: ListenerPool) => Effect.map(pool.buffered, (xs) => xs.map((x) => [x.serial, x.poolSerial]))
      for (let i = 0; i < 2000 && (yield* two.buffered).length + (yield* one.pool.buffered).length < 5; i++) {
        yield* Effect.yieldNow
      }
      assert.deepStrictEqual(yield* serials(two), [[0, 0], [1, 1], [2, 2]])
      assert.deepStrictEqual(yield* serials(one.pool), [[0, 0], [2, 1]])
    })))
})

describe("ListenerPool with a real listener process (ProcessActor + NodeSpawner + python3)", () => {
  const recorder = fileURLToPath(new URL("../fixtures/events/capture/recorder.py", import.meta.url))

  it.live("delivers buffered and live events to an unmodified supervisord listener script", () =>
    Effect.gen(function*() {
      const dir = yield* (yield* FileSystem.FileSystem).makeTempDirectoryScoped({ prefix: "effsup-pool-" })
      const record = join(dir, "record.jsonl")
      const bus = yield* EventBus
      const pool = yield* make({
        name: "listener",
        identifier: "supervisor",
        announced: true,
        listener: listenerConfig({ events: ["PROCESS_GROUP", "REMOTE_COMMUNICATION"] })
      })
      const early = [group("a"), group("b")]
      for (const e of early) yield* bus.publish(e) // buffered: no listener yet
      const config = processConfig({
        name: "listener", section: "eventlistener:listener", command: `python3 ${recorder}`, priority: -1,
        stdout: quietChannel, stderr: quietChannel, environment: { RECORD: record }
      })
      const output = yield* ChildOutput.make({
        processName: "listener", groupName: "listener", stdoutLog: undefined, stderrLog: undefined,
        stdout: quietChannel, stderr: quietChannel, stripAnsi: false
      })
      const spawner = yield* Spawner
      const actor = yield* ProcessActor.make(config, output, { env: { PATH: process.env["PATH"] }, cwd: dir, serverUrl: undefined })
        .pipe(Effect.provideService(Spawner, pool.spawnerFor("listener", spawner)))
      yield* pool.attach([actor])
      yield* actor.start(false, "autostart")
      const late: SupervisorEvent = { _tag: "REMOTE_COMMUNICATION", type: "ünï", data: "✓ 😀\nline2" }
      yield* bus.publish(late)
      const lines = () => existsSync(record) ? readFileSync(record, "utf8").split("\n").filter((l) => l !== "") : []
      for (let i = 0; i < 100 && lines().length < 3; i++) yield* Effect.sleep("100 millis")
      const got = lines().map((l) => JSON.parse(l) as { header: string; payload: string })
      assert.deepStrictEqual(got.map((r) => `${r.header}\n${r.payload}`), [
        header(0, 0, early[0]!).replace("pool:pool", "pool:listener"),
        header(1, 1, early[1]!).replace("pool:pool", "pool:listener"),
        header(2, 2, late).replace("pool:pool", "pool:listener")
      ])
      yield* Effect.flatten(actor.shutdown)
    }).pipe(
      Effect.provideService(EventSerials, makeEventSerials()),
      Effect.provide(Layer.mergeAll(EventBus.layer, NodeSpawner.layer, NodeServices.layer, Logger.layer([])), { local: true })
    ), 20_000)
})
