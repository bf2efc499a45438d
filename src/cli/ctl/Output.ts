/**
 * Pure rendering for `effsup ctl`: supervisorctl's exact output lines (status table, per-process
 * result lines, avail rows, reread changes), its LSB exit codes and the fault → exit-code rule.
 * No I/O here; `Commands.ts` decides what to print, this module decides how it reads.
 * Invariant: every string is byte-for-byte what supervisorctl 4.2.5 prints for the same input.
 * See shared/reference/supervisord-4.2.5.md §6.4-6.6.
 * @since 0.1.0
 */
import { namespec } from "../../domain/Names.ts"
import { ProcessStateCode, STOPPED_STATES } from "../../domain/ProcessState.ts"
import { Faults } from "../../rpc/Faults.ts"

/** LSB init-script exit codes, as supervisorctl uses them. */
export const Exit = {
  SUCCESS: 0,
  GENERIC: 1,
  INVALID_ARGS: 2,
  UNIMPLEMENTED_FEATURE: 3,
  INSUFFICIENT_PRIVILEGES: 4,
  NOT_INSTALLED: 5,
  NOT_RUNNING: 7
} as const

/** LSB exit codes specific to `status`. */
export const StatusExit = { NOT_RUNNING: 3, UNKNOWN: 4 } as const

/** The supervisord fault codes the client reasons about (wire values, §5.2). */
export const Fault = Faults

/** The process info struct of getProcessInfo / getAllProcessInfo (the fields ctl reads). */
export interface ProcessInfo {
  readonly name: string
  readonly group: string
  readonly state: number
  readonly statename: string
  readonly description: string
  readonly pid: number
}

/** A result struct of the *Group / *All methods: `{name, group, status, description}`. */
export interface ProcessResult {
  readonly name: string
  readonly group: string
  readonly status: number
  readonly description: string
}

/** A config info struct of getAllConfigInfo (the fields `avail` reads). */
export interface ConfigInfo {
  readonly name: string
  readonly group: string
  readonly inuse: boolean
  readonly autostart: boolean
  readonly group_prio: number
  readonly process_prio: number
}

/** A result that cannot be rendered: supervisorctl raises ValueError here (`Unknown result code`). */
export interface UnknownResult {
  readonly _tag: "UnknownResult"
  readonly message: string
}

const unknownResult = (code: number, name: string): UnknownResult => ({
  _tag: "UnknownResult",
  message: `Unknown result code ${code} for ${name}`
})

const STATE_COLOURS: Readonly<Record<string, string>> = {
  RUNNING: "32",
  STARTING: "33",
  BACKOFF: "33",
  STOPPING: "33",
  EXITED: "31",
  FATAL: "31",
  UNKNOWN: "31"
}

/**
 * The status table: the name column is `max(30, longest namespec) + 3` wide, the state column 10.
 * Gotchas: an empty description leaves the state's trailing spaces (supervisorctl does too).
 * With `colour`, the state is wrapped in an ANSI colour after padding, so columns stay aligned.
 */
export const statusLines = (infos: ReadonlyArray<ProcessInfo>, colour = false): ReadonlyArray<string> => {
  const specs = infos.map((info) => namespec(info.group, info.name))
  const width = Math.max(30, ...specs.map((s) => s.length)) + 3
  return infos.map((info, i) => {
    const state = info.statename.padEnd(10)
    const code = STATE_COLOURS[info.statename]
    const shown = colour && code !== undefined ? `\x1b[${code}m${state}\x1b[0m` : state
    return `${specs[i]!.padEnd(width)}${shown}${info.description}`
  })
}

/** True when `status` must exit 3 for this process (STOPPED, EXITED, FATAL, UNKNOWN). */
export const isStoppedState = (code: number): boolean =>
  [...STOPPED_STATES].some((s) => ProcessStateCode[s] === code)

/**
 * The exit code a result's fault code leads to: unchanged (`undefined`) for SUCCESS and `ignored`,
 * 7 for SPAWN_ERROR / ABNORMAL_TERMINATION / NOT_RUNNING, 1 otherwise.
 */
export const exitForFault = (code: number, ignored?: number): number | undefined =>
  code === Fault.SUCCESS || code === ignored
    ? undefined
    : code === Fault.SPAWN_ERROR || code === Fault.ABNORMAL_TERMINATION || code === Fault.NOT_RUNNING
    ? Exit.NOT_RUNNING
    : Exit.GENERIC

const error = (name: string, what: string) => `${name}: ERROR (${what})`

/** The line for one `start` result. */
export const startResultLine = (r: ProcessResult): string | UnknownResult => {
  const name = namespec(r.group, r.name)
  switch (r.status) {
    case Fault.BAD_NAME: return error(name, "no such process")
    case Fault.NO_FILE: return error(name, "no such file")
    case Fault.NOT_EXECUTABLE: return error(name, "file is not executable")
    case Fault.ALREADY_STARTED: return error(name, "already started")
    case Fault.SPAWN_ERROR: return error(name, "spawn error")
    case Fault.ABNORMAL_TERMINATION: return error(name, "abnormal termination")
    case Fault.SUCCESS: return `${name}: started`
    default: return unknownResult(r.status, name)
  }
}

/** The line for one `signal` (or, with `success = "stopped"`, `stop`) result; FAILED prints the raw fault text. */
export const signalResultLine = (r: ProcessResult, success = "signalled"): string | UnknownResult => {
  const name = namespec(r.group, r.name)
  switch (r.status) {
    case Fault.BAD_NAME: return error(name, "no such process")
    case Fault.BAD_SIGNAL: return error(name, "bad signal name")
    case Fault.NOT_RUNNING: return error(name, "not running")
    case Fault.SUCCESS: return `${name}: ${success}`
    case Fault.FAILED: return r.description
    default: return unknownResult(r.status, name)
  }
}

/** The line for one `clear` result. */
export const clearResultLine = (r: ProcessResult): string | UnknownResult => {
  const name = namespec(r.group, r.name)
  switch (r.status) {
    case Fault.BAD_NAME: return error(name, "no such process")
    case Fault.FAILED: return error(name, "failed")
    case Fault.SUCCESS: return `${name}: cleared`
    default: return unknownResult(r.status, name)
  }
}

/** One `avail` row: `'%-32s %-9s %-9s %s'` of namespec, in use/avail, auto/manual, `grouppri:procpri`. */
export const availLine = (c: ConfigInfo): string =>
  `${namespec(c.group, c.name).padEnd(32)} ${(c.inuse ? "in use" : "avail").padEnd(9)} ${
    (c.autostart ? "auto" : "manual").padEnd(9)
  } ${c.group_prio}:${c.process_prio}`

/** The `reread` report: `name: available|changed|disappeared`, sorted by name, or `No config updates to processes`. */
export const changeLines = (
  added: ReadonlyArray<string>,
  changed: ReadonlyArray<string>,
  removed: ReadonlyArray<string>
): ReadonlyArray<string> => {
  const kinds = new Map<string, string>()
  for (const n of added) kinds.set(n, "available")
  for (const n of changed) kinds.set(n, "changed")
  for (const n of removed) kinds.set(n, "disappeared")
  if (kinds.size === 0) return ["No config updates to processes"]
  return [...kinds.keys()].sort(byCodePoint).map((n) => `${n}: ${kinds.get(n)}`)
}

/** Python's default string order (code points), not the locale order of `localeCompare`. */
export const byCodePoint = (a: string, b: string): number => a < b ? -1 : a > b ? 1 : 0
