/**
 * A scripted network for readiness and health probes: an address (`host:port` for tcp, the URL
 * for http) answers while the test has it in `up`; otherwise a connect fails at once with
 * ECONNREFUSED and a GET with HTTP 503. Every probe is recorded in `calls`. No sockets.
 */
import { Effect } from "effect"
import type { NetworkShape } from "../../src/process/Probe.ts"

/** The fake network's controls and the service to provide as `Network`. */
export interface FakeNetwork {
  /** The addresses that answer. */
  readonly up: Set<string>
  /** Every probe so far: `tcp host:port` or `http url`. */
  readonly calls: Array<string>
  readonly service: NetworkShape
}

/** A network where nothing answers until the test says so. */
export const make = (): FakeNetwork => {
  const up = new Set<string>()
  const calls: Array<string> = []
  return {
    up,
    calls,
    service: {
      connect: (host, port) =>
        Effect.suspend(() => {
          calls.push(`tcp ${host}:${port}`)
          return up.has(`${host}:${port}`) ? Effect.void : Effect.fail(`connect ECONNREFUSED ${host}:${port}`)
        }),
      get: (url) =>
        Effect.suspend(() => {
          calls.push(`http ${url}`)
          return up.has(url) ? Effect.void : Effect.fail("HTTP 503")
        })
    }
  }
}
