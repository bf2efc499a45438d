/**
 * supervisorctl's process-control commands over XML-RPC: status, start, stop, restart, signal, pid,
 * clear, version, avail, reread, add, remove, update, shutdown, reload. Each takes the session and
 * the argument string (the rest of the command line) and prints supervisorctl's exact lines, setting
 * the exit status by its rules (§6.6). Unexpected faults propagate as failures (the shell prints them).
 * See shared/reference/supervisord-4.2.5.md §6.4.
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { namespec, parseNameSpec } from "../../domain/Names.ts"
import type { RpcClient } from "../../rpc/Client.ts"
import type { XmlRpcValue } from "../../rpc/XmlRpc.ts"
import { HELP } from "./Help.ts"
import {
  availLine,
  changeLines,
  clearResultLine,
  type ConfigInfo,
  Exit,
  exitForFault,
  Fault,
  isStoppedState,
  type ProcessInfo,
  type ProcessResult,
  signalResultLine,
  startResultLine,
  StatusExit,
  statusLines,
  type UnknownResult
} from "./Output.ts"
import { call, type CtlFailure, emit, EndOfInput, type Session, setExit, struct, structs, UnexpectedValue, upcheck } from "./Session.ts"

/** A ctl command: the session and the argument string. */
export type CtlCommand = (s: Session, arg: string) => Effect.Effect<void, CtlFailure, RpcClient>

const words = (arg: string): ReadonlyArray<string> => arg.split(/\s+/).filter((w) => w !== "")

/** Print a command's usage lines. */
export const printHelp = (s: Session, command: string): void => {
  for (const line of HELP[command] ?? []) emit(s, line)
}

const usageError = (s: Session, message: string, command: string, code: number = Exit.GENERIC) => {
  emit(s, message)
  setExit(s, code)
  printHelp(s, command)
}

const noArgs = (s: Session, arg: string, command: string): boolean => {
  if (arg.trim() === "") return true
  usageError(s, `Error: ${command} accepts no arguments`, command)
  return false
}

/** Run `body` only if the upcheck passes. */
const checked = (s: Session, body: Effect.Effect<void, CtlFailure, RpcClient>) =>
  Effect.flatMap(upcheck(s), (ok) => (ok ? body : Effect.void))

const resultLine = (s: Session, line: string | UnknownResult, r: ProcessResult) =>
  typeof line === "string"
    ? Effect.sync(() => emit(s, line, { ...r, namespec: namespec(r.group, r.name), message: line }))
    : Effect.fail(new UnexpectedValue(line.message))

/**
 * The process part of `name` as supervisorctl renders it: `group:` and `group:*` name no process,
 * and supervisorctl prints Python's `None` in its place (`clear grp:*` → `grp:None: ERROR (no such process)`).
 */
const processPart = (name: string): string => parseNameSpec(name).process ?? "None"

const faultFor = (fault: { readonly faultCode: number; readonly faultString: string }, name: string): ProcessResult =>
  ({ name: processPart(name), group: parseNameSpec(name).group, status: fault.faultCode, description: fault.faultString })

const isBadName = (e: CtlFailure): boolean => e._tag === "RpcFault" && e.faultCode === Fault.BAD_NAME

/** The name a single-process RPC reports on (`group:name` when the process is in another group). */
const specOf = (name: string): string => {
  const spec = parseNameSpec(name)
  return namespec(spec.group, spec.process ?? spec.group)
}

interface Family {
  readonly one: string
  readonly group: string
  readonly all: string
  readonly extra: ReadonlyArray<XmlRpcValue>
  readonly line: (r: ProcessResult) => string | UnknownResult
  readonly success: string
  readonly ignored: number | undefined
  readonly badGroupExit: number
}

