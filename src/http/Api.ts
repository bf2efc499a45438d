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

/** effsup's `ready=` check of a process: as written, and whether it has succeeded for the current start. */
export const ProcessReadiness = Schema.Struct({
  check: Schema.String,
  ready: Schema.Boolean
}).annotate({ identifier: "ProcessReadiness" })

/** effsup's `healthcheck=` of a process: as written, the verdict of the current run, failed checks in a row, and how many make it unhealthy. */
export const ProcessHealth = Schema.Struct({
  check: Schema.String,
  status: Schema.Literals(["unchecked", "healthy", "unhealthy"]),
  failures: Int,
  retries: Int
}).annotate({ identifier: "ProcessHealth" })

/** One `depends_on` entry a process's start still waits for: what it names and the condition. */
export const DependencyWait = Schema.Struct({
  target: Schema.String,
  condition: Schema.Literals(["running", "started", "completed"])
}).annotate({ identifier: "DependencyWait" })

/**
 * One process: getProcessInfo's struct, JSON-typed, plus its `namespec`. Times are epoch seconds (0 = never).
 * effsup's own members are there only when they apply: `readiness` (a program with `ready=`),
 * `health` (with `healthcheck=`), `waitingFor` (while its start waits on dependencies).
 */
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
  description: Schema.String,
  readiness: Schema.optional(ProcessReadiness),
  health: Schema.optional(ProcessHealth),
  waitingFor: Schema.optional(Schema.Array(DependencyWait))
}).annotate({ identifier: "ProcessInfo" })

/** A `[group:x]`'s restart strategy (effsup): OTP's strategy, its intensity and period, and what happens when exhausted. */
export const GroupStrategy = Schema.Struct({
  strategy: Schema.Literals(["one_for_one", "one_for_all", "rest_for_one"]),
  /** Absent: no limit. */
  maxRestarts: Schema.optional(Int),
  maxRestartsPeriod: Int,
  onExhausted: Schema.Literals(["stop", "fatal", "shutdown"])
}).annotate({ identifier: "GroupStrategy" })

/**
 * A group and its processes (namespecs, in supervisord's order), with its restart strategy and
 * what the strategy restarted: `restarts` since the group was made, `recentRestarts` of them
 * within max_restarts_period (what max_restarts is held against). Both 0 for a group that does
 * not manage its members (one_for_one without max_restarts: each process restarts itself).
 */
