/**
 * `effsup ctl`'s command line, read the way supervisorctl's getopt reads it: options first
 * (`-c FILE`, `-s URL`, `-u USER`, `-p PASS`, `-i`, `--json`, long forms with ` ` or `=`), then the
 * action and its words untouched (`tail -f web`). Pure; used by the fast ctl entry (no effect/cli).
 * @since 0.1.0
 */

/** ctl's flags as given on the command line (undefined = not given). */
export interface CtlFlags {
  readonly configuration: string | undefined
  readonly serverurl: string | undefined
  readonly username: string | undefined
  readonly password: string | undefined
  readonly interactive: boolean
  readonly json: boolean
  /** The action and its arguments (empty: the interactive shell). */
  readonly action: ReadonlyArray<string>
}

const VALUE_FLAGS: Readonly<Record<string, "configuration" | "serverurl" | "username" | "password">> = {
  "-c": "configuration",
  "--configuration": "configuration",
  "-s": "serverurl",
  "--serverurl": "serverurl",
  "-u": "username",
  "--username": "username",
  "-p": "password",
  "--password": "password"
}

/**
 * Parse the words after `ctl`. Returns undefined for anything this reader does not handle (help,
 * an unknown option, a missing value): the caller then uses the full effect/cli parser, which
 * prints help or a located error.
 */
export const parseCtlArgv = (words: ReadonlyArray<string>): CtlFlags | undefined => {
  const values: Record<string, string | undefined> = {}
  let interactive = false
  let json = false
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!
    if (word === "--") return { ...flags(values, interactive, json), action: words.slice(i + 1) }
    if (!word.startsWith("-") || word === "-") return { ...flags(values, interactive, json), action: words.slice(i) }
    const eq = word.indexOf("=")
    const name = word.startsWith("--") && eq > 0 ? word.slice(0, eq) : word
    const key = VALUE_FLAGS[name]
    if (key !== undefined) {
      const value = name !== word ? word.slice(eq + 1) : words[++i]
      if (value === undefined) return undefined
      values[key] = value
    } else if (word === "-i" || word === "--interactive") {
      interactive = true
    } else if (word === "--json") {
      json = true
    } else {
      return undefined
    }
  }
  return { ...flags(values, interactive, json), action: [] }
}

const flags = (values: Record<string, string | undefined>, interactive: boolean, json: boolean) => ({
  configuration: values["configuration"],
  serverurl: values["serverurl"],
  username: values["username"],
  password: values["password"],
  interactive,
  json
})

/** ctl's own flags that take a value (everything else before the action is a boolean flag). */
const VALUE_FLAG_WORDS = new Set(Object.keys(VALUE_FLAGS))

/**
 * Insert `--` before the ctl action in a full effsup argv (`["ctl", "-s", url, "tail", "-f", "x"]`
 * → `["ctl", "-s", url, "--", "tail", "-f", "x"]`), so the action's own dashes (`-f`, `-100`) reach
 * it untouched through effect/cli, as with supervisorctl's getopt. Argv without `ctl` is returned as is.
 */
export const ctlArgv = (argv: ReadonlyArray<string>): ReadonlyArray<string> => {
  const at = argv.indexOf("ctl")
  if (at < 0) return argv
  for (let i = at + 1; i < argv.length; i++) {
    const word = argv[i]!
    if (word === "--") return argv
    if (VALUE_FLAG_WORDS.has(word)) i++
    else if (!word.startsWith("-")) return [...argv.slice(0, i), "--", ...argv.slice(i)]
  }
  return argv
}
