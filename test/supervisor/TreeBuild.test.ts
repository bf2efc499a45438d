/**
 * Building the tree is interruptible without leaks: each group's scope is a child of the tree's,
 * so interrupting the layer while groups are being created or registered closes every group made
 * so far — its log files and its listener pool's bus subscription (its actors live in the same
 * scope). Of the log files only the AUTO ones are open then (made when the daemon starts, as
 * supervisord makes them); a named one is opened at its program's first spawn.
 * The scripted Spawner stands in for processes: nothing may have been spawned.
 * Once built, the hook run after the autostart programs runs once, when all of them are spawned.
 */
import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, FileSystem, Layer, Ref } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { load } from "../../src/config/Load.ts"
import { EventBus } from "../../src/events/EventBus.ts"
import * as Layers from "../../src/supervisor/Layers.ts"
import * as FakeSpawner from "../support/FakeSpawner.ts"

/** Files of `dir` this process holds open (Linux: /proc/self/fd). */
const openFilesUnder = (dir: string): ReadonlyArray<string> =>
  Fs.readdirSync("/proc/self/fd").flatMap((fd) => {
    try {
      const target = Fs.readlinkSync(`/proc/self/fd/${fd}`)
      return target.startsWith(`${dir}/`) ? [Path.basename(target)] : []
    } catch {
      return [] // the fd of the directory listing itself is gone already
    }
  })

const CONFIG = (dir: string) => `
[supervisord]
childlogdir = ${dir}

[program:a]
command = /bin/a
stdout_logfile = ${dir}/a.out
stderr_logfile = ${dir}/a.err

[program:b]
command = /bin/b
stdout_logfile = AUTO
stderr_logfile = AUTO

[eventlistener:l]
command = /bin/l
; made after the programs (a listener's default priority, -1, puts it first)
priority = 1000
events = PROCESS_STATE
stdout_logfile = NONE
stderr_logfile = ${dir}/l.err
`

/** Where the build is held until the test interrupts it. */
type Hold = "creating a group" | "registering the groups"

/** The files of `dir` this process holds open once at least `count` are (AUTO logs are made on the threadpool), or after 2 s. */
const openedUnder = (dir: string, count: number) =>
  Effect.gen(function*() {
    const deadline = Date.now() + 2000
    while (openFilesUnder(dir).length < count && Date.now() < deadline) yield* Effect.promise(() => new Promise((r) => setTimeout(r, 5)))
    return openFilesUnder(dir)
  })

/**
 * Build the tree from the config above with the scripted Spawner, a bus that counts live
 * subscriptions, and a file system; hold the build at `hold`, interrupt it, and report what was
 * open just before (once `expected` files are) and what is left after.
 */
const interruptBuild = (hold: Hold, expected: number) =>
  Effect.gen(function*() {
    const dir = yield* (yield* FileSystem.FileSystem).makeTempDirectoryScoped({ prefix: "effsup-treebuild-" })
    const file = Path.join(dir, "supervisord.conf")
    Fs.writeFileSync(file, CONFIG(dir))
    const config = yield* load(file, process.env, dir)

    const held = yield* Deferred.make<void>()
    const holdHere = Effect.andThen(Deferred.succeed(held, undefined), Effect.never)
    let subscriptions = 0
    const bus = Layer.effect(
      EventBus,
      Effect.map(EventBus, (inner) =>
        EventBus.of({
          ...inner,
          publish: (event) =>
            hold === "registering the groups" && event._tag === "PROCESS_GROUP_ADDED" ? holdHere : inner.publish(event),
          subscribe: inner.subscribe,
          // l's listener pool subscribes when its group is being made, before its processes are
          subscribeWithDrops: Effect.andThen(
            Effect.acquireRelease(Effect.sync(() => subscriptions++), () => Effect.sync(() => subscriptions--)),
            hold === "creating a group" ? holdHere : inner.subscribeWithDrops
          )
        }))
    ).pipe(Layer.provide(EventBus.layer))
    const spawner = yield* FakeSpawner.make
    const platform = Layer.mergeAll(spawner.layer, bus).pipe(Layer.provideMerge(NodeServices.layer))

    const build = yield* Layer.build(Layers.layerWith(config)).pipe(
      Effect.scoped,
      Effect.provide(platform),
      Effect.forkChild
    )
    yield* Deferred.await(held)
    const before = { files: yield* openedUnder(dir, expected), subscriptions }
    yield* Fiber.interrupt(build)
    const after = { files: openFilesUnder(dir), subscriptions, spawned: (yield* Ref.get(spawner.control.children)).length }
    return { before, after }
  }).pipe(Effect.scoped, Effect.provide(NodeServices.layer))

describe("building the tree", () => {
  it.effect("interrupted while a group is being created: the groups made so far are closed", () =>
    Effect.gen(function*() {
      const { before, after } = yield* interruptBuild("creating a group", 2)
      // a's and b's groups were complete (b with its two AUTO logs; a's named logs are not open
      // before a spawn), l's was being made
      assert.lengthOf(before.files, 2)
      assert.lengthOf(before.files.filter((f) => /^b-std(out|err)---supervisor-\w{8}\.log$/.test(f)), 2)
      assert.strictEqual(before.subscriptions, 1)
      assert.deepStrictEqual(after, { files: [], subscriptions: 0, spawned: 0 })
    }))

  it.effect("interrupted while the groups are being registered: every group is closed", () =>
    Effect.gen(function*() {
      const { before, after } = yield* interruptBuild("registering the groups", 2)
      assert.strictEqual(before.files.length, 2) // b's two AUTO logs (a.out, a.err and l.err wait for a spawn)
      assert.strictEqual(before.subscriptions, 1)
      assert.deepStrictEqual(after, { files: [], subscriptions: 0, spawned: 0 })
    }))

  it.effect("afterAutostart runs once, when every autostart program has been spawned", () =>
    Effect.gen(function*() {
      const dir = yield* (yield* FileSystem.FileSystem).makeTempDirectoryScoped({ prefix: "effsup-treebuild-" })
      const file = Path.join(dir, "supervisord.conf")
      const program = (name: string, autostart: boolean) =>
        `[program:${name}]\ncommand = /bin/${name}\nautostart = ${autostart}\nstdout_logfile = NONE\nstderr_logfile = NONE\n`
      Fs.writeFileSync(file, `[supervisord]\nchildlogdir = ${dir}\n${program("a", true)}${program("b", true)}${program("c", false)}${program("d", true)}`)
      const config = yield* load(file, process.env, dir)
      const spawner = yield* FakeSpawner.make
      const seen: Array<ReadonlyArray<string>> = []
      const afterAutostart = Effect.map(Ref.get(spawner.control.children), (children) => {
        seen.push(children.map((child) => child.command).sort())
      })
      yield* Layer.build(Layers.layerWith(config, { afterAutostart })).pipe(
        Effect.provide(Layer.mergeAll(spawner.layer, EventBus.layer).pipe(Layer.provideMerge(NodeServices.layer)))
      )
      assert.deepStrictEqual(seen, [["/bin/a", "/bin/b", "/bin/d"]])
    }).pipe(Effect.scoped, Effect.provide(NodeServices.layer)))
})
