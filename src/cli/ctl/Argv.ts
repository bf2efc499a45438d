/**
 * `effsup ctl`'s command line, read as supervisorctl reads its own (getopt, Getopt.ts): options
 * first (`-c FILE`, `-s URL`, `-u USER`, `-p PASS`, `-r FILE`, `-i`, `-h`/`-?`, long forms with ` `
 * or `=` and unique prefixes, clustered short options), then the action and its words untouched
 * (`tail -f web`). Errors are supervisorctl's usage errors (`option --bogus not recognized`,
 * `invalid value for -s 'x': value 'x' is not a URL`, `conflicting command line option '-c'`; exit 2).
 * effsup adds `--json`; `-r/--history_file` is honoured (supervisorctl ignores its value).
 * Pure; used by the fast ctl entry (no effect/cli). supervisord: options.py ClientOptions.
 * @since 0.1.0
 */
import { strRepr } from "../../domain/PyRepr.ts"
import { getopt, isGetoptError } from "../Getopt.ts"

/** ctl's flags as given on the command line (undefined = not given). */
export interface CtlFlags {
  readonly configuration: string | undefined
  readonly serverurl: string | undefined
  readonly username: string | undefined
  readonly password: string | undefined
  readonly historyFile: string | undefined
  readonly interactive: boolean
  readonly json: boolean
  /** The action and its arguments (empty: the interactive shell). */
  readonly action: ReadonlyArray<string>
}

/** What the command line asks for. */
export type CtlCommandLine =
  | { readonly _tag: "Help" }
  | { readonly _tag: "Usage"; readonly message: string }
  | { readonly _tag: "Run"; readonly flags: CtlFlags }

const TABLE = {
  short: "h?c:is:u:p:r:",
  long: ["help", "configuration=", "interactive", "serverurl=", "username=", "password=", "history_file=", "json"]
}

type Key = Exclude<keyof CtlFlags, "action">

const KEYS: Readonly<Record<string, Key>> = {
  c: "configuration",
  configuration: "configuration",
  i: "interactive",
  interactive: "interactive",
  s: "serverurl",
  serverurl: "serverurl",
  u: "username",
  username: "username",
  p: "password",
  password: "password",
  r: "historyFile",
  history_file: "historyFile",
  json: "json"
}

/**
 * Python `urlparse`'s verdict as supervisorctl's `url` datatype uses it: a scheme, and a host or a
 * path after it (`unix:///tmp/s.sock`, `http://127.0.0.1:9001`; also `localhost:9001`).
 */
export const isUrl = (value: string): boolean => {
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:/.exec(value)
  if (scheme === null) return false
  const rest = value.slice(scheme[0].length).replace(/[?#].*$/, "")
  return rest.startsWith("//") ? rest.length > 2 : rest !== ""
}

/**
 * What `urlparse` itself refuses before the URL can be judged: a host part (up to the first `/`, `?`
 * or `#` after `//`) with a `[` but no `]` or the reverse is its ValueError `Invalid IPv6 URL`.
 */
const urlParseError = (value: string): string | undefined => {
  const at = value.indexOf("//")
  if (at < 0 || !/^[A-Za-z][A-Za-z0-9+.-]*:$/.test(value.slice(0, at))) return undefined
  const netloc = /^[^/?#]*/.exec(value.slice(at + 2))![0]
  return netloc.includes("[") !== netloc.includes("]") ? "Invalid IPv6 URL" : undefined
}

/** Read the words after `ctl`. */
export const parseCtlArgv = (words: ReadonlyArray<string>): CtlCommandLine => {
  const parsed = getopt(words, TABLE)
  if (isGetoptError(parsed)) return { _tag: "Usage", message: parsed.message }
  const values: Partial<Record<Key, string | boolean>> = {}
  for (const option of parsed.options) {
    const name = option.name.replace(/^-+/, "")
    if (name === "h" || name === "?" || name === "help") return { _tag: "Help" }
    const key = KEYS[name]!
    if (key === "serverurl" && (urlParseError(option.value) !== undefined || !isUrl(option.value))) {
      const why = urlParseError(option.value) ?? `value ${strRepr(option.value)} is not a URL`
      return { _tag: "Usage", message: `invalid value for ${option.name} ${strRepr(option.value)}: ${why}` }
    }
    if (values[key] !== undefined) return { _tag: "Usage", message: `conflicting command line option ${strRepr(option.name)}` }
    values[key] = key === "interactive" || key === "json" ? true : option.value
  }
  const text = (key: Key) => values[key] as string | undefined
  return {
    _tag: "Run",
    flags: {
      configuration: text("configuration"),
      serverurl: text("serverurl"),
      username: text("username"),
      password: text("password"),
      historyFile: text("historyFile"),
      interactive: values.interactive === true,
      json: values.json === true,
      action: parsed.args
    }
  }
}

/** The `-h` text: supervisorctl's layout (summary, usage line, options, actions), in effsup's words. */
export const ctlUsage = (progname: string): string =>
  [
    `${progname} -- control the programs of a running effsup or supervisord (supervisorctl).`,
    "",
    `Usage: ${progname} [options] [action [arguments]]`,
    "",
    "Options:",
    "-c/--configuration FILENAME -- config file path (searched for if not given)",
    "-h/--help -- print this usage message and exit",
    "-i/--interactive -- ask before shutdown and reload, and for credentials when asked",
    "-s/--serverurl URL -- URL of the server (unix:///path or http://host:port)",
    "     (default \"http://localhost:9001\").",
    "-u/--username USERNAME -- username for the server's authentication",
    "-p/--password PASSWORD -- password for the server's authentication",
    "-r/--history_file FILENAME -- keep the shell's command history in FILENAME",
    "--json -- print what each action reports as JSON (one array per action)",
    "",
    "action [arguments] -- see below",
    "",
    "Actions are commands like \"tail\" or \"stop\".  Without an action on the command",
    "line, a shell reads actions typed interactively (Tab completes them and process",
    "names).  The action \"help\" lists the actions.",
    "",
    ""
  ].join("\n")
