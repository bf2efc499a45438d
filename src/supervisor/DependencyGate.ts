/**
 * Starting a process that has dependencies (`depends_on`). A start of such a process opens a
 * gate: the gate first starts what the process needs and is not on its way (a dependency in
 * STOPPED, EXITED or FATAL that does not meet its condition is started as the supervisor's own
 * start, whatever its autostart), then waits on the dependencies' published snapshots (no
 * polling) until each meets its condition, then starts the process. While the gate waits, the
 * process stays in its stopped state and `status` says what it waits for.
 * Conditions: `running` (RUNNING, so ready when readiness applies), `started` (spawned: STARTING
 * with a pid, or RUNNING), `completed` (EXITED with one of its exitcodes).
 * A dependency that ends for good without meeting its condition (FATAL, or EXITED with no restart
 * coming) fails the gate: the process is abandoned (FATAL, spawnerr `dependency db is FATAL`) and
 * a start request that waits fails with SPAWN_ERROR. A dependency that is STOPPED (by a request)
 * keeps the gate waiting: starting it by hand lets the process go on. A dependency that is not
 * active (its group removed) fails the gate the same way.
 * One gate per process: a second start joins the pending one. A gate is cancelled by a stop of
 * its process, and all of them when the supervisor stops.
 * Gotcha: only the start waits on dependencies. Once started, a process does not follow them: if
 * `db` dies later, `app` keeps running (a `[group:x]` strategy couples restarts).
 * @since 0.1.0
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberSet from "effect/FiberSet"
import type * as Scope from "effect/Scope"
import type { Dependency, DependencyCondition } from "../config/Types.ts"
import { AbnormalTermination, type AlreadyStarted, type Failed, type NoFile, type NotExecutable, SpawnError } from "../domain/Errors.ts"
import { namespec } from "../domain/Names.ts"
import type { ProcessState } from "../domain/ProcessState.ts"
import type { ProcessActor, ProcessSnapshot } from "../process/ProcessActor.ts"
import type { Member } from "./Member.ts"
import { exitedExpectedly, hasEnded, type Policy } from "./Outcome.ts"

/** The errors a start can end with. */
export type StartError = NoFile | NotExecutable | AlreadyStarted | Failed | SpawnError | AbnormalTermination

/** States a start can leave (anything else refuses it). */
const STARTABLE: ReadonlySet<ProcessState> = new Set(["STOPPED", "EXITED", "FATAL"])

/** Whether `s` meets `condition` (`policy` is the dependency's, as configured). */
export const meets = (condition: DependencyCondition, policy: Policy, s: ProcessSnapshot): boolean => {
  switch (condition) {
    case "running":
      return s.state === "RUNNING"
    case "started":
      return s.state === "RUNNING" || (s.state === "STARTING" && s.pid !== 0)
    case "completed":
      return exitedExpectedly(policy, s)
  }
}

/** Whether a dependency in `s` can no longer meet `condition` by itself: it ended for good without meeting it. */
export const failed = (condition: DependencyCondition, policy: Policy, s: ProcessSnapshot): boolean =>
  !meets(condition, policy, s) && hasEnded(policy, s)

/** Why a gate failed on dependency `m` in `s`. */
const failure = (m: Member, s: ProcessSnapshot): string => {
  const spec = namespec(m.config.group, m.config.name)
  return s.state === "EXITED" ? `dependency ${spec} exited with status ${s.exitstatus}` : `dependency ${spec} is ${s.state}`
}

/** One dependency of a gate, with the processes it names (undefined: not active). */
interface Need {
  readonly dependency: Dependency
  readonly members: ReadonlyArray<Member> | undefined
}

interface Pending {
  readonly needs: ReadonlyArray<Need>
  /** Done once the process's own start was made (or the gate failed, or was cancelled). */
  readonly opened: Deferred.Deferred<void, StartError>
  fiber: Fiber.Fiber<void> | undefined
}

/** Starts processes through their dependencies. */
export interface Starter {
  /** Start a member: at once without dependencies; else through its gate (joining a pending one). */
  readonly start: (member: Member, wait: boolean, by: "request" | "autostart") => Effect.Effect<void, StartError>
  /** The dependencies a member's gate still waits for (not empty); undefined when it is not waiting. */
  readonly waiting: (actor: ProcessActor) => ReadonlyArray<Dependency> | undefined
  /** Cancel a member's pending start; whether there was one. */
  readonly cancel: (actor: ProcessActor) => Effect.Effect<boolean>
  /** Cancel every pending start (the supervisor is stopping). */
  readonly cancelAll: Effect.Effect<void>
  /** These processes are going away: cancel their pending starts, and fail the gates that wait on them. */
  readonly forget: (actors: ReadonlyArray<ProcessActor>) => Effect.Effect<void>
}

