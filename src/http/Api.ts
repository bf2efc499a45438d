/**
 * The JSON API under `/api/v1`, declared once with effect's `HttpApi`: the server's routes and
 * their validation (ApiHandlers.ts), the typed client (`HttpApiClient.make(Api)`) and the OpenAPI
 * document (`GET /api/v1/openapi.json`) all come from this definition.
 *
 * Shapes follow supervisord's XML-RPC structs with JSON types: process info keeps getProcessInfo's
 * keys (plus `namespec`), results keep the result struct's `status`/`description` (plus `code`).
 * Errors are `{ code, message }` with supervisord's fault name as `code`; each HTTP status has its
 * own error schema whose `code` literals say which faults travel with it (ApiErrors.ts).
 * See shared/reference/supervisord-4.2.5.md §5.3-5.5.
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { ProcessStateCode } from "../domain/ProcessState.ts"
import { VERSION } from "../domain/Version.ts"
import { ApiErrors } from "./ApiErrors.ts"

/** Where the API is mounted. */
export const API_PREFIX = "/api/v1"

const Int = Schema.Int

/** A supervisord process state name. */
export const ProcessStateName = Schema.Literals(
  Object.keys(ProcessStateCode) as ReadonlyArray<keyof typeof ProcessStateCode>
)

/** One process: getProcessInfo's struct, JSON-typed, plus its `namespec`. Times are epoch seconds (0 = never). */
export const ProcessInfo = Schema.Struct({
  namespec: Schema.String,
  name: Schema.String,
  group: Schema.String,
  start: Int,
  stop: Int,
  now: Int,
  state: Int,
  statename: ProcessStateName,
  spawnerr: Schema.String,
  exitstatus: Int,
  logfile: Schema.String,
  stdout_logfile: Schema.String,
  stderr_logfile: Schema.String,
  pid: Int,
  description: Schema.String
}).annotate({ identifier: "ProcessInfo" })

/** A group and its processes (namespecs, in supervisord's order). */
export const GroupInfo = Schema.Struct({
  name: Schema.String,
  priority: Int,
  processes: Schema.Array(Schema.String)
}).annotate({ identifier: "GroupInfo" })

/** The outcome for one process of an action (supervisord's result struct plus `namespec` and `code`). */
export const ProcessResult = Schema.Struct({
  namespec: Schema.String,
  name: Schema.String,
  group: Schema.String,
  /** 80 (SUCCESS) or the fault code. */
  status: Int,
  /** `SUCCESS` or the fault name. */
  code: Schema.String,
  /** `OK` or supervisord's `FAULT: detail`. */
  description: Schema.String
}).annotate({ identifier: "ProcessResult" })

/** The daemon itself. */
export const SupervisorInfo = Schema.Struct({
  identification: Schema.String,
  pid: Int,
  statecode: Int,
  statename: Schema.String,
  version: Schema.String,
  /** Changes whenever the daemon (re)starts its servers: event ids carry it. */
  bootId: Schema.String
}).annotate({ identifier: "SupervisorInfo" })

/** Group names a re-read config adds, changes and removes (reloadConfig's answer). */
export const ConfigChanges = Schema.Struct({
  added: Schema.Array(Schema.String),
  changed: Schema.Array(Schema.String),
  removed: Schema.Array(Schema.String)
}).annotate({ identifier: "ConfigChanges" })

/** What `update` did to one group. */
export const GroupUpdate = Schema.Struct({
  group: Schema.String,
  action: Schema.Literals(["added", "changed", "removed"]),
  /** `OK`, or why the group was left as it was. */
  outcome: Schema.String
}).annotate({ identifier: "GroupUpdate" })

/** `update`'s answer: the plan, and with `dryRun: false` what was done per group. */
export const UpdateResult = Schema.Struct({
  plan: ConfigChanges,
  dryRun: Schema.Boolean,
  groups: Schema.Array(GroupUpdate)
}).annotate({ identifier: "UpdateResult" })

/** One Server-Sent Event as sent: `event:` name, `id:`, and JSON `data`. */
export const SseEvent = Schema.Struct({
  id: Schema.optional(Schema.String),
  event: Schema.String,
  data: Schema.String
})

