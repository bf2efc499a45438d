/**
 * A Node system error (an `errno` code such as `ENOENT`) as the `PlatformError` effect's own
 * FileSystem raises, for the few places that call `node:fs` directly (the log file writer, the
 * fast ctl path). The code-to-reason table is @effect/platform-node's (`handleErrnoException`),
 * so a failure reads the same whichever path met it.
 * @since 0.1.0
 */
import * as PlatformError from "effect/PlatformError"

/** The PlatformError reason of an errno code; anything unlisted is `Unknown`. */
const errnoReason = (code: string | undefined): PlatformError.SystemErrorTag => {
  switch (code) {
    case "ENOENT":
      return "NotFound"
    case "EACCES":
    case "EPERM":
      return "PermissionDenied"
    case "EEXIST":
      return "AlreadyExists"
    case "EISDIR":
    case "ENOTDIR":
    case "ELOOP":
      return "BadResource"
    case "EBUSY":
      return "Busy"
    default:
      return "Unknown"
  }
}

/**
 * A thrown (or callback) node:fs error of `FileSystem.<method> (<path>)` as a PlatformError.
 * `description` is appended to its message (none by default, as in NodeFileSystem).
 */
export const fromErrno = (method: string, path: string, cause: unknown, description?: string): PlatformError.PlatformError =>
  PlatformError.systemError({
    _tag: errnoReason((cause as NodeJS.ErrnoException | undefined)?.code),
    module: "FileSystem",
    method,
    pathOrDescriptor: path,
    description,
    syscall: (cause as NodeJS.ErrnoException | undefined)?.syscall,
    cause
  })
