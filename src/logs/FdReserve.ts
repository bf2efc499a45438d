/**
 * A reserve of file descriptors for the control plane. Near the process's fd limit (a low
 * `ulimit -n`, many programs), work that keeps fds open — a program's log files, a spawn's pipes
 * and pidfd — is refused once fewer than FD_RESERVE fds would be left, so that accepting a control
 * connection, reading a log or re-reading the config still finds fds: a refused log file is logged
 * and opened later, a refused spawn is a spawn error (`too many open files to spawn 'x'`, then
 * BACKOFF and FATAL as usual).
 *
 * The check is O(1): the kernel hands out the lowest free fd, so an fd numbered `n` means fds
 * 0…n-1 are all in use. It can miss free fds in holes below (then it allows a little more), never
 * count free fds that are not there.
 * @since 0.1.0
 */
import * as Fs from "node:fs"

/** Fds kept free for the control plane (connections, log reads, reread). */
export const FD_RESERVE = 16

let softLimit: number | undefined

/** The soft RLIMIT_NOFILE, read once (after the daemon applied `minfds`); unlimited when unknown. */
const limit = (): number => {
  if (softLimit === undefined) {
    try {
      const row = /^Max open files\s+(\S+)/m.exec(Fs.readFileSync("/proc/self/limits", "latin1"))?.[1]
      softLimit = row === undefined || row === "unlimited" ? Infinity : Number(row)
    } catch {
      softLimit = Infinity
    }
  }
  return softLimit
}

/** Whether `fd`, just opened, and `more` fds after it still leave FD_RESERVE free. */
export const leavesReserve = (fd: number, more = 0): boolean => fd + 1 + more + FD_RESERVE <= limit()

/**
 * Fds that may still be taken without looking again: half of what was free above the reserve at the
 * last look, less what was taken since. Half, because fds are also opened without asking (control
 * connections, log reads); once it runs out, or near the limit where it is small, every call looks.
 */
let headroom = 0

/**
 * Whether `count` more fds can be opened and still leave FD_RESERVE free: opens and closes one to
 * see, unless the headroom of the last look still covers them (a start of 500 programs asks 1 500
 * times, and two system calls each cost the main thread 36 ms).
 */
export const roomFor = (count: number): boolean => {
  if (count <= headroom) {
    headroom -= count
    return true
  }
  let fd: number
  try {
    fd = Fs.openSync("/dev/null", "r")
  } catch {
    return false
  }
  Fs.closeSync(fd)
  headroom = Math.max(0, Math.floor((limit() - fd - FD_RESERVE) / 2) - count)
  return leavesReserve(fd, count - 1)
}

/** The error an open refused by the reserve fails with: EMFILE, as the kernel would at the limit. */
export const exhausted = (): NodeJS.ErrnoException =>
  Object.assign(new Error("EMFILE: too many open files"), { code: "EMFILE", errno: -24, syscall: "open" })
