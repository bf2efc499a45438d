/**
 * One run of a probe (`tcp:`, `http:`, `exec:`), the unit both readiness (Readiness.ts) and
 * liveness (Health.ts) checks are made of: it succeeds, or fails with a one-line reason (what log
 * and status lines show), within a timeout. The network side goes through the {@link Network}
 * service (Node's by default, a fake in tests); `exec:` runs `/bin/sh -c COMMAND` through the
 * Spawner, like the program (its user, directory, umask and environment), and is killed (its whole
 * process group) when it overruns.
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import { checkText, type Probe } from "../config/Checks.ts"
import { describeExit } from "../domain/ExitInfo.ts"
import * as NodeNetwork from "./NodeNetwork.ts"
import { type SpawnRequest, Spawner } from "./Spawner.ts"

/** The network operations probes need; each fails with a one-line reason. */
export interface NetworkShape {
  /** Open a TCP connection and close it. */
  readonly connect: (host: string, port: number) => Effect.Effect<void, string>
  /** GET a URL; a 2xx or 3xx answer succeeds. */
  readonly get: (url: string) => Effect.Effect<void, string>
}

/** The probes' network seam; Node's implementation unless a test provides another. */
export class Network extends Context.Reference<NetworkShape>("effsup/process/Network", {
  defaultValue: () => NodeNetwork.network
}) {}

/** How an `exec:` probe runs: as the program does. */
export type ExecContext = Pick<SpawnRequest, "env" | "cwd" | "umask" | "user">

/** `n seconds` / `1 second`, for messages. */
export const seconds = (n: number): string => `${n} second${n === 1 ? "" : "s"}`

/** How much of an exec probe's output a failure message keeps (its last line, shortened). */
const MESSAGE_BYTES = 200

const lastLine = (bytes: Uint8Array): string => {
  const lines = new TextDecoder().decode(bytes).split("\n").map((l) => l.trim()).filter((l) => l !== "")
  return lines.at(-1) ?? ""
}

/** `/bin/sh -c command`: succeeds on exit status 0; fails with the status and the last line it printed. */
const exec = (command: string, context: ExecContext): Effect.Effect<void, string, Spawner> =>
  Effect.gen(function*() {
    const spawner = yield* Spawner
    let tail = new Uint8Array(0)
    const keep = (chunk: Uint8Array) =>
      Effect.sync(() => {
        const joined = new Uint8Array(tail.length + chunk.length)
        joined.set(tail)
        joined.set(chunk, tail.length)
        tail = joined.subarray(Math.max(0, joined.length - MESSAGE_BYTES))
      })
    const child = yield* spawner.spawn({ file: "/bin/sh", argv: ["/bin/sh", "-c", command], ...context }).pipe(
      Effect.mapError((e) => e.message)
    )
    const exited = yield* Deferred.make<void>()
    // Until it has exited, leaving (a timeout) kills its whole process group and waits for it.
    yield* Effect.addFinalizer(() =>
      Deferred.isDone(exited).pipe(
        Effect.flatMap((done) => done ? Effect.void : Effect.andThen(Effect.ignore(child.kill("SIGKILL", true)), child.exit))
      )
    )
    const readers = yield* Effect.forEach([child.stdout, child.stderr], (s) => Effect.forkScoped(Stream.runForEach(s, keep)))
    const info = yield* child.exit
    yield* Deferred.done(exited, Exit.void)
    yield* Fiber.joinAll(readers).pipe(Effect.timeoutOption(Duration.millis(200)))
    if (info.code === 0) return
    const said = lastLine(tail)
    return yield* Effect.fail(`${describeExit(info)}${said === "" ? "" : `: ${said}`}`)
  }).pipe(Effect.scoped)

/** Run `probe` once: success, or its reason (`tcp:localhost:8080: connect ECONNREFUSED …`), within `timeout` seconds. */
export const run = (probe: Probe, timeout: number, context: ExecContext): Effect.Effect<void, string, Spawner> => {
  const attempt = Effect.gen(function*() {
    switch (probe._tag) {
      case "Tcp":
        return yield* (yield* Network).connect(probe.host, probe.port)
      case "Http":
        return yield* (yield* Network).get(probe.url)
      case "Exec":
        return yield* exec(probe.command, context)
    }
  })
  return attempt.pipe(
    Effect.timeoutOrElse({ duration: Duration.seconds(timeout), orElse: () => Effect.fail(`timed out after ${seconds(timeout)}`) }),
    Effect.mapError((reason) => `${checkText(probe)}: ${reason}`)
  )
}