/** start / stop / signal over names: `all`, `group:*`, or single processes (each error on its own line). */
const family = (s: Session, f: Family, names: ReadonlyArray<string>) => {
  const results = (value: XmlRpcValue) =>
    Effect.forEach(structs<ProcessResult>(value), (r) =>
      Effect.map(resultLine(s, f.line(r), r), () => {
        const code = exitForFault(r.status, f.ignored)
        if (code !== undefined) setExit(s, code)
      }), { discard: true })
  if (names.includes("all")) return Effect.flatMap(call(f.all, ...f.extra), results)
  return Effect.forEach(names, (name) => {
    const spec = parseNameSpec(name)
    if (spec.process === undefined) {
      return call(f.group, spec.group, ...f.extra).pipe(
        Effect.flatMap(results),
        Effect.catchIf(isBadName, () =>
          Effect.sync(() => {
            emit(s, `${spec.group}: ERROR (no such group)`, { name: spec.group, error: "no such group" })
            setExit(s, f.badGroupExit)
          }))
      )
    }
    return call(f.one, name, ...f.extra).pipe(
      Effect.flatMap(() =>
        Effect.sync(() => {
          const line = `${specOf(name)}: ${f.success}`
          emit(s, line, { name: specOf(name), status: Fault.SUCCESS, message: line })
        })
      ),
      Effect.catchTag("RpcFault", (fault) => {
        const r = faultFor(fault, name)
        return Effect.map(resultLine(s, f.line(r), r), () => {
          const code = exitForFault(r.status, f.ignored)
          if (code !== undefined) setExit(s, code)
        })
      })
    )
  }, { discard: true })
}

const START: Omit<Family, "extra"> = {
  one: "supervisor.startProcess",
  group: "supervisor.startProcessGroup",
  all: "supervisor.startAllProcesses",
  line: startResultLine,
  success: "started",
  ignored: Fault.ALREADY_STARTED,
  badGroupExit: Exit.INVALID_ARGS
}

const STOP: Omit<Family, "extra"> = {
  one: "supervisor.stopProcess",
  group: "supervisor.stopProcessGroup",
  all: "supervisor.stopAllProcesses",
  line: (r) => signalResultLine(r, "stopped"),
  success: "stopped",
  ignored: Fault.NOT_RUNNING,
  badGroupExit: Exit.GENERIC
}

const SIGNAL: Omit<Family, "extra"> = {
  one: "supervisor.signalProcess",
  group: "supervisor.signalProcessGroup",
  all: "supervisor.signalAllProcesses",
  line: signalResultLine,
  success: "signalled",
  ignored: undefined,
  badGroupExit: Exit.GENERIC
}

/** `status [name|group:*|all ...]`: exit 3 if any listed process is stopped, 4 for a bad name or upcheck failure. */
export const status: CtlCommand = (s, arg) =>
  Effect.gen(function*() {
    if (!(yield* upcheck(s))) return setExit(s, StatusExit.UNKNOWN)
    const all = structs<ProcessInfo>(yield* call("supervisor.getAllProcessInfo"))
    const names = words(arg)
    const matching: Array<ProcessInfo> = []
    if (names.length === 0 || names.includes("all")) matching.push(...all)
    else {
      for (const name of names) {
        const spec = parseNameSpec(name)
        const found = all.filter((i) => i.group === spec.group && (spec.process === undefined || i.name === spec.process))
        matching.push(...found)
        if (found.length > 0) continue
        const what = spec.process === undefined ? "no such group" : "no such process"
        emit(s, `${spec.process === undefined ? spec.group : name}: ERROR (${what})`, { name, error: what })
        setExit(s, StatusExit.UNKNOWN)
      }
    }
    if (s.json) s.records.push(...matching.map((i) => ({ namespec: namespec(i.group, i.name), ...i })))
    else if (matching.length > 0) s.io.out(statusLines(matching, s.colour).join("\n") + "\n") // one write, not one per process
    if (matching.some((i) => isStoppedState(i.state))) setExit(s, StatusExit.NOT_RUNNING)
  })

/** `start name|group:*|all ...`. */
export const start: CtlCommand = (s, arg) =>
  checked(
    s,
    Effect.suspend(() =>
      words(arg).length === 0
        ? Effect.sync(() => usageError(s, "Error: start requires a process name", "start", Exit.INVALID_ARGS))
        : family(s, { ...START, extra: [] }, words(arg))
    )
  )

