/**
 * The JSON API's handlers: each endpoint of Api.ts is a thin call into the `Supervisor` service.
 * Name forms follow supervisord: `name`, `group:name`, `group:*` (or `group:`) for a whole group,
 * and `all` for every process (start/stop/restart/signal/clear). Single-process actions answer a
 * one-element result list or an error; group and all actions answer one result per process, as
 * supervisord's group methods do. Domain errors become `{ code, message }` (ApiErrors.ts).
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import type * as Path from "effect/Path"
import * as Stream from "effect/Stream"
import { HttpApiBuilder } from "effect/http-api"
import { BadName, type SupervisorError } from "../domain/Errors.ts"
import { namespec, parseNameSpec } from "../domain/Names.ts"
import { VERSION } from "../domain/Version.ts"
import type { Channel, ProcessResult } from "../supervisor/Api.ts"
import type { Supervisor } from "../supervisor/Supervisor.ts"
import { Api } from "./Api.ts"
import { fromSupervisorError } from "./ApiErrors.ts"
import { groupInfoJson, processInfoJson, resultJson, resultsJson } from "./ApiJson.ts"
import type { EventFeed } from "./EventFeed.ts"
import { DEFAULT_TAIL, logEvents } from "./LogStream.ts"
import { update } from "./Update.ts"

/** What the handlers need. */
export interface HandlerDeps {
  readonly supervisor: Supervisor["Service"]
  readonly feed: EventFeed
  /** Completes when the servers close: every stream ends then. */
  readonly until: Effect.Effect<void>
}

/** What a name spec designates. */
type Target =
  | { readonly _tag: "All" }
  | { readonly _tag: "Group"; readonly group: string }
  | { readonly _tag: "Process"; readonly spec: string; readonly group: string; readonly name: string }

const targetOf = (spec: string): Target => {
  if (spec === "all") return { _tag: "All" }
  const { group, process } = parseNameSpec(spec)
  return process === undefined ? { _tag: "Group", group } : { _tag: "Process", spec, group, name: process }
}

const apiErrors = Effect.mapError(fromSupervisorError)

/** The log range to read: supervisord's offset/length, defaulting to the last DEFAULT_TAIL bytes. */
const logRange = (query: { readonly offset?: number | undefined; readonly length?: number | undefined }) =>
  query.offset === undefined && query.length === undefined
    ? { offset: -DEFAULT_TAIL, length: 0 }
    : { offset: query.offset ?? 0, length: query.length ?? 0 }

