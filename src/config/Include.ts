/**
 * Reading a config file together with its `[include] files=` (supervisord: options.py `read_config`):
 * whitespace-separated globs relative to the including file's directory, each pattern's matches sorted
 * and merged in order (later values win), `%(here)s` substituted per file with that file's own directory,
 * an info notice per included file and a warning per pattern that matches nothing. Included files'
 * own `[include]` sections are not followed (no recursion, as in supervisord), and `**` matches one
 * path segment, as Python's glob does without `recursive=True`.
 * See shared/reference/supervisord-4.2.5.md §1.10.
 *
 * Files are read as strict UTF-8 (Text.ts) within the bounds of Limits.ts: so many bytes in all, so
 * many included files, and only regular files are included (a FIFO would block, /dev/zero never ends).
 *
 * Invariant: never fails; unreadable, oversized or malformed files become located issues: at the
 * `[include] files=` line that named the file, at the main file's first line, or at the bad byte's line.
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Path from "effect/Path"
import * as Result from "effect/Result"
import { systemErrorText } from "../domain/Errno.ts"
import { expand, substituteHere } from "./Expand.ts"
import type { Host } from "./Host.ts"
import { emptyDocument, type IniDocument, mapValues, mergeIni, parseIni } from "./Ini.ts"
import { INCLUDE_OPTIONS } from "./Options.ts"
import { MAX_CONFIG_BYTES, MAX_INCLUDED_FILES } from "./Limits.ts"
import { envVars, FIRST_LINE, type Location } from "./Reader.ts"
import { optionNames } from "./Table.ts"
import { decodeConfigText } from "./Text.ts"
import type { ConfigIssue, ConfigNotice } from "./Types.ts"

const INCLUDE_NAMES = optionNames(INCLUDE_OPTIONS)

/** A document read from disk, with what went wrong and what to tell the activity log. */
export interface ReadResult {
  /** False when the main file itself could not be read or decoded: `issues` says why, and nothing else was looked at. */
  readonly readable: boolean
  readonly document: IniDocument
  readonly issues: ReadonlyArray<ConfigIssue>
  readonly notices: ReadonlyArray<ConfigNotice>
}

const issueAt = (file: string, line: number, section: string | undefined, option: string | undefined, message: string): ConfigIssue =>
  ({ file, line, section, option, message })

/**
 * Parse one file's text and, when `here` is given, substitute `%(here)s` with it in its values.
 * supervisord does that textually for the main file only when it has an `[include]` section, and for
 * every included file (with the file's own directory); otherwise `%(here)s` is expanded like any
 * variable, so `%%(here)s` stays literal and messages show `%(here)s` as written.
 */
export const parseFileText = (text: string, file: string, here: string | undefined) => {
  const parsed = parseIni(text, file)
  return { document: here === undefined ? parsed.document : hereSubstituted(parsed.document, here), issues: parsed.issues }
}

/** `%(here)s` replaced with `here` in every value (supervisord's `expand_here`). */
export const hereSubstituted = (document: IniDocument, here: string): IniDocument => mapValues(document, (v) => substituteHere(v, here))

/** What is left of the {@link MAX_CONFIG_BYTES} every file read shares. */
interface Budget {
  bytes: number
}

const MIB = 1024 * 1024

/** The budget is spent: nothing more is read. */
const tooLarge = (file: string, budget: Budget): string => {
  budget.bytes = 0
  return `could not read config file ${file}: the config files are larger than ${MAX_CONFIG_BYTES / MIB} MiB in all (effsup's limit)`
}

/**
 * Read, decode and parse one file (`file` absolute; any kind, a pipe too) within the budget (`decoded` is false when it
 * could not be read or decoded, and then the document is empty). Problems reading it are
 * located at `namedAt` (the `[include] files=` line that named it; the file's first line for the
 * main file); a byte that is not UTF-8 at its own line.
 */
const readOne = Effect.fn("Include.readOne")(function*(file: string, budget: Budget, namedAt: Location, here: string | undefined) {
  const fs = yield* FileSystem.FileSystem
  const failed = (message: string) => ({ decoded: false, document: emptyDocument, issues: [{ ...namedAt, message }] })
  const read = yield* Effect.result(fs.readFile(file))
  if (Result.isFailure(read)) return failed(`could not read config file ${file}: ${systemErrorText(read.failure)}`)
  const bytes = read.success
  if (bytes.length > budget.bytes) return failed(tooLarge(file, budget))
  budget.bytes -= bytes.length
  const text = decodeConfigText(bytes, file)
  if (Result.isFailure(text)) return { decoded: false, document: emptyDocument, issues: [text.failure] }
  return { decoded: true, ...parseFileText(text.success, file, here) }
})

/**
 * Why an included path is not read: it is not a regular file (a directory, a FIFO that would block,
 * a device such as /dev/zero that never ends), or it is larger than what is left of the budget.
 */
