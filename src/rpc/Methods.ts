/**
 * The XML-RPC method table: every `supervisor.*` name supervisord 4.2.5 lists (aliases
 * included) and `system.*`, each a thin call into the `Supervisor` service, with
 * supervisord's parameter checks, wire structs (snake_case keys, §5.4) and faults.
 * The process methods are served under the namespace of each `[rpcinterface:x]` section
 * (supervisord's main interface is `supervisor`); without one, only `system.*` answers and
 * supervisorctl says the supervisor namespace is not recognized.
 *
 * Invariants:
 * - parameters are checked (arity and type) before anything runs: INCORRECT_PARAMETERS; types as
 *   supervisord's Python reads them (PythonStr.ts): a log offset or length by `int()`, `wait` by its
 *   truth value, a signal by `int()` or its name. sendProcessStdin checks its characters after the
 *   shutdown check, naming a refused value as Python writes it; sendRemoteCommEvent,
 *   system.methodHelp and system.methodSignature take any value;
 * - every `supervisor.*` method except sendRemoteCommEvent answers SHUTDOWN_STATE while the
 *   supervisor is shutting down or restarting; `system.*` never does;
 * - `handle` never fails with a fault: faults are encoded into the response; only an
 *   unparseable body fails (the HTTP layer answers 400);
 * - start/stop/signalProcess take `group:*` and `group:` for the whole group and answer the group
 *   call's array (an unknown group is BAD_NAME with the name as given), as supervisord does; their
 *   faults about one process name it as the caller did.
 * Help and signature texts are our own words. See shared/reference/supervisord-4.2.5.md §5.
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import { AbnormalTermination, AlreadyStarted, BadName, NoFile, NotRunning, SpawnError, type SupervisorError } from "../domain/Errors.ts"
import { parseNameSpec } from "../domain/Names.ts"
import { parseSignal } from "../domain/Signals.ts"
import type { ChannelInfo, ConfigInfo, ProcessInfo, ProcessResult } from "../supervisor/Api.ts"
import { supervisordInfoFields } from "../supervisor/Api.ts"
import { requireRunning, Supervisor } from "../supervisor/Supervisor.ts"
import { faultFromError, type FaultName, Faults, makeFault } from "./Faults.ts"
import { pythonFloat, pythonInt, pythonStr, pythonTruth } from "./PythonStr.ts"
import {
  decodeMethodCall,
  encodedItemLength,
  encodeFault,
  encodeResponse,
  type Fault,
  type XmlRpcParseError,
  type XmlRpcValue
} from "./XmlRpc.ts"
import { VERSION } from "../domain/Version.ts"

/** The version getSupervisorVersion answers: effsup's own. */
export const SUPERVISOR_VERSION = VERSION

/** The XML-RPC API version supervisorctl checks for. */
export const API_VERSION = "3.0"

/**
 * The most calls one system.multicall may carry; more is one INCORRECT_PARAMETERS fault and
 * nothing runs. supervisord has no bound (see README, differences).
 */
export const MULTICALL_MAX_CALLS = 4096

/**
 * How large (characters of XML) a multicall's answer may grow: once it has, the remaining calls
 * are not run and each answers a FAILED fault — a request cannot amplify into an answer of
 * hundreds of MB. The same bound as a request body.
 */
export const MULTICALL_MAX_ANSWER = 16 * 1024 * 1024

/** A fault raised while dispatching a call (unknown method, bad parameters, or a mapped domain error). */
export class MethodFault extends Data.TaggedError("MethodFault")<{ readonly fault: Fault }> {}

const fail = (name: FaultName, detail?: string) => Effect.fail(new MethodFault({ fault: makeFault(name, detail) }))

// ---------------------------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------------------------

type Struct = { readonly [key: string]: XmlRpcValue }

/** What a parameter accepts, and the TypeScript type the method body receives. */
interface Kinds {
  readonly string: string
  readonly int: number
  readonly boolean: boolean
  readonly array: ReadonlyArray<XmlRpcValue>
  /** A signal, as the text the supervisor parses (see `signalText`). */
  readonly signal: string
  /** Any value: the method itself decides what it makes of it, as supervisord does (sendProcessStdin after its shutdown check). */
  readonly value: XmlRpcValue
}
type Kind = keyof Kinds

