/**
 * A scripted, in-memory `Supervisor` for transport tests (rpc/, http/): a fixed set of
 * processes whose states start/stop/signal flip, log reads served from given files, every
 * call recorded, and any method replaceable through `overrides`.
 * Invariant: it never spawns anything; methods it does not script die with "not scripted".
 * @since 0.1.0
 */
import { Effect, Layer, Stream } from "effect"
import * as Fs from "node:fs"
import { DEFAULT_SUPERVISION } from "../../src/config/Programs.ts"
import { AlreadyStarted, BadArguments, BadName, NoFile, NotRunning } from "../../src/domain/Errors.ts"
import { RUNNING_STATES, type SupervisorState, SupervisorStateCode } from "../../src/domain/ProcessState.ts"
import type { Channel, ConfigInfo, ProcessInfo, ProcessResult } from "../../src/supervisor/Api.ts"
import { configInfo as toConfigInfo } from "../../src/supervisor/ConfigInfo.ts"
import { requireRunning, Supervisor, type SupervisorShape } from "../../src/supervisor/Supervisor.ts"
import { processConfig, programGroup } from "./Configs.ts"

/** One recorded call: the method name and its arguments. */
export type FakeCall = readonly [method: string, ...args: ReadonlyArray<unknown>]

/** What the fake starts with. */
export interface FakeOptions {
  readonly processes?: ReadonlyArray<ProcessInfo>
  /** Log file per `group:name` and channel, keyed `group:name/stdout`. */
  readonly logFiles?: Readonly<Record<string, string>>
  readonly mainLog?: string
  readonly overrides?: Partial<SupervisorShape>
}

/** A process info with sensible defaults. */
export const processInfo = (p: Partial<ProcessInfo> & { readonly name: string }): ProcessInfo => ({
  group: p.name,
  start: 1_700_000_000,
  stop: 0,
  now: 1_700_000_005,
  state: "RUNNING",
  spawnerr: "",
  exitstatus: 0,
  stdoutLogfile: `/tmp/${p.name}.log`,
  stderrLogfile: "",
  pid: 4242,
  description: "pid 4242, uptime 0:00:05",
  ...p
})

/** The config info of an active `[program:<name>]` running `/bin/cat` with every default, then `c`. */
export const configInfo = (c: Partial<ConfigInfo> & { readonly name: string }): ConfigInfo =>
  ({ ...toConfigInfo(programGroup(c.name), processConfig({ name: c.name }), true), ...c })

/** The default world: `cat` (RUNNING) and `web:web_00`, `web:web_01` (STOPPED). */
export const defaultProcesses: ReadonlyArray<ProcessInfo> = [
  processInfo({ name: "cat" }),
  processInfo({ name: "web_00", group: "web", state: "STOPPED", pid: 0, description: "Not started" }),
  processInfo({ name: "web_01", group: "web", state: "STOPPED", pid: 0, description: "Not started" })
]

