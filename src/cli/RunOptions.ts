/**
 * `effsup run`'s command line: supervisord's options, short and long (`-c -n -s -h -? -v -u -m -d -l
 * -y -z -e -j -i -q -k -a -t --minprocs --profile_options`), read with getopt (Getopt.ts) and checked
 * in the order given, as supervisord does: `-h` or `-v` answers at once, a bad value is reported as
 * `invalid value for -m '999': 999 can not be converted to an octal type`, an option given twice is
 * `conflicting command line option '-c'`. Every error is a usage error (exit 2).
 * effsup also accepts the config file as the only positional word (`effsup run app.conf`), anywhere
 * on the line; supervisord accepts none.
 * supervisord: options.py Options.realize / ServerOptions.__init__. See reference §1.16.
 * @since 0.1.0
 */
import * as Result from "effect/Result"
import * as Codecs from "../config/Codecs.ts"
import { strRepr } from "../domain/PyRepr.ts"
import type { SupervisordConfig } from "../config/Types.ts"
import { type GivenOption, getopt, isGetoptError, type OptionTable } from "./Getopt.ts"

/** The `[supervisord]` options the command line can set. */
export type Overrides = Partial<{ -readonly [K in keyof SupervisordConfig]: SupervisordConfig[K] }>

/** What to run: the config file (if named) and the `[supervisord]` options set on the command line. */
export interface RunOptions {
  readonly configuration: string | undefined
  readonly overrides: Overrides
  /** `--profile_options`: accepted, not acted on (supervisord runs itself under Python's profiler). */
  readonly profileOptions: string | undefined
}

/** What the command line asks for. */
export type RunCommandLine =
  | { readonly _tag: "Help" }
  | { readonly _tag: "Version" }
  | { readonly _tag: "Usage"; readonly message: string }
  | { readonly _tag: "Run"; readonly options: RunOptions }

/** What reading the command line needs to know about the host: path checks (`-d`, `-q`, `-l`, `-j`). */
export interface PathFacts {
  readonly cwd: string
  readonly home: string | undefined
  readonly isDirectory: (path: string) => boolean
}

const TABLE: OptionTable = {
  short: "h?c:vnu:m:d:l:y:z:e:j:i:q:a:kts",
  long: [
    "help", "configuration=", "version", "nodaemon", "user=", "umask=", "directory=", "logfile=", "logfile_maxbytes=",
    "logfile_backups=", "loglevel=", "pidfile=", "identifier=", "childlogdir=", "minfds=", "minprocs=", "nocleanup",
    "strip_ansi", "profile_options=", "silent"
  ]
}

/** What each option sets: a key of RunOptions/Overrides and how its value is read (undefined = help/version). */
type Setting = { readonly key: keyof Overrides | "configuration" | "profileOptions"; readonly read: Reader }
type Reader = (value: string, facts: PathFacts) => Result.Result<unknown, string>

const text: Reader = (v) => Result.succeed(v)
const flag: Reader = () => Result.succeed(true)
const codec = <A>(c: Codecs.Codec<A>): Reader => (v) => c(v)

const expandUser = (path: string, facts: PathFacts): string =>
  facts.home !== undefined && (path === "~" || path.startsWith("~/")) ? facts.home + path.slice(1) : path

const absolute = (path: string, facts: PathFacts): string => {
  const parts: Array<string> = []
  for (const part of (path.startsWith("/") ? path : `${facts.cwd}/${path}`).split("/")) {
    if (part === "..") parts.pop()
    else if (part !== "" && part !== ".") parts.push(part)
  }
  return `/${parts.join("/")}`
}

/** supervisord's `existing_directory`. */
const existingDirectory: Reader = (v, facts) => {
  const path = absolute(expandUser(v, facts), facts)
  return facts.isDirectory(path) ? Result.succeed(path) : Result.fail(`${v} is not an existing directory`)
}

/** supervisord's `existing_dirpath`: a file whose directory exists. */
const existingDirpath: Reader = (v, facts) => {
  const expanded = expandUser(v, facts)
  const path = absolute(expanded, facts)
  const dir = path.slice(0, path.lastIndexOf("/")) || "/"
  return !expanded.includes("/") || facts.isDirectory(dir)
    ? Result.succeed(path)
    : Result.fail(`The directory named as part of the path ${v} does not exist`)
}

/** `-l`: a path as `existing_dirpath`, or `syslog` as written. */
const logfilePath: Reader = (v, facts) => v === "syslog" ? Result.succeed(v) : existingDirpath(v, facts)