interface Param<K extends Kind = Kind> {
  readonly kind: K
  /** Absent optional booleans (`wait`) default to true, as in supervisord. */
  readonly optional: boolean
}

const p = <K extends Kind>(kind: K): Param<K> => ({ kind, optional: false })
const wait: Param<"boolean"> = { kind: "boolean", optional: true }

type Args<P extends ReadonlyArray<Param>> = { -readonly [I in keyof P]: P[I] extends Param<infer K> ? Kinds[K] : never }

const utf8 = new TextEncoder()
const isStruct = (v: XmlRpcValue): v is Struct =>
  typeof v === "object" && !Array.isArray(v) && !(v instanceof Date) && !(v instanceof Uint8Array)

/** The value a parameter of `kind` receives, or undefined when `value` does not fit. */
const coerce = (kind: Kind, value: XmlRpcValue): Kinds[Kind] | undefined => {
  switch (kind) {
    case "string":
      return typeof value === "string" ? value : undefined
    case "int":
      // only log offsets and lengths, which supervisord reads with Python's int() (measured: "10",
      // " +7 ", 0.5, true are taken; "0x10", "" and NaN are its HTTP 500)
      return pythonInt(value)
    case "boolean":
      // supervisorctl sends <boolean>; supervisord takes any value as Python's `if` does (measured:
      // "yes", 2, [1] and {"a": 1} wait; "", 0, [] and {} do not)
      return pythonTruth(value)
    case "array":
      return Array.isArray(value) ? (value as ReadonlyArray<XmlRpcValue>) : undefined
    case "signal":
      return signalText(value)
    case "value":
      return value
  }
}

/**
 * A signal parameter as the text the supervisor parses. supervisord takes what Python's `int()`
 * takes: a double is cut toward zero (9.5 sends SIGKILL, 0.5 the probe 0), a boolean is 1 or 0,
 * base64 is its text. A double whose integer is no signal stays that float as Python writes it,
 * which names no signal, so the fault carries it as supervisord's does (`BAD_SIGNAL: -1.5`).
 * Gotchas: NaN, infinities, arrays, structs and dates are INCORRECT_PARAMETERS here (supervisord:
 * HTTP 500); an integral double is the integer (`BAD_SIGNAL: 100`, supervisord `100.0`).
 */
const signalText = (value: XmlRpcValue): string | undefined => {
  if (typeof value === "string") return value
  if (typeof value === "boolean") return value ? "1" : "0"
  if (value instanceof Uint8Array) return pythonStr(value)
  if (typeof value !== "number" || !Number.isFinite(value)) return undefined
  if (Number.isSafeInteger(value)) return String(value)
  const cut = String(Math.trunc(value))
  return parseSignal(cut) === undefined ? pythonFloat(value) : cut
}

const wireType = (kind: Kind): string => kind === "signal" || kind === "value" ? "string" : kind

// ---------------------------------------------------------------------------------------------
// Wire structs (§5.4)
// ---------------------------------------------------------------------------------------------

const logText = new TextDecoder("utf-8")

/** Log bytes as a string: UTF-8, with U+FFFD for invalid or cut sequences (supervisord raises here: QUIRK Q25). */
const text = (bytes: Uint8Array): string => logText.decode(bytes)

/** getProcessInfo's struct. */
export const processInfoStruct = (info: ProcessInfo): Struct => {
  let struct = infoStructs.get(info)
  if (struct === undefined) {
    struct = toInfoStruct(info)
    infoStructs.set(info, struct)
  }
  return struct
}

// The same info (the supervisor reuses it while nothing changed) gets the same struct, whose
// encoding the codec then reuses too.
const infoStructs = new WeakMap<ProcessInfo, Struct>()

/** getProcessInfo's struct: supervisord's members, then effsup's (only for a program with those checks; supervisorctl ignores them). */
const toInfoStruct = (info: ProcessInfo): Struct => {
  const struct: Struct = supervisordInfoFields(info)
  return info.readiness === undefined && info.health === undefined ? struct : {
    ...struct,
    ...(info.readiness === undefined ? {} : { readiness: { ...info.readiness } }),
    ...(info.health === undefined ? {} : { health: { ...info.health } })
  }
}

