/**
 * A `[group:x]` as an OTP-style supervisor of its members. When a member dies unexpectedly
 * (it exits on its own and its autorestart wants it back), the group restarts, per `strategy`:
 * that member alone (one_for_one), every member (one_for_all), or that member and the members
 * after it in `programs=` order (rest_for_one). Members still up are stopped first through the
 * normal stop path (stopsignal, stopwaitsecs; last first), then all are started again in order,
 * through their dependencies like any start. Each death that leads to a restart counts once
 * (however many members it restarts); more than `max_restarts` of them within
 * `max_restarts_period` seconds and the group gives up instead: per `on_exhausted`, it stops
 * every member, makes every member FATAL, or shuts effsup down — and forgets its restart history.
 * A group with the defaults (one_for_one, no max_restarts) is not managed at all: each process
 * restarts itself exactly as in supervisord. A managed group runs its members' actors with
 * autorestart off, so that a death is published as EXITED and the group alone restarts.
 * Not deaths: exits the policy does not restart (expected ones with autorestart=unexpected, any
 * with autorestart=false), stops, and failed starts (BACKOFF, then FATAL after startretries: the
 * group leaves a FATAL member alone).
 * Deaths are read from published snapshots (no polling) and handled one at a time; one that a
 * restart already covered is dropped. Nothing restarts once the supervisor is stopping.
 * OTP: supervisor.erl restart/2, add_restart/1 (intensity and period).
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import * as Ref from "effect/Ref"
import type * as Scope from "effect/Scope"
import type { GroupConfig, GroupSupervision, ProcessConfig, Strategy } from "../config/Types.ts"
import { STOPPED_STATES } from "../domain/ProcessState.ts"
import { EventBus } from "../events/EventBus.ts"
import type { ProcessSnapshot } from "../process/ProcessActor.ts"
import type { GroupHooks, Member } from "./Member.ts"
import { exitStatusOf, restartWanted } from "./Outcome.ts"

/** Whether the group, rather than each process, restarts its members. */
export const isManaged = (supervision: GroupSupervision): boolean =>
  supervision.strategy !== "one_for_one" || supervision.maxRestarts !== undefined

/** The config a managed member's actor runs with: autorestart off (the group restarts it). */
export const memberConfig = (config: ProcessConfig): ProcessConfig => ({ ...config, autorestart: "false" })

/** The members a death of `members[index]` restarts, in start order (`members` in `programs=` order). */
export const restartSet = <A>(strategy: Strategy, members: ReadonlyArray<A>, index: number): ReadonlyArray<A> => {
  switch (strategy) {
    case "one_for_one":
      return [members[index]!]
    case "one_for_all":
      return members
    case "rest_for_one":
      return members.slice(index)
  }
}

/** The restart history after one more restart at `now` (ms), and whether it is one too many (OTP's add_restart). */
export const recordRestart = (
  history: ReadonlyArray<number>,
  now: number,
  supervision: Pick<GroupSupervision, "maxRestarts" | "maxRestartsPeriod">
): { readonly history: ReadonlyArray<number>; readonly exhausted: boolean } => {
  if (supervision.maxRestarts === undefined) return { history, exhausted: false }
  const recent = [...history.filter((at) => at > now - supervision.maxRestartsPeriod * 1000), now]
  return { history: recent, exhausted: recent.length > supervision.maxRestarts }
}

interface Death {
  readonly member: Member
  readonly index: number
  readonly snapshot: ProcessSnapshot
}

/** Stop the members still up, last first, and wait until all are in a stopped state. */
const stopMembers = (members: ReadonlyArray<Member>) =>
  Effect.andThen(
    Effect.forEach([...members].reverse(), (m) => Effect.ignore(m.actor.stop(false)), { discard: true }),
    Effect.forEach(members, (m) => m.actor.waitFor((s) => STOPPED_STATES.has(s.state)), { discard: true })
  )

/**
 * What a managed group's strategy has done: the restarts since the group was made, and the times
 * (epoch ms) of those that count toward max_restarts (forgotten when the group gives up).
 */
