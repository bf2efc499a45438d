/**
 * The daemon's pidfile (`[supervisord] pidfile`): written once the daemon serves, removed when it
 * stops. A write that fails is logged (CRIT, as supervisord logs it) and the daemon goes on, without
 * its `supervisord started with pid N` line (supervisord writes that line only after the pidfile).
 *
 * The write is synchronous (one small write): on libuv's threadpool it would queue behind the AUTO
 * log files the supervisor has started creating there, and every autostart waits for the line
 * (500 programs: the main thread sat idle for 140 ms before the first spawn).
 * @since 0.1.0
 */
import * as Fs from "node:fs"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { systemErrorText } from "../domain/Errno.ts"

/**
 * Write the pidfile now and remove it when the scope closes; whether it was written.
 * Gotcha: supervisord announces `supervisord started with pid N` only once its pidfile is written
 * (options.py write_pidfile): the caller logs it on `true`.
 */
export const pidfile = (path: string): Effect.Effect<boolean, never, Scope.Scope> =>
  Effect.gen(function*() {
    const written = yield* Effect.try({ try: () => Fs.writeFileSync(path, `${process.pid}\n`), catch: (error) => error }).pipe(Effect.result)
    if (written._tag === "Failure") {
      yield* Effect.logFatal(`could not write pidfile ${path}: ${systemErrorText(written.failure)}`)
      return false
    }
    // rmSync is one unlink in C++; FileSystem.remove goes through fs.rm, whose first use at
    // shutdown loads more of Node (3 ms)
    yield* Effect.addFinalizer(() => Effect.ignore(Effect.try(() => Fs.rmSync(path, { force: true }))))
    return true
  })