const channelStruct = (prefix: "stdout" | "stderr", c: ChannelInfo): Struct => ({
  [`${prefix}_capture_maxbytes`]: c.captureMaxbytes,
  [`${prefix}_events_enabled`]: c.eventsEnabled,
  [`${prefix}_logfile`]: c.logfile,
  [`${prefix}_logfile_backups`]: c.logfileBackups,
  [`${prefix}_logfile_maxbytes`]: c.logfileMaxbytes,
  [`${prefix}_syslog`]: c.syslog
})

/** getAllConfigInfo's struct, keys in supervisord's order; an unset directory/uid/serverurl is `'none'`. */
export const configInfoStruct = (c: ConfigInfo): Struct => ({
  autostart: c.autostart,
  directory: c.directory ?? "none",
  uid: c.uid ?? "none",
  command: c.command,
  exitcodes: c.exitcodes,
  group: c.group,
  group_prio: c.groupPrio,
  inuse: c.inuse,
  killasgroup: c.killasgroup,
  name: c.name,
  process_prio: c.processPrio,
  redirect_stderr: c.redirectStderr,
  startretries: c.startretries,
  startsecs: c.startsecs,
  ...channelStruct("stdout", c.stdout),
  stopsignal: c.stopsignal,
  stopwaitsecs: c.stopwaitsecs,
  ...channelStruct("stderr", c.stderr),
  serverurl: c.serverurl ?? "none"
})

/** Result structs: status 80 / `OK`, or the fault code and string of the process's error. */
const results = (rs: ReadonlyArray<ProcessResult>): ReadonlyArray<XmlRpcValue> =>
  rs.map((r) => {
    const fault = r.error === undefined ? undefined : faultFromError(r.error)
    return { name: r.name, group: r.group, status: fault?.faultCode ?? Faults.SUCCESS, description: fault?.faultString ?? "OK" }
  })

// ---------------------------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------------------------

type Run = (
  args: ReadonlyArray<XmlRpcValue>,
  interfaces: ReadonlyArray<string>
) => Effect.Effect<XmlRpcValue, SupervisorError | MethodFault, Supervisor>

interface Method {
  readonly returns: string
  readonly params: ReadonlyArray<Param>
  readonly help: string
  /** Checked against the supervisor's state first (SHUTDOWN_STATE). */
  readonly guarded: boolean
  readonly run: Run
}

const method = <const P extends ReadonlyArray<Param>>(
  returns: string,
  params: P,
  help: string,
  run: (...args: Args<P>) => Effect.Effect<XmlRpcValue, SupervisorError | MethodFault, Supervisor>,
  guarded = true
): Method => ({ returns, params, help, guarded, run: (args) => run(...(args as Args<P>)) })

/** A `system.*` method: it also gets the served interfaces. */
const systemMethod = <const P extends ReadonlyArray<Param>>(
  returns: string,
  params: P,
  help: string,
  run: (interfaces: ReadonlyArray<string>, ...args: Args<P>) => Effect.Effect<XmlRpcValue, MethodFault, Supervisor>
): Method => ({ returns, params, help, guarded: false, run: (args, interfaces) => run(interfaces, ...(args as Args<P>)) })

const NAMED_FAULTS = { AlreadyStarted, NotRunning, SpawnError, AbnormalTermination } as const

/** supervisord names the process in these faults as the caller named it (`ALREADY_STARTED: web:web`, not `web`). */
const namedAsGiven = (name: string) => <A>(self: Effect.Effect<A, SupervisorError>): Effect.Effect<A, SupervisorError> =>
  Effect.mapError(self, (e) => e._tag in NAMED_FAULTS ? new NAMED_FAULTS[e._tag as keyof typeof NAMED_FAULTS]({ detail: name }) : e)

/**
 * A process method that also takes a whole group (`group:*`, `group:`): that form runs the group
 * method and answers its results; an unknown group is BAD_NAME with the name as given.
 */
