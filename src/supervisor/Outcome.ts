/**
 * What a process's published snapshot says about its future, judged with its restart policy as
 * configured (a group that restarts its members itself runs them with autorestart off, so the
 * actor's own copy of the policy is not the one to ask). Dependency gates, group strategies and
 * exit policies all read snapshots through these.
 * Gotcha: an EXITED snapshot followed at once by an autorestart is never published (the actor
 * publishes once its actions ran, by then STARTING), so a published EXITED means "no restart by
 * the actor"; only a group strategy may still restart it.
 * @since 0.1.0
 */
import type { ProcessConfig } from "../config/Types.ts"
import { shouldRestart } from "../process/RestartPolicy.ts"
import type { ProcessSnapshot } from "../process/ProcessActor.ts"

/** The restart policy a judgement needs. */
export type Policy = Pick<ProcessConfig, "autorestart" | "exitcodes">

/** It exited with one of its exitcodes. */
export const exitedExpectedly = (policy: Policy, s: ProcessSnapshot): boolean =>
  s.state === "EXITED" && policy.exitcodes.includes(s.exitstatus)

/** It exited on its own and its autorestart wants it back: for a group strategy, a death. */
export const restartWanted = (policy: Policy, s: ProcessSnapshot): boolean =>
  s.state === "EXITED" && shouldRestart(policy.autorestart, exitedExpectedly(policy, s))

/** It has ended for good: FATAL, or EXITED with no restart coming. */
export const hasEnded = (policy: Policy, s: ProcessSnapshot): boolean =>
  s.state === "FATAL" || (s.state === "EXITED" && !restartWanted(policy, s))

/** The exit status the daemon takes from a process that ended: its exit code; 1 for FATAL or a death by signal. */
export const exitStatusOf = (s: ProcessSnapshot): number => (s.state === "EXITED" && s.exitstatus >= 0 ? s.exitstatus : 1)
