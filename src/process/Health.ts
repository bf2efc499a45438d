/**
 * The `healthcheck=` loop of one running child: `healthcheck_interval` seconds after RUNNING, and
 * then that long after each check ends, the probe runs (bounded by `healthcheck_timeout`) and its
 * outcome is reported; the actor posts it to its mailbox as HealthPassed / HealthFailed, and the
 * table (Transitions.ts) counts failures in a row and applies `on_unhealthy`. The loop runs until
 * the actor interrupts it (the child is gone).
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Result from "effect/Result"
import type { ProcessConfig } from "../config/Types.ts"
import * as Probe from "./Probe.ts"
import type { Spawner } from "./Spawner.ts"

/** Check the health of a running child forever, handing each outcome (success, or the failure's reason) to `report`. */
export const loop = (
  config: Pick<ProcessConfig, "healthcheck" | "healthcheckInterval" | "healthcheckTimeout">,
  context: Probe.ExecContext,
  report: (outcome: Result.Result<void, string>) => Effect.Effect<void>
): Effect.Effect<void, never, Spawner> => {
  const probe = config.healthcheck
  if (probe === undefined) return Effect.void
  const check = Probe.run(probe, config.healthcheckTimeout, context).pipe(Effect.result, Effect.flatMap(report))
  return Effect.forever(Effect.andThen(Effect.sleep(Duration.seconds(config.healthcheckInterval)), check))
}