export const GroupInfo = Schema.Struct({
  name: Schema.String,
  priority: Int,
  processes: Schema.Array(Schema.String),
  supervision: GroupStrategy,
  restarts: Int,
  recentRestarts: Int
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

/** An endpoint's summary and description in the OpenAPI document. */
const doc = (summary: string, description?: string) =>
  OpenApi.annotations(description === undefined ? { summary } : { summary, description })

const NAMES = "`namespec` is `name`, `group:name`, `group:*` (or `group:`) for a whole group, or `all`."
const LOG_RANGE = "Raw bytes with supervisord's offset/length rules: offset ≥ 0 with length 0 reads to the end, " +
  "length > 0 reads that many bytes; a negative offset with length 0 reads the last bytes. Without either: the last 16 KiB."
const FOLLOW = "Server-Sent Events: `start` {offset}, then `log` {offset, text} as the file grows, `reset` {reason} " +
  "when it is rotated or cleared. Ids are `<inode>:<offset>`: reconnecting with Last-Event-ID resumes there. " +
  "`tail` sets how many bytes of existing output come first (default 16384)."

const action = (name: "start" | "stop" | "restart", summary: string) =>
  HttpApiEndpoint.post(name, `/processes/:namespec/${name}`, {
    params: namespec,
    query: wait,
    success: Schema.Array(ProcessResult),
    error: ApiErrors
  }).annotateMerge(doc(summary, `${NAMES} With wait (the default) the answer comes once it is done, as with supervisorctl.`))

/** Processes and groups: state, actions, logs. */
export class ProcessesGroup extends HttpApiGroup.make("processes")
  .add(
    HttpApiEndpoint.get("list", "/processes", { success: Schema.Array(ProcessInfo), error: ApiErrors })
      .annotateMerge(doc("Every process, by group then name (getAllProcessInfo)")),
    HttpApiEndpoint.get("get", "/processes/:namespec", { params: namespec, success: ProcessInfo, error: ApiErrors })
      .annotateMerge(doc("One process (getProcessInfo); a group name is BAD_NAME")),
    HttpApiEndpoint.get("groups", "/groups", { success: Schema.Array(GroupInfo), error: ApiErrors })
      .annotateMerge(doc("Every active group with its processes")),
    action("start", "Start a process, a group or all"),
    action("stop", "Stop a process, a group or all"),
    action("restart", "Stop, then start, a process, a group or all"),
    HttpApiEndpoint.post("clear", "/processes/:namespec/clear", {
      params: namespec,
      success: Schema.Array(ProcessResult),
      error: ApiErrors
    }).annotateMerge(doc("Clear the stdout and stderr logs of a process, a group or all", NAMES)),
    HttpApiEndpoint.post("signal", "/processes/:namespec/signal", {
      params: namespec,
      payload: Schema.Struct({ signal: Schema.Union([Schema.String, Int]) }),
      success: Schema.Array(ProcessResult),
      error: ApiErrors
    }).annotateMerge(doc("Send a signal (HUP, SIGHUP or a number) to a process, a group or all", NAMES)),
    HttpApiEndpoint.get("readLog", "/processes/:namespec/log/:channel", {
      params: { ...namespec, ...channel },
      query: logRange,
      success: rawLog,
      error: ApiErrors
    }).annotateMerge(doc("Read a process's stdout or stderr log", LOG_RANGE)),
    HttpApiEndpoint.get("followLog", "/processes/:namespec/log/:channel/follow", {
      params: { ...namespec, ...channel },
      query: followFrom,
      headers: lastEventId,
      success: sse,
      error: ApiErrors
    }).annotateMerge(doc("Follow a process's log as it grows", FOLLOW))
  )
  .annotateMerge(OpenApi.annotations({ title: "Processes", description: "Process state, actions and logs" }))
{}

/** The daemon: identity, activity log, config reload, the event stream. */
export class SupervisorGroup extends HttpApiGroup.make("supervisor")
  .add(
    HttpApiEndpoint.get("info", "/supervisor", { success: SupervisorInfo, error: ApiErrors })
      .annotateMerge(doc("The daemon: identification, pid, state, version")),
    HttpApiEndpoint.get("readMainLog", "/mainlog", { query: logRange, success: rawLog, error: ApiErrors })
      .annotateMerge(doc("Read the activity log", LOG_RANGE)),
    HttpApiEndpoint.get("followMainLog", "/mainlog/follow", {
      query: followFrom,
      headers: lastEventId,
      success: sse,
      error: ApiErrors
    }).annotateMerge(doc("Follow the activity log as it grows", FOLLOW)),
    HttpApiEndpoint.post("clearMainLog", "/mainlog/clear", { success: HttpApiSchema.NoContent, error: ApiErrors })
      .annotateMerge(doc("Clear the activity log")),
    HttpApiEndpoint.post("reread", "/reread", { success: ConfigChanges, error: ApiErrors })
      .annotateMerge(doc("Re-read the config file: the groups it adds, changes and removes (nothing is applied)")),
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
    }).annotateMerge(doc(
      "Re-read the config file and apply it (supervisorctl update)",
      "With dryRun the plan is the answer and nothing changes. Removed groups are stopped and removed, changed " +
        "ones stopped, removed and added again, added ones added; `groups` limits it to those groups."
    )),
    HttpApiEndpoint.get("events", "/events", { headers: lastEventId, success: sse, error: ApiErrors })
      .annotateMerge(doc(
        "Every event of the bus, as Server-Sent Events",
        "`hello` first; then each event under its supervisord name with JSON data and id `<bootId>-<n>`; each " +
          "PROCESS_STATE_* is followed by `process` (the process info once it shows that state). Reconnecting with " +
          "Last-Event-ID replays the missed events while they are buffered, else sends `gap` {reason, missed}."
      ))
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
