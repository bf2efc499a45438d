/**
 * The terminal of `effsup ctl`: stdout/stderr writes and line input through one lazily created
 * `node:readline` interface (history, Tab completion, hidden password input, Ctrl-C).
 * Invariant: the readline interface exists only once something asks for input, and it is closed
 * (history saved) when the scope closes, so a one-shot command never holds stdin open. A one-shot
 * command does not even touch stdin or load node:readline and node:stream (~3 ms of every
 * `effsup ctl` start: Node builds `process.stdin`, with fs streams for a file or pipe, on first use).
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import type * as Scope from "effect/Scope"
import type * as Readline from "node:readline"
import type { CtlIO } from "./Session.ts"

/** What Tab completes the line before the cursor with: the candidates, and the word they replace. */
export type Completer = (line: string) => Promise<readonly [ReadonlyArray<string>, string]>

/** The terminal: its I/O, where Ctrl-C during a command goes, and what Tab completes. */
export interface Terminal {
  readonly io: CtlIO
  /** Register the handler Ctrl-C calls while no input is pending (interrupt the running command). */
  readonly onInterrupt: (handler: () => void) => void
  /** Register what Tab completes (nothing until then). */
  readonly onComplete: (completer: Completer) => void
}

const HISTORY_SIZE = 1000

/** A terminal on the process's stdio; `historyFile` (if any) is read now and written when the scope closes. */
export const make = (historyFile: string | undefined): Effect.Effect<Terminal, never, Scope.Scope | FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const saved = historyFile === undefined
      ? []
      : (yield* fs.readFileString(historyFile).pipe(Effect.orElseSucceed(() => ""))).split("\n").filter((l) => l !== "")
    let history: ReadonlyArray<string> = [...saved].reverse()
    let muted = false
    let interruptHandler: (() => void) | undefined
    let completer: Completer | undefined
    let rl: Readline.Interface | undefined
    const queued: Array<string> = []
    let waiting: ((line: string | undefined) => void) | undefined
    let ended = false

    const deliver = (line: string | undefined) => {
      const resume = waiting
      waiting = undefined
      if (resume !== undefined) resume(line)
      else if (line !== undefined) queued.push(line)
    }
    // whether stdin and stdout are both terminals: looked up with the readline interface, which `ask` makes first
    let onTerminal = false
    const open = (): Readline.Interface => {
      if (rl !== undefined) return rl
      const output = new (process.getBuiltinModule("node:stream").Writable)({
        write(chunk, _encoding, callback) {
          if (!muted) process.stdout.write(chunk)
          callback()
        }
      })
      // readline lays completion lists out in columns only when its output has a width (GNU readline's default: 80)
      Object.defineProperty(output, "columns", { get: () => process.stdout.columns || 80 })
      onTerminal = process.stdin.isTTY === true && process.stdout.isTTY === true
      const created = process.getBuiltinModule("node:readline").createInterface({
        input: process.stdin,
        output,
        terminal: onTerminal,
        history: [...history],
        historySize: HISTORY_SIZE,
        removeHistoryDuplicates: false,
        completer: (line: string, callback: (error: null, result: [Array<string>, string]) => void) => {
          const none: [Array<string>, string] = [[], line]
          if (completer === undefined) return callback(null, none)
          completer(line).then(([hits, word]) => callback(null, [[...hits], word]), () => callback(null, none))
        }
      })
      created.on("line", (line) => deliver(line))
      created.on("history", (h: Array<string>) => {
        history = h
      })
      created.on("close", () => {
        ended = true
        deliver(undefined)
      })
      created.on("SIGINT", () => {
        if (waiting !== undefined) {
          process.stdout.write("\n")
          created.close()
        } else interruptHandler?.()
      })
      rl = created
      return created
    }

    yield* Effect.addFinalizer(() =>
      Effect.gen(function*() {
        rl?.close()
        if (historyFile !== undefined && rl !== undefined) {
          const text = [...history].reverse().join("\n")
          yield* fs.writeFileString(historyFile, text === "" ? "" : `${text}\n`).pipe(Effect.ignore)
        }
      })
    )

    const ask = (question: string, options?: { readonly hidden?: boolean }) =>
      Effect.callback<string | undefined>((resume) => {
        const hidden = options?.hidden === true
        const next = queued.shift()
        const r = next !== undefined || ended ? rl : open()
        // a hidden answer is read as Python's getpass reads it: on a terminal, the prompt and the end
        // of the answer's line go to the terminal; on a pipe, getpass warns that the input may be
        // echoed and asks on stderr (its other warning, GetPassWarning, names Python's source: left out)
        const onPipe = hidden && !onTerminal
        if (onPipe) process.stderr.write(`Warning: Password input may be echoed.\n${question}`)
        const answer = (line: string | undefined) => {
          if (hidden && line !== undefined) (onPipe ? process.stderr : process.stdout).write("\n")
          resume(Effect.succeed(line))
        }
        if (r === undefined || next !== undefined || ended) {
          // a line read ahead (piped input) or the end of the input: the prompt is shown all the
          // same, as supervisorctl shows it before each line it reads
          if (!onTerminal && !hidden) process.stdout.write(question)
          return answer(next)
        }
        waiting = (line) => {
          muted = false
          answer(line)
        }
        r.setPrompt(onPipe ? "" : question)
        r.prompt()
        muted = hidden
        r.resume()
      })

    const io: CtlIO = {
      out: (text) => {
        process.stdout.write(text)
      },
      err: (text) => {
        process.stderr.write(text)
      },
      ask
    }
    return {
      io,
      onInterrupt: (handler) => {
        interruptHandler = handler
      },
      onComplete: (handler) => {
        completer = handler
      }
    }
  })