const orGroup = <A>(
  name: string,
  one: (sup: Supervisor["Service"]) => Effect.Effect<A, SupervisorError>,
  group: (sup: Supervisor["Service"], group: string) => Effect.Effect<ReadonlyArray<ProcessResult>, SupervisorError>
): Effect.Effect<XmlRpcValue, SupervisorError, Supervisor> => {
  const spec = parseNameSpec(name)
  if (spec.process !== undefined) return withSup((s) => done(one(s).pipe(namedAsGiven(name))))
  return withSup((s) =>
    group(s, spec.group).pipe(
      Effect.map(results),
      Effect.catchTag("BadName", () => Effect.fail(new BadName({ detail: name })))
    )
  )
}

const withSup = <A, E>(f: (sup: Supervisor["Service"]) => Effect.Effect<A, E>): Effect.Effect<A, E, Supervisor> =>
  Effect.flatMap(Supervisor, f)
const done = Effect.as(true)

const getAPIVersion = method("string", [], "Return the version of the XML-RPC API this server speaks (3.0).", () =>
  Effect.succeed(API_VERSION))
const readLog = method(
  "string",
  [p("int"), p("int")],
  "Read `length` bytes of the supervisor's activity log from `offset` (a negative offset with length 0 reads the last bytes).",
  (offset, length) => withSup((s) => Effect.map(s.readMainLog(offset, length), text))
)
const clearProcessLogs = method("boolean", [p("string")], "Truncate both log files of a process and reopen them.", (name) =>
  withSup((s) => done(s.clearProcessLogs(name))))
const readLogOf = (channel: "stdout" | "stderr") =>
  method(
    "string",
    [p("string"), p("int"), p("int")],
    `Read \`length\` bytes of a process's ${channel} log from \`offset\` (negative offset with length 0: the last bytes).`,
    (name, offset, length) => withSup((s) => Effect.map(s.readProcessLog(name, channel, offset, length), text))
  )
const tailLogOf = (channel: "stdout" | "stderr") =>
  method(
    "array",
    [p("string"), p("int"), p("int")],
    `Return [text, next offset, overflow] for following a process's ${channel} log: at most \`length\` bytes from the end.`,
    (name, offset, length) =>
      withSup((s) => Effect.map(s.tailProcessLog(name, channel, offset, length), (t) => [text(t.bytes), t.offset, t.overflow]))
  )

