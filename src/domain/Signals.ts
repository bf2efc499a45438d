/**
 * Signal names and numbers (Linux), and supervisord's rules for parsing a signal
 * from config or RPC: `TERM`, `sigterm`, `SIGTERM`, `15`.
 * supervisord: datatypes.py `signal_number`, `signame`.
 * @since 0.1.0
 */
import { pythonIntText } from "./PyInt.ts"

/** Linux signal numbers by canonical name (aliases IOT/POLL/CLD map to their primary number). */
export const SIGNALS: Readonly<Record<string, number>> = {
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGIOT: 6, SIGBUS: 7, SIGFPE: 8,
  SIGKILL: 9, SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15, SIGSTKFLT: 16,
  SIGCHLD: 17, SIGCLD: 17, SIGCONT: 18, SIGSTOP: 19, SIGTSTP: 20, SIGTTIN: 21, SIGTTOU: 22, SIGURG: 23,
  SIGXCPU: 24, SIGXFSZ: 25, SIGVTALRM: 26, SIGPROF: 27, SIGWINCH: 28, SIGIO: 29, SIGPOLL: 29, SIGPWR: 30,
  SIGSYS: 31, SIGRTMIN: 34, SIGRTMAX: 64
}

/** The name of each number, as Python's signal module (and so supervisord) gives it: 6 is SIGABRT, 29 SIGPOLL. */
const PRIMARY: ReadonlyArray<string> = Object.keys(SIGNALS).filter((n) => !["SIGIOT", "SIGCLD", "SIGIO"].includes(n))

/**
 * What else supervisord takes as a signal name: Python's signal module has these `SIG` names too
 * (its handler and mask constants), and supervisord looks names up there.
 */
const PYTHON_CONSTANTS: Readonly<Record<string, number>> = { SIG_DFL: 0, SIG_IGN: 1, SIG_BLOCK: 0, SIG_UNBLOCK: 1, SIG_SETMASK: 2 }

/** The numbers supervisord accepts: those of the module's `SIG` names (0–31, SIGRTMIN 34, SIGRTMAX 64). */
const ACCEPTED = new Set([...Object.values(SIGNALS), ...Object.values(PYTHON_CONSTANTS)])

/** The canonical name of a signal number (`15` → `SIGTERM`), or `signal N` for an unnamed one. */
export const signalName = (num: number): string => PRIMARY.find((n) => SIGNALS[n] === num) ?? `signal ${num}`

/** The number of a canonical name (`signalName`'s), or undefined. */
export const signalNumber = (name: string): number | undefined =>
  SIGNALS[name] ?? (/^signal (\d+)$/.test(name) ? Number(name.slice("signal ".length)) : undefined)

/**
 * Parse a signal the way supervisord does: a number as Python's int() reads it (sign, `_` between
 * digits, any script's digits: `٩` is SIGKILL) that is one of the accepted ones (0, a probe, included), or a name with or without `SIG`
 * (any case).
 */
export const parseSignal = (input: string): { readonly name: string; readonly number: number } | undefined => {
  const s = input.trim()
  const n = pythonIntText(s)
  if (n !== undefined) return ACCEPTED.has(n) ? { name: signalName(n), number: n } : undefined
  const up = s.toUpperCase()
  const name = up.startsWith("SIG") ? up : `SIG${up}`
  const number = SIGNALS[name] ?? PYTHON_CONSTANTS[name]
  return number === undefined ? undefined : { name: signalName(number), number }
}
