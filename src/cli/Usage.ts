/**
 * How the commands report a usage error, as supervisord and supervisorctl do (options.py `usage`):
 * `Error: <message>` and `For help, use <program> -h` on stderr, exit status 2. A config error is one
 * too; its issues are listed one per line with `file:line` (supervisord names only the first).
 * Pure text; the caller writes it.
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import { type ConfigError, formatIssue } from "../config/Load.ts"

/** A startup failure `effsup run` reports as a usage error (privileges, limits, servers, log file, config). */
export class UsageError extends Data.TaggedError("UsageError")<{ readonly message: string }> {}

/** The exit status of a usage error. */
export const USAGE_EXIT = 2

/** The two lines of a usage error, with the final newline. */
export const usageErrorText = (message: string, progname: string): string =>
  `Error: ${message}\nFor help, use ${progname} -h\n`

/**
 * A config error's message: every issue on its own line, located (`file:line: [section] option:`).
 * An issue about a whole file (`could not find config file /x`, `.ini file does not include
 * supervisord section`) is printed as supervisord prints it.
 */
export const configErrorMessage = (error: ConfigError): string =>
  error.issues.map((issue) => issue.line === 0 ? issue.message : formatIssue(issue)).join("\n")
