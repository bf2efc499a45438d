/**
 * The daemon's POSIX signals as a Stream: SIGTERM / SIGINT / SIGQUIT (shutdown), SIGHUP
 * (restart), SIGUSR2 (reopen logs), SIGUSR1 (nothing). Listening replaces Node's and NodeRuntime's default
 * handlers for those signals while the stream runs, so effsup alone decides what they mean.
 * Gotcha: without a listener, SIGUSR1 makes Node open its inspector on 127.0.0.1:9229, through
 * which any local user could run code as the daemon; supervisord, which does not handle
 * SIGUSR1, dies of it.
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"

/** The signals `effsup run` handles. */
export const DAEMON_SIGNALS: ReadonlyArray<NodeJS.Signals> = ["SIGTERM", "SIGINT", "SIGQUIT", "SIGHUP", "SIGUSR2", "SIGUSR1"]

/** A stream of the given signals as they arrive. */
export const signals = (names: ReadonlyArray<NodeJS.Signals>): Stream.Stream<NodeJS.Signals> =>
  Stream.callback<NodeJS.Signals>((queue) =>
    Effect.acquireRelease(
      Effect.sync(() =>
        names.map((name) => {
          process.removeAllListeners(name)
          const handler = () => Queue.offerUnsafe(queue, name)
          process.on(name, handler)
          return [name, handler] as const
        })
      ),
      (handlers) => Effect.sync(() => handlers.forEach(([name, handler]) => process.off(name, handler)))
    )
  )
