/**
 * Located decoding of one INI section: look an option up (falling back to `[DEFAULT]`), expand it
 * with the section's variables, decode it with a codec, and record every failure as a ConfigIssue at
 * the option's file:line — then carry on with the default so that ALL problems are reported at once.
 * {@link readOptions} does this for every row of an option table (Table.ts). Also the file-system
 * checks resolution defers to Load.ts (directories must exist) and the unknown-option warnings.
 *
 * Invariant: pure and synchronous; nothing here touches the file system.
 * @since 0.1.0
 */
import * as Result from "effect/Result"
import type { Codec } from "./Codecs.ts"
import { expand, type Vars } from "./Expand.ts"
import type { Host } from "./Host.ts"
import type { IniSection, IniValue } from "./Ini.ts"
import type { Decoded, DecodedValues, Scope, Table } from "./Table.ts"
import type { ConfigIssue, ConfigNotice } from "./Types.ts"

/** A check that needs the file system, done by Load.ts after resolution. */
export interface PathCheck {
  /** `directory`: `path` must be a directory; `parent`: `path`'s directory must exist. */
  readonly kind: "directory" | "parent"
  /** The absolute path to check. */
  readonly path: string
  /** The value as written (for the message, like supervisord). */
  readonly written: string
  readonly at: Location
}

/** Where something was written. */
export interface Location {
  readonly file: string
  readonly line: number
  readonly section: string | undefined
  readonly option: string | undefined
}

/** The directory part of an absolute POSIX path (`/` for a top-level entry). */
export const dirname = (path: string): string => path.slice(0, Math.max(path.lastIndexOf("/"), 0)) || "/"

/** The directory a {@link PathCheck} requires to exist. */
export const checkedDirectory = (check: PathCheck): string => check.kind === "directory" ? check.path : dirname(check.path)

/** The message supervisord gives when a {@link PathCheck} fails. */
export const pathCheckMessage = (check: PathCheck): string =>
  check.kind === "directory"
    ? `${check.written} is not an existing directory`
    : `The directory named as part of the path ${check.written} does not exist`

/** Accumulates everything resolution finds. */
export interface Context {
  readonly host: Host
  /** Directory of the main config file (`%(here)s` for values not substituted per file). */
  readonly here: string
  readonly defaults: IniSection | undefined
  readonly issues: Array<ConfigIssue>
  readonly notices: Array<ConfigNotice>
  readonly checks: Array<PathCheck>
}

/** A fresh context. */
export const makeContext = (host: Host, here: string, defaults: IniSection | undefined): Context =>
  ({ host, here, defaults, issues: [], notices: [], checks: [] })

/** Record a located problem. */
export const fail = (ctx: Context, at: Location, message: string): void => {
  ctx.issues.push({ ...at, message })
}

/** `%(ENV_X)s` variables for an environment. */
export const envVars = (env: Readonly<Record<string, string | undefined>>): Record<string, string> => {
  const vars: Record<string, string> = {}
  for (const [k, v] of Object.entries(env)) if (v !== undefined) vars[`ENV_${k}`] = v
  return vars
}

/** Reads the options of one section. */
export interface Reader {
  readonly section: IniSection
  /** The option as written here or in `[DEFAULT]`. */
  readonly raw: (option: string) => IniValue | undefined
  /** Where an option (or, if absent, the section header) is. */
  readonly at: (option?: string) => Location
  /** Record a problem at an option (or the header). */
  readonly fail: (option: string | undefined, message: string) => void
  /** The expanded text, or `undefined` when absent or its expansion failed (recorded). */
  readonly text: (option: string, vars: Vars, name?: string) => string | undefined
  /** Expanded and decoded; `undefined` when absent, or when invalid (recorded). */
  readonly optional: <A>(option: string, codec: Codec<A>, vars: Vars) => A | undefined
}

/** A reader for `section`; `name` in expansion errors is `section.option`, as in supervisord. */
export const reader = (ctx: Context, section: IniSection): Reader => {
  const raw = (option: string) => section.options.get(option) ?? ctx.defaults?.options.get(option)
  const at = (option?: string): Location => {
    const v = option === undefined ? undefined : raw(option)
    return v === undefined
      ? { file: section.file, line: section.line, section: section.name, option }
      : { file: v.file, line: v.line, section: section.name, option }
  }
  const failAt = (option: string | undefined, message: string) => fail(ctx, at(option), message)
  const expandAt = (option: string, value: string, vars: Vars, name: string): string | undefined => {
    const r = expand(value, vars, name)
    if (Result.isSuccess(r)) return r.success
    failAt(option, r.failure)
    return undefined
  }
  const text = (option: string, vars: Vars, name?: string) => {
    const v = raw(option)
    return v === undefined ? undefined : expandAt(option, v.value, vars, name ?? `${section.name}.${option}`)
  }
  const decodeAt = <A>(option: string | undefined, codec: Codec<A>, value: string): A | undefined => {
    const r = codec(value)
    if (Result.isSuccess(r)) return r.success
    failAt(option, r.failure)
    return undefined
  }
  const optional = <A>(option: string, codec: Codec<A>, vars: Vars): A | undefined => {
    const t = text(option, vars)
    return t === undefined ? undefined : decodeAt(option, codec, t)
  }
  return { section, raw, at, fail: failAt, text, optional }
}

/**
 * Read one decoded row: its value as written (expanded, decoded, checked), else `fallback`
 * (the row's default unless the caller knows better, see `defaultFrom`).
 */
export const readOption = <A, V>(ctx: Context, r: Reader, row: Decoded<A, V>, vars: Vars, fallback: V = row.absent): A | V => {
  const value = r.optional(row.name, row.codec, vars)
  if (value === undefined) return fallback
  const problem = row.check?.(value, { host: ctx.host, section: r.section.name })
  if (problem !== undefined) r.fail(row.name, problem)
  return value
}

/**
 * Read every decoded row of `table` whose scope is `scope`, in table order (custom rows are the caller's).
 * Absent → the default (or the `defaultFrom` field's value); invalid → a located issue and the default.
 */
export const readOptions = <T extends Table, S extends Scope>(ctx: Context, r: Reader, table: T, scope: S, vars: Vars): DecodedValues<T, S> => {
  const values: Record<string, unknown> = {}
  for (const field in table) {
    const row = table[field]!
    if (row._tag !== "Decoded" || row.scope !== scope) continue
    values[field] = readOption(ctx, r, row, vars, row.defaultFrom === undefined ? row.absent : values[row.defaultFrom])
  }
  return values as DecodedValues<T, S>
}

/** Edit distance (insert, delete, substitute, each 1). */
const distance = (a: string, b: string): number => {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const cur = [i]
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    prev = cur
  }
  return prev[b.length]!
}

/** The closest candidate within a small edit distance, if any. */
export const suggest = (word: string, candidates: ReadonlyArray<string>): string | undefined => {
  let best: string | undefined
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1
  for (const c of candidates) {
    const d = distance(word, c)
    if (d < bestDistance) {
      best = c
      bestDistance = d
    }
  }
  return best
}

/** Warn (supervisord is silent) about options a section does not know, with a "did you mean" hint. */
export const warnUnknownOptions = (ctx: Context, section: IniSection, known: ReadonlyArray<string>): void => {
  for (const [option, v] of section.options) {
    if (known.includes(option)) continue
    const hint = suggest(option, known)
    ctx.notices.push({
      level: "warn",
      message: `${v.file}:${v.line}: [${section.name}] unknown option '${option}' is ignored${
        hint === undefined ? "" : ` (did you mean '${hint}'?)`
      }`
    })
  }
}
