/**
 * Signals on the platform: sending one to a child or its process group, and naming a signal
 * number (`SIGTERM`) the way the rest of effsup speaks of them.
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Os from "node:os"
import { KillFailure } from "./Spawner.ts"

const names = new Map<number, string>(Object.entries(Os.constants.signals).map(([name, n]) => [n, name]))

/** `SIGTERM` for 15; `SIG<n>` for a number this platform has no name for. */
export const signalName = (signal: number): string => names.get(signal) ?? `SIG${signal}`

/** Send `signal` to `pid`, or with `group` to its whole process group (the child is its leader). */
export const killChild = (pid: number) => (signal: string, group: boolean): Effect.Effect<void, KillFailure> =>
  Effect.try({
    try: () => {
      process.kill(group ? -pid : pid, signal as NodeJS.Signals)
    },
    catch: (cause) =>
      new KillFailure({ code: (cause as NodeJS.ErrnoException)?.code ?? "UNKNOWN", message: String(cause) })
  })
