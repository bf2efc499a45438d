/**
 * The resolved configuration: what the loader (Load.ts) produces from a supervisord INI
 * file after expansion and validation, and what the rest of effsup consumes. Every value
 * here is final: defaults applied, `%(name)s` expanded per process, paths absolute.
 * Field names are camelCase forms of supervisord's option names.
 * See shared/reference/supervisord-4.2.5.md §1.
 * @since 0.1.0
 */

/** Where a child's channel is logged. `auto` is resolved to a file in childlogdir when the group is created. */
export type LogFileSetting =
  | { readonly _tag: "Auto" }
  | { readonly _tag: "None" }
  | { readonly _tag: "Syslog" }
  | { readonly _tag: "Path"; readonly path: string }

/** Logging options of one channel (stdout or stderr) of a process. */
export interface ChannelConfig {
  readonly logfile: LogFileSetting
  /** Rotate at this size; 0 = never. */
  readonly logfileMaxbytes: number
  readonly logfileBackups: number
  /** > 0 enables capture mode (PROCESS_COMMUNICATION events). */
  readonly captureMaxbytes: number
  /** Emit PROCESS_LOG_STDOUT / _STDERR for every chunk. */
  readonly eventsEnabled: boolean
  readonly syslog: boolean
}

/** autorestart: always, never, or when the exit code is not in exitcodes. */
export type AutoRestart = "true" | "false" | "unexpected"

/** One process (one of a program's `numprocs`), fully expanded. */
export interface ProcessConfig {
  /** The process name (from `process_name`). */
  readonly name: string
  /** The group it belongs to (`[group:x]` name, or the program name). */
  readonly group: string
  /** The section it came from, e.g. `program:web`. */
  readonly section: string
  readonly command: string
  readonly priority: number
  readonly autostart: boolean
  readonly startsecs: number
  readonly startretries: number
  readonly autorestart: AutoRestart
  readonly exitcodes: ReadonlyArray<number>
  /** Canonical signal name, e.g. `SIGTERM`. */
  readonly stopsignal: string
  readonly stopwaitsecs: number
  readonly stopasgroup: boolean
  readonly killasgroup: boolean
  /** `user=` as written (name or uid); resolved to uid/gid by the spawner. */
  readonly user: string | undefined
  readonly redirectStderr: boolean
  readonly stdout: ChannelConfig
  readonly stderr: ChannelConfig
  /** `[supervisord] environment` overlaid by this program's `environment`. */
  readonly environment: Readonly<Record<string, string>>
  readonly directory: string | undefined
  readonly umask: number | undefined
  /** `AUTO` or an explicit URL for SUPERVISOR_SERVER_URL. */
  readonly serverurl: string
}

/** `[eventlistener:x]` pool options. */
export interface ListenerConfig {
  /** Upper-cased event type names (abstract types allowed). */
  readonly events: ReadonlyArray<string>
  readonly bufferSize: number
  readonly resultHandler: string
}

/** A process group: a `[program:x]` (homogeneous), a `[group:x]` or an `[eventlistener:x]` pool. */
export interface GroupConfig {
  readonly name: string
  readonly kind: "program" | "group" | "eventlistener"
  readonly priority: number
  /** In config order (numprocs expanded). */
  readonly processes: ReadonlyArray<ProcessConfig>
  /** Only for `eventlistener` pools. */
  readonly listener: ListenerConfig | undefined
}

/** `[supervisord]`. */
export interface SupervisordConfig {
  /** Absolute path, or `syslog`. */
  readonly logfile: string
  readonly logfileMaxbytes: number
  readonly logfileBackups: number
  /** One of critical error warn info debug trace blather. */
  readonly loglevel: LogLevelName
  readonly pidfile: string
  readonly umask: number
  readonly nodaemon: boolean
  readonly silent: boolean
  readonly minfds: number
  readonly minprocs: number
  readonly nocleanup: boolean
  readonly childlogdir: string
  readonly user: string | undefined
  readonly directory: string | undefined
  readonly stripAnsi: boolean
  readonly environment: Readonly<Record<string, string>>
  readonly identifier: string
}

/** supervisord's log level names, lowest to highest verbosity last. */
export type LogLevelName = "critical" | "error" | "warn" | "info" | "debug" | "trace" | "blather"

/** `[unix_http_server]`. */
export interface UnixServerConfig {
  readonly file: string
  readonly chmod: number
  /** `user[:group]` as written, or undefined for unchanged. */
  readonly chown: string | undefined
  readonly username: string | undefined
  readonly password: string | undefined
}

/** `[inet_http_server]` (and prefix-matched extra sections). */
export interface InetServerConfig {
  readonly section: string
  /** Empty string = all interfaces. */
  readonly host: string
  readonly port: number
  readonly username: string | undefined
  readonly password: string | undefined
}

/** `[supervisorctl]`. */
export interface CtlConfig {
  readonly serverurl: string
  readonly username: string | undefined
  readonly password: string | undefined
  readonly prompt: string
  readonly historyFile: string | undefined
}

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
