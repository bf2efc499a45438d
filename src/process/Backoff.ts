/**
 * The startretries backoff as an Effect Schedule: after the n-th failed start the next
 * attempt waits n seconds (1 s, 2 s, 3 s …); after `startretries` retries the schedule
 * is done and the process goes FATAL. supervisord: process.py change_state(BACKOFF).
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"

/** 1 s, 2 s, 3 s … for at most `startretries` retries. */
export const backoffSchedule = (startretries: number): Schedule.Schedule<number> =>
  Schedule.spaced("1 second").pipe(
    Schedule.modifyDelay((meta) => Effect.succeed(Duration.seconds(meta.attempt))),
    Schedule.upTo({ times: startretries })
  )
