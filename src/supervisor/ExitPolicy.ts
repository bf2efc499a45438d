/**
 * Exit policies for containers (OTP's significant children and auto_shutdown): with
 * `[supervisord] auto_shutdown = any_significant`, effsup shuts down cleanly once any program
 * marked `significant = true` has ended; with `all_significant`, once all of them have. Ended
 * means for good: FATAL, or EXITED with no restart coming (Outcome.ts); a program stopped by a
 * request has not ended. The daemon then exits with the status of the program whose end
 * triggered the shutdown: its exit code, or 1 when it is FATAL or died by a signal.
 * The group watches each significant member (published snapshots, no polling) and tells the tree,
 * which judges the policy over every significant process it has.
 * OTP: supervisor.erl auto_shutdown, significant children.
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type { AutoShutdown } from "../config/Types.ts"
import type { ProcessSnapshot } from "../process/ProcessActor.ts"
import type { Member } from "./Member.ts"
import { hasEnded } from "./Outcome.ts"

/** Whether `policy` shuts effsup down, given whether each significant process has ended. */
export const shutdownDue = (policy: AutoShutdown, ended: ReadonlyArray<boolean>): boolean => {
  switch (policy) {
    case "never":
      return false
    case "any_significant":
      return ended.some((e) => e)
    case "all_significant":
      return ended.length > 0 && ended.every((e) => e)
  }
}

/** Call `onEnded` each time `member` ends (again after each new start); runs until interrupted. */
export const watchEnded = (member: Member, onEnded: (snapshot: ProcessSnapshot) => Effect.Effect<void>): Effect.Effect<never> =>
  Effect.forever(
    Effect.gen(function*() {
      yield* onEnded(yield* member.actor.waitFor((s) => hasEnded(member.config, s)))
      yield* member.actor.waitFor((s) => !hasEnded(member.config, s))
    })
  )
