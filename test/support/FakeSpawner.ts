/**
 * A scripted Spawner for actor tests: every spawn gives a child the test controls — it exits
 * when the test says so (or when it gets a signal the script does not ignore) — and records
 * every spawn and signal. No processes are created.
 */
import { Deferred, Effect, Exit, Layer, Ref, Stream } from "effect"
import type { ExitInfo } from "../../src/domain/ExitInfo.ts"
import { KillFailure, type RawChild, SpawnFailure, Spawner } from "../../src/process/Spawner.ts"

/** One scripted child. */
export interface FakeChild {
  readonly pid: number
  readonly signals: Array<string>
  readonly exit: (info: ExitInfo) => Effect.Effect<void>
}

/** The fake spawner's controls. */
export interface FakeSpawnerControl {
  readonly children: Ref.Ref<ReadonlyArray<FakeChild>>
  /** Make the next spawns fail with this spawnerr (undefined = succeed). */
  readonly failWith: Ref.Ref<string | undefined>
  /** Signals the children ignore (e.g. SIGTERM for a stubborn program). */
  readonly ignored: Ref.Ref<ReadonlyArray<string>>
}

/** Build a fake Spawner layer and its controls. */
export const make = Effect.gen(function*() {
  const children = yield* Ref.make<ReadonlyArray<FakeChild>>([])
  const failWith = yield* Ref.make<string | undefined>(undefined)
  const ignored = yield* Ref.make<ReadonlyArray<string>>([])
  let nextPid = 1000
  const spawner = Spawner.of({
    resolve: (command) => Effect.succeed({ file: `/fake/${command.split(" ")[0]}`, argv: command.split(" ") }),
    spawn: () =>
      Effect.gen(function*() {
        const failure = yield* Ref.get(failWith)
        if (failure !== undefined) return yield* new SpawnFailure({ message: failure })
        const exited = yield* Deferred.make<ExitInfo>()
        const pid = nextPid++
        const child: FakeChild = { pid, signals: [], exit: (info) => Deferred.done(exited, Exit.succeed(info)).pipe(Effect.asVoid) }
        yield* Ref.update(children, (cs) => [...cs, child])
        return {
          pid,
          stdout: Stream.empty,
          stderr: Stream.empty,
          exit: Deferred.await(exited),
          kill: (signal) =>
            Effect.gen(function*() {
              if (yield* Deferred.isDone(exited)) return yield* new KillFailure({ code: "ESRCH", message: "no such process" })
              child.signals.push(signal)
              if (!(yield* Ref.get(ignored)).includes(signal)) yield* child.exit({ code: null, signal })
            }),
          writeStdin: () => Effect.void
        } satisfies RawChild
      })
  })
  const control: FakeSpawnerControl = { children, failWith, ignored }
  return { layer: Layer.succeed(Spawner, spawner), control }
})
