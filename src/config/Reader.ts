/**
 * Located decoding of one INI section: look an option up (falling back to `[DEFAULT]`), expand it
 * with the section's variables, decode it with a codec, and record every failure as a ConfigIssue at
 * the option's file:line — then carry on with the default so that ALL problems are reported at once.
 * Also the host facts the pure resolver needs (environment, cwd, hostname, passwd) and the
 * file-system checks it defers to Load.ts (directories must exist).
 *
 * Invariant: pure and synchronous; nothing here touches the file system.
 * @since 0.1.0
 */
import * as Result from "effect/Result"
import type { Codec } from "./Codecs.ts"
import { expand, type Vars } from "./Expand.ts"
import type { IniSection, IniValue } from "./Ini.ts"
import type { ConfigIssue, ConfigNotice } from "./Types.ts"

/** One `/etc/passwd` entry (what `user=` validation and `~user` need). */
export interface PasswdEntry {
  readonly name: string
  readonly uid: number
  readonly gid: number
  readonly home: string
}

/** One `/etc/group` entry (for `chown=user:group`). */
export interface GroupEntry {
  readonly name: string
  readonly gid: number
}

/** The facts about the running host that resolution depends on (all injected, so tests need no OS). */
export interface Host {
  /** supervisord's own environment (becomes `%(ENV_X)s`). */
  readonly env: Readonly<Record<string, string | undefined>>
  /** Relative logfile/pidfile paths are made absolute against this (as supervisord does). */
  readonly cwd: string
  /** `%(host_node_name)s`. */
  readonly hostname: string
  /** Known users; `undefined` skips `user=` validation. */
  readonly users: ReadonlyArray<PasswdEntry> | undefined
  /** Known groups; `undefined` skips group validation in `chown=`. */
  readonly groups: ReadonlyArray<GroupEntry> | undefined
}

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

/** Collapse `.`/`..`/`//` in an absolute POSIX path. */
const normalizeAbsolute = (path: string): string => {
  const out: Array<string> = []
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue
    if (part === "..") out.pop()
    else out.push(part)
  }
  return `/${out.join("/")}`
}

/** Python `os.path.expanduser`: `~` / `~/x` from `$HOME`, `~user/x` from passwd; anything else unchanged. */
export const expandUser = (host: Host, path: string): string => {
  const m = /^~([^/]*)(.*)$/s.exec(path)
  if (m === null) return path
  const home = m[1] === "" ? host.env["HOME"] : host.users?.find((u) => u.name === m[1])?.home
  return home === undefined ? path : (home.replace(/\/+$/, "") || "/") + m[2]
}

/** `normalize_path`: `~` expanded, made absolute against the host's cwd, normalized. */
export const absolutePath = (host: Host, path: string): string => {
  const p = expandUser(host, path)
  return normalizeAbsolute(p.startsWith("/") ? p : `${host.cwd}/${p}`)
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
  /** Expanded and decoded; `fallback` (decoded) when absent, or when invalid (recorded). */
  readonly get: <A>(option: string, codec: Codec<A>, fallback: string, vars: Vars) => A
  /** Like {@link get} but `undefined` when absent. */
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
  const get = <A>(option: string, codec: Codec<A>, fallback: string, vars: Vars): A =>
    optional(option, codec, vars) ?? Result.getOrThrow(codec(fallback))
  return { section, raw, at, fail: failAt, text, get, optional }
}

/** Validate a `user=` value (name or uid) against the host's passwd, as supervisord's `name_to_uid`. */
export const checkUser = (ctx: Context, r: Reader, option: string, user: string): void => {
  const users = ctx.host.users
  if (users === undefined) return
  if (/^\s*[+-]?\d+\s*$/.test(user)) {
    if (!users.some((u) => u.uid === Number(user))) r.fail(option, `Invalid user id ${user}`)
  } else if (!users.some((u) => u.name === user)) r.fail(option, `Invalid user name ${user}`)
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