/** Each option: its short letter (if any), its long name, and the setting both name. */
const OPTIONS: ReadonlyArray<readonly [string | undefined, string, Setting]> = [
  ["c", "configuration", { key: "configuration", read: text }],
  ["n", "nodaemon", { key: "nodaemon", read: flag }],
  ["u", "user", { key: "user", read: text }],
  ["m", "umask", { key: "umask", read: codec(Codecs.octal) }],
  ["d", "directory", { key: "directory", read: existingDirectory }],
  ["l", "logfile", { key: "logfile", read: logfilePath }],
  ["y", "logfile_maxbytes", { key: "logfileMaxbytes", read: codec(Codecs.byteSize) }],
  ["z", "logfile_backups", { key: "logfileBackups", read: codec(Codecs.integer) }],
  ["e", "loglevel", { key: "loglevel", read: codec(Codecs.logLevel) }],
  ["j", "pidfile", { key: "pidfile", read: existingDirpath }],
  ["i", "identifier", { key: "identifier", read: text }],
  ["q", "childlogdir", { key: "childlogdir", read: existingDirectory }],
  ["a", "minfds", { key: "minfds", read: codec(Codecs.integer) }],
  [undefined, "minprocs", { key: "minprocs", read: codec(Codecs.integer) }],
  ["k", "nocleanup", { key: "nocleanup", read: flag }],
  ["t", "strip_ansi", { key: "stripAnsi", read: flag }],
  [undefined, "profile_options", { key: "profileOptions", read: text }],
  ["s", "silent", { key: "silent", read: flag }]
]

/** The setting each option name (short or long) stands for. */
const SETTINGS: Readonly<Record<string, Setting>> = Object.fromEntries(
  OPTIONS.flatMap(([short, long, setting]) => short === undefined ? [[long, setting]] : [[short, setting], [long, setting]])
)

const usage = (message: string): RunCommandLine => ({ _tag: "Usage", message })

/** The Python list repr of the words supervisord refuses: `['a', 'b']`. */
const listRepr = (words: ReadonlyArray<string>): string => `[${words.map(strRepr).join(", ")}]`

/** Read `words` (what follows `run`) as supervisord reads its command line. */
export const parseRunArgv = (words: ReadonlyArray<string>, facts: PathFacts): RunCommandLine => {
  const parsed = getopt(words, TABLE, true)
  if (isGetoptError(parsed)) return usage(parsed.message)
  if (parsed.args.length > 1) return usage(`positional arguments are not supported: ${listRepr(parsed.args)}`)
  const values: Record<string, unknown> = {}
  for (const option of parsed.options) {
    const answer = apply(option, values, facts)
    if (answer !== undefined) return answer
  }
  if (parsed.args.length === 1) {
    if (values["configuration"] !== undefined) return usage("conflicting command line option '-c'")
    values["configuration"] = parsed.args[0]
  }
  const { configuration, profileOptions, ...overrides } = values
  return {
    _tag: "Run",
    options: {
      configuration: configuration as string | undefined,
      profileOptions: profileOptions as string | undefined,
      overrides: overrides as Overrides
    }
  }
}

/** Record one option in `values`; an answer (help, version, usage error) ends the reading. */
const apply = (option: GivenOption, values: Record<string, unknown>, facts: PathFacts): RunCommandLine | undefined => {
  const name = option.name.replace(/^-+/, "")
  if (name === "h" || name === "?" || name === "help") return { _tag: "Help" }
  if (name === "v" || name === "version") return { _tag: "Version" }
  const setting = SETTINGS[name]!
  const read = setting.read(option.value, facts)
  if (Result.isFailure(read)) return usage(`invalid value for ${option.name} ${strRepr(option.value)}: ${read.failure}`)
  if (values[setting.key] !== undefined) return usage(`conflicting command line option ${strRepr(option.name)}`)
  values[setting.key] = read.success
  return undefined
}

/** The `-h` text: supervisord's layout (summary, usage line, one line per option), in effsup's words. */
export const runUsage = (progname: string): string =>
  [
    `${progname} -- run a set of programs and keep them running (supervisord).`,
    "",
    `Usage: ${progname} [options] [CONFIG]`,
    "",
    "Options:",
    "-c/--configuration FILENAME -- config file path (searched for if not given; or as CONFIG)",
    "-n/--nodaemon -- stay in the foreground (same as 'nodaemon=true' in the config file)",
    "-s/--silent -- do not copy the activity log to stdout (same as 'silent=true')",
    "-h/--help -- print this usage message and exit",
    "-v/--version -- print the version number and exit",
    "-u/--user USER -- run as this user (a name or a numeric uid)",
    "-m/--umask UMASK -- umask of the daemon and its programs (default 022)",
    "-d/--directory DIRECTORY -- directory to change to once in the background",
    "-l/--logfile FILENAME -- activity log path",
    "-y/--logfile_maxbytes BYTES -- rotate the activity log when it reaches BYTES",
    "-z/--logfile_backups NUM -- number of rotated activity logs to keep",
    "-e/--loglevel LEVEL -- activity log level (critical,error,warn,info,debug,trace,blather)",
    "-j/--pidfile FILENAME -- write the daemon's process id to FILENAME",
    "-i/--identifier STR -- name of this supervisor instance",
    "-q/--childlogdir DIRECTORY -- directory for the programs' AUTO log files",
    "-k/--nocleanup -- keep the old AUTO log files at startup instead of",
    "                  removing them.",
    "-a/--minfds NUM -- the number of open files the daemon must be allowed to start",
    "-t/--strip_ansi -- remove ANSI escape sequences from program output",
    "--minprocs NUM  -- the number of processes the daemon must be allowed to start",
    "--profile_options OPTIONS -- accepted for compatibility with supervisord, which",
    "                             profiles itself with them; effsup ignores them.",
    "",
    ""
  ].join("\n")