/** `stop name|group:*|all ...` (stopping a stopped process exits 0). */
export const stop: CtlCommand = (s, arg) =>
  checked(
    s,
    Effect.suspend(() =>
      words(arg).length === 0
        ? Effect.sync(() => usageError(s, "Error: stop requires a process name", "stop"))
        : family(s, { ...STOP, extra: [] }, words(arg))
    )
  )

/** `restart ...` = stop then start (each with its own upcheck, as supervisorctl). */
export const restart: CtlCommand = (s, arg) =>
  checked(
    s,
    Effect.suspend(() =>
      words(arg).length === 0
        ? Effect.sync(() => usageError(s, "Error: restart requires a process name", "restart"))
        : Effect.andThen(stop(s, arg), start(s, arg))
    )
  )

/** `signal SIG name|group:*|all ...`. */
export const signal: CtlCommand = (s, arg) =>
  checked(
    s,
    Effect.suspend(() => {
      const [sig, ...names] = words(arg)
      return sig === undefined || names.length === 0
        ? Effect.sync(() => usageError(s, "Error: signal requires a signal name and a process name", "signal"))
        : family(s, { ...SIGNAL, extra: [sig] }, names)
    })
  )

/** `pid` (supervisord's), `pid all`, `pid name ...` (0 → exit 7, unknown → exit 1). */
export const pid: CtlCommand = (s, arg) =>
  checked(
    s,
    Effect.gen(function*() {
      const names = words(arg)
      if (names.length === 0) {
        const p = yield* call("supervisor.getPID")
        return emit(s, String(p), { pid: p })
      }
      if (names.includes("all")) {
        for (const info of structs<ProcessInfo>(yield* call("supervisor.getAllProcessInfo"))) {
          emit(s, String(info.pid), { name: namespec(info.group, info.name), pid: info.pid })
        }
        return
      }
      for (const name of names) {
        const info = yield* call("supervisor.getProcessInfo", name).pipe(
          Effect.map((v) => struct<ProcessInfo>(v)),
          Effect.catchIf(isBadName, () => Effect.succeed(undefined))
        )
        if (info === undefined) {
          emit(s, `No such process ${name}`, { name, error: "no such process" })
          setExit(s, Exit.GENERIC)
          continue
        }
        emit(s, String(info.pid), { name, pid: info.pid })
        if (info.pid === 0) setExit(s, Exit.NOT_RUNNING)
      }
    })
  )

/** `clear name ...|all`. */
export const clear: CtlCommand = (s, arg) =>
  checked(
    s,
    Effect.gen(function*() {
      const names = words(arg)
      if (names.length === 0) return usageError(s, "Error: clear requires a process name", "clear")
      const report = (r: ProcessResult) =>
        Effect.map(resultLine(s, clearResultLine(r), r), () => {
          const code = exitForFault(r.status)
          if (code !== undefined) setExit(s, code)
        })
      if (names.includes("all")) {
        const results = structs<ProcessResult>(yield* call("supervisor.clearAllProcessLogs"))
        return yield* Effect.forEach(results, report, { discard: true })
      }
      for (const name of names) {
        yield* call("supervisor.clearProcessLogs", name).pipe(
          Effect.flatMap(() =>
            report({ name: processPart(name), group: parseNameSpec(name).group, status: Fault.SUCCESS, description: "OK" })
          ),
          Effect.catchTag("RpcFault", (fault) => report(faultFor(fault, name)))
        )
      }
    })
  )

/** `version`: the remote supervisord's version. */
export const version: CtlCommand = (s, arg) =>
  noArgs(s, arg, "version")
    ? checked(
      s,
      Effect.map(call("supervisor.getSupervisorVersion"), (v) => emit(s, String(v), { version: v }))
    )
    : Effect.void

