/**
 * The `ready=` check of one spawn, started with the child: it waits until the program is ready
 * and the actor posts `Ready` to its mailbox, or, after `ready_timeout`, `ReadyTimeout` with the
 * spawnerr (`not ready within 60 seconds (tcp:localhost:8080: connect ECONNREFUSED …)`).
 * A probe (`tcp:`, `http:`, `exec:`) is tried at once and then again after 100 ms, growing by half
 * each time up to one attempt a second, each attempt bounded by ATTEMPT_TIMEOUT; `log:` waits for
 * a matching line of output (LogWatch.ts), which is why a check is made before the child's output
 * is drained. `fd:N` (s6's notification-fd) reads the pipe the spawner put at the child's fd N:
 * the first newline makes it ready (and the daemon's end is closed); the pipe closed without one is
 * a failed start at once, as no later attempt could succeed. The table (Transitions.ts) decides
 * what Ready and ReadyTimeout mean.
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import { checkText, type ReadyCheck } from "../config/Checks.ts"
import type { OutputStream } from "../logs/ChildOutput.ts"
import * as LogWatch from "./LogWatch.ts"
import * as Probe from "./Probe.ts"
import type { RawChild, Spawner } from "./Spawner.ts"

/** The longest one probe attempt may take (the whole wait is `ready_timeout`). */
const ATTEMPT_TIMEOUT = 5

/** When a failed probe is tried again: 100 ms, then half as long again each time, at most a second. */
const retrySchedule = Schedule.exponential("100 millis", 1.5).pipe(
  Schedule.modifyDelay(({ duration }) => Effect.succeed(Duration.min(duration, Duration.seconds(1))))
)

/** The readiness check of one spawn. */
export interface Readiness {
  /** Put on each output channel before it is drained (a `log:` check reads it; the others pass it as is). */
  readonly watch: <E>(source: OutputStream<E>) => OutputStream<E>
  /** Succeeds once the spawned child is ready; fails with the spawnerr when `ready_timeout` passes first. */
  readonly await: (child: RawChild) => Effect.Effect<void, string, Spawner>
}

const NEWLINE = 10

/** `fd:N`: until a newline comes through the child's ready pipe; its end without one fails. */
const readyLine = (child: RawChild, fd: number): Effect.Effect<void, string> => {
  const pipe = child.readyPipe
  if (pipe === undefined) return Effect.fail(`fd:${fd}: the spawner gave the child no pipe at fd ${fd}`)
  return pipe.pipe(
    Stream.takeUntil((chunk) => chunk.includes(NEWLINE)),
    Stream.runFold(() => false, (found, chunk) => found || chunk.includes(NEWLINE)),
    Effect.flatMap((found) => found ? Effect.void : Effect.fail(`fd:${fd} was closed without a newline`))
  )
}

/** The check `ready=check` with `ready_timeout=timeout` (seconds) for one spawn; `exec:` runs in `context`. */
export const make = (check: ReadyCheck, timeout: number, context: Probe.ExecContext): Readiness => {
  const giveUp = (reason: string) => Effect.fail(`not ready within ${Probe.seconds(timeout)} (${reason})`)
  const within = <R>(wait: Effect.Effect<void, never, R>, reason: () => string) =>
    wait.pipe(Effect.timeoutOrElse({ duration: Duration.seconds(timeout), orElse: () => giveUp(reason()) }))
  if (check._tag === "Log") {
    const log = LogWatch.make(check.pattern)
    return { watch: log.watch, await: () => within(log.matched, () => `no line matched ${checkText(check)}`) }
  }
  if (check._tag === "Fd") {
    return {
      watch: (source) => source,
      await: (child) =>
        readyLine(child, check.fd).pipe(
          Effect.timeoutOrElse({ duration: Duration.seconds(timeout), orElse: () => giveUp(`nothing written to fd ${check.fd}`) }),
          Effect.mapError((reason) => reason.startsWith("not ready") ? reason : `not ready: ${reason}`)
        )
    }
  }
  let lastFailure = `${checkText(check)}: not tried`
  const attempt = Probe.run(check, Math.min(ATTEMPT_TIMEOUT, timeout), context).pipe(
    Effect.tapError((reason) => Effect.sync(() => (lastFailure = reason)))
  )
  // The retry schedule never ends: only the timeout stops the attempts.
  const untilUp = Effect.retry(attempt, retrySchedule).pipe(Effect.orDie)
  return { watch: (source) => source, await: () => within(untilUp, () => lastFailure) }
}