const namespec = { namespec: Schema.String }
const channel = { channel: Schema.Literals(["stdout", "stderr"]) }
const wait = { wait: Schema.optional(Schema.Boolean) }
const logRange = { offset: Schema.optional(Int), length: Schema.optional(Int) }
const followFrom = { tail: Schema.optional(Int) }
const lastEventId = { "last-event-id": Schema.optional(Schema.String) }
const rawLog = Schema.Uint8Array.pipe(HttpApiSchema.asUint8Array({ contentType: "text/plain; charset=utf-8" }))
const sse = HttpApiSchema.StreamSse({ events: SseEvent })

const action = (name: "start" | "stop" | "restart") =>
  HttpApiEndpoint.post(name, `/processes/:namespec/${name}`, {
    params: namespec,
    query: wait,
    success: Schema.Array(ProcessResult),
    error: ApiErrors
  })

/** Processes and groups: state, actions, logs. */
export class ProcessesGroup extends HttpApiGroup.make("processes")
  .add(
    HttpApiEndpoint.get("list", "/processes", { success: Schema.Array(ProcessInfo), error: ApiErrors }),
    HttpApiEndpoint.get("get", "/processes/:namespec", { params: namespec, success: ProcessInfo, error: ApiErrors }),
    HttpApiEndpoint.get("groups", "/groups", { success: Schema.Array(GroupInfo), error: ApiErrors }),
    action("start"),
    action("stop"),
    action("restart"),
    HttpApiEndpoint.post("clear", "/processes/:namespec/clear", {
      params: namespec,
      success: Schema.Array(ProcessResult),
      error: ApiErrors
    }),
    HttpApiEndpoint.post("signal", "/processes/:namespec/signal", {
      params: namespec,
      payload: Schema.Struct({ signal: Schema.Union([Schema.String, Int]) }),
      success: Schema.Array(ProcessResult),
      error: ApiErrors
    }),
    HttpApiEndpoint.get("readLog", "/processes/:namespec/log/:channel", {
      params: { ...namespec, ...channel },
      query: logRange,
      success: rawLog,
      error: ApiErrors
    }),
    HttpApiEndpoint.get("followLog", "/processes/:namespec/log/:channel/follow", {
      params: { ...namespec, ...channel },
      query: followFrom,
      headers: lastEventId,
      success: sse,
      error: ApiErrors
    })
  )
  .annotateMerge(OpenApi.annotations({ title: "Processes", description: "Process state, actions and logs" }))
{}

/** The daemon: identity, activity log, config reload, the event stream. */
export class SupervisorGroup extends HttpApiGroup.make("supervisor")
  .add(
    HttpApiEndpoint.get("info", "/supervisor", { success: SupervisorInfo, error: ApiErrors }),
    HttpApiEndpoint.get("readMainLog", "/mainlog", { query: logRange, success: rawLog, error: ApiErrors }),
    HttpApiEndpoint.get("followMainLog", "/mainlog/follow", {
      query: followFrom,
      headers: lastEventId,
      success: sse,
      error: ApiErrors
    }),
    HttpApiEndpoint.post("clearMainLog", "/mainlog/clear", { success: HttpApiSchema.NoContent, error: ApiErrors }),
    HttpApiEndpoint.post("reread", "/reread", { success: ConfigChanges, error: ApiErrors }),
    HttpApiEndpoint.post("update", "/update", {
      // an empty body is null: update everything
      payload: [
        Schema.Null,
        Schema.Struct({
          dryRun: Schema.optional(Schema.Boolean),
          groups: Schema.optional(Schema.Array(Schema.String))
        })
      ],
      success: UpdateResult,
      error: ApiErrors
    }),
    HttpApiEndpoint.get("events", "/events", { headers: lastEventId, success: sse, error: ApiErrors })
  )
  .annotateMerge(OpenApi.annotations({ title: "Supervisor", description: "The daemon, its activity log and events" }))
{}

/** The whole API, mounted at `/api/v1`. */
export class Api extends HttpApi.make("effsup")
  .add(ProcessesGroup)
  .add(SupervisorGroup)
  .prefix(API_PREFIX)
  .annotateMerge(OpenApi.annotations({
    title: "effsup",
    version: VERSION,
    description: "Control and observe an effsup daemon. Every request needs the server's Basic credentials " +
      "when it has any; state changes are POSTs and are refused from other sites."
  }))
{}