export interface RestartRecord {
  readonly total: number
  readonly recent: ReadonlyArray<number>
}

/** A group that has restarted nothing. */
export const NO_RESTARTS: RestartRecord = { total: 0, recent: [] }

/** How many of `record`'s restarts fall within `periodSeconds` before `now` (ms). */
export const restartsWithin = (record: RestartRecord, now: number, periodSeconds: number): number =>
  record.recent.filter((at) => at > now - periodSeconds * 1000).length

/** Supervise a managed group's members (forked by the group, in its scope; runs until interrupted). */
export const supervise = (
  config: GroupConfig,
  members: ReadonlyArray<Member>,
  hooks: GroupHooks,
  restarts: Ref.Ref<RestartRecord>
): Effect.Effect<never, never, Scope.Scope | EventBus> =>
  Effect.gen(function*() {
    const bus = yield* EventBus
    const { strategy, maxRestarts, maxRestartsPeriod, onExhausted } = config.supervision
    const ordered = [...members].sort((a, b) => config.processes.indexOf(a.config) - config.processes.indexOf(b.config))
    const deaths = yield* Queue.unbounded<Death>()

    const watch = (member: Member, index: number) =>
      Effect.gen(function*() {
        let last: ProcessSnapshot | undefined
        while (true) {
          const snapshot = yield* member.actor.waitFor((s) => s !== last && restartWanted(member.config, s))
          last = snapshot
          yield* Queue.offer(deaths, { member, index, snapshot })
        }
      })

    const restart = (death: Death) =>
      Effect.gen(function*() {
        const affected = restartSet(strategy, ordered, death.index)
        const names = affected.map((m) => m.config.name)
        yield* Effect.logInfo(`group ${config.name}: ${death.member.config.name} died, restarting ${names.join(", ")} (${strategy})`)
        yield* bus.publish({ _tag: "GROUP_STRATEGY_RESTART", groupName: config.name, strategy, processName: death.member.config.name, processNames: names })
        yield* stopMembers(affected)
        for (const member of affected) {
          if (hooks.stopping()) return
          yield* hooks.start(member)
        }
      })

    const giveUp = (death: Death) =>
      Effect.gen(function*() {
        yield* Effect.logWarning(
          `gave up: group ${config.name} restarted more than ${maxRestarts} times in ${maxRestartsPeriod} seconds (on_exhausted=${onExhausted})`
        )
        yield* bus.publish({
          _tag: "GROUP_STRATEGY_EXHAUSTED",
          groupName: config.name,
          processName: death.member.config.name,
          maxRestarts: maxRestarts ?? 0,
          period: maxRestartsPeriod,
          action: onExhausted
        })
        if (onExhausted === "shutdown") return yield* hooks.shutdown(Math.max(exitStatusOf(death.snapshot), 1))
        yield* stopMembers(ordered)
        if (onExhausted === "fatal") {
          yield* Effect.forEach(ordered, (m) => m.actor.abandon(`group ${config.name} gave up: too many restarts`), { discard: true })
        }
      })

    const handle = (death: Death) =>
      Effect.gen(function*() {
        // Dropped: the supervisor is stopping, or the member has moved on (a restart covered it, a request started it).
        if (hooks.stopping() || death.member.actor.snapshotUnsafe() !== death.snapshot) return
        const before = yield* Ref.get(restarts)
        const counted = recordRestart(before.recent, yield* Clock.currentTimeMillis, config.supervision)
        // giving up forgets the history (OTP); a restart is counted
        yield* Ref.set(restarts, counted.exhausted ? { total: before.total, recent: [] } : { total: before.total + 1, recent: counted.history })
        yield* counted.exhausted ? giveUp(death) : restart(death)
      })

    yield* Effect.forEach(ordered, (member, index) => Effect.forkScoped(watch(member, index)), { discard: true })
    return yield* Queue.take(deaths).pipe(Effect.flatMap(handle), Effect.forever)
  }).pipe(Effect.annotateLogs("group", config.name))
