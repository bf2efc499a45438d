/**
 * System errors (an `errno` code such as `ENOENT`): as the `PlatformError` effect's own FileSystem
 * raises, for the few places that call `node:fs` directly (the log file writer, the fast ctl path;
 * the code-to-reason table is @effect/platform-node's `handleErrnoException`, so a failure reads the
 * same whichever path met it), and as a person reads them in a log line or a config error:
 * `EACCES (Permission denied)`, the code and the system's own text (Linux's strerror), never
 * `Unknown: FileSystem.write (…)` or libuv's wording.
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

/** Linux's strerror text per errno code. */
const ERRNO_TEXT: Readonly<Record<string, string>> = {
  E2BIG: "Argument list too long",
  EACCES: "Permission denied",
  EADDRINUSE: "Address already in use",
  EADDRNOTAVAIL: "Cannot assign requested address",
  EAFNOSUPPORT: "Address family not supported by protocol",
  EAGAIN: "Resource temporarily unavailable",
  EALREADY: "Operation already in progress",
  EBADF: "Bad file descriptor",
  EBADMSG: "Bad message",
  EBUSY: "Device or resource busy",
  ECANCELED: "Operation canceled",
  ECHILD: "No child processes",
  ECONNABORTED: "Software caused connection abort",
  ECONNREFUSED: "Connection refused",
  ECONNRESET: "Connection reset by peer",
  EDEADLK: "Resource deadlock avoided",
  EDESTADDRREQ: "Destination address required",
  EDOM: "Numerical argument out of domain",
  EDQUOT: "Disk quota exceeded",
  EEXIST: "File exists",
  EFAULT: "Bad address",
  EFBIG: "File too large",
  EHOSTUNREACH: "No route to host",
  EIDRM: "Identifier removed",
  EILSEQ: "Invalid or incomplete multibyte or wide character",
  EINPROGRESS: "Operation now in progress",
  EINTR: "Interrupted system call",
  EINVAL: "Invalid argument",
  EIO: "Input/output error",
  EISCONN: "Transport endpoint is already connected",
  EISDIR: "Is a directory",
  ELOOP: "Too many levels of symbolic links",
  EMFILE: "Too many open files",
  EMLINK: "Too many links",
  EMSGSIZE: "Message too long",
  EMULTIHOP: "Multihop attempted",
  ENAMETOOLONG: "File name too long",
  ENETDOWN: "Network is down",
  ENETRESET: "Network dropped connection on reset",
  ENETUNREACH: "Network is unreachable",
  ENFILE: "Too many open files in system",
  ENOBUFS: "No buffer space available",
  ENODATA: "No data available",
  ENODEV: "No such device",
  ENOENT: "No such file or directory",
  ENOEXEC: "Exec format error",
  ENOLCK: "No locks available",
  ENOLINK: "Link has been severed",
  ENOMEM: "Cannot allocate memory",
  ENOMSG: "No message of desired type",
  ENOPROTOOPT: "Protocol not available",
  ENOSPC: "No space left on device",
  ENOSR: "Out of streams resources",
  ENOSTR: "Device not a stream",
  ENOSYS: "Function not implemented",
  ENOTCONN: "Transport endpoint is not connected",
  ENOTDIR: "Not a directory",
  ENOTEMPTY: "Directory not empty",
  ENOTSOCK: "Socket operation on non-socket",
  ENOTSUP: "Operation not supported",
  ENOTTY: "Inappropriate ioctl for device",
  ENXIO: "No such device or address",
  EOPNOTSUPP: "Operation not supported",
  EOVERFLOW: "Value too large for defined data type",
  EPERM: "Operation not permitted",
  EPIPE: "Broken pipe",
  EPROTO: "Protocol error",
  EPROTONOSUPPORT: "Protocol not supported",
  EPROTOTYPE: "Protocol wrong type for socket",
  ERANGE: "Numerical result out of range",
  EROFS: "Read-only file system",
  ESPIPE: "Illegal seek",
  ESRCH: "No such process",
  ESTALE: "Stale file handle",
  ETIME: "Timer expired",
  ETIMEDOUT: "Connection timed out",
  ETXTBSY: "Text file busy",
  EWOULDBLOCK: "Resource temporarily unavailable",
  EXDEV: "Invalid cross-device link",
}

/** Linux's strerror text of an errno code (`Permission denied` for EACCES); undefined for a code it has no text for. */
export const errnoText = (code: string): string | undefined => ERRNO_TEXT[code]

/** `EACCES (Permission denied)`: an errno code with the system's text (the code alone when it has none). */
export const describeErrno = (code: string): string => {
  const text = ERRNO_TEXT[code]
  return text === undefined ? code : `${code} (${text})`
}

const ERRNO_CODE = /^E[A-Z0-9]+$/

/** The errno code of a Node error: its `code`, or for Node's own codes (`ERR_FS_EISDIR`) the system's in `info`. */
const errnoCode = (error: unknown): string | undefined => {
  const e = error as { readonly code?: unknown; readonly info?: { readonly code?: unknown } } | null | undefined
  const code = e?.code
  if (typeof code === "string" && ERRNO_CODE.test(code)) return code
  const info = e?.info?.code
  return typeof info === "string" && ERRNO_CODE.test(info) ? info : undefined
}

/**
 * What a failed system call met, for a person: `EISDIR (Is a directory)` when the error is (or a
 * PlatformError wraps) a Node error with an errno code; else the error's own description.
 * The path is not included: the caller's sentence names it once.
 */
export const systemErrorText = (error: unknown): string => {
  if (PlatformError.isPlatformError(error)) {
    const reason = error.reason
    const code = errnoCode(reason.cause)
    if (code !== undefined) return describeErrno(code)
    return reason.description ?? reason._tag
  }
  const code = errnoCode(error)
  if (code !== undefined) return describeErrno(code)
  return error instanceof Error ? error.message : String(error)
}

/** The errno name of a system error (`EISDIR`), also inside a PlatformError; undefined for any other error. */
export const systemErrorCode = (error: unknown): string | undefined =>
  PlatformError.isPlatformError(error) ? errnoCode(error.reason.cause) : errnoCode(error)

/**
 * A system error with what it is about: `/x/a.log: EACCES (Permission denied)` (the path left out
 * when the error names none); undefined when `error` is no system error (no PlatformError, no
 * errno code).
 */
export const systemErrorAt = (error: unknown): string | undefined => {
  let path: unknown
  if (PlatformError.isPlatformError(error)) path = "pathOrDescriptor" in error.reason ? error.reason.pathOrDescriptor : undefined
  else if (errnoCode(error) !== undefined) path = (error as { readonly path?: unknown }).path
  else return undefined
  const text = systemErrorText(error)
  return typeof path === "string" || typeof path === "number" ? `${path}: ${text}` : text
}
