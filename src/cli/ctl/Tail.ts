/**
 * The log-following commands of `effsup ctl`: `tail [-f|-N] name [stdout|stderr]`, `maintail [-f|-N]`
 * and `fg name` (stream a running process's output while sending typed lines to its stdin).
 * `-f` and `fg` follow the server's `/logtail/...` and `/mainlogtail` HTTP streams until the server
 * closes them or the user interrupts (Ctrl-C prints an empty line, as supervisorctl does).
 * See shared/reference/supervisord-4.2.5.md §5.7, §6.4.
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { pythonIntText } from "../../domain/PyInt.ts"
import { RpcClient } from "../../rpc/Client.ts"
import type { CtlCommand } from "./Commands.ts"
import { printHelp } from "./Commands.ts"
import { Exit, Fault, type ProcessInfo } from "./Output.ts"
import { call, emit, type Session, setExit, struct, upcheck } from "./Session.ts"

const DEFAULT_BYTES = 1600

/** Follow `path`, writing every chunk as it arrives; a non-200 answer goes to stderr (exit status unchanged). */
const follow = (s: Session, path: string) =>
  Effect.gen(function*() {
    const client = yield* RpcClient
    const decoder = new TextDecoder()
    yield* client.stream(path).pipe(
      Stream.runForEach((chunk) => Effect.sync(() => s.io.out(decoder.decode(chunk, { stream: true })))),
      Effect.catchTag("RpcTransportError", (error) =>
        error.status === undefined
          ? Effect.sync(() => s.io.err(`${s.options.serverurl}${path} Cannot connect, error: ${error.detail}\n`))
          : Effect.sync(() => s.io.err(`${s.options.serverurl}${path} Cannot read, status code ${error.status}\n`)))
    )
  })

/** `tail -f` / `maintail -f`: the banner, then follow until closed or interrupted. */
const tailf = (s: Session, path: string) =>
  Effect.sync(() => s.io.out("==> Press Ctrl-C to exit <==\n")).pipe(
    Effect.andThen(follow(s, path)),
    Effect.onInterrupt(() => Effect.sync(() => s.io.out("\n")))
  )

/**
 * Parse a `-f` / `-N` modifier: "follow", a byte count, or undefined when malformed. The count is
 * read with Python's `int()`, as supervisorctl reads it (`-1_0` is 10, `-٣` is 3).
 */
const modifier = (word: string): "follow" | number | undefined => {
  const what = word.slice(1)
  if (what === "f") return "follow"
  return pythonIntText(what)
}

/** The message for a failed log read; BAD_NAME only concerns process logs (`maintail` lets it propagate). */
const readError = (label: string, faultCode: number, processLog: boolean): string | undefined => {
  switch (faultCode) {
    case Fault.NO_FILE: return `${label}: ERROR (no log file)`
    case Fault.FAILED: return `${label}: ERROR (unknown error reading log)`
    case Fault.BAD_NAME: return processLog ? `${label}: ERROR (no such process name)` : undefined
    default: return undefined
  }
}

/** Read the last `bytes` of a log with `method`, printing it plus a newline, or the fault as supervisorctl does. */
const readTail = (s: Session, label: string, method: string, ...target: ReadonlyArray<string>) => (bytes: number) =>
  call(method, ...target, -bytes, 0).pipe(
    Effect.map((data) => emit(s, String(data), { data })),
    Effect.catchTag("RpcFault", (fault) => {
      setExit(s, Exit.GENERIC)
      const line = readError(label, fault.faultCode, target.length > 0)
      return line === undefined ? Effect.fail(fault) : Effect.sync(() => emit(s, line, { error: line }))
    })
  )

const usage = (s: Session, command: string, message: string) => {
  emit(s, message)
  setExit(s, Exit.GENERIC)
  printHelp(s, command)
}

const fail = (s: Session, message: string) => {
  emit(s, message)
  setExit(s, Exit.GENERIC)
}

