/**
 * Tab completion in `effsup ctl`'s shell, as supervisorctl completes: on an empty line or in the
 * first word, the actions (and after `help`); after `add`, `remove` and `update`, the group names;
 * after `clear fg pid restart signal start status stop tail`, the process names — `name` for a
 * process alone in its group, `group:name` and `group:*` otherwise (and for every process once the
 * word has a `:`). Each candidate ends with a space; they are sorted, as readline lists them. The word completed is what follows the last
 * readline word delimiter, where `:`, `*` and `-` are part of a word (supervisorctl sets it so).
 * The process list is read once per command line (supervisorctl caches it the same way).
 * supervisord: supervisorctl.py Controller.complete.
 * @since 0.1.0
 */

/** What completion needs of a process: its name and group. */
export interface Named {
  readonly name: string
  readonly group: string
}

/** What the word before the cursor completes to, and that word. */
export interface Completion {
  readonly kind: "actions" | "groups" | "processes" | "nothing"
  readonly word: string
}

// GNU readline's default word delimiters without ':', '*' and '-'.
const DELIMITERS = new Set([..." \t\n\"\\'`@$><=;|&{("])

const GROUP_ACTIONS = new Set(["add", "remove", "update"])
const PROCESS_ACTIONS = new Set(["clear", "fg", "pid", "restart", "signal", "start", "status", "stop", "tail"])

/** Which candidates the line up to the cursor asks for. */
export const completionFor = (line: string): Completion => {
  let start = line.length
  while (start > 0 && !DELIMITERS.has(line[start - 1]!)) start--
  const word = line.slice(start)
  const words = line.split(/\s+/).filter((w) => w !== "")
  if (words.length === 0 || (words.length === 1 && !/\s$/.test(line))) return { kind: "actions", word }
  const action = words[0]!
  if (action === "help") return { kind: "actions", word }
  if (GROUP_ACTIONS.has(action)) return { kind: "groups", word }
  if (PROCESS_ACTIONS.has(action)) return { kind: "processes", word }
  return { kind: "nothing", word }
}

const unique = (items: ReadonlyArray<string>): ReadonlyArray<string> => [...new Set(items)]

/** The candidates, sorted, each with its trailing space, for `completion` among `actions` and `processes`. */
export const candidates = (completion: Completion, actions: ReadonlyArray<string>, processes: ReadonlyArray<Named>): ReadonlyArray<string> => {
  const { kind, word } = completion
  const names = kind === "actions"
    ? actions
    : kind === "groups"
    ? unique(processes.map((p) => p.group))
    : kind === "processes"
    ? unique(processes.flatMap((p) => word.includes(":") || p.name !== p.group ? [`${p.group}:${p.name}`, `${p.group}:*`] : [p.name]))
    : []
  return names.filter((n) => n.startsWith(word)).map((n) => `${n} `).sort()
}