const supervisorMethods: ReadonlyArray<readonly [string, Method]> = [
  ["getAPIVersion", getAPIVersion],
  ["getVersion", getAPIVersion],
  ["getSupervisorVersion", method("string", [], "Return the version of effsup.", () => Effect.succeed(SUPERVISOR_VERSION))],
  ["getIdentification", method("string", [], "Return the identifier set in [supervisord] identifier.", () =>
    withSup((s) => s.identification))],
  ["getState", method("struct", [], "Return the supervisor's state as {statecode, statename}.", () =>
    withSup((s) => Effect.map(s.state, (st) => ({ statecode: st.statecode, statename: st.statename }))))],
  ["getPID", method("int", [], "Return the process id of the supervisor.", () => withSup((s) => s.pid))],
  ["readLog", readLog],
  ["readMainLog", readLog],
  ["clearLog", method("boolean", [], "Truncate the activity log and reopen it.", () => withSup((s) => done(s.clearMainLog)))],
  ["shutdown", method("boolean", [], "Stop every process, then exit the supervisor.", () => withSup((s) => done(s.shutdown)))],
  ["restart", method("boolean", [], "Stop every process, re-read the configuration and start again.", () =>
    withSup((s) => done(s.restart)))],
  ["reloadConfig", method(
    "array",
    [],
    "Re-read the configuration file and return [[added, changed, removed]] group names; nothing is applied.",
    () => withSup((s) => Effect.map(s.reloadConfig, (c) => [[c.added, c.changed, c.removed]]))
  )],
  ["addProcessGroup", method("boolean", [p("string")], "Activate a group from the (re-read) configuration.", (name) =>
    withSup((s) => done(s.addGroup(name))))],
  ["removeProcessGroup", method("boolean", [p("string")], "Remove a group whose processes are all stopped.", (name) =>
    withSup((s) => done(s.removeGroup(name))))],
  ["startProcess", method(
    "boolean",
    [p("string"), wait],
    "Start a process (`name`, `group:name`, or `group:*` for the whole group); with wait, until it is RUNNING.",
    (name, w) => orGroup(name, (s) => s.startProcess(name, w), (s, g) => s.startGroup(g, w))
  )],
  ["startProcessGroup", method("array", [p("string"), wait], "Start every stopped process of a group; one result per process.", (name, w) =>
    withSup((s) => Effect.map(s.startGroup(name, w), results)))],
  ["startAllProcesses", method("array", [wait], "Start every stopped process, in priority order; one result per process.", (w) =>
    withSup((s) => Effect.map(s.startAll(w), results)))],
  ["stopProcess", method("boolean", [p("string"), wait], "Stop a process (or `group:*`); with wait, until it has stopped.", (name, w) =>
    orGroup(name, (s) => s.stopProcess(name, w), (s, g) => s.stopGroup(g, w)))],
  ["stopProcessGroup", method("array", [p("string"), wait], "Stop every running process of a group; one result per process.", (name, w) =>
    withSup((s) => Effect.map(s.stopGroup(name, w), results)))],
  ["stopAllProcesses", method("array", [wait], "Stop every running process; one result per process.", (w) =>
    withSup((s) => Effect.map(s.stopAll(w), results)))],
  ["signalProcess", method("boolean", [p("string"), p("signal")], "Send a signal (name like HUP, or number) to a process (or `group:*`).", (name, sig) =>
    orGroup(name, (s) => s.signalProcess(name, sig), (s, g) => s.signalGroup(g, sig)))],
  ["signalProcessGroup", method("array", [p("string"), p("signal")], "Send a signal to every running process of a group.", (name, sig) =>
    withSup((s) => Effect.map(s.signalGroup(name, sig), results)))],
  ["signalAllProcesses", method("array", [p("signal")], "Send a signal to every running process.", (sig) =>
    withSup((s) => Effect.map(s.signalAll(sig), results)))],
  ["getAllConfigInfo", method("array", [], "Return the configuration of every process, active or not.", () =>
    withSup((s) => Effect.map(s.allConfigInfo, (cs) => cs.map(configInfoStruct))))],
  ["getProcessInfo", method("struct", [p("string")], "Return the state of one process.", (name) =>
    withSup((s) => Effect.map(s.processInfo(name), processInfoStruct)))],
  ["getAllProcessInfo", method("array", [], "Return the state of every process, by group then name.", () =>
    withSup((s) => Effect.map(s.allProcessInfo, (is) => is.map(processInfoStruct))))],
  ["readProcessStdoutLog", readLogOf("stdout")],
  ["readProcessLog", readLogOf("stdout")],
  ["readProcessStderrLog", readLogOf("stderr")],
  ["tailProcessStdoutLog", tailLogOf("stdout")],
  ["tailProcessLog", tailLogOf("stdout")],
  ["tailProcessStderrLog", tailLogOf("stderr")],
  ["clearProcessLogs", clearProcessLogs],
  ["clearProcessLog", clearProcessLogs],
  ["clearAllProcessLogs", method("array", [], "Truncate the logs of every process; one result per process.", () =>
    withSup((s) => Effect.map(s.clearAllProcessLogs, results)))],
  ["sendProcessStdin", method("boolean", [p("string"), p("value")], "Write characters (UTF-8 encoded) or base64 bytes to a process's stdin.", (name, chars) => {
    const bytes = typeof chars === "string" ? utf8.encode(chars) : chars instanceof Uint8Array ? chars : undefined
    // supervisord checks the characters before the name, and names what it refused as Python writes it
    if (bytes === undefined) return fail("INCORRECT_PARAMETERS", pythonStr(chars))
    return withSup((s) =>
      done(s.sendProcessStdin(name, bytes).pipe(
        namedAsGiven(name),
        // no stdin to write to (it closed it, or an fcgi-program's is the socket): NO_FILE with the name as given
        Effect.mapError((e) => e._tag === "NoFile" ? new NoFile({ detail: name }) : e)
      )))
  })],
  ["sendRemoteCommEvent", method(
    "boolean",
    [p("value"), p("value")],
    "Publish a REMOTE_COMMUNICATION event with a type and data (works during shutdown too); other values than strings as Python writes them.",
    // supervisord formats both into the payload with Python's str(): sendRemoteCommEvent(1, 2.5) is `type:1\n2.5`
    (type, data) => withSup((s) => done(s.sendRemoteCommEvent(pythonStr(type), pythonStr(data)))),
    false
  )]
]

