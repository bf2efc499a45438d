/**
 * The wait between failed starts, as an Effect Schedule built from a program's options, and the
 * stepper a process actor owns. The table (Transitions.ts) says when to step (`stepBackoff`)
 * and when to start over (`resetBackoff`); the schedule says how long to wait, or that the
 * retries are used up (the process gives up: FATAL).
 * Today the only model is supervisord's: the n-th retry waits n seconds, and after `startretries`
 * retries the schedule is done (startretries + 1 spawns in all). New options (other curves, a
 * cap, jitter, unlimited retries) belong in `BackoffSettings`, read in `backoffSettings` and
 * composed in `schedule`; nothing else changes.
 * supervisord: process.py Subprocess.change_state(BACKOFF) (`delay = now + backoff`),
 * transition (`backoff > startretries` → give_up). See shared/reference/supervisord-4.2.5.md §2.3.
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Pull from "effect/Pull"
import * as Schedule from "effect/Schedule"
import type { ProcessConfig } from "../config/Types.ts"

/** How one program backs off, read from its options. */
export interface BackoffSettings {
  /** Retries after the first failed start before the process gives up (`startretries`). */
  readonly retries: number
}

/** A program's backoff settings: the one place its options are read for backoff. */
export const backoffSettings = (config: Pick<ProcessConfig, "startretries">): BackoffSettings => ({
  retries: config.startretries
})

/** The backoff as a Schedule: its n-th recurrence waits n seconds; it is done after `retries` recurrences. */
export const schedule = (settings: BackoffSettings): Schedule.Schedule<number> =>
  Schedule.spaced("1 second").pipe(
    Schedule.modifyDelay((meta) => Effect.succeed(Duration.seconds(meta.attempt))),
    Schedule.upTo({ times: settings.retries })
  )

/** A backoff in progress. Not shared: only its actor's fiber steps and resets it. */
export interface Backoff {
  /** Step the schedule: the wait before the next start, or `undefined` when it is done (give up). */
  readonly step: Effect.Effect<Duration.Duration | undefined>
  /** Start over: the next step is the schedule's first. */
  readonly reset: Effect.Effect<void>
}

/** A backoff over `schedule(settings)`, starting from its first step. */
export const make = (settings: BackoffSettings): Backoff => {
  let step: ((now: number, input: unknown) => Pull.Pull<[number, Duration.Duration], never, number>) | undefined
  return {
    step: Effect.gen(function*() {
      step ??= yield* Schedule.toStep(schedule(settings))
      const [, delay] = yield* step(yield* Clock.currentTimeMillis, undefined).pipe(
        Pull.catchDone(() => Effect.succeed([0, undefined] as const))
      )
      return delay
    }),
    reset: Effect.sync(() => {
      step = undefined
    })
  }
}