/** `tail [-f|-N] name [stdout|stderr]` (default: the last 1600 bytes of stdout). */
export const tail: CtlCommand = (s, arg) =>
  Effect.gen(function*() {
    if (!(yield* upcheck(s))) return
    const args = arg.split(/\s+/).filter((w) => w !== "")
    if (args.length < 1) return usage(s, "tail", "Error: too few arguments")
    if (args.length > 3) return usage(s, "tail", "Error: too many arguments")
    const mod = args[0]!.startsWith("-") ? args.shift() : undefined
    if (args.length === 0) return fail(s, "Error: tail requires process name")
    const name = args[0]!
    const channel = args.length === 1 ? "stdout" : args[args.length - 1]!.toLowerCase()
    if (channel !== "stdout" && channel !== "stderr") return fail(s, `Error: bad channel '${channel}'`)
    const how = mod === undefined ? DEFAULT_BYTES : modifier(mod)
    if (how === undefined) return fail(s, `Error: bad argument ${mod}`)
    if (how === "follow") return yield* tailf(s, `/logtail/${name}/${channel}`)
    const method = channel === "stdout" ? "supervisor.readProcessStdoutLog" : "supervisor.readProcessStderrLog"
    yield* readTail(s, name, method, name)(how)
  })

/** `maintail [-f|-N]`: the supervisor's own log. */
export const maintail: CtlCommand = (s, arg) =>
  Effect.gen(function*() {
    if (!(yield* upcheck(s))) return
    const args = arg.split(/\s+/).filter((w) => w !== "")
    if (args.length > 1) return usage(s, "maintail", "Error: too many arguments")
    const how = args.length === 0 ? DEFAULT_BYTES : args[0]!.startsWith("-") ? modifier(args[0]!) : undefined
    if (how === undefined) return fail(s, `Error: bad argument ${args[0]}`)
    if (how === "follow") return yield* tailf(s, "/mainlogtail")
    yield* readTail(s, "supervisord", "supervisor.readLog")(how)
  })

const RUNNING = 20

/** `fg name`: follow stdout and stderr of a RUNNING process and send each typed line to its stdin. */
export const fg: CtlCommand = (s, arg) =>
  Effect.gen(function*() {
    if (!(yield* upcheck(s))) return
    const names = arg.split(/\s+/).filter((w) => w !== "")
    if (names.length === 0) return usage(s, "fg", "ERROR: no process name supplied")
    if (names.length > 1) return fail(s, "ERROR: too many process names supplied")
    const name = names[0]!
    const info = yield* call("supervisor.getProcessInfo", name).pipe(
      Effect.map((v) => struct<ProcessInfo>(v)),
      Effect.catchTag("RpcFault", (fault) =>
        Effect.sync(() => {
          if (fault.faultCode === Fault.BAD_NAME) fail(s, "ERROR: bad process name supplied")
          else emit(s, `ERROR: ${fault.message}`)
          return undefined
        }))
    )
    if (info === undefined) return
    if (info.state !== RUNNING) return fail(s, "ERROR: process not running")
    emit(s, "==> Press Ctrl-C to exit <==")
    const output = Effect.all([follow(s, `/logtail/${name}/stdout`), follow(s, `/logtail/${name}/stderr`)], {
      concurrency: 2,
      discard: true
    })
    const input: Effect.Effect<void, never, RpcClient> = Effect.gen(function*() {
      while (true) {
        const line = yield* s.io.ask("")
        if (line === undefined) return emit(s, "Exiting foreground")
        const sent = yield* call("supervisor.sendProcessStdin", name, `${line}\n`).pipe(
          Effect.andThen(call("supervisor.getProcessInfo", name)),
          Effect.map((v) => struct<ProcessInfo>(v).state === RUNNING ? undefined : "Process got killed"),
          Effect.catch((e) =>
            Effect.succeed(
              e._tag === "RpcFault" && e.faultCode === Fault.NOT_RUNNING ? "Process got killed" : `ERROR: ${e.message}`
            )
          )
        )
        if (sent !== undefined) {
          emit(s, sent)
          return emit(s, "Exiting foreground")
        }
      }
    })
    yield* Effect.raceFirst(input, Effect.andThen(output, Effect.never)).pipe(
      Effect.onInterrupt(() => Effect.sync(() => emit(s, "Exiting foreground")))
    )
  })
