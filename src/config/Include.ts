/**
 * Reading a config file together with its `[include] files=` (supervisord: options.py `read_config`):
 * whitespace-separated globs relative to the including file's directory, each pattern's matches sorted
 * and merged in order (later values win), `%(here)s` substituted per file with that file's own directory,
 * an info notice per included file and a warning per pattern that matches nothing. Included files'
 * own `[include]` sections are not followed (no recursion, as in supervisord).
 * See shared/reference/supervisord-4.2.5.md §1.10.
 *
 * Invariant: never fails; unreadable or malformed files become located issues.
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Path from "effect/Path"
import * as Result from "effect/Result"
import { expand, substituteHere } from "./Expand.ts"
import type { Host } from "./Host.ts"
import { emptyDocument, type IniDocument, mapValues, mergeIni, parseIni } from "./Ini.ts"
import { INCLUDE_OPTIONS } from "./Options.ts"
import { envVars } from "./Reader.ts"
import { optionNames } from "./Table.ts"
import type { ConfigIssue, ConfigNotice } from "./Types.ts"

const INCLUDE_NAMES = optionNames(INCLUDE_OPTIONS)

/** A document read from disk, with what went wrong and what to tell the activity log. */
export interface ReadResult {
  readonly document: IniDocument
  readonly issues: ReadonlyArray<ConfigIssue>
  readonly notices: ReadonlyArray<ConfigNotice>
}

const issueAt = (file: string, line: number, section: string | undefined, option: string | undefined, message: string): ConfigIssue =>
  ({ file, line, section, option, message })

/** Parse one file's text and substitute `%(here)s` with `here` in its values. */
export const parseFileText = (text: string, file: string, here: string) => {
  const parsed = parseIni(text, file)
  return { document: mapValues(parsed.document, (v) => substituteHere(v, here)), issues: parsed.issues }
}

/** Read and parse one file (`file` absolute); a read failure is an issue with supervisord's text. */
const readOne = Effect.fn("Include.readOne")(function*(file: string) {
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  return yield* fs.readFileString(file).pipe(
    Effect.map((text) => parseFileText(text, file, path.dirname(file))),
    Effect.catch(() => Effect.succeed({ document: emptyDocument, issues: [issueAt(file, 0, undefined, undefined, `could not read config file ${file}`)] }))
  )
})

/** Read `file` (absolute) and every file its `[include]` names, merged in supervisord's order. */
export const readWithIncludes = Effect.fn("Include.readWithIncludes")(function*(file: string, host: Host) {
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  const main = yield* readOne(file)
  const include = main.document.sections.get("include")
  if (include === undefined) return { document: main.document, issues: main.issues, notices: [] } satisfies ReadResult
  const issues: Array<ConfigIssue> = [...main.issues]
  const notices: Array<ConfigNotice> = []
  for (const option of include.options.keys()) {
    if (!INCLUDE_NAMES.includes(option)) notices.push({ level: "warn", message: `${file}:${include.options.get(option)!.line}: [include] unknown option '${option}' is ignored` })
  }
  const files = include.options.get(INCLUDE_OPTIONS.files.name)
  if (files === undefined) {
    issues.push(issueAt(include.file, include.line, "include", undefined, ".ini file has [include] section, but no files setting"))
    return { document: main.document, issues, notices } satisfies ReadResult
  }
  const vars = { here: path.dirname(file), host_node_name: host.hostname, ...envVars(host.env) }
  const expanded = expand(files.value, vars, "include.files")
  if (Result.isFailure(expanded)) {
    issues.push(issueAt(files.file, files.line, "include", "files", expanded.failure))
    return { document: main.document, issues, notices } satisfies ReadResult
  }
  let document = main.document
  for (const pattern of expanded.success.split(/\s+/).filter((p) => p !== "")) {
    const absolute = path.isAbsolute(pattern) ? pattern : path.join(path.dirname(file), pattern)
    const matches = yield* fs.glob(absolute).pipe(Effect.orElseSucceed((): Array<string> => []))
    if (matches.length === 0) {
      notices.push({ level: "warn", message: `No file matches via include "${absolute}"` })
      continue
    }
    for (const match of [...matches].sort()) {
      notices.push({ level: "info", message: `Included extra file "${match}" during parsing` })
      const included = yield* readOne(match)
      issues.push(...included.issues)
      if (included.document.sections.has("include")) {
        notices.push({ level: "warn", message: `${match}: its [include] section is ignored (includes are not recursive, as in supervisord)` })
      }
      document = mergeIni(document, included.document)
    }
  }
  return { document, issues, notices } satisfies ReadResult
})
