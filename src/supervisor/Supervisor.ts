/**
 * The public `Supervisor` service: everything a transport (XML-RPC, HTTP, CLI) or an
 * embedding Effect program can ask of a running supervision tree. Names in `spec`
 * arguments accept supervisord's forms (`name`, `group:name`; group methods take the group).
 *
 * Invariant: this file is the contract only (service tag, shape, the vocabulary it speaks in);
 * it imports no implementation at runtime, so a transport that imports it loads no tree, no
 * spawner and no `node:*`. The implementation is Tree.ts; the layers that build it on Node are
 * Layers.ts (`NodeSupervisor` in the public API). test/architecture.test.ts enforces this.
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import type { Config } from "../config/Types.ts"
import {
  type AbnormalTermination,
  type AlreadyAdded,
  type AlreadyStarted,
  type BadArguments,
  type BadName,
  type BadSignal,
  type CantReread,
  type Failed,
  type NoFile,
  type NotExecutable,
  type NotRunning,
  ShutdownState,
  type SpawnError,
  type StillRunning
} from "../domain/Errors.ts"
import { type SupervisorState, SupervisorStateCode } from "../domain/ProcessState.ts"
import type { SupervisorEvent } from "../events/Event.ts"
import type { EventOrDrop } from "../events/EventBus.ts"
import type {
  Channel,
  ConfigChanges,
  ConfigInfo,
  GroupStatus,
  LogTail,
  ProcessInfo,
  ProcessResult,
  SupervisorStateInfo
} from "./Api.ts"

/** Why the supervisor stopped running: a shutdown, or a restart (reload) request. */
export type ExitRequest = "shutdown" | "restart"

/** The shape of the Supervisor service. */
export interface SupervisorShape {
  /** The configuration the tree was built from (replaced by reloadConfig). */
  readonly config: Effect.Effect<Config>
  /** RUNNING, or SHUTDOWN / RESTARTING once requested. */
  readonly state: Effect.Effect<SupervisorStateInfo>
  /** `[supervisord] identifier`. */
  readonly identification: Effect.Effect<string>
  /** The daemon's pid. */
  readonly pid: Effect.Effect<number>

  /** One process's info. A group spec gives BadName. */
  readonly processInfo: (spec: string) => Effect.Effect<ProcessInfo, BadName>
  /** Every process, sorted by group then process name. */
  readonly allProcessInfo: Effect.Effect<ReadonlyArray<ProcessInfo>>
  /** Every configured process (active or not), sorted by process name. */
  readonly allConfigInfo: Effect.Effect<ReadonlyArray<ConfigInfo>>
  /** effsup: every active group with its restart strategy and restart counts, sorted by name. */
  readonly allGroupStatus: Effect.Effect<ReadonlyArray<GroupStatus>>

  /** Start one process; with `wait`, until RUNNING (or failure). */
  readonly startProcess: (
    spec: string,
    wait: boolean
  ) => Effect.Effect<
    void,
    BadName | NoFile | NotExecutable | AlreadyStarted | Failed | SpawnError | AbnormalTermination | ShutdownState
  >
  /** Start every not-running process of a group. */
  readonly startGroup: (group: string, wait: boolean) => Effect.Effect<ReadonlyArray<ProcessResult>, BadName | ShutdownState>
  /** Start every not-running process. */
  readonly startAll: (wait: boolean) => Effect.Effect<ReadonlyArray<ProcessResult>, ShutdownState>

  /** Stop one process; with `wait`, until it is in a stopped state. */
  readonly stopProcess: (spec: string, wait: boolean) => Effect.Effect<void, BadName | NotRunning | Failed | ShutdownState>
  /** Stop every running process of a group. */
  readonly stopGroup: (group: string, wait: boolean) => Effect.Effect<ReadonlyArray<ProcessResult>, BadName | ShutdownState>
  /** Stop every running process (all signalled at once). */
  readonly stopAll: (wait: boolean) => Effect.Effect<ReadonlyArray<ProcessResult>, ShutdownState>

  /** Send a signal (name or number) to one process. */
  readonly signalProcess: (
    spec: string,
    signal: string
  ) => Effect.Effect<void, BadName | BadSignal | NotRunning | Failed | ShutdownState>
  /** Signal every signallable process of a group. */
  readonly signalGroup: (
    group: string,
    signal: string
  ) => Effect.Effect<ReadonlyArray<ProcessResult>, BadName | BadSignal | ShutdownState>
  /** Signal every signallable process. */
  readonly signalAll: (signal: string) => Effect.Effect<ReadonlyArray<ProcessResult>, BadSignal | ShutdownState>