const supervisorTable = new Map<string, Method>(supervisorMethods)

/** The interfaces served when none are named: supervisord's main one, as `[rpcinterface:supervisor]` sets it up. */
export const DEFAULT_INTERFACES: ReadonlyArray<string> = ["supervisor"]

/** Every method name served under these interfaces, sorted (what system.listMethods answers). */
export const listMethods = (interfaces: ReadonlyArray<string>): ReadonlyArray<string> =>
  [
    ...interfaces.flatMap((ns) => supervisorMethods.map(([name]) => `${ns}.${name}`)),
    ...systemMethods.map(([name]) => `system.${name}`)
  ].sort()

const systemMethods: ReadonlyArray<readonly [string, Method]> = [
  ["listMethods", systemMethod("array", [], "Return the names of every method this server offers, sorted.", (interfaces) =>
    Effect.succeed(listMethods(interfaces)))],
  // supervisord compares any value with the method names: one that is no string names none (SIGNATURE_UNSUPPORTED)
  ["methodHelp", systemMethod("string", [p("value")], "Return the help text of a method.", (interfaces, name) => {
    const m = lookup(pythonStr(name), interfaces)
    return m === undefined ? fail("SIGNATURE_UNSUPPORTED") : Effect.succeed(m.help)
  })],
  ["methodSignature", systemMethod("array", [p("value")], "Return a method's signature: [return type, parameter types...].", (interfaces, name) => {
    const m = lookup(pythonStr(name), interfaces)
    return m === undefined ? fail("SIGNATURE_UNSUPPORTED") : Effect.succeed([m.returns, ...m.params.map((x) => wireType(x.kind))])
  })],
  ["multicall", systemMethod(
    "array",
    [p("array")],
    "Run an array of {methodName, params} calls in order; return each raw result or its {faultCode, faultString}.",
    (interfaces, calls) => multicall(calls, interfaces)
  )]
]

const systemTable = new Map<string, Method>(systemMethods)

/** The method `namespace.name` names under these interfaces (exactly two dotted parts, as supervisord). */
const lookup = (methodName: string, interfaces: ReadonlyArray<string>): Method | undefined => {
  const dot = methodName.indexOf(".")
  if (dot < 0) return undefined
  const namespace = methodName.slice(0, dot)
  const name = methodName.slice(dot + 1)
  if (namespace === "system") return systemTable.get(name)
  return interfaces.includes(namespace) ? supervisorTable.get(name) : undefined
}

/** The names of every method served by default, sorted. */
export const methodNames: ReadonlyArray<string> = listMethods(DEFAULT_INTERFACES)

const faultStruct = (f: Fault): Struct => ({ faultCode: f.faultCode, faultString: f.faultString })

const notRun = faultStruct(
  makeFault("FAILED", `not run: this system.multicall's answer reached its ${MULTICALL_MAX_ANSWER / 1024 / 1024} MiB limit`)
)

/**
 * Runs the calls in order, yielding between them (so a long multicall never holds up
 * supervision), and measures the answer as it grows (XmlRpc keeps each item's encoding for the
 * response, so nothing is encoded twice).
 */
const multicall = (calls: ReadonlyArray<XmlRpcValue>, interfaces: ReadonlyArray<string>): Effect.Effect<XmlRpcValue, MethodFault, Supervisor> => {
  if (calls.length > MULTICALL_MAX_CALLS) {
    return fail("INCORRECT_PARAMETERS", `at most ${MULTICALL_MAX_CALLS} calls in one system.multicall (${calls.length} given)`)
  }
  return Effect.gen(function*() {
    const results: Array<XmlRpcValue> = []
    let size = 0
    for (const entry of calls) {
      if (size >= MULTICALL_MAX_ANSWER) {
        results.push(notRun)
        continue
      }
      const result = yield* multicallOne(entry, interfaces)
      size += encodedItemLength(result)
      results.push(result)
      yield* Effect.yieldNow
    }
    return results
  })
}

