/**
 * `*_logfile = AUTO`: the child log files supervisord creates in `childlogdir`, and their removal
 * at startup and reload.
 *
 * Invariants: an AUTO file is created exclusively (O_EXCL) with mode 0600 under a fresh random
 * name `<process>-<channel>---<identifier>-<8 chars>.log`, like `tempfile.mkstemp`; a new name is
 * drawn on every call (supervisord makes new names after every reload). The fd it is created with
 * stays the log file's fd (RotatingFile.createExclusive): one system call per file, made on the
 * threadpool while the daemon goes on (a daemon with 500 programs creates 1000 of them). Cleanup
 * removes exactly the files whose names match supervisord's pattern, and only reports problems as
 * warnings.
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
import type * as Scope from "effect/Scope"
import { strRepr } from "../domain/PyRepr.ts"
import * as RotatingFile from "./RotatingFile.ts"

/** The characters of mkstemp's random part (Python's tempfile._RandomNameSequence). */
const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789_"
/** How many names to try before giving up (Python's TMP_MAX). */
const ATTEMPTS = 10000

/** The 8 random characters of a name: the draws of 8 × `Random.nextIntBetween(0, 36)` from `random`. */
const randomPart = (random: Random.Random): string => {
  let s = ""
  for (let i = 0; i < 8; i++) s += ALPHABET[Math.floor(random.nextDoubleUnsafe() * ALPHABET.length)]
  return s
}

/** The name prefix of an AUTO log: `<process>-<channel>---<identifier>-`. */
export const autoLogPrefix = (processName: string, channel: "stdout" | "stderr", identifier: string): string =>
  `${processName}-${channel}---${identifier}-`

/**
 * Create a new, empty AUTO log file (mode 0600) in `childlogdir` as the channel's rotating log;
 * the scope closes it. A name that exists already is drawn again. The file is made in the
 * background (RotatingFile.createExclusive: `opened` waits for it); a `childlogdir` that cannot
 * take it fails at once, as opening the file fails (`NotFound`, `PermissionDenied` …).
 */
export const createAutoLog = (
  childlogdir: string,
  processName: string,
  channel: "stdout" | "stderr",
  identifier: string,
  rotation: { readonly maxBytes: number; readonly backups: number }
): Effect.Effect<RotatingFile.RotatingFile, PlatformError.PlatformError, Scope.Scope | FileSystem.FileSystem> =>
  Effect.withFiber((fiber) => {
    const random = fiber.getRef(Random.Random)
    const prefix = `${childlogdir.replace(/\/+$/, "")}/${autoLogPrefix(processName, channel, identifier)}`
    return RotatingFile.createExclusive(
      () => `${prefix}${randomPart(random)}.log`,
      { maxBytes: rotation.maxBytes, backups: rotation.backups, mode: 0o600 },
      ATTEMPTS
    )
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
