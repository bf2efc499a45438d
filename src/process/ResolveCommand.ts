/**
 * Resolving a `command=` line on the real file system (Command.ts's rules, with stat(2) for the
 * facts it needs): shared by both spawners.
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
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

/** Resolve `command` with `path` (the PATH to search) from `cwd`: the file to exec and argv. */
export const resolve = (command: string, path: string, cwd: string): Effect.Effect<ExecArgs, CommandError> =>
  Effect.suspend(() => Effect.fromResult(resolveCommand(command, path, cwd, statFacts)))
