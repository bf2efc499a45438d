/**
 * `POST /api/v1/update`: supervisorctl's `update` over the Supervisor service. The config is
 * re-read (reloadConfig: added / changed / removed groups against the active ones); with
 * `dryRun` that plan is the answer and nothing else happens. Otherwise, as supervisorctl does it:
 * removed groups are stopped and removed (kept when a process failed to stop), changed groups
 * are stopped, removed and added again, added groups are added (and their autostart programs
 * started). Each group's outcome is reported; one group's failure does not stop the others.
 * supervisord: supervisorctl.py `do_update`. See shared/reference/supervisord-4.2.5.md §6.4.
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type { CantReread, ShutdownState, SupervisorError } from "../domain/Errors.ts"
import { faultFromError } from "../rpc/Faults.ts"
import type { ConfigChanges } from "../supervisor/Api.ts"
import type { Supervisor } from "../supervisor/Supervisor.ts"

/** What update did to one group. */
export interface GroupUpdate {
  readonly group: string
  readonly action: "added" | "changed" | "removed"
  /** `OK`, or supervisord's fault string of the step that failed. */
  readonly outcome: string
}

/** update's answer. */
export interface UpdateResult {
  readonly plan: ConfigChanges
  readonly dryRun: boolean
  readonly groups: ReadonlyArray<GroupUpdate>
}

const outcome = (effect: Effect.Effect<void, SupervisorError>): Effect.Effect<string> =>
  effect.pipe(
    Effect.as("OK"),
    Effect.catch((e: SupervisorError) => Effect.succeed(faultFromError(e).faultString))
  )

/** Re-read the config and (unless `dryRun`) apply it to the groups in `only` (all when empty). */
export const update = (
  supervisor: Supervisor["Service"],
  options: { readonly dryRun: boolean; readonly only: ReadonlyArray<string> }
): Effect.Effect<UpdateResult, CantReread | ShutdownState> =>
  Effect.gen(function*() {
    const changes = yield* supervisor.reloadConfig
    const selected = (g: string) => options.only.length === 0 || options.only.includes(g)
    const plan: ConfigChanges = {
      added: changes.added.filter(selected),
      changed: changes.changed.filter(selected),
      removed: changes.removed.filter(selected)
    }
    if (options.dryRun) return { plan, dryRun: true, groups: [] }
    const groups: Array<GroupUpdate> = []
    for (const group of plan.removed) {
      const stopped = yield* Effect.result(supervisor.stopGroup(group, true))
      const failed = stopped._tag === "Success" ? stopped.success.find((r) => r.error?._tag === "Failed") : undefined
      groups.push({
        group,
        action: "removed",
        outcome: stopped._tag === "Failure"
          ? faultFromError(stopped.failure).faultString
          : failed?.error !== undefined
          ? `${faultFromError(failed.error).faultString} (group kept)`
          : yield* outcome(supervisor.removeGroup(group))
      })
    }
    for (const group of plan.changed) {
      const steps = supervisor.stopGroup(group, true).pipe(
        Effect.andThen(supervisor.removeGroup(group)),
        Effect.andThen(supervisor.addGroup(group))
      )
      groups.push({ group, action: "changed", outcome: yield* outcome(steps) })
    }
    for (const group of plan.added) {
      groups.push({ group, action: "added", outcome: yield* outcome(supervisor.addGroup(group)) })
    }
    return { plan, dryRun: false, groups }
  })
