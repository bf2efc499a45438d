/**
 * How a child ended: an exit code or a terminating signal, and supervisord's wording
 * for it (`exit status 1`, `terminated by SIGTERM`). supervisord: process.py `decode_wait_status`.
 * @since 0.1.0
 */

/** The end of a child: exactly one of `code` and `signal` (a `SIGXXX` name) is set. */
export interface ExitInfo {
  readonly code: number | null
  readonly signal: string | null
  /** The signal left a core dump (known only where the spawner can tell; absent: no). */
  readonly coreDumped?: boolean
}

/** supervisord's `exitstatus`: the exit code, or -1 when a signal ended the process. */
export const exitStatus = (exit: ExitInfo): number => exit.code ?? -1

/** `exit status N` / `terminated by SIGNAME` (`… (core dumped)`), as in `exited:` and `stopped:` log lines. */
export const describeExit = (exit: ExitInfo): string => {
  if (exit.code !== null) return `exit status ${exit.code}`
  if (exit.signal !== null) return `terminated by ${exit.signal}${exit.coreDumped === true ? " (core dumped)" : ""}`
  return "unknown termination cause"
}