const notIncludable = /* @__PURE__ */ Effect.fn("Include.notIncludable")(function*(file: string, budget: Budget) {
  const fs = yield* FileSystem.FileSystem
  const stat = yield* Effect.result(fs.stat(file))
  if (Result.isFailure(stat)) return `could not read config file ${file}: ${systemErrorText(stat.failure)}`
  const { type, size } = stat.success
  if (type !== "File") return `could not read config file ${file}: it is ${type === "Directory" ? "a directory" : `not a regular file (${type})`}`
  return Number(size) > budget.bytes ? tooLarge(file, budget) : undefined
})

/** Python's glob without `recursive=True`, as supervisord calls it: `**` is one path segment like `*`. */
const nonRecursive = (pattern: string): string => pattern.replace(/\*{2,}/g, "*")

/** Python's `os.path.join(base, pattern)`: no normalization (`a/../b` and `./` are kept, as supervisord's messages show them). */
const joinAsPython = (base: string, pattern: string): string =>
  pattern.startsWith("/") ? pattern : base.endsWith("/") ? base + pattern : `${base}/${pattern}`

/**
 * A match named as Python's glob names it: when the pattern's directory has no wildcard, that
 * directory as written (`os.path.split` drops its trailing slashes) and the match's own name.
 */
const asGlobbed = (pattern: string, match: string): string => {
  const cut = pattern.lastIndexOf("/")
  const head = pattern.slice(0, cut).replace(/(?<=.)\/+$/, "")
  const name = match.slice(match.lastIndexOf("/") + 1)
  return /[*?[]/.test(head) ? match : head === "" || head === "/" ? `/${name}` : `${head}/${name}`
}

const wholeFile = (file: string): Location => ({ file, line: FIRST_LINE, section: undefined, option: undefined })

/** Read, decode and parse `file` (absolute) alone, `[include]` not followed (the client's reading). */
export const readFile = (file: string) => readOne(file, { bytes: MAX_CONFIG_BYTES }, wholeFile(file), undefined)

/** Read `file` (absolute) and every file its `[include]` names, merged in supervisord's order. */
export const readWithIncludes = /* @__PURE__ */ Effect.fn("Include.readWithIncludes")(function*(file: string, host: Host) {
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  const budget: Budget = { bytes: MAX_CONFIG_BYTES }
  const main = yield* readOne(file, budget, wholeFile(file), undefined)
  if (!main.decoded) {
    return { readable: false, document: main.document, issues: main.issues, notices: [] } satisfies ReadResult
  }
  if (!main.document.sections.has("include")) return { readable: true, document: main.document, issues: main.issues, notices: [] } satisfies ReadResult
  const mainDocument = hereSubstituted(main.document, path.dirname(file))
  const include = mainDocument.sections.get("include")!
  const issues: Array<ConfigIssue> = [...main.issues]
  const notices: Array<ConfigNotice> = []
  for (const option of include.options.keys()) {
    if (!INCLUDE_NAMES.includes(option)) notices.push({ level: "warn", message: `${file}:${include.options.get(option)!.line}: [include] unknown option '${option}' is ignored` })
  }
  const files = include.options.get(INCLUDE_OPTIONS.files.name)
  if (files === undefined) {
    issues.push(issueAt(include.file, include.line, "include", undefined, ".ini file has [include] section, but no files setting"))
    return { readable: true, document: mainDocument, issues, notices } satisfies ReadResult
  }
  const vars = { here: path.dirname(file), host_node_name: host.hostname, ...envVars(host.env) }
  const expanded = expand(files.value, vars, "include.files")
  if (Result.isFailure(expanded)) {
    issues.push(issueAt(files.file, files.line, "include", "files", expanded.failure))
    return { readable: true, document: mainDocument, issues, notices } satisfies ReadResult
  }
  const filesAt = { file: files.file, line: files.line, section: "include", option: "files" }
  let document = mainDocument
  let count = 0
  for (const pattern of expanded.success.split(/\s+/).filter((p) => p !== "")) {
    const absolute = joinAsPython(path.dirname(file), pattern)
    const globbed = yield* fs.glob(nonRecursive(absolute)).pipe(Effect.orElseSucceed((): Array<string> => []))
    const matches = globbed.map((match) => asGlobbed(absolute, match))
    if (matches.length === 0) {
      notices.push({ level: "warn", message: `No file matches via include "${absolute}"` })
      continue
    }
    count += matches.length
    if (count > MAX_INCLUDED_FILES) {
      issues.push({ ...filesAt, message: `the patterns match more than ${MAX_INCLUDED_FILES} files (effsup's limit)` })
      break
    }
    for (const match of [...matches].sort()) {
      notices.push({ level: "info", message: `Included extra file "${match}" during parsing` })
      const refused = yield* notIncludable(match, budget)
      if (refused !== undefined) {
        issues.push({ ...filesAt, message: refused })
        continue
      }
      const included = yield* readOne(match, budget, filesAt, path.resolve(path.dirname(match)))
      issues.push(...included.issues)
      if (included.document.sections.has("include")) {
        notices.push({ level: "warn", message: `${match}: its [include] section is ignored (includes are not recursive, as in supervisord)` })
      }
      document = mergeIni(document, included.document)
    }
  }
  return { readable: true, document, issues, notices } satisfies ReadResult
})
