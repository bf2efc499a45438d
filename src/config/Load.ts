/**
 * Loading a config from disk: the search path (§1.2), reading with `[include]`s (strict UTF-8, within the
 * bounds of Limits.ts), resolution, the file-system checks (log directories, childlogdir), and one
 * {@link ConfigError} carrying EVERY issue, each located at a `file:line` (a whole file's at its line 1).
 * Also the pure entry {@link parseConfigText} (no includes, no disk) and {@link loadCtl} for the client.
 * See shared/reference/supervisord-4.2.5.md §1.2 and §1.14.
 *
 * Gotcha: host facts come from files, not `node:os` (config/ must not import node:*): users from /etc/passwd,
 * groups from /etc/group, host_node_name from /proc/sys/kernel/hostname (else $HOSTNAME).
 * The daemon's `load` (and Include.ts's `readWithIncludes`) are marked `@__PURE__`: the ctl bundle, which
 * calls `loadCtl` only, then leaves them out, and with them the daemon's config resolution (32 KB of its
 * 338; `effsup ctl status`, 60 interleaved runs: median 62 → 61 ms).
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Path from "effect/Path"
import { parseGroup, parsePasswd } from "./Accounts.ts"
import { hereSubstituted, parseFileText, readFile, readWithIncludes } from "./Include.ts"
import type { Host } from "./Host.ts"
import { checkedDirectory, dirname, FIRST_LINE, type PathCheck, pathCheckMessage } from "./Reader.ts"
import { type Resolution, resolve, resolveCtl } from "./Sections.ts"
import type { Config, ConfigIssue, ConfigNotice, CtlConfig } from "./Types.ts"

/** A name as written, its control characters shown as `\xNN` (a section header may hold one). */
const visible = (name: string): string =>
  name.replace(/\p{Cc}/gu, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`)

/** `file:line: [section] option: message` (parts that are unknown are left out). */
export const formatIssue = (issue: ConfigIssue): string => {
  const where = issue.file === "" ? "" : issue.line > 0 ? `${issue.file}:${issue.line}: ` : `${issue.file}: `
  const section = issue.section === undefined ? "" : `[${visible(issue.section)}] `
  const option = issue.option === undefined ? "" : `${issue.option}: `
  return `${where}${section}${option}${issue.message}`
}

/** Issues grouped by file (in order of first appearance), by line within a file. */
const sortIssues = (issues: ReadonlyArray<ConfigIssue>): ReadonlyArray<ConfigIssue> => {
  const files = [...new Set(issues.map((i) => i.file))]
  return [...issues].sort((a, b) => files.indexOf(a.file) - files.indexOf(b.file) || a.line - b.line)
}

/** The config could not be loaded; `issues` holds every problem found, each located. */
export class ConfigError extends Data.TaggedError("ConfigError")<{ readonly issues: ReadonlyArray<ConfigIssue> }> {
  override get message(): string {
    return this.issues.map(formatIssue).join("\n")
  }
}

/** What the client needs from a config file. */
export interface CtlLoad {
  /** The file read, or undefined when none was found (defaults apply). */
  readonly file: string | undefined
  readonly supervisorctl: CtlConfig
  readonly notices: ReadonlyArray<ConfigNotice>
}

/**
 * The default config locations, in order (§1.2 plus effsup's own names). `here` is the install prefix
 * (supervisord: `dirname(dirname(argv[0]))`); relative entries are relative to the CWD.
 */
export const searchPaths = (here: string | undefined): ReadonlyArray<string> => [
  ...(here === undefined ? [] : [`${here}/etc/supervisord.conf`, `${here}/supervisord.conf`]),
  "effsup.conf",
  "supervisord.conf",
  "etc/supervisord.conf",
  "/etc/effsup.conf",
  "/etc/supervisord.conf",
  "/etc/supervisor/supervisord.conf"
]

/** Pure: the issues of failed path checks, given which paths are directories. */
export const pathIssues = (checks: ReadonlyArray<PathCheck>, isDirectory: (path: string) => boolean): ReadonlyArray<ConfigIssue> =>
  checks.flatMap((c) => isDirectory(checkedDirectory(c)) ? [] : [{ ...c.at, message: pathCheckMessage(c) }])

/** Pure entry for one file's text (no `[include]` processing, path checks returned unperformed). */
export const parseConfigText = (text: string, file: string, host: Host): Resolution<Config> => {
  const parsed = parseFileText(text, file, undefined)
  const document = parsed.document.sections.has("include") ? hereSubstituted(parsed.document, dirname(file)) : parsed.document
  const resolution = resolve(document, file, host)
  return { ...resolution, issues: sortIssues([...parsed.issues, ...resolution.issues]) }
}

/** Users, groups and hostname of this machine, read through FileSystem. */
export const hostFacts = Effect.fn("Load.hostFacts")(function*(env: Readonly<Record<string, string | undefined>>, cwd: string) {
  const fs = yield* FileSystem.FileSystem
  const read = (file: string) => fs.readFileString(file).pipe(Effect.option)
  const passwd = yield* read("/etc/passwd")
  const group = yield* read("/etc/group")
  const hostname = yield* read("/proc/sys/kernel/hostname")
  const users = passwd._tag === "None" ? undefined : parsePasswd(passwd.value)
  const groups = group._tag === "None" ? undefined : parseGroup(group.value)
  const name = hostname._tag === "Some" ? hostname.value.trim() : env["HOSTNAME"] ?? "localhost"
  return { env, cwd, hostname: name, users, groups } satisfies Host
})

/** Where to look for the config file. */
export interface LoadOptions {
  /** The install prefix, for `<here>/etc/supervisord.conf` (supervisord: `dirname(dirname(argv[0]))`). */
  readonly here?: string | undefined
  /** Replaces the default search path (tests, embedding). */
  readonly searchPaths?: ReadonlyArray<string> | undefined
}

const candidates = (options: LoadOptions | undefined) => options?.searchPaths ?? searchPaths(options?.here)

/** The first existing file of the search path, as an absolute path. */
export const findConfigFile = Effect.fn("Load.findConfigFile")(function*(cwd: string, options?: LoadOptions) {
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  for (const candidate of candidates(options)) {
    const absolute = path.resolve(cwd, candidate)
    if (yield* fs.exists(absolute).pipe(Effect.orElseSucceed(() => false))) return absolute
  }
  return undefined
})

const fail = (file: string, message: string) =>
  Effect.fail(new ConfigError({ issues: [{ file, line: 0, section: undefined, option: undefined, message }] }))

/** The explicit file (must exist) or the first default one; `undefined` when none was found. */
const locate = Effect.fn("Load.locate")(function*(file: string | undefined, cwd: string, options: LoadOptions | undefined) {
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  if (file === undefined) return yield* findConfigFile(cwd, options)
  const absolute = path.resolve(cwd, file)
  if (!(yield* fs.exists(absolute).pipe(Effect.orElseSucceed(() => false)))) {
    // named as it was given, as supervisord names it
    return yield* fail(absolute, `could not find config file ${file}`)
  }
  return absolute
})

/** Run the deferred directory checks against the file system. */
const runChecks = /* @__PURE__ */ Effect.fn("Load.runChecks")(function*(checks: ReadonlyArray<PathCheck>) {
  const fs = yield* FileSystem.FileSystem
  const dirs = new Set<string>()
  for (const dir of new Set(checks.map(checkedDirectory))) {
    const stat = yield* fs.stat(dir).pipe(Effect.option)
    if (stat._tag === "Some" && stat.value.type === "Directory") dirs.add(dir)
  }
  return pathIssues(checks, (dir) => dirs.has(dir))
})

/**
 * Load the daemon's config: `file` (relative to `cwd`) or the first file of the search path.
 * Fails with a ConfigError listing every problem (syntax, values, missing sections, missing directories).
 */
export const load = /* @__PURE__ */ Effect.fn("Load.load")(function*(
  file: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
  options?: LoadOptions
) {
  const found = yield* locate(file, cwd, options)
  if (found === undefined) {
    return yield* fail("", `No config file found at default paths (${candidates(options).join(", ")}); use the -c option to specify a config file at a different path`)
  }
  const host = yield* hostFacts(env, cwd)
  const read = yield* readWithIncludes(found, host)
  // as supervisord, a file that cannot be read or decoded is refused at once
  if (!read.readable) return yield* Effect.fail(new ConfigError({ issues: read.issues }))
  const resolution = resolve(read.document, found, host)
  const issues = sortIssues([...read.issues, ...resolution.issues, ...(yield* runChecks(resolution.checks))])
  if (issues.length > 0) return yield* Effect.fail(new ConfigError({ issues }))
  return { ...resolution.value, notices: [...read.notices, ...resolution.notices] } satisfies Config
})

/**
 * Load what the client needs (`[supervisorctl]`). No file found is not an error (defaults); a file
 * found or named without `[supervisorctl]` is, as in supervisorctl. `[include]` is not followed, as in supervisorctl.
 */
export const loadCtl = Effect.fn("Load.loadCtl")(function*(
  file: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
  options?: LoadOptions
) {
  const path = yield* Path.Path
  const found = yield* locate(file, cwd, options)
  const host = yield* hostFacts(env, cwd)
  const name = found ?? path.resolve(cwd, "supervisord.conf")
  const parsed = found === undefined ? parseFileText("", name, undefined) : yield* readFile(found)
  const resolution = resolveCtl(parsed.document, name, host)
  const missing = found !== undefined && !parsed.document.sections.has("supervisorctl") && parsed.issues.length === 0
    ? [{ file: found, line: FIRST_LINE, section: undefined, option: undefined, message: ".ini file does not include supervisorctl section" }]
    : []
  const issues = sortIssues([...parsed.issues, ...resolution.issues, ...missing])
  if (issues.length > 0) return yield* Effect.fail(new ConfigError({ issues }))
  return { file: found, supervisorctl: resolution.value, notices: resolution.notices } satisfies CtlLoad
})
