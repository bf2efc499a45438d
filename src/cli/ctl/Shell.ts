/**
 * The supervisorctl command interpreter: parsing one command line (`cmd.Cmd` rules: leading word,
 * `?` = help), dispatching to the commands, the 401 handling, printing unexpected failures as
 * `error: <class ...>, msg` with exit 1, `--json` output, and the interactive shell (`<prompt>> `,
 * `status` first, history, Tab completion, `quit`/`exit`/EOF/Ctrl-C to leave).
 * Invariant: each command line runs against a fresh RpcClient built from the session's current
 * options (so `open` and the interactive 401 prompt take effect on the next command).
 * See shared/reference/supervisord-4.2.5.md §6.1, §6.4.
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import { RpcClient } from "../../rpc/Client.ts"
import * as Commands from "./Commands.ts"
import { candidates, completionFor, type Named } from "./Complete.ts"
import { ACTIONS, HELP, topicListing } from "./Help.ts"
import { Exit, type ProcessInfo } from "./Output.ts"
import { call, type CtlFailure, describeFailure, emit, EndOfInput, type Session, setExit, structs } from "./Session.ts"
import { fg, maintail, tail } from "./Tail.ts"
import type { Terminal } from "./Terminal.ts"

/** What a command line asks of the shell afterwards. */
export type Outcome = "continue" | "quit"

const help: Commands.CtlCommand = (s, arg) =>
  Effect.sync(() => {
    const topic = arg.trim()
    if (topic === "") for (const line of topicListing()) s.io.out(`${line}\n`)
    else if (HELP[topic] !== undefined) for (const line of HELP[topic]) s.io.out(`${line}\n`)
    else s.io.out(`*** No help on ${topic}\n`)
  })

const open: Commands.CtlCommand = (s, arg) =>
  Effect.suspend(() => {
    const url = arg.trim()
    if (!/^(unix|http):/.test(url)) {
      emit(s, "ERROR: url must be http:// or unix://")
      setExit(s, Exit.GENERIC)
      return Effect.void
    }
    s.options.serverurl = url
    const previous = s.exitStatus
    return Commands.status(s, "").pipe(
      Effect.provide(RpcClient.layer(s.options)),
      Effect.ensuring(Effect.sync(() => setExit(s, previous)))
    )
  })

const COMMANDS: Readonly<Record<string, Commands.CtlCommand>> = {
  add: Commands.add,
  avail: Commands.avail,
  clear: Commands.clear,
  fg,
  maintail,
  open,
  pid: Commands.pid,
  reload: Commands.reload,
  remove: Commands.remove,
  reread: Commands.reread,
  restart: Commands.restart,
  shutdown: Commands.shutdown,
  signal: Commands.signal,
  start: Commands.start,
  status: Commands.status,
  stop: Commands.stop,
  tail,
  update: Commands.update,
  version: Commands.version
}

const QUIT = new Set(["quit", "exit", "EOF"])

/** Split a line like Python's `cmd.Cmd.parseline`: `[command, argument]`; `?x` is `help x`. */
export const parseLine = (line: string): readonly [string, string] => {
  const trimmed = line.trim()
  const text = trimmed.startsWith("?") ? `help ${trimmed.slice(1)}` : trimmed
  const command = /^[A-Za-z0-9_]*/.exec(text)![0]
  return [command, text.slice(command.length).trim()]
}

/** Print a failure as supervisorctl's shell does (`error: <class ...>, msg`), with exit status 1. */
const report = (s: Session, failure: CtlFailure): Outcome => {
  s.io.out(`${describeFailure(failure)}\n`)
  setExit(s, Exit.GENERIC)
  return "continue"
}

/**
 * A 401 in interactive mode asks for a username and a password and runs the line again; the end of
 * the input at either question is a failure like any other (the shell goes on, and then ends at its
 * own prompt).
 */
const handleFailure = (s: Session, line: string, failure: CtlFailure): Effect.Effect<Outcome> => {
  if (failure._tag === "RpcTransportError" && failure.reason === "Unauthorized") {
    s.io.out("Server requires authentication\n")
    if (s.options.interactive) {
      return Effect.gen(function*() {
        const username = yield* s.io.ask("Username:")
        if (username === undefined) return report(s, new EndOfInput("EOF when reading a line"))
        const password = yield* s.io.ask("Password:", { hidden: true })
        if (password === undefined) return report(s, new EndOfInput(""))
        s.io.out("\n")
        s.options.username = username
        s.options.password = password
        return yield* runLine(s, line)
      })
    }
  }
  return Effect.succeed(report(s, failure))
}

/**
 * Run one command line against the session's server: prints its output and updates `s.exitStatus`.
 * With `--json`, the command's records are printed as one JSON array line at the end.
 */
export const runLine = (s: Session, line: string): Effect.Effect<Outcome> =>
  Effect.suspend((): Effect.Effect<Outcome> => {
    const [command, arg] = parseLine(line)
    if (line.trim() === "") return Effect.succeed("continue")
    if (QUIT.has(command)) {
      s.io.out("\n")
      return Effect.succeed("quit")
    }
    const run = command === "help" ? help : COMMANDS[command]
    if (run === undefined) {
      s.io.out(`*** Unknown syntax: ${line.trim()}\n`)
      setExit(s, Exit.GENERIC)
      return Effect.succeed("continue")
    }
    s.records = []
    return run(s, arg).pipe(
      Effect.provide(RpcClient.layer(s.options)),
      Effect.tap(() =>
        Effect.sync(() => {
          if (s.json && command !== "help") s.io.out(`${JSON.stringify(s.records)}\n`)
        })
      ),
      Effect.as<Outcome>("continue"),
      Effect.catch((failure) => handleFailure(s, line, failure))
    )
  })

/** The processes of the session's server, for completion (none when it cannot be asked). */
const processesOf = (s: Session): Promise<ReadonlyArray<Named>> =>
  call("supervisor.getAllProcessInfo").pipe(
    Effect.map((v) => structs<ProcessInfo>(v)),
    Effect.provide(RpcClient.layer(s.options)),
    Effect.orElseSucceed(() => []),
    Effect.runPromise
  )

/**
 * The interactive shell: runs `status`, then reads command lines with the `<prompt>> ` prompt until
 * `quit`, `exit` or end of input. Ctrl-C interrupts the running command (e.g. `tail -f`); at the
 * prompt, the terminal itself ends the input (leaving the shell). Tab completes actions and names
 * (Complete.ts), asking the server for its processes at most once per command line.
 */
export const shell = (
  s: Session,
  terminal: Pick<Terminal, "onInterrupt" | "onComplete">
): Effect.Effect<void> =>
  Effect.gen(function*() {
    let current: Fiber.Fiber<Outcome> | undefined
    terminal.onInterrupt(() => current?.interruptUnsafe())
    let processes: Promise<ReadonlyArray<Named>> | undefined
    terminal.onComplete((before) => {
      const completion = completionFor(before)
      const named = completion.kind === "groups" || completion.kind === "processes" ? (processes ??= processesOf(s)) : Promise.resolve([])
      return named.then((ps) => [candidates(completion, ACTIONS, ps), completion.word] as const)
    })
    let line: string | undefined = "status"
    while (line !== undefined) {
      processes = undefined
      current = yield* Effect.forkChild(runLine(s, line), { startImmediately: true })
      const outcome = yield* Fiber.await(current)
      current = undefined
      if (outcome._tag === "Success" && outcome.value === "quit") return
      line = yield* s.io.ask(`${s.options.prompt}> `)
    }
    s.io.out("\n")
  })