/** A Starter; `targets` resolves a dependency to the active processes it names (undefined when none is active). */
export const make = (
  targets: (dependency: Dependency) => ReadonlyArray<Member> | undefined
): Effect.Effect<Starter, never, Scope.Scope> =>
  Effect.gen(function*() {
    const gates = yield* FiberSet.make<void>()
    const pending = new Map<ProcessActor, Pending>()

    /** Wait until `m` meets the condition (after its own pending start, if any); fail with the reason when it cannot. */
    const awaitDependency = (m: Member, condition: DependencyCondition) =>
      Effect.gen(function*() {
        const own = pending.get(m.actor)
        if (own !== undefined) yield* Effect.ignore(Deferred.await(own.opened))
        const s = yield* m.actor.waitFor((snapshot) => meets(condition, m.config, snapshot) || failed(condition, m.config, snapshot))
        if (!meets(condition, m.config, s)) return yield* Effect.fail(failure(m, s))
      })

    /** Start what is needed and not on its way, then wait for every need; the reason when one cannot be met. */
    const meet = (needs: ReadonlyArray<Need>) =>
      Effect.gen(function*() {
        const missing = needs.find((n) => n.members === undefined || n.members.length === 0)
        if (missing !== undefined) return `dependency ${missing.dependency.target} is not active`
        const pairs = needs.flatMap((n) => (n.members ?? []).map((m) => [m, n.dependency.condition] as const))
        for (const [m, condition] of pairs) {
          const s = m.actor.snapshotUnsafe()
          if (!meets(condition, m.config, s) && STARTABLE.has(s.state)) yield* Effect.ignore(starter.start(m, false, "autostart"))
        }
        return yield* Effect.forEach(pairs, ([m, condition]) => awaitDependency(m, condition), { concurrency: "unbounded", discard: true })
          .pipe(Effect.as(undefined), Effect.catch((reason) => Effect.succeed(reason)))
      })

    const gate = (member: Member, needs: ReadonlyArray<Need>, by: "request" | "autostart") =>
      Effect.gen(function*() {
        const problem = yield* meet(needs)
        if (problem === undefined) return yield* member.actor.start(false, by)
        yield* member.actor.abandon(problem)
        return yield* new SpawnError({ detail: member.config.name })
      })

    const open = (member: Member, by: "request" | "autostart") =>
      Effect.gen(function*() {
        const needs = member.config.dependsOn.map((dependency): Need => ({ dependency, members: targets(dependency) }))
        const entry: Pending = { needs, opened: Deferred.makeUnsafe(), fiber: undefined }
        pending.set(member.actor, entry)
        const settle = (exit: Exit.Exit<void, StartError>) =>
          Effect.suspend(() => {
            if (pending.get(member.actor) === entry) pending.delete(member.actor)
            const outcome = Exit.isFailure(exit) && Exit.hasInterrupts(exit)
              ? Exit.fail(new AbnormalTermination({ detail: member.config.name }))
              : exit
            return Deferred.done(entry.opened, outcome)
          })
        entry.fiber = yield* FiberSet.run(gates, gate(member, needs, by).pipe(Effect.onExit(settle), Effect.ignore))
        return entry
      })

    const cancelEntry = (entry: Pending) => entry.fiber === undefined ? Effect.void : Fiber.interrupt(entry.fiber)

    const starter: Starter = {
      start: (member, wait, by) =>
        Effect.gen(function*() {
          if (member.config.dependsOn.length === 0) return yield* member.actor.start(wait, by)
          let entry = pending.get(member.actor)
          if (entry === undefined) {
            if (!STARTABLE.has(member.actor.snapshotUnsafe().state)) return yield* member.actor.start(wait, by)
            entry = yield* open(member, by)
          }
          if (!wait) return
          yield* Deferred.await(entry.opened)
          yield* member.actor.awaitStarted
        }),
      waiting: (actor) => {
        const entry = pending.get(actor)
        if (entry === undefined) return undefined
        const unmet = entry.needs.filter((n) =>
          n.members === undefined || n.members.some((m) => !meets(n.dependency.condition, m.config, m.actor.snapshotUnsafe()))
        )
        return unmet.length === 0 ? undefined : unmet.map((n) => n.dependency)
      },
      cancel: (actor) =>
        Effect.suspend(() => {
          const entry = pending.get(actor)
          return entry === undefined ? Effect.succeed(false) : Effect.as(cancelEntry(entry), true)
        }),
      cancelAll: Effect.suspend(() => Effect.forEach([...pending.values()], cancelEntry, { discard: true })),
      forget: (actors) =>
        Effect.suspend(() => {
          const gone = new Set(actors)
          return Effect.forEach([...pending], ([actor, entry]) => {
            if (gone.has(actor)) return cancelEntry(entry)
            const lost = entry.needs.flatMap((n) => (n.members ?? []).filter((m) => gone.has(m.actor)))[0]
            return lost === undefined
              ? Effect.void
              : Effect.andThen(cancelEntry(entry), actor.abandon(`dependency ${namespec(lost.config.group, lost.config.name)} was removed`))
          }, { discard: true })
        })
    }
    return starter
  })
