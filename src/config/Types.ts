/**
 * The resolved configuration: what the loader (Load.ts) produces from a supervisord INI
 * file after expansion and validation, and what the rest of effsup consumes. Every value
 * here is final: defaults applied, `%(name)s` expanded per process, paths absolute.
 * Field names are camelCase forms of supervisord's option names.
 *
 * The records of the sections are derived from the option tables (Options.ts): a field
 * exists exactly when its option has a row there, with the row's type and documentation.
 * See shared/reference/supervisord-4.2.5.md §1.
 * @since 0.1.0
 */
import type {
  CTL_OPTIONS, GROUP_OPTIONS, INET_SERVER_OPTIONS, LISTENER_OPTIONS, PROGRAM_OPTIONS, SUPERVISORD_OPTIONS, UNIX_SERVER_OPTIONS
} from "./Options.ts"
import type { FcgiSocket } from "./FcgiSocket.ts"
import type { Values } from "./Table.ts"

export type { Probe, ReadyCheck } from "./Checks.ts"
export type { FcgiSocket, SocketOwner } from "./FcgiSocket.ts"
export type {
  AutoRestart, AutoShutdown, BackoffCurve, Dependency, DependencyCondition, LogFileSetting, LogLevelName, OnExhausted, OnUnhealthy,
  Strategy
} from "./Codecs.ts"

/** Logging options of one channel (stdout or stderr) of a process. */
export interface ChannelConfig extends Values<typeof PROGRAM_OPTIONS.stdout.rows> {}

/** The `[program:x]` options that shape the group (how many processes, their names) rather than each process. */
export type ProgramStructure = "processName" | "numprocs" | "numprocsStart"

/** Which process of which section a {@link ProcessConfig} is. */
export interface ProcessIdentity {
  /** The process name (from `process_name`). */
  readonly name: string
  /** The group it belongs to (`[group:x]` name, or the program name). */
  readonly group: string
  /** The section it came from, e.g. `program:web`. */
  readonly section: string
}

/** One process (one of a program's `numprocs`), fully expanded: its identity and every per-process option. */
export interface ProcessConfig extends ProcessIdentity, Omit<Values<typeof PROGRAM_OPTIONS>, ProgramStructure> {
  /** The uid `user=` names, resolved when the config is read (supervisord's `uid`); undefined without `user=`. */
  readonly uid: number | undefined
}

/** `[eventlistener:x]` pool options (its `priority` is the group's). */
export interface ListenerConfig extends Omit<Values<typeof LISTENER_OPTIONS>, "priority"> {}

/** How a group supervises its members (effsup's `[group:x]` options; the defaults for every other group). */
export interface GroupSupervision extends Omit<Values<typeof GROUP_OPTIONS>, "programs" | "priority"> {}

/** A process group: a `[program:x]` (homogeneous), a `[group:x]`, an `[eventlistener:x]` pool or an `[fcgi-program:x]`. */
export interface GroupConfig {
  readonly name: string
  readonly kind: "program" | "group" | "eventlistener" | "fcgi-program"
  readonly priority: number
  /** In config order (`programs=` order for a `[group:x]`, numprocs expanded). */
  readonly processes: ReadonlyArray<ProcessConfig>
  /** Only for `eventlistener` pools. */
  readonly listener: ListenerConfig | undefined
  /** Only for `fcgi-program` groups: the socket every process gets as fd 0. */
  readonly socket: FcgiSocket | undefined
  readonly supervision: GroupSupervision
}

/** `[supervisord]`. */
export interface SupervisordConfig extends Values<typeof SUPERVISORD_OPTIONS> {}

/** `[unix_http_server]`. */
export interface UnixServerConfig extends Values<typeof UNIX_SERVER_OPTIONS> {}

/** `[inet_http_server]` (and prefix-matched extra sections). */
export interface InetServerConfig extends Values<typeof INET_SERVER_OPTIONS> {
  readonly section: string
  /** From `port=host:port`; empty string = all interfaces. */
  readonly host: string
}

/** `[supervisorctl]`. */
export interface CtlConfig extends Values<typeof CTL_OPTIONS> {}

/** A message found while loading that is not an error (unknown option, include info). */
export interface ConfigNotice {
  readonly level: "info" | "warn" | "crit"
  readonly message: string
}

/** The whole resolved configuration. */
export interface Config {
  /** Absolute path of the main config file. */
  readonly file: string
  readonly supervisord: SupervisordConfig
  /** Sorted by (priority, name). */
  readonly groups: ReadonlyArray<GroupConfig>
  readonly unixHttpServer: UnixServerConfig | undefined
  readonly inetHttpServers: ReadonlyArray<InetServerConfig>
  readonly supervisorctl: CtlConfig | undefined
  /** The XML-RPC namespaces of the `[rpcinterface:x]` sections (`supervisor` for supervisorctl's). */
  readonly rpcInterfaces: ReadonlyArray<string>
  /** Warnings and info lines to write to the activity log once it exists. */
  readonly notices: ReadonlyArray<ConfigNotice>
}

/** One located problem in a config file. */
export interface ConfigIssue {
  readonly file: string
  /** 1-based line of the option (or section header); 0 when not tied to a line. */
  readonly line: number
  readonly section: string | undefined
  readonly option: string | undefined
  readonly message: string
}