/** The handlers of both API groups. */
export const layer = (deps: HandlerDeps) => {
  const { supervisor, feed, until } = deps

  /** Run a per-target action: one process (its result or its error), a group, or all. */
  const act = (
    spec: string,
    one: (spec: string) => Effect.Effect<void, SupervisorError>,
    group: (group: string) => Effect.Effect<ReadonlyArray<ProcessResult>, SupervisorError>,
    all: Effect.Effect<ReadonlyArray<ProcessResult>, SupervisorError>
  ) => {
    const target = targetOf(spec)
    const run = target._tag === "All"
      ? Effect.map(all, resultsJson)
      : target._tag === "Group"
      ? Effect.map(group(target.group), resultsJson)
      : Effect.as(one(target.spec), [resultJson(target.group, target.name, undefined)])
    return apiErrors(run)
  }

  /** Stop, then start; a process that was not running is simply started. */
  const restartOne = (spec: string, wait: boolean) =>
    supervisor.stopProcess(spec, true).pipe(
      Effect.catchTag("NotRunning", () => Effect.void),
      Effect.andThen(supervisor.startProcess(spec, wait))
    )
  const restartMany = (
    stop: Effect.Effect<ReadonlyArray<ProcessResult>, SupervisorError>,
    start: Effect.Effect<ReadonlyArray<ProcessResult>, SupervisorError>
  ) =>
    Effect.gen(function*() {
      const stopped = yield* stop
      const started = yield* start
      return [...stopped.filter((r) => r.error !== undefined), ...started]
    })

  const clearGroup = (group: string) =>
    Effect.gen(function*() {
      const members = (yield* supervisor.allProcessInfo).filter((p) => p.group === group)
      if (members.length === 0) return yield* new BadName({ detail: group })
      return yield* Effect.forEach(members, (p) =>
        supervisor.clearProcessLogs(`${p.group}:${p.name}`).pipe(
          Effect.result,
          Effect.map((r): ProcessResult => ({ name: p.name, group: p.group, error: r._tag === "Failure" ? r.failure : undefined }))
        ))
    })

  const logFollow = (path: Effect.Effect<string, SupervisorError>, tail: number | undefined, lastEventId: string | undefined) =>
    Effect.gen(function*() {
      const file = yield* apiErrors(path)
      const services = yield* Effect.context<FileSystem.FileSystem | Path.Path>()
      return Stream.provideContext(logEvents(file, { tail, lastEventId, until }), services)
    })

  const processes = HttpApiBuilder.group(Api, "processes", (handlers) =>
    handlers
      .handle("list", () => Effect.map(supervisor.allProcessInfo, (all) => all.map(processInfoJson)))
      .handle("get", ({ params }) => apiErrors(Effect.map(supervisor.processInfo(params.namespec), processInfoJson)))
      .handle("groups", () =>
        Effect.gen(function*() {
          const status = new Map((yield* supervisor.allGroupStatus).map((g) => [g.name, g]))
          const groups = new Map<string, Array<string>>()
          for (const p of yield* supervisor.allProcessInfo) {
            const members = groups.get(p.group) ?? []
            members.push(namespec(p.group, p.name))
            groups.set(p.group, members)
          }
          return [...groups].map(([name, members]) => groupInfoJson(name, members, status.get(name)))
        }))
      .handle("start", ({ params, query }) =>
        act(
          params.namespec,
          (spec) => supervisor.startProcess(spec, query.wait ?? true),
          (group) => supervisor.startGroup(group, query.wait ?? true),
          supervisor.startAll(query.wait ?? true)
        ))
      .handle("stop", ({ params, query }) =>
        act(
          params.namespec,
          (spec) => supervisor.stopProcess(spec, query.wait ?? true),
          (group) => supervisor.stopGroup(group, query.wait ?? true),
          supervisor.stopAll(query.wait ?? true)
        ))
      .handle("restart", ({ params, query }) =>
        act(
          params.namespec,
          (spec) => restartOne(spec, query.wait ?? true),
          (group) => restartMany(supervisor.stopGroup(group, true), supervisor.startGroup(group, query.wait ?? true)),
          restartMany(supervisor.stopAll(true), supervisor.startAll(query.wait ?? true))
        ))
      .handle("clear", ({ params }) =>
        act(params.namespec, supervisor.clearProcessLogs, clearGroup, supervisor.clearAllProcessLogs))
      .handle("signal", ({ params, payload }) => {
        const signal = String(payload.signal)
        return act(
          params.namespec,
          (spec) => supervisor.signalProcess(spec, signal),
          (group) => supervisor.signalGroup(group, signal),
          supervisor.signalAll(signal)
        )
      })
      .handle("readLog", ({ params, query }) => {
        const { offset, length } = logRange(query)
        return apiErrors(supervisor.readProcessLog(params.namespec, params.channel satisfies Channel, offset, length))
      })
      .handle("followLog", ({ params, query, headers }) =>
        logFollow(supervisor.processLogPath(params.namespec, params.channel), query.tail, headers["last-event-id"]))
  )

  const daemon = HttpApiBuilder.group(Api, "supervisor", (handlers) =>
    handlers
      .handle("info", () =>
        Effect.all({
          identification: supervisor.identification,
          pid: supervisor.pid,
          state: supervisor.state
        }).pipe(Effect.map(({ identification, pid, state }) => ({
          identification,
          pid,
          statecode: state.statecode,
          statename: state.statename,
          version: VERSION,
          bootId: feed.bootId
        }))))
      .handle("readMainLog", ({ query }) => {
        const { offset, length } = logRange(query)
        return apiErrors(supervisor.readMainLog(offset, length))
      })
      .handle("followMainLog", ({ query, headers }) => logFollow(supervisor.mainLogPath, query.tail, headers["last-event-id"]))
      .handle("clearMainLog", () => apiErrors(supervisor.clearMainLog))
      .handle("reread", () => apiErrors(supervisor.reloadConfig))
      .handle("update", ({ payload }) =>
        apiErrors(update(supervisor, { dryRun: payload?.dryRun ?? false, only: payload?.groups ?? [] })))
      .handle("events", ({ headers }) => Effect.succeed(feed.stream(headers["last-event-id"])))
  )

  return Layer.mergeAll(processes, daemon)
}