/** Handle SHUTDOWN_STATE (and optionally one more fault) with a message and exit 1; rethrow the rest. */
const onFaults = (s: Session, handled: Readonly<Record<number, (faultString: string) => string>>) =>
<A>(self: Effect.Effect<A, CtlFailure, RpcClient>): Effect.Effect<A | undefined, CtlFailure, RpcClient> =>
  Effect.catchTag(self, "RpcFault", (fault) => {
    const message = handled[fault.faultCode]
    setExit(s, Exit.GENERIC)
    if (message === undefined) return Effect.fail(fault)
    emit(s, message(fault.faultString), { error: fault.faultString })
    return Effect.succeed(undefined)
  })

/** `avail`: every configured process, in use or not. */
export const avail: CtlCommand = (s, arg) =>
  noArgs(s, arg, "avail")
    ? call("supervisor.getAllConfigInfo").pipe(
      Effect.map((v) => {
        for (const c of structs<ConfigInfo>(v)) emit(s, availLine(c), { namespec: namespec(c.group, c.name), ...c })
      }),
      onFaults(s, { [Fault.SHUTDOWN_STATE]: () => "ERROR: supervisor shutting down" })
    )
    : Effect.void

const changes = (v: XmlRpcValue) => {
  const [added = [], changed = [], removed = []] = structs<ReadonlyArray<string>>(structs<XmlRpcValue>(v)[0] ?? [])
  return { added, changed, removed }
}

/** `reread`: reload the daemon's config and report added / changed / removed groups. */
export const reread: CtlCommand = (s, arg) =>
  noArgs(s, arg, "reread")
    ? call("supervisor.reloadConfig").pipe(
      Effect.map((v) => {
        const { added, changed, removed } = changes(v)
        if (s.json) s.records.push({ added, changed, removed })
        else for (const line of changeLines(added, changed, removed)) emit(s, line)
      }),
      onFaults(s, {
        [Fault.SHUTDOWN_STATE]: () => "ERROR: supervisor shutting down",
        [Fault.CANT_REREAD]: (text) => `ERROR: ${text}`
      })
    )
    : Effect.void

/** `add name ...`: activate groups from the re-read config (already active → message, exit unchanged). */
export const add: CtlCommand = (s, arg) =>
  Effect.forEach(words(arg), (name) =>
    call("supervisor.addProcessGroup", name).pipe(
      Effect.map(() => emit(s, `${name}: added process group`, { name, result: "added" })),
      Effect.catchTag("RpcFault", (fault) => {
        if (fault.faultCode === Fault.ALREADY_ADDED) {
          return Effect.sync(() => emit(s, "ERROR: process group already active", { name, error: "already active" }))
        }
        setExit(s, Exit.GENERIC)
        const message = fault.faultCode === Fault.SHUTDOWN_STATE
          ? "ERROR: shutting down"
          : fault.faultCode === Fault.BAD_NAME
          ? `ERROR: no such process/group: ${name}`
          : undefined
        return message === undefined ? Effect.fail(fault) : Effect.sync(() => emit(s, message, { name, error: message }))
      })
    ), { discard: true })

/** `remove name ...`: drop stopped groups from the running config. */
export const remove: CtlCommand = (s, arg) =>
  Effect.forEach(words(arg), (name) =>
    call("supervisor.removeProcessGroup", name).pipe(
      Effect.map(() => emit(s, `${name}: removed process group`, { name, result: "removed" })),
      Effect.catchTag("RpcFault", (fault) => {
        setExit(s, Exit.GENERIC)
        const message = fault.faultCode === Fault.STILL_RUNNING
          ? `ERROR: process/group still running: ${name}`
          : fault.faultCode === Fault.BAD_NAME
          ? `ERROR: no such process/group: ${name}`
          : undefined
        return message === undefined ? Effect.fail(fault) : Effect.sync(() => emit(s, message, { name, error: message }))
      })
    ), { discard: true })

