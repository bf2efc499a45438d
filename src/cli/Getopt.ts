/**
 * Command-line options read the way supervisord and supervisorctl read them: Python's `getopt`.
 * Short options cluster (`-nc FILE`, `-cFILE`), long options take `--name=value` or `--name value`
 * and may be shortened to any unique prefix (`--config`), `--` ends the options, and the first word
 * that is not an option ends them too (unless `permute` is set: then the words that are not options
 * are collected and reading goes on, like `gnu_getopt`). The error messages are getopt's, since
 * scripts and users compare them.
 *
 * Invariant: pure; an option is reported under the name it resolved to (`--config` → `--configuration`).
 * @since 0.1.0
 */

/** The options a command accepts: short letters (`c:` takes a value) and long names (`configuration=` takes one). */
export interface OptionTable {
  /** getopt's short option string, e.g. `"hc:n"`. */
  readonly short: string
  /** getopt's long option list, e.g. `["help", "configuration="]`. */
  readonly long: ReadonlyArray<string>
}

/** One option as given: its resolved name with dashes (`-c`, `--configuration`) and its value ("" for a flag). */
export interface GivenOption {
  readonly name: string
  readonly value: string
}

/** What the command line holds: the options in order and the remaining words. */
export interface Parsed {
  readonly options: ReadonlyArray<GivenOption>
  readonly args: ReadonlyArray<string>
}

/** A command line getopt rejects; `message` is getopt's, e.g. `option --bogus not recognized`. */
export interface GetoptError {
  readonly _tag: "GetoptError"
  readonly message: string
}

const error = (message: string): GetoptError => ({ _tag: "GetoptError", message })

/** Does short option `letter` take a value? undefined when it is not an option at all. */
const shortTakesValue = (letter: string, short: string): boolean | undefined => {
  for (let i = 0; i < short.length; i++) {
    if (short[i] === letter && letter !== ":") return short[i + 1] === ":"
  }
  return undefined
}

/** The long option `given` resolves to (exact, else a unique prefix) and whether it takes a value. */
const resolveLong = (given: string, long: ReadonlyArray<string>): { readonly name: string; readonly takesValue: boolean } | GetoptError => {
  const possible = long.filter((o) => o.startsWith(given))
  if (possible.length === 0) return error(`option --${given} not recognized`)
  if (possible.includes(given)) return { name: given, takesValue: false }
  if (possible.includes(`${given}=`)) return { name: given, takesValue: true }
  if (possible.length > 1) return error(`option --${given} not a unique prefix`)
  const only = possible[0]!
  return only.endsWith("=") ? { name: only.slice(0, -1), takesValue: true } : { name: only, takesValue: false }
}

/** Read `words` against `table`; fails with getopt's message. */
export const getopt = (
  words: ReadonlyArray<string>,
  table: OptionTable,
  permute = false
): Parsed | GetoptError => {
  const options: Array<GivenOption> = []
  const args: Array<string> = []
  let i = 0
  while (i < words.length) {
    const word = words[i++]!
    if (word === "--") {
      args.push(...words.slice(i))
      break
    }
    if (!word.startsWith("-") || word === "-") {
      if (!permute) {
        args.push(word, ...words.slice(i))
        break
      }
      args.push(word)
      continue
    }
    if (word.startsWith("--")) {
      const eq = word.indexOf("=")
      const given = eq < 0 ? word.slice(2) : word.slice(2, eq)
      const inline = eq < 0 ? undefined : word.slice(eq + 1)
      const resolved = resolveLong(given, table.long)
      if ("_tag" in resolved) return resolved
      if (resolved.takesValue) {
        const value = inline ?? words[i++]
        if (value === undefined) return error(`option --${resolved.name} requires argument`)
        options.push({ name: `--${resolved.name}`, value })
      } else {
        if (inline !== undefined) return error(`option --${resolved.name} must not have an argument`)
        options.push({ name: `--${resolved.name}`, value: "" })
      }
      continue
    }
    for (let at = 1; at < word.length; at++) {
      const letter = word[at]!
      const takesValue = shortTakesValue(letter, table.short)
      if (takesValue === undefined) return error(`option -${letter} not recognized`)
      if (!takesValue) {
        options.push({ name: `-${letter}`, value: "" })
        continue
      }
      const value = at + 1 < word.length ? word.slice(at + 1) : words[i++]
      if (value === undefined) return error(`option -${letter} requires argument`)
      options.push({ name: `-${letter}`, value })
      break
    }
  }
  return { options, args }
}

/** Is this a getopt failure? */
export const isGetoptError = (value: Parsed | GetoptError): value is GetoptError => "_tag" in value