/** One element of a multicall: its raw result (QUIRK Q7), or its fault as a struct. */
const multicallOne = (entry: XmlRpcValue, interfaces: ReadonlyArray<string>): Effect.Effect<XmlRpcValue, never, Supervisor> => {
  const name = isStruct(entry) ? entry["methodName"] : undefined
  const params = isStruct(entry) ? entry["params"] ?? [] : []
  const outcome: Effect.Effect<XmlRpcValue, MethodFault, Supervisor> = typeof name !== "string"
    ? fail("INCORRECT_PARAMETERS", "No methodName")
    : name === "system.multicall"
    ? fail("INCORRECT_PARAMETERS", "Recursive system.multicall forbidden")
    : Array.isArray(params)
    ? call(name, params as ReadonlyArray<XmlRpcValue>, interfaces)
    : fail("INCORRECT_PARAMETERS")
  return outcome.pipe(
    Effect.catchTag("MethodFault", (e) => Effect.succeed(faultStruct(e.fault))),
    Effect.catchDefect((defect) => Effect.succeed(faultStruct(makeFault("FAILED", String(defect)))))
  )
}

// ---------------------------------------------------------------------------------------------
// Dispatch
// ---------------------------------------------------------------------------------------------

/** The values a method's body receives, or undefined when arity or a type is wrong. */
const checkParams = (params: ReadonlyArray<Param>, args: ReadonlyArray<XmlRpcValue>): ReadonlyArray<XmlRpcValue> | undefined => {
  const required = params.filter((x) => !x.optional).length
  if (args.length < required || args.length > params.length) return undefined
  const out: Array<XmlRpcValue> = []
  for (let i = 0; i < params.length; i++) {
    const arg = args[i]
    const value = arg === undefined ? true : coerce(params[i]!.kind, arg)
    if (value === undefined) return undefined
    out.push(value)
  }
  return out
}

/** SHUTDOWN_STATE while the supervisor shuts down or restarts (the contract's rule, `requireRunning`). */
const shutdownGuard = withSup((s) => Effect.flatMap(s.state, (st) => requireRunning(st.statename)))

/** Runs one method call, served under `interfaces`, against the Supervisor service; every failure is a MethodFault. */
export const call = (
  methodName: string,
  params: ReadonlyArray<XmlRpcValue>,
  interfaces: ReadonlyArray<string> = DEFAULT_INTERFACES
): Effect.Effect<XmlRpcValue, MethodFault, Supervisor> => {
  const m = lookup(methodName, interfaces)
  if (m === undefined) return fail("UNKNOWN_METHOD")
  const args = checkParams(m.params, params)
  if (args === undefined) return fail("INCORRECT_PARAMETERS")
  const run = m.run(args, interfaces)
  return (m.guarded ? Effect.andThen(shutdownGuard, run) : run).pipe(
    Effect.catchIf(
      (e): e is SupervisorError => e._tag !== "MethodFault",
      (e) => Effect.fail(new MethodFault({ fault: faultFromError(e) }))
    )
  )
}

/**
 * Answers one `/RPC2` request body with the response document (a value or a fault), in UTF-8, serving
 * the process methods under `interfaces`. Fails only when the body is not a well-formed method call:
 * supervisord answers HTTP 400 then.
 */
export const handle = (
  body: string,
  interfaces: ReadonlyArray<string> = DEFAULT_INTERFACES
): Effect.Effect<Uint8Array, XmlRpcParseError, Supervisor> =>
  Effect.gen(function*() {
    const request = yield* Effect.fromResult(decodeMethodCall(body))
    yield* Effect.logTrace(`XML-RPC method called: ${request.methodName}()`)
    return yield* call(request.methodName, request.params, interfaces).pipe(
      Effect.tap(() => Effect.logTrace(`XML-RPC method ${request.methodName}() returned successfully`)),
      Effect.map(encodeResponse),
      Effect.catchTag("MethodFault", (e) =>
        Effect.as(
          Effect.logTrace(`XML-RPC method ${request.methodName}() returned fault: [${e.fault.faultCode}] ${e.fault.faultString}`),
          encodeFault(e.fault)
        ))
    )
  })