/** A fake Supervisor: its layer, the calls it received, and a switch for the supervisor state. */
export const makeFakeSupervisor = (options: FakeOptions = {}) => {
  const calls: Array<FakeCall> = []
  const procs = new Map((options.processes ?? defaultProcesses).map((p) => [`${p.group}:${p.name}`, p]))
  let supervisorState: SupervisorState = "RUNNING"

  const record = (method: string, ...args: ReadonlyArray<unknown>) => Effect.sync(() => void calls.push([method, ...args]))
  const notScripted = (method: string) => Effect.die(`FakeSupervisor: ${method} not scripted`)
  const guard = Effect.suspend(() => requireRunning(supervisorState))
  const find = (spec: string) =>
    Effect.suspend(() => {
      const key = spec.includes(":") ? spec : `${spec}:${spec}`
      const p = procs.get(key)
      return p === undefined ? Effect.fail(new BadName({ detail: spec })) : Effect.succeed(p)
    })
  const set = (p: ProcessInfo, change: Partial<ProcessInfo>) => Effect.sync(() => void procs.set(`${p.group}:${p.name}`, { ...p, ...change }))
  const inGroup = (group: string) =>
    Effect.suspend(() => {
      const ps = [...procs.values()].filter((p) => p.group === group)
      return ps.length === 0 ? Effect.fail(new BadName({ detail: group })) : Effect.succeed(ps)
    })
  const ok = (p: ProcessInfo): ProcessResult => ({ name: p.name, group: p.group, error: undefined })
  const readFile = (path: string, offset: number, length: number) =>
    Effect.suspend((): Effect.Effect<Uint8Array, NoFile | BadArguments> => {
      if (!Fs.existsSync(path)) return Effect.fail(new NoFile({ detail: path }))
      if ((offset < 0 && length !== 0) || length < 0) return Effect.fail(new BadArguments({ detail: "" }))
      const all = Fs.readFileSync(path)
      const from = offset < 0 ? Math.max(0, all.length + offset) : offset
      return Effect.succeed(new Uint8Array(all.subarray(from, length === 0 ? all.length : from + length)))
    })
  const logPath = (spec: string, channel: Channel) =>
    Effect.flatMap(find(spec), (p) => {
      const path = options.logFiles?.[`${p.group}:${p.name}/${channel}`]
      return path === undefined ? Effect.fail(new NoFile({ detail: "" })) : Effect.succeed(path)
    })

  const shape: SupervisorShape = {
    config: notScripted("config"),
    state: Effect.sync(() => ({ statecode: SupervisorStateCode[supervisorState], statename: supervisorState })),
    identification: Effect.succeed("supervisor"),
    pid: Effect.succeed(1234),
    processInfo: (spec) => Effect.andThen(record("processInfo", spec), find(spec)),
    allProcessInfo: Effect.sync(() => [...procs.values()].sort((a, b) => a.group.localeCompare(b.group) || a.name.localeCompare(b.name))),
    allConfigInfo: Effect.sync(() => [...procs.values()].map((p) => configInfo({ name: p.name, group: p.group }))),
    allGroupStatus: Effect.sync(() =>
      [...new Set([...procs.values()].map((p) => p.group))].sort().map((name) => ({
        name,
        priority: 999,
        supervision: DEFAULT_SUPERVISION,
        restarts: 0,
        recentRestarts: 0
      }))),
    startProcess: (spec, wait) =>
      record("startProcess", spec, wait).pipe(
        Effect.andThen(guard),
        Effect.andThen(find(spec)),
        Effect.flatMap((p) =>
          RUNNING_STATES.has(p.state) ? Effect.fail(new AlreadyStarted({ detail: spec })) : set(p, { state: "RUNNING", pid: 999 })
        )
      ),
    startGroup: (group, wait) =>
      record("startGroup", group, wait).pipe(
        Effect.andThen(guard),
        Effect.andThen(inGroup(group)),
        Effect.flatMap((ps) => Effect.forEach(ps.filter((p) => !RUNNING_STATES.has(p.state)), (p) => Effect.as(set(p, { state: "RUNNING" }), ok(p))))
      ),
    startAll: (wait) => Effect.andThen(record("startAll", wait), Effect.succeed([])),
    stopProcess: (spec, wait) =>
      record("stopProcess", spec, wait).pipe(
        Effect.andThen(guard),
        Effect.andThen(find(spec)),
        Effect.flatMap((p) =>
          RUNNING_STATES.has(p.state) ? set(p, { state: "STOPPED", pid: 0 }) : Effect.fail(new NotRunning({ detail: spec }))
        )
      ),
    stopGroup: (group, wait) => Effect.andThen(record("stopGroup", group, wait), Effect.map(inGroup(group), (ps) => ps.map(ok))),
    stopAll: (wait) => Effect.andThen(record("stopAll", wait), Effect.succeed([])),
    signalProcess: (spec, signal) => Effect.andThen(record("signalProcess", spec, signal), Effect.asVoid(find(spec))),
    signalGroup: (group, signal) => Effect.andThen(record("signalGroup", group, signal), Effect.map(inGroup(group), (ps) => ps.map(ok))),
    signalAll: (signal) => Effect.andThen(record("signalAll", signal), Effect.succeed([])),
    readProcessLog: (spec, channel, offset, length) =>
      Effect.flatMap(logPath(spec, channel), (path) => readFile(path, offset, length)),
    tailProcessLog: (spec, channel, offset, length) =>
      Effect.andThen(record("tailProcessLog", spec, channel, offset, length), Effect.as(find(spec), { bytes: new Uint8Array(), offset: 0, overflow: false })),
    clearProcessLogs: (spec) => Effect.andThen(record("clearProcessLogs", spec), Effect.asVoid(find(spec))),
    clearAllProcessLogs: Effect.succeed([]),
    readMainLog: (offset, length) =>
      options.mainLog === undefined ? Effect.fail(new NoFile({ detail: "" })) : readFile(options.mainLog, offset, length),
    clearMainLog: Effect.void,
    reopenLogs: record("reopenLogs"),
    processLogPath: logPath,
    mainLogPath: options.mainLog === undefined ? Effect.fail(new NoFile({ detail: "" })) : Effect.succeed(options.mainLog),
    sendProcessStdin: (spec, data) => Effect.andThen(record("sendProcessStdin", spec, data), Effect.asVoid(find(spec))),
    sendRemoteCommEvent: (type, data) => record("sendRemoteCommEvent", type, data),
    reloadConfig: Effect.succeed({ added: ["new"], changed: [], removed: ["old"] }),
    addGroup: (name) => record("addGroup", name),
    removeGroup: (name) => record("removeGroup", name),
    shutdown: Effect.andThen(guard, Effect.sync(() => void (supervisorState = "SHUTDOWN"))),
    restart: Effect.andThen(guard, Effect.sync(() => void (supervisorState = "RESTARTING"))),
    awaitExitRequest: Effect.never,
    exitStatus: Effect.succeed(0),
    subscribe: Effect.succeed(Stream.empty),
    subscribeWithDrops: Effect.succeed(Stream.empty),
    events: Stream.empty,
    observe: () => Effect.void,
    ...options.overrides
  }
  return {
    calls,
    layer: Layer.succeed(Supervisor, Supervisor.of(shape)),
    setState: (s: SupervisorState) => void (supervisorState = s)
  } as const
}