  /** Read a child log with supervisord's offset/length rules (§5.5). */
  readonly readProcessLog: (
    spec: string,
    channel: Channel,
    offset: number,
    length: number
  ) => Effect.Effect<Uint8Array, BadName | NoFile | BadArguments | Failed | ShutdownState>
  /** tailProcess*Log semantics (§5.5). */
  readonly tailProcessLog: (
    spec: string,
    channel: Channel,
    offset: number,
    length: number
  ) => Effect.Effect<LogTail, BadName | ShutdownState>
  /** Delete and reopen both logs of a process. */
  readonly clearProcessLogs: (spec: string) => Effect.Effect<void, BadName | Failed | ShutdownState>
  /** clearProcessLogs for every process. */
  readonly clearAllProcessLogs: Effect.Effect<ReadonlyArray<ProcessResult>, ShutdownState>
  /** Read the activity log with the same offset/length rules. */
  readonly readMainLog: (offset: number, length: number) => Effect.Effect<Uint8Array, NoFile | BadArguments | Failed | ShutdownState>
  /** Delete and reopen the activity log. */
  readonly clearMainLog: Effect.Effect<void, NoFile | Failed | ShutdownState>
  /** The path of a process's log file for a channel (for `/logtail` following), or NoFile. */
  readonly processLogPath: (spec: string, channel: Channel) => Effect.Effect<string, BadName | NoFile>
  /** The path of the activity log, or NoFile. */
  readonly mainLogPath: Effect.Effect<string, NoFile>

  /** Write bytes to a running process's stdin. */
  readonly sendProcessStdin: (spec: string, data: Uint8Array) => Effect.Effect<void, BadName | NotRunning | NoFile | Failed | ShutdownState>
  /** Publish a REMOTE_COMMUNICATION event (works during shutdown, as in supervisord). */
  readonly sendRemoteCommEvent: (type: string, data: string) => Effect.Effect<void>

  /** Re-read the config file and remember it; report which groups it adds, changes and removes. */
  readonly reloadConfig: Effect.Effect<ConfigChanges, CantReread | ShutdownState>
  /** Activate a group of the (re-read) config. */
  readonly addGroup: (name: string) => Effect.Effect<void, BadName | AlreadyAdded | Failed | ShutdownState>
  /** Remove a stopped group. */
  readonly removeGroup: (name: string) => Effect.Effect<void, BadName | StillRunning | ShutdownState>

  /** Reopen every log file (SIGUSR2, for external logrotate). */
  readonly reopenLogs: Effect.Effect<void>

  /** Ask the supervisor to shut down (stop everything, then exit). */
  readonly shutdown: Effect.Effect<void, ShutdownState>
  /**
   * Ask the supervisor to restart: re-read the config first (when it came from a file), and with a
   * good one stop everything and start again with it (`config` gives it once the exit is requested).
   * A broken config fails with CantReread and changes nothing: no process stops, no event, still RUNNING.
   */
  readonly restart: Effect.Effect<void, ShutdownState | CantReread>
  /** Completes when shutdown or restart has been requested, with which one. */
  readonly awaitExitRequest: Effect.Effect<ExitRequest>
  /**
   * The status the daemon exits with after a shutdown: 0, or the one an exit policy decided
   * (`auto_shutdown`: the ending program's exit code, 1 when FATAL; `on_exhausted=shutdown`: non-zero).
   */
  readonly exitStatus: Effect.Effect<number>

  /**
   * Subscribe now; the stream delivers every event published from here on. Buffering policy: each
   * subscriber has its own buffer (4096 events); publishing never waits for a subscriber, so a slow
   * one cannot hold up supervision or the others; one that falls further behind loses its oldest events.
   */
  readonly subscribe: Effect.Effect<Stream.Stream<SupervisorEvent>, never, Scope.Scope>
  /** Like `subscribe`, with an `EventsDropped { count }` element wherever this subscriber lost events. */
  readonly subscribeWithDrops: Effect.Effect<Stream.Stream<EventOrDrop>, never, Scope.Scope>
  /** Every event from the moment the stream is run (same policy as `subscribe`). */
  readonly events: Stream.Stream<SupervisorEvent>
  /**
   * Call `observer` synchronously with every event as it is published, until the scope closes:
   * no event is lost and no fiber is used, but the observer runs inside the publisher's step, so
   * it must be quick and must not throw (counters, gauges; anything slower wants `subscribe`).
   */
  readonly observe: (observer: (event: SupervisorEvent) => void) => Effect.Effect<void, never, Scope.Scope>
}

/**
 * The Supervisor service. Building a supervision tree is `NodeSupervisor.layer(config)` /
 * `NodeSupervisor.layerFromFile(path)` (supervisor/Layers.ts): building the layer starts it,
 * releasing it stops every child.
 */
export class Supervisor extends Context.Service<Supervisor, SupervisorShape>()("effsup/supervisor/Supervisor") {}

/**
 * The SHUTDOWN_STATE rule, for the tree and for every transport: once the supervisor is below
 * RUNNING (shutting down or restarting) a request fails with ShutdownState.
 * supervisord: rpcinterface.py SupervisorNamespaceRPCInterface._update.
 */
export const requireRunning = (state: SupervisorState): Effect.Effect<void, ShutdownState> =>
  SupervisorStateCode[state] < SupervisorStateCode.RUNNING ? Effect.fail(new ShutdownState({ detail: "" })) : Effect.void
