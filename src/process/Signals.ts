/**
 * Sending a signal to a child or its process group, by the canonical name effsup speaks of it
 * with (domain/Signals.ts). Sent by number: Node has no names for SIGRTMIN, SIGRTMAX or the 0
 * probe, which supervisord sends like any other.
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { signalNumber } from "../domain/Signals.ts"
import { KillFailure } from "./Spawner.ts"

/** Send `signal` to `pid`, or with `group` to its whole process group (the child is its leader). */
export const killChild = (pid: number) => (signal: string, group: boolean): Effect.Effect<void, KillFailure> =>
  Effect.try({
    try: () => {
      const number = signalNumber(signal)
      if (number === undefined) throw Object.assign(new Error(`unknown signal ${signal}`), { code: "EINVAL" })
      process.kill(group ? -pid : pid, number)
    },
    catch: (cause) =>
      new KillFailure({ code: (cause as NodeJS.ErrnoException)?.code ?? "UNKNOWN", message: String(cause) })
  })
