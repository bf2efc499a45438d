/**
 * Turning a `command=` line into what exec needs: supervisord's POSIX shlex split, and the
 * program lookup (argv[0] with a `/` is used as is; otherwise the PATH from the program's
 * environment, else the daemon's PATH, else /bin:/usr/bin:/usr/local/bin), with its checks
 * and spawnerr texts. supervisord: process.py Subprocess.get_execv_args. See reference §2.7, §3.
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Result from "effect/Result"

/** Why a command cannot be run; `fault` tells NO_FILE from NOT_EXECUTABLE. */
export class CommandError extends Data.TaggedError("CommandError")<{
  readonly fault: "NoFile" | "NotExecutable"
  readonly message: string
}> {}

/** What exec needs: the resolved file and the argv (argv[0] as written). */
export interface ExecArgs {
  readonly file: string
  readonly argv: ReadonlyArray<string>
}

/**
 * Split a command line like Python's `shlex.split` (POSIX mode, no comments): whitespace
 * separates words, single quotes are literal, double quotes allow `\"`, `\\`, `\$`, `` \` `` escapes,
 * a backslash outside quotes escapes the next character. Returns an error text on unbalanced quotes.
 */
export const shlexSplit = (line: string): ReadonlyArray<string> | string => {
  const words: Array<string> = []
  let word = ""
  let inWord = false
  let i = 0
  while (i < line.length) {
    const c = line[i]!
    if (c === "'") {
      const end = line.indexOf("'", i + 1)
      if (end < 0) return "No closing quotation"
      word += line.slice(i + 1, end)
      inWord = true
      i = end + 1
    } else if (c === "\"") {
      i++
      let closed = false
      while (i < line.length) {
        const d = line[i]!
        if (d === "\"") {
          closed = true
          i++
          break
        }
        if (d === "\\" && i + 1 < line.length && "\"\\$`".includes(line[i + 1]!)) {
          word += line[i + 1]
          i += 2
        } else {
          word += d
          i++
        }
      }
      if (!closed) return "No closing quotation"
      inWord = true
    } else if (c === "\\") {
      if (i + 1 >= line.length) return "No escaped character"
      word += line[i + 1]
      inWord = true
      i += 2
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word)
      word = ""
      inWord = false
      i++
    } else {
      word += c
      inWord = true
      i++
    }
  }
  if (inWord) words.push(word)
  return words
}

/** The PATH used to look up a program: the program environment's, else the daemon's, else a default. */
export const searchPath = (programEnv: Readonly<Record<string, string>>, daemonPath: string | undefined): string =>
  programEnv["PATH"] ?? daemonPath ?? "/bin:/usr/bin:/usr/local/bin"

/** What resolution needs to know of a file: whether it is a directory, and its mode bits. */
export interface FileFacts {
  readonly directory: boolean
  readonly mode: number
}

/**
 * Resolve a command line to the file to exec, with supervisord's checks and messages. `stat` says
 * what is at a path (undefined: nothing); the Spawner gives it (synchronous stats: a spawn is
 * synchronous anyway, and a PATH walk of async stats cost several thread-pool round trips).
 */
export const resolveCommand = (
  command: string,
  path: string,
  cwd: string,
  stat: (file: string) => FileFacts | undefined
): Result.Result<ExecArgs, CommandError> => {
  const argv = shlexSplit(command)
  if (typeof argv === "string") {
    return Result.fail(new CommandError({ fault: "NotExecutable", message: `can't parse command '${command}': ${argv}` }))
  }
  if (argv.length === 0) return Result.fail(new CommandError({ fault: "NotExecutable", message: "command is empty" }))
  const program = argv[0]!
  let file = program.startsWith("/") ? program : `${cwd.replace(/\/$/, "")}/${program}`
  let info = program.includes("/") ? stat(file) : undefined
  if (!program.includes("/")) {
    for (const dir of path.split(":")) {
      const candidate = `${dir === "" ? "." : dir.replace(/\/$/, "")}/${program}`
      const found = stat(candidate)
      if (found !== undefined) {
        file = candidate
        info = found
        break
      }
    }
  }
  if (info === undefined) return Result.fail(new CommandError({ fault: "NoFile", message: `can't find command '${program}'` }))
  if (info.directory) {
    return Result.fail(new CommandError({ fault: "NotExecutable", message: `command at '${file}' is a directory` }))
  }
  if ((info.mode & 0o111) === 0) {
    return Result.fail(new CommandError({ fault: "NotExecutable", message: `command at '${file}' is not executable` }))
  }
  return Result.succeed({ file, argv })
}
