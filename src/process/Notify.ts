/**
 * `ready=notify`: systemd's notification protocol (sd_notify) for one spawn. A private socket is
 * bound before the child starts and named in its environment (`NOTIFY_SOCKET`, plus
 * `WATCHDOG_USEC` with `watchdog=`); each datagram is newline-separated `KEY=VALUE` pairs, of which
 * effsup reads `READY=1` (the program is ready: `ready` completes), `STATUS=…` and `MAINPID=…`
 * (posted as Notified: the description shows them; MAINPID is not signalled, the spawned pid stays
 * the one effsup stops) and `WATCHDOG=1` (a keep-alive). With `watchdog=`, once the program is
 * ready, `watchdog` seconds without a keep-alive post WatchdogMissed (once per silence; a
 * keep-alive after it posts HealthPassed), and the table applies `on_unhealthy` as for a failed
 * health check. Other keys (`RELOADING=1`, `STOPPING=1`, `ERRNO=`, `FDSTORE=1` …) are ignored.
 *
 * Invariants: the socket is in a fresh directory under the temp dir (mode 0711: not listable, so
 * only the child's environment names it; the socket itself is 0666 so that a `user=` child can
 * write to it), and both go when the scope closes (the child has exited). Any process that knows
 * the path may notify (systemd's NotifyAccess=all): a `systemd-notify` helper or a shell's child
 * must be able to.
 * @since 0.1.0
 */
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Datagram from "./Datagram.ts"
import type { Event } from "./Transitions.ts"

/** What one notification says (only the keys effsup reads). */
export interface Notification {
  readonly ready: boolean
  readonly watchdog: boolean
  readonly status?: string | undefined
  readonly mainPid?: number | undefined
}

/** Parse one datagram: `KEY=VALUE` lines; a line without `=` or an unknown key is ignored, as systemd does. */
export const parse = (text: string): Notification => {
  let ready = false
  let watchdog = false
  let status: string | undefined
  let mainPid: number | undefined
  for (const line of text.split("\n")) {
    const eq = line.indexOf("=")
    if (eq < 0) continue
    const key = line.slice(0, eq)
    const value = line.slice(eq + 1)
    if (key === "READY" && value === "1") ready = true
    else if (key === "WATCHDOG" && value === "1") watchdog = true
    else if (key === "STATUS") status = value
    else if (key === "MAINPID" && /^[1-9]\d{0,9}$/.test(value)) mainPid = Number(value)
  }
  return { ready, watchdog, status, mainPid }
}

/** The notification socket of one spawn. */
export interface Session {
  /** What to add to the child's environment. */
  readonly env: Readonly<Record<string, string>>
  /** Completes at the first READY=1. */
  readonly ready: Effect.Effect<void>
}

/**
 * Listen for one spawn's notifications until the scope closes, posting what the table must know
 * (Notified, WatchdogMissed, HealthPassed) with `post`.
 */
export const listen = (
  watchdog: number | undefined,
  post: (event: Event) => Effect.Effect<void>
): Effect.Effect<Session, Datagram.DatagramError, Scope.Scope> =>
  Effect.gen(function*() {
    const receiver = yield* Datagram.privateReceiver("effsup-notify-", "notify")
    const ready = yield* Deferred.make<void>()
    const keepAlives = yield* Queue.sliding<void>(1)
    const decoder = new TextDecoder()
    yield* receiver.datagrams.pipe(
      Stream.runForEach((datagram) =>
        Effect.gen(function*() {
          const note = parse(decoder.decode(datagram.bytes))
          if (note.status !== undefined || note.mainPid !== undefined) {
            yield* post({ _tag: "Notified", status: note.status, mainPid: note.mainPid })
          }
          if (note.ready) yield* Deferred.succeed(ready, undefined)
          if (note.watchdog) yield* Queue.offer(keepAlives, undefined)
        })
      ),
      Effect.forkScoped
    )
    if (watchdog !== undefined) {
      const message = `sent no WATCHDOG=1 for ${watchdog} second${watchdog === 1 ? "" : "s"}`
      let silent = false
      const watch = Queue.take(keepAlives).pipe(
        Effect.timeoutOption(Duration.seconds(watchdog)),
        Effect.flatMap((kept) => {
          if (Option.isNone(kept)) {
            if (silent) return Effect.void
            silent = true
            return post({ _tag: "WatchdogMissed", message })
          }
          if (!silent) return Effect.void
          silent = false
          return post({ _tag: "HealthPassed" })
        })
      )
      yield* Effect.forkScoped(Effect.andThen(Deferred.await(ready), Effect.forever(watch)))
    }
    const env: Record<string, string> = { NOTIFY_SOCKET: receiver.path }
    if (watchdog !== undefined) env["WATCHDOG_USEC"] = String(Math.round(watchdog * 1_000_000))
    return { env, ready: Deferred.await(ready) }
  })
