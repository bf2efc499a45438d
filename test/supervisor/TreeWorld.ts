/**
 * A supervision tree on the scripted spawner and the TestClock, for tree tests: build it from
 * config text, run a script against it, shut it down (closing its scope), then check what
 * happened. Events are recorded as `group:name STATE` for process states and `TAG group` (or
 * `TAG`) for the rest, ticks left out.
 */
import { NodeServices } from "@effect/platform-node"
import { assert } from "@effect/vitest"
import { Effect, Exit, Layer, Logger, Ref, Scope, Stream } from "effect"
import type { Host } from "../../src/config/Host.ts"
import { formatIssue, parseConfigText } from "../../src/config/Load.ts"
import type { Config } from "../../src/config/Types.ts"
import { CantReread } from "../../src/domain/Errors.ts"
import { EventBus } from "../../src/events/EventBus.ts"
import type { SupervisorShape } from "../../src/supervisor/Supervisor.ts"
import * as Tree from "../../src/supervisor/Tree.ts"
import * as FakeSpawner from "../support/FakeSpawner.ts"

const host: Host = { env: {}, cwd: "/", hostname: "h", users: undefined, groups: undefined }

/** A config from the text after `[supervisord]` (so `[supervisord]` options may come first). */
export const parse = (text: string): Config => {
  const resolved = parseConfigText(`[supervisord]\n${text}`, "/etc/effsup.conf", host)
  assert.deepStrictEqual(resolved.issues.map(formatIssue), [])
  return resolved.value
}

/** A program section that logs nowhere; its command is its name unless the options give one. */
export const program = (name: string, options = "") =>
  `[program:${name}]\ncommand=${name}\nstdout_logfile=NONE\nstderr_logfile=NONE\n${options}\n`

/** What a test script gets: the running tree, the fake spawner, the next config reloadConfig reads (or its error), and the events so far. */
export interface World {
  readonly supervisor: SupervisorShape
  readonly fake: FakeSpawner.FakeSpawnerControl
  readonly nextConfig: Ref.Ref<Config | CantReread>
  /** `group:name STATE` for process states, `TAG group` or `TAG` for the rest (ticks left out). */
  readonly events: ReadonlyArray<string>
}

/** Build a tree from `text`, run `script`, shut the tree down (closing its scope), then run `after`. */
export const withTree = (
  text: string,
  script: (world: World) => Effect.Effect<void, unknown>,
  after: (world: World) => Effect.Effect<void, unknown> = () => Effect.void
) =>
  Effect.gen(function*() {
    const fake = yield* FakeSpawner.make
    const initial = parse(text)
    const nextConfig = yield* Ref.make<Config | CantReread>(initial)
    yield* Effect.gen(function*() {
      const bus = yield* EventBus
      const events: Array<string> = []
      yield* bus.subscribe.pipe(
        Effect.flatMap(Stream.runForEach((e) =>
          Effect.sync(() => {
            if (e._tag.startsWith("PROCESS_STATE_") && "processName" in e) {
              events.push(`${e.groupName}:${e.processName} ${e._tag.slice("PROCESS_STATE_".length)}`)
            } else if (!e._tag.startsWith("TICK_")) {
              events.push("groupName" in e ? `${e._tag} ${e.groupName}` : e._tag)
            }
          })
        )),
        Effect.forkScoped({ startImmediately: true })
      )
      const scope = yield* Scope.make()
      const supervisor = yield* Tree.make(initial, {
        reload: Effect.flatMap(Ref.get(nextConfig), (next) => next instanceof CantReread ? Effect.fail(next) : Effect.succeed(next)),
        environment: { env: {}, cwd: "/", serverUrl: undefined },
        mainLog: undefined,
        pid: 1,
        autostartGate: undefined
      }).pipe(Scope.provide(scope))
      const world = { supervisor, fake: fake.control, nextConfig, events }
      yield* script(world)
      yield* Scope.close(scope, Exit.void)
      yield* after(world)
    }).pipe(Effect.provide(Layer.mergeAll(fake.layer, EventBus.layer, NodeServices.layer, Logger.layer([]))))
  })

/** `group:name STATE` of every process, sorted by group then name. */
export const states = (supervisor: SupervisorShape) =>
  Effect.map(supervisor.allProcessInfo, (infos) => infos.map((i) => `${i.group}:${i.name} ${i.state}`))

/** The state of one process (the process must exist). */
export const stateOf = (supervisor: SupervisorShape, spec: string) =>
  Effect.map(Effect.orDie(supervisor.processInfo(spec)), (i) => i.state)

/** The live scripted child whose command is `command` (the last one spawned). */
export const child = (fake: FakeSpawner.FakeSpawnerControl, command: string) =>
  Effect.map(Ref.get(fake.children), (children) => {
    const found = children.filter((c) => c.command === command).at(-1)
    assert.isDefined(found, `no child ${command}`)
    return found!
  })

/** Make the last child running `command` exit with `code`. */
export const exit = (fake: FakeSpawner.FakeSpawnerControl, command: string, code: number | null, signal: string | null = null) =>
  Effect.flatMap(child(fake, command), (c) => c.exit({ code, signal }))

/** Let the scripted world run until `spec` is in `state`. */
export const until = (supervisor: SupervisorShape, spec: string, state: string) =>
  FakeSpawner.eventually(Effect.map(stateOf(supervisor, spec), (s) => s === state), `${spec} ${state}`)
