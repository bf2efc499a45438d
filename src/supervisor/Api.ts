/**
 * The shapes the public `Supervisor` service speaks in: process info, config info and
 * per-process results. Field names and meanings follow supervisord's XML-RPC structs
 * so transports map them one to one ({@link supervisordInfoFields} is that mapping for process
 * info, shared by the XML-RPC struct and the JSON API). See shared/reference/supervisord-4.2.5.md §5.4.
 * @since 0.1.0
 */
import type { Dependency, GroupSupervision } from "../config/Types.ts"
import type { SupervisorError } from "../domain/Errors.ts"
import { type ProcessState, ProcessStateCode, type SupervisorState } from "../domain/ProcessState.ts"
import type { Health } from "../process/Transitions.ts"

/** A child's output channel (the contract's name for it). */
export type { Channel } from "../domain/Channel.ts"

/** getProcessInfo's struct. Times are epoch seconds (0 = never). */
export interface ProcessInfo {
  readonly name: string
  readonly group: string
  readonly start: number
  readonly stop: number
  readonly now: number
  readonly state: ProcessState
  readonly spawnerr: string
  /** Last exit code; -1 if a signal ended it; 0 if none yet. */
  readonly exitstatus: number
  /** Absolute path, or '' when not logged. */
  readonly stdoutLogfile: string
  readonly stderrLogfile: string
  /** 0 when not running. */
  readonly pid: number
  /** supervisord's description column (`pid 1, uptime 0:00:05`, `Not started`, …). */
  readonly description: string
  /** effsup, only for a program with `ready=`. */
  readonly readiness?: ProcessReadiness | undefined
  /** effsup, only for a program with `healthcheck=`. */
  readonly health?: ProcessHealth | undefined
  /** effsup, only while its start waits on dependencies: those not met yet (the description says the same). */
  readonly waitingFor?: ReadonlyArray<Dependency> | undefined
}

/** supervisord's getProcessInfo members of `info`, in its order (`logfile` is the stdout log, as in supervisord). */
export const supervisordInfoFields = (info: ProcessInfo) => ({
  name: info.name,
  group: info.group,
  start: info.start,
  stop: info.stop,
  now: info.now,
  state: ProcessStateCode[info.state],
  statename: info.state,
  spawnerr: info.spawnerr,
  exitstatus: info.exitstatus,
  logfile: info.stdoutLogfile,
  stdout_logfile: info.stdoutLogfile,
  stderr_logfile: info.stderrLogfile,
  pid: info.pid,
  description: info.description
})

/** A process's `ready=` check: as written, and whether it has succeeded for the current start (false once it is gone). */
export interface ProcessReadiness {
  readonly check: string
  readonly ready: boolean
  /** `ready=notify`: the child's last `STATUS=`, while it lives (absent when it sent none). */
  readonly status?: string
  /** `ready=notify`: the child's `MAINPID=`, while it lives (absent when it sent none). */
  readonly mainPid?: number
}

/** A process's `healthcheck=`: as written, the verdict of the current run, failed checks in a row, and how many make it unhealthy. */
export interface ProcessHealth {
  readonly check: string
  readonly status: Health
  readonly failures: number
  readonly retries: number
}

/** effsup: an active group, its restart strategy, and what the strategy has restarted. */
export interface GroupStatus {
  readonly name: string
  readonly priority: number
  readonly supervision: GroupSupervision
  /** Restarts by the strategy since the group was made (0 for a group that does not manage its members). */
  readonly restarts: number
  /** Of those, how many count toward max_restarts now (within max_restarts_period). */
  readonly recentRestarts: number
}

/** getAllConfigInfo's struct (supervisord field names). */
export interface ConfigInfo {
  readonly name: string
  readonly group: string
  readonly inuse: boolean
  readonly autostart: boolean
  readonly command: string
  readonly directory: string | undefined
  readonly uid: number | undefined
  readonly exitcodes: ReadonlyArray<number>
  readonly groupPrio: number
  readonly processPrio: number
  readonly killasgroup: boolean
  readonly redirectStderr: boolean
  readonly startretries: number
  readonly startsecs: number
  readonly stopsignal: number
  readonly stopwaitsecs: number
  /** undefined for `AUTO` (supervisord: `none`). */
  readonly serverurl: string | undefined
  readonly stdout: ChannelInfo
  readonly stderr: ChannelInfo
}

/** Per-channel part of ConfigInfo. `logfile` is a path (an AUTO log's once made), `auto` or `none`. */
export interface ChannelInfo {
  readonly captureMaxbytes: number
  readonly eventsEnabled: boolean
  readonly logfile: string
  readonly logfileBackups: number
  readonly logfileMaxbytes: number
  readonly syslog: boolean
}

/** The outcome for one process of a group/all operation (supervisord's result struct): no error = SUCCESS. */
export interface ProcessResult {
  readonly name: string
  readonly group: string
  readonly error: SupervisorError | undefined
}

/** The supervisor's own state. */
export interface SupervisorStateInfo {
  readonly statecode: number
  readonly statename: SupervisorState
}

/** reloadConfig's answer: group names added, changed and removed by the new config. */
export interface ConfigChanges {
  readonly added: ReadonlyArray<string>
  readonly changed: ReadonlyArray<string>
  readonly removed: ReadonlyArray<string>
}

/** tailProcess*Log's answer. */
export interface LogTail {
  readonly bytes: Uint8Array
  readonly offset: number
  readonly overflow: boolean
}
