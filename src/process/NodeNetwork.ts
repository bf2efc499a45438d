/**
 * The network side of readiness and health probes on Node: a TCP connect (node:net, both address
 * families of a name tried, as Node's happy-eyeballs does) and an HTTP(S) GET (the global fetch,
 * redirects not followed, the body discarded). Each fails with a one-line reason a status line can
 * show, and gives up its socket when interrupted (a probe's timeout interrupts it).
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Net from "node:net"

/** The reason of a failed connect or request: the errno code and address when there is one. */
const reason = (error: unknown): string => {
  const e = error as { readonly code?: unknown; readonly message?: unknown; readonly cause?: unknown }
  if (e?.cause !== undefined && e.cause !== error) return reason(e.cause)
  if (error instanceof AggregateError && error.errors.length > 0) return reason(error.errors[0])
  return typeof e?.message === "string" && e.message !== "" ? e.message : String(e?.code ?? error)
}

const connect = (host: string, port: number): Effect.Effect<void, string> =>
  Effect.callback<void, string>((resume) => {
    const socket = Net.connect({ host, port })
    socket.once("connect", () => {
      socket.destroy()
      resume(Effect.void)
    })
    socket.once("error", (error) => {
      socket.destroy()
      resume(Effect.fail(reason(error)))
    })
    return Effect.sync(() => socket.destroy())
  })

const get = (url: string): Effect.Effect<void, string> =>
  Effect.tryPromise({
    try: async (signal) => {
      const response = await fetch(url, { signal, redirect: "manual" })
      await response.body?.cancel()
      return response.status
    },
    catch: reason
  }).pipe(Effect.flatMap((status) => status >= 200 && status < 400 ? Effect.void : Effect.fail(`HTTP ${status}`)))

/** The Node implementation of the probes' network seam (Probe.ts `NetworkShape`). */
export const network = { connect, get }
