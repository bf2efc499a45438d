/**
 * A scripted Spawner for actor and tree tests: every spawn gives a child the test controls — it
 * exits when the test says so (or when it gets a signal the script does not ignore) — and records
 * every spawn, signal and stdin write, in order, in one journal. No processes are created.
 * Nothing here uses real time: `eventually` lets the scripted world run for a bounded number of
 * scheduler turns.
 */
import { assert } from "@effect/vitest"
import { type Cause, Deferred, Effect, Exit, Layer, Queue, Ref, Stream } from "effect"
import type { ExitInfo } from "../../src/domain/ExitInfo.ts"
import { KillFailure, type RawChild, SpawnFailure, Spawner } from "../../src/process/Spawner.ts"

/** One scripted child. */
export interface FakeChild {
  readonly pid: number
  /** The first word of its command. */
  readonly command: string
  readonly signals: Array<string>
  /** What was written to its stdin, decoded. */
  readonly stdin: Array<string>
  /** Write to its stdout (which ends when it exits). */
  readonly print: (text: string) => Effect.Effect<void>
  /** Write to its ready=fd:N pipe (which ends when it exits, or at `closeReady`). */
  readonly notify: (text: string) => Effect.Effect<void>
  readonly closeReady: Effect.Effect<void>
  /** The fds the request asked for: stdinFd and readyFd. */
  readonly fds: { readonly stdin: number | undefined; readonly ready: number | undefined }
  readonly exit: (info: ExitInfo) => Effect.Effect<void>
}

/** The fake spawner's controls. */
export interface FakeSpawnerControl {
  readonly children: Ref.Ref<ReadonlyArray<FakeChild>>
  /** Make the next spawns fail with this spawnerr (undefined = succeed). */
  readonly failWith: Ref.Ref<string | undefined>
  /** Signals the children ignore (e.g. SIGTERM for a stubborn program). */
  readonly ignored: Ref.Ref<ReadonlyArray<string>>
  /** Everything that happened, in order: `spawn <command>`, `<signal> <command>`. */
  readonly journal: Array<string>
}

/** Build a fake Spawner layer and its controls. */
export const make = Effect.gen(function*() {
  const children = yield* Ref.make<ReadonlyArray<FakeChild>>([])
  const failWith = yield* Ref.make<string | undefined>(undefined)
  const ignored = yield* Ref.make<ReadonlyArray<string>>([])
  const journal: Array<string> = []
  let nextPid = 1000
  const spawner = Spawner.of({
    resolve: (command) => Effect.succeed({ file: `/fake/${command.split(" ")[0]}`, argv: command.split(" ") }),
    listen: (socket) => Effect.sync(() => (journal.push(`listen ${socket.url}`), { fd: -1 })),
    spawn: (request) =>
      Effect.gen(function*() {
        const command = request.argv[0] ?? ""
        const failure = yield* Ref.get(failWith)
        if (failure !== undefined) return yield* new SpawnFailure({ message: failure })
        const exited = yield* Deferred.make<ExitInfo>()
        const stdout = yield* Queue.unbounded<Uint8Array, Cause.Done>()
        const ready = yield* Queue.unbounded<Uint8Array, Cause.Done>()
        const pid = nextPid++
        const child: FakeChild = {
          pid,
          command,
          signals: [],
          stdin: [],
          print: (text) => Queue.offer(stdout, new TextEncoder().encode(text)).pipe(Effect.asVoid),
          notify: (text) => Queue.offer(ready, new TextEncoder().encode(text)).pipe(Effect.asVoid),
          closeReady: Effect.asVoid(Queue.end(ready)),
          fds: { stdin: request.stdinFd, ready: request.readyFd },
          exit: (info) =>
            Effect.andThen(Effect.andThen(Queue.end(stdout), Queue.end(ready)), Deferred.done(exited, Exit.succeed(info))).pipe(Effect.asVoid)
        }
        journal.push(`spawn ${command}`)
        yield* Ref.update(children, (cs) => [...cs, child])
        return {
          pid,
          stdout: Stream.fromQueue(stdout),
          stderr: Stream.empty,
          exit: Deferred.await(exited),
          kill: (signal) =>
            Effect.gen(function*() {
              if (yield* Deferred.isDone(exited)) return yield* new KillFailure({ code: "ESRCH", message: "no such process" })
              child.signals.push(signal)
              journal.push(`${signal} ${command}`)
              if (!(yield* Ref.get(ignored)).includes(signal)) yield* child.exit({ code: null, signal })
            }),
          writeStdin: (data) =>
            Effect.sync(() => {
              child.stdin.push(new TextDecoder().decode(data))
            }),
          readyPipe: request.readyFd === undefined ? undefined : Stream.fromQueue(ready)
        } satisfies RawChild
      })
  })
  const control: FakeSpawnerControl = { children, failWith, ignored, journal }
  return { layer: Layer.succeed(Spawner, spawner), control }
})

/**
 * Let the fibers run until `check` holds: a bounded number of scheduler turns, no real time.
 * (Work a TestClock.adjust wakes needs no such wait: adjust returns once that work is done.)
 */
export const eventually = (check: Effect.Effect<boolean>, what: string): Effect.Effect<void> =>
  Effect.gen(function*() {
    for (let turn = 0; turn < 200; turn++) {
      if (yield* check) return
      yield* Effect.yieldNow
    }
    assert.fail(`never happened: ${what}`)
  })