/** `update [all|group ...]`: reread, then stop+remove removed groups, restart changed ones, add new ones. */
export const update: CtlCommand = (s, arg) =>
  Effect.gen(function*() {
    const log = (name: string, message: string) => emit(s, `${name}: ${message}`, { name, result: message })
    const reloaded = yield* call("supervisor.reloadConfig").pipe(
      Effect.map(changes),
      onFaults(s, { [Fault.SHUTDOWN_STATE]: () => "ERROR: already shutting down" })
    )
    if (reloaded === undefined) return
    const { added, changed, removed } = reloaded
    const wanted = new Set(words(arg))
    if (wanted.has("all")) wanted.clear()
    if (wanted.size > 0) {
      const groups = new Set(structs<ProcessInfo>(yield* call("supervisor.getAllProcessInfo")).map((i) => i.group))
      for (const g of added) groups.add(g)
      for (const g of wanted) {
        if (groups.has(g)) continue
        emit(s, `ERROR: no such group: ${g}`, { name: g, error: "no such group" })
        setExit(s, Exit.GENERIC)
      }
    }
    const selected = (g: string) => wanted.size === 0 || wanted.has(g)
    for (const g of removed.filter(selected)) {
      const results = structs<ProcessResult>(yield* call("supervisor.stopProcessGroup", g))
      log(g, "stopped")
      if (results.some((r) => r.status === Fault.FAILED)) {
        log(g, "has problems; not removing")
        setExit(s, Exit.GENERIC)
        continue
      }
      yield* call("supervisor.removeProcessGroup", g)
      log(g, "removed process group")
    }
    for (const g of changed.filter(selected)) {
      yield* call("supervisor.stopProcessGroup", g)
      log(g, "stopped")
      yield* call("supervisor.removeProcessGroup", g)
      yield* call("supervisor.addProcessGroup", g)
      log(g, "updated process group")
    }
    for (const g of added.filter(selected)) {
      yield* call("supervisor.addProcessGroup", g)
      log(g, "added process group")
    }
  })

/**
 * Ask `question` in interactive mode (`-i`, or the shell); otherwise proceed. The end of the input
 * instead of an answer is a failure (supervisorctl: EOFError, printed by the shell, exit status 1).
 */
const confirmed = (s: Session, question: string): Effect.Effect<boolean, EndOfInput> =>
  s.options.interactive
    ? Effect.flatMap(s.io.ask(question), (answer) =>
      answer === undefined ? Effect.fail(new EndOfInput("EOF when reading a line")) : Effect.succeed(answer.toLowerCase().startsWith("y")))
    : Effect.succeed(true)

/** `shutdown`: stop the remote supervisord (connection errors are reported as "already shut down?"). */
export const shutdown: CtlCommand = (s, arg) =>
  Effect.gen(function*() {
    if (!noArgs(s, arg, "shutdown")) return
    if (!(yield* confirmed(s, "Really shut the remote supervisord process down y/N? "))) return
    yield* call("supervisor.shutdown").pipe(
      Effect.map(() => emit(s, "Shut down", { result: "shut down" })),
      Effect.catchTag("RpcFault", (fault) => {
        if (fault.faultCode !== Fault.SHUTDOWN_STATE) return Effect.sync(() => setExit(s, Exit.GENERIC)).pipe(Effect.andThen(Effect.fail(fault)))
        return Effect.sync(() => emit(s, "ERROR: already shutting down"))
      }),
      Effect.catchTag("RpcTransportError", (error) => {
        setExit(s, Exit.GENERIC)
        const what = error.reason === "ConnectionRefused" ? "refused connection" : error.reason === "NoSuchFile" ? "no such file" : undefined
        if (what === undefined) return Effect.fail(error)
        return Effect.sync(() => emit(s, `ERROR: ${s.options.serverurl} ${what} (already shut down?)`))
      })
    )
  })

/** `reload`: restart the remote supervisord. */
export const reload: CtlCommand = (s, arg) =>
  Effect.gen(function*() {
    if (!noArgs(s, arg, "reload")) return
    if (!(yield* confirmed(s, "Really restart the remote supervisord process y/N? "))) return
    yield* call("supervisor.restart").pipe(
      Effect.map(() => emit(s, "Restarted supervisord", { result: "restarted" })),
      onFaults(s, { [Fault.SHUTDOWN_STATE]: () => "ERROR: already shutting down" })
    )
  })
