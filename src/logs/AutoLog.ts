/**
 * `*_logfile = AUTO`: the child log files supervisord creates in `childlogdir`, and their removal
 * at startup and reload.
 *
 * Invariants: an AUTO file is created exclusively (O_EXCL) with mode 0600 under a fresh random
 * name `<process>-<channel>---<identifier>-<8 chars>.log`, like `tempfile.mkstemp`; a new name is
 * drawn on every call (supervisord makes new names after every reload). Cleanup removes exactly
 * the files whose names match supervisord's pattern, and only reports problems as warnings.
 *
 * Gotchas: supervisord puts `identifier` into its regex unescaped; here it is escaped, so an
 * identifier with regex characters matches only itself.
 * supervisord: options.py get_autochildlog_name / clear_autochildlogdir.
 * See shared/reference/supervisord-4.2.5.md §4.2.
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import type * as PlatformError from "effect/PlatformError"
import * as Random from "effect/Random"
import { strRepr } from "../domain/PyRepr.ts"

/** The characters of mkstemp's random part (Python's tempfile._RandomNameSequence). */
const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789_"
/** How many names to try before giving up (Python's TMP_MAX). */
const ATTEMPTS = 10000

const randomPart = Effect.gen(function*() {
  let s = ""
  for (let i = 0; i < 8; i++) s += ALPHABET[yield* Random.nextIntBetween(0, ALPHABET.length - 1)]
  return s
})

/** The name prefix of an AUTO log: `<process>-<channel>---<identifier>-`. */
export const autoLogPrefix = (processName: string, channel: "stdout" | "stderr", identifier: string): string =>
  `${processName}-${channel}---${identifier}-`

/** Create a new, empty AUTO log file (mode 0600) in `childlogdir` and return its path. */
export const autoLogPath = (
  childlogdir: string,
  processName: string,
  channel: "stdout" | "stderr",
  identifier: string
): Effect.Effect<string, PlatformError.PlatformError, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const prefix = `${childlogdir.replace(/\/+$/, "")}/${autoLogPrefix(processName, channel, identifier)}`
    for (let attempt = 1;; attempt++) {
      const path = `${prefix}${yield* randomPart}.log`
      const created = yield* fs.open(path, { flag: "wx", mode: 0o600 }).pipe(
        Effect.scoped,
        Effect.as(true),
        Effect.catchIf(
          (e) => e.reason._tag === "AlreadyExists" && attempt < ATTEMPTS,
          () => Effect.succeed(false)
        )
      )
      if (created) return path
    }
  })

/** supervisord's pattern for AUTO logs and their backups (`re.match`: anchored at the start only). */
export const autoLogPattern = (identifier: string): RegExp =>
  new RegExp(`^.+?---${identifier.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}-\\S+\\.log\\.{0,1}\\d{0,4}`)

/** Delete old AUTO logs of this `identifier` from `childlogdir` (at startup unless nocleanup). Never fails. */
export const cleanupAutoLogs = (
  childlogdir: string,
  identifier: string
): Effect.Effect<void, never, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const names = yield* Effect.result(fs.readDirectory(childlogdir))
    if (names._tag === "Failure") return yield* Effect.logWarning("Could not clear childlog dir")
    const pattern = autoLogPattern(identifier)
    const paths = names.success.filter((name) => pattern.test(name)).map((name) => `${childlogdir.replace(/\/+$/, "")}/${name}`)
    // a few removals in flight: each is a trip to the threadpool, and a restart may leave thousands
    yield* Effect.forEach(paths, (path) =>
      fs.remove(path).pipe(Effect.catch(() => Effect.logWarning(`Failed to clean up ${strRepr(path)}`))), { concurrency: 8, discard: true })
  })
