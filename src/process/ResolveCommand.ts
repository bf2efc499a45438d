/**
 * Resolving a `command=` line on the real file system (Command.ts's rules, with stat(2) for the
 * facts it needs): shared by both spawners.
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Fs from "node:fs"
import { type CommandError, type ExecArgs, type FileFacts, resolveCommand } from "./Command.ts"

/**
 * What is at a path (synchronous: cheap, and spawning is synchronous anyway). A missing path is
 * answered without an exception: most PATH entries miss, and building the error cost more than
 * the stat (about a tenth of the CPU of a 500-program cold start, profiled).
 */
const statFacts = (file: string): FileFacts | undefined => {
  try {
    const info = Fs.statSync(file, { throwIfNoEntry: false })
    return info === undefined ? undefined : { directory: info.isDirectory(), mode: info.mode }
  } catch {
    return undefined
  }
}

/**
 * How long a successful resolution is believed: the programs of a start burst (numprocs=500 of one
 * command) share one PATH walk instead of a stat(2) per PATH entry each (3 500 stats for `sleep`
 * in a start of 500: 150 ms of the daemon's CPU on a slow VM, profiled). Only successes are kept:
 * a command that was missing is looked for again at once, and a resolved file removed in between
 * fails at exec like any other race with the file system.
 */
const RESOLVED_FRESH_MS = 100

/** Successful resolutions of the last RESOLVED_FRESH_MS, by cwd, PATH and command line. */
let resolved = new Map<string, ExecArgs>()
let resolvedSince = 0

/** Resolve `command` with `path` (the PATH to search) from `cwd`: the file to exec and argv. */
export const resolve = (command: string, path: string, cwd: string): Effect.Effect<ExecArgs, CommandError> =>
  Effect.suspend(() => {
    const now = performance.now()
    if (now - resolvedSince >= RESOLVED_FRESH_MS) {
      if (resolved.size > 0) resolved = new Map()
      resolvedSince = now
    }
    const key = `${cwd}\0${path}\0${command}`
    const known = resolved.get(key)
    if (known !== undefined) return Effect.succeed(known)
    const result = resolveCommand(command, path, cwd, statFacts)
    if (Result.isSuccess(result)) resolved.set(key, result.success)
    return Effect.fromResult(result)
  })
