/**
 * supervisord's `description` column of getProcessInfo / `status`, computed from a snapshot:
 * `pid 123, uptime 0:00:14` when RUNNING, the spawn error when BACKOFF/FATAL, the stop time
 * (`Nov 23 02:12 AM`, local time) or `Not started` when STOPPED/EXITED, '' otherwise.
 * effsup adds what its checks say, only for a program that has them: with `ready=`, RUNNING ends
 * in `, ready` and STARTING reads `waiting for tcp:localhost:8080` (or `ready, waiting for
 * startsecs`); with `healthcheck=`, RUNNING ends in `, healthy` or `, unhealthy (2/3)` (failed
 * checks in a row, of healthcheck_retries); with `ready=notify`, the child's `STATUS=` follows in
 * parentheses (`ready (Listening on :8080)`, `waiting for notify (Loading 40%)`) and a `MAINPID=`
 * other than its pid is shown (`, main pid 4242`). {@link checkInfo} is where those facts come from.
 * A process whose start waits on its dependencies says what it waits for ({@link waitingFor}).
 * supervisord: rpcinterface.py `_interpretProcessInfo`.
 * @since 0.1.0
 */
import { checkText } from "../config/Checks.ts"
import type { Dependency, ProcessConfig } from "../config/Types.ts"
import type { ProcessState } from "../domain/ProcessState.ts"
import type { ProcessSnapshot } from "../process/ProcessActor.ts"
import type { ProcessHealth, ProcessReadiness } from "./Api.ts"

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
const pad2 = (n: number) => String(n).padStart(2, "0")

/** Python's `str(timedelta)` for whole seconds: `0:00:14`, `1 day, 2:03:04`, `5 days, 7:18:14`. */
export const formatUptime = (seconds: number): string => {
  const s = Math.max(0, Math.floor(seconds))
  const days = Math.floor(s / 86400)
  const rest = s % 86400
  const clock = `${Math.floor(rest / 3600)}:${pad2(Math.floor((rest % 3600) / 60))}:${pad2(rest % 60)}`
  return days === 0 ? clock : `${days} day${days === 1 ? "" : "s"}, ${clock}`
}

/** `strftime('%b %d %I:%M %p')` in local time. */
export const formatStopTime = (epochSeconds: number): string => {
  const d = new Date(epochSeconds * 1000)
  const hour12 = d.getHours() % 12 === 0 ? 12 : d.getHours() % 12
  return `${MONTHS[d.getMonth()]} ${pad2(d.getDate())} ${pad2(hour12)}:${pad2(d.getMinutes())} ${d.getHours() < 12 ? "AM" : "PM"}`
}

/** What a program's effsup checks say, for getProcessInfo: a field per check it has, none otherwise. */
export const checkInfo = (
  snapshot: ProcessSnapshot,
  config: Pick<ProcessConfig, "ready" | "healthcheck" | "healthcheckRetries">
): { readonly readiness?: ProcessReadiness; readonly health?: ProcessHealth } => {
  const live = snapshot.state === "STARTING" || snapshot.state === "RUNNING"
  const readiness = config.ready === undefined ? undefined : {
    check: checkText(config.ready),
    ready: live && snapshot.ready,
    ...(live && snapshot.notifyStatus !== "" ? { status: snapshot.notifyStatus } : {}),
    ...(live && snapshot.mainPid !== 0 ? { mainPid: snapshot.mainPid } : {})
  }
  const health = config.healthcheck === undefined ? undefined : {
    check: checkText(config.healthcheck),
    status: snapshot.health,
    failures: snapshot.healthFailures,
    retries: config.healthcheckRetries
  }
  return readiness === undefined ? (health === undefined ? {} : { health }) : health === undefined ? { readiness } : { readiness, health }
}

/** What a notify child said of itself: ` (STATUS)`, `, main pid N` (when not its pid), or ''. */
const notifyText = (readiness: ProcessReadiness | undefined, pid: number, part: "status" | "mainPid"): string =>
  part === "status"
    ? readiness?.status === undefined ? "" : ` (${readiness.status})`
    : readiness?.mainPid === undefined || readiness.mainPid === pid ? "" : `, main pid ${readiness.mainPid}`

const healthText = (health: ProcessHealth): string =>
  health.failures > 0
    ? `, unhealthy (${Math.min(health.failures, health.retries)}/${health.retries})`
    : health.status === "healthy"
    ? ", healthy"
    : ""

/** The description for a process in `state`. Times are epoch seconds. */
export const describe = (info: {
  readonly name: string
  readonly state: ProcessState
  readonly pid: number
  readonly start: number
  readonly stop: number
  readonly now: number
  readonly spawnerr: string
  readonly readiness?: ProcessReadiness | undefined
  readonly health?: ProcessHealth | undefined
}): string => {
  switch (info.state) {
    case "RUNNING":
      return `pid ${info.pid}, uptime ${formatUptime(info.now - info.start)}${
        info.readiness === undefined ? "" : `, ready${notifyText(info.readiness, info.pid, "status")}`
      }${notifyText(info.readiness, info.pid, "mainPid")}${info.health === undefined ? "" : healthText(info.health)}`
    case "STARTING":
      return info.readiness === undefined
        ? ""
        : `${info.readiness.ready ? "ready, waiting for startsecs" : `waiting for ${info.readiness.check}`}${
          notifyText(info.readiness, info.pid, "status")
        }`
    case "FATAL":
    case "BACKOFF":
      return info.spawnerr === "" ? `unknown error (try "tail ${info.name}")` : info.spawnerr
    case "STOPPED":
    case "EXITED":
      return info.start === 0 ? "Not started" : formatStopTime(info.stop)
    default:
      return ""
  }
}

/** The description of a process whose start waits on dependencies: `waiting for db (running), migrate (completed)`. */
export const waitingFor = (unmet: ReadonlyArray<Dependency>): string =>
  `waiting for ${unmet.map((d) => `${d.target} (${d.condition})`).join(", ")}`
