/**
 * `[supervisord] minfds` / `minprocs` (and `-a` / `--minprocs`): make sure the daemon (and so every
 * program it starts) may open that many files and run that many processes, as supervisord does on its
 * first start: a soft limit below the minimum is raised to it, and the hard limit with it when that is
 * lower too (which only a privileged user may do); when that fails, supervisord's usage error.
 * Node has no setrlimit, so the limits are read from /proc/self/limits and set on the daemon's own pid
 * with util-linux's `prlimit(1)` (which calls prlimit(2)).
 *
 * Gotcha: Node raises its own soft RLIMIT_NOFILE to the hard limit when it starts, so an effsup daemon
 * (and its programs) always has a soft file limit equal to the hard one, and `minfds` only ever has to
 * raise the hard limit.
 * supervisord: options.py set_rlimits_or_exit.
 * @since 0.1.0
 */
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Effect from "effect/Effect"
import type { ConfigNotice } from "../config/Types.ts"
import { UsageError } from "./Usage.ts"

/** A soft and hard limit; `Infinity` is unlimited. */
export interface Limit {
  readonly soft: number
  readonly hard: number
}

/** The two limits supervisord looks after. */
export interface Limits {
  readonly files: Limit
  readonly processes: Limit
}

/** What to raise: the resource, prlimit's option for it, and the new soft and hard limits. */
export interface Raise {
  readonly name: "RLIMIT_NOFILE" | "RLIMIT_NPROC"
  readonly option: "--nofile" | "--nproc"
  readonly minimum: number
  readonly hard: number
  /** supervisord's message when the raise fails. */
  readonly failure: string
}

const row = (text: string, label: string): Limit => {
  const line = text.split("\n").find((l) => l.startsWith(label))
  const [soft, hard] = (line ?? "").slice(label.length).trim().split(/\s+/)
  const value = (v: string | undefined) => v === undefined || v === "unlimited" ? Infinity : Number(v)
  return { soft: value(soft), hard: value(hard) }
}

/** The file and process limits in the text of /proc/<pid>/limits. */
export const parseLimits = (text: string): Limits => ({
  files: row(text, "Max open files"),
  processes: row(text, "Max processes")
})

const filesMessage = (minimum: number, hard: number) =>
  `The minimum number of file descriptors required to run this process is ${minimum} as per the "minfds" ` +
  `command-line argument or config file setting. The current environment will only allow you to open ${hard} ` +
  `file descriptors.  Either raise the number of usable file descriptors in your environment (see README.rst) or ` +
  `lower the minfds setting in the config file to allow the process to start.`

const processesMessage = (minimum: number, hard: number) =>
  `The minimum number of available processes required to run this program is ${minimum} as per the "minprocs" ` +
  `command-line argument or config file setting. The current environment will only allow you to open ${hard} ` +
  `processes.  Either raise the number of usable processes in your environment (see README.rst) or lower the ` +
  `minprocs setting in the config file to allow the program to start.`

/**
 * The raises `minfds` and `minprocs` need, files first. Gotcha (kept from supervisord): when the hard
 * limit is below the minimum it is raised to the minimum, and the failure message then names the
 * minimum as what "the current environment will only allow".
 */
export const plan = (limits: Limits, minfds: number, minprocs: number): ReadonlyArray<Raise> => {
  const raise = (limit: Limit, minimum: number, base: Omit<Raise, "minimum" | "hard" | "failure">, message: typeof filesMessage) => {
    if (limit.soft >= minimum) return []
    const hard = limit.hard < minimum ? minimum : limit.hard
    return [{ ...base, minimum, hard, failure: message(minimum, hard === Infinity ? -1 : hard) }]
  }
  return [
    ...raise(limits.files, minfds, { name: "RLIMIT_NOFILE", option: "--nofile" }, filesMessage),
    ...raise(limits.processes, minprocs, { name: "RLIMIT_NPROC", option: "--nproc" }, processesMessage)
  ]
}

/** Apply one raise to this process; the failure message, if it could not be done. */
const prlimit = (raise: Raise): string | undefined => {
  const hard = raise.hard === Infinity ? "unlimited" : String(raise.hard)
  const run = ChildProcess.spawnSync("prlimit", ["--pid", String(process.pid), `${raise.option}=${raise.minimum}:${hard}`], {
    stdio: "ignore"
  })
  if (run.error !== undefined) return `Cannot raise ${raise.name} to ${raise.minimum}: prlimit (util-linux) could not run: ${run.error.message}`
  return run.status === 0 ? undefined : raise.failure
}

/**
 * Raise this process's limits to `minfds` open files and `minprocs` processes; returns the notices to
 * log (`Increased RLIMIT_NOFILE limit to 4096`), or fails with supervisord's message.
 */
export const raiseLimits = (minfds: number, minprocs: number): Effect.Effect<ReadonlyArray<ConfigNotice>, UsageError> =>
  Effect.suspend(() => {
    const raises = plan(parseLimits(Fs.readFileSync("/proc/self/limits", "utf8")), minfds, minprocs)
    const notices: Array<ConfigNotice> = []
    for (const raise of raises) {
      const failure = prlimit(raise)
      if (failure !== undefined) return Effect.fail(new UsageError({ message: failure }))
      notices.push({ level: "info", message: `Increased ${raise.name} limit to ${raise.minimum}` })
    }
    return Effect.succeed(notices)
  })
