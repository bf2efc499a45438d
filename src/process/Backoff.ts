/**
 * The wait between retries, as an Effect Schedule built from a program's options, and the stepper
 * a process actor owns. The table (Transitions.ts) says when to step (`stepBackoff`) and when to
 * start over (`resetBackoff`); the schedule says how long to wait, or that the retries are used up
 * (the process gives up: FATAL).
 * The n-th wait (n = 1, 2, …) follows `backoff=`: `linear` is initial × n (supervisord's 1 s, 2 s,
 * 3 s … with the default initial of 1 s), `exponential` initial × 2^(n−1), `constant` initial; then
 * `backoff_max` caps it and `backoff_jitter` shortens it by a random part of up to that fraction
 * (so a wait never exceeds the cap). After `startretries` waits the schedule is done
 * (startretries + 1 spawns in all); `startretries=infinite` never is.
 * supervisord: process.py Subprocess.change_state(BACKOFF) (`delay = now + backoff`),
 * transition (`backoff > startretries` → give_up). See shared/reference/supervisord-4.2.5.md §2.3.
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Pull from "effect/Pull"
import * as Random from "effect/Random"
import * as Schedule from "effect/Schedule"
import type { BackoffCurve } from "../config/Codecs.ts"
import type { ProcessConfig } from "../config/Types.ts"

/** How one program backs off, read from its options. Times are seconds. */
export interface BackoffSettings {
  readonly curve: BackoffCurve
  /** The first wait. */
  readonly initial: number
  /** No wait is longer; undefined = no cap. */
  readonly max: number | undefined
  /** Each wait is shortened by a random part of up to this fraction (0 = exact waits). */
  readonly jitter: number
  /** Retries after the first failed start before the process gives up (`startretries`; Infinity = never). */
  readonly retries: number
}

/** A program's backoff settings: the one place its options are read for backoff. */
export const backoffSettings = (
  config: Pick<ProcessConfig, "startretries" | "backoff" | "backoffInitial" | "backoffMax" | "backoffJitter">
): BackoffSettings => ({
  curve: config.backoff ?? "linear",
  initial: config.backoffInitial,
  max: config.backoffMax,
  jitter: config.backoffJitter,
  retries: config.startretries
})

/** The n-th wait (n ≥ 1) before jitter, in seconds. */
export const nthDelay = (settings: BackoffSettings, n: number): number => {
  const raw = settings.curve === "linear"
    ? settings.initial * n
    : settings.curve === "exponential"
    ? settings.initial * 2 ** (n - 1)
    : settings.initial
  return settings.max === undefined ? raw : Math.min(raw, settings.max)
}

/** The backoff as a Schedule: its n-th recurrence waits {@link nthDelay} (jittered); done after `retries` recurrences. */
export const schedule = (settings: BackoffSettings): Schedule.Schedule<number> => {
  const curve = Schedule.forever.pipe(
    Schedule.modifyDelay((meta) =>
      settings.jitter === 0
        ? Effect.succeed(Duration.seconds(nthDelay(settings, meta.attempt)))
        : Effect.map(Random.next, (r) => Duration.seconds(nthDelay(settings, meta.attempt) * (1 - settings.jitter * r)))
    )
  )
  return Number.isFinite(settings.retries) ? Schedule.upTo(curve, { times: settings.retries }) : curve
}

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
