/**
 * Signal names and numbers (Linux), and supervisord's rules for parsing a signal
 * from config or RPC: `TERM`, `sigterm`, `SIGTERM`, `15`.
 * supervisord: datatypes.py `signal_number`, `signame`.
 * @since 0.1.0
 */

/** Linux signal numbers by canonical name (aliases IOT/POLL/CLD map to their primary number). */
export const SIGNALS: Readonly<Record<string, number>> = {
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGIOT: 6, SIGBUS: 7, SIGFPE: 8,
  SIGKILL: 9, SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15, SIGSTKFLT: 16,
  SIGCHLD: 17, SIGCLD: 17, SIGCONT: 18, SIGSTOP: 19, SIGTSTP: 20, SIGTTIN: 21, SIGTTOU: 22, SIGURG: 23,
  SIGXCPU: 24, SIGXFSZ: 25, SIGVTALRM: 26, SIGPROF: 27, SIGWINCH: 28, SIGIO: 29, SIGPOLL: 29, SIGPWR: 30,
  SIGSYS: 31, SIGRTMIN: 34, SIGRTMAX: 64
}

const PRIMARY: ReadonlyArray<string> = Object.keys(SIGNALS).filter((n) => !["SIGIOT", "SIGCLD", "SIGPOLL"].includes(n))

/** The canonical name of a signal number (`15` → `SIGTERM`), or `signal N` for an unnamed one. */
export const signalName = (num: number): string => PRIMARY.find((n) => SIGNALS[n] === num) ?? `signal ${num}`

/** Parse a signal the way supervisord does: a name with or without `SIG` (any case), or a number. */
export const parseSignal = (input: string): { readonly name: string; readonly number: number } | undefined => {
  const s = input.trim()
  if (/^\d+$/.test(s)) {
    const n = Number(s)
    return n >= 1 && n <= 64 ? { name: signalName(n), number: n } : undefined
  }
  const up = s.toUpperCase()
  const name = up.startsWith("SIG") ? up : `SIG${up}`
  const number = SIGNALS[name]
  return number === undefined ? undefined : { name: signalName(number), number }
}
