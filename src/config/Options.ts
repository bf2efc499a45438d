/**
 * Every option effsup reads, one table per section: the INI name, codec, default, the doc line
 * `echo-config` prints, and (the key) the field of the resolved record. The tables drive the
 * known-option lists, the decoding (Reader.readOptions), the sample (Sample.ts) and the config
 * types (Types.ts). Rows are in the sample's order; the JSDoc of a row documents its field.
 * Defaults are supervisord 4.2.5's (shared/reference/supervisord-4.2.5.md §1.5–§1.12).
 *
 * To add an option: one row here, plus its behaviour where it is used. A row that needs more than
 * "decode, else default" (required, cross-option rules, paths) is a `custom` row, read by its
 * section's resolver (Programs.ts, Sections.ts).
 * @since 0.1.0
 */
import * as Result from "effect/Result"
import * as Checks from "./Checks.ts"
import * as Codecs from "./Codecs.ts"
import { invalidUser, isValidOwner } from "./Host.ts"
import { MAX_LOG_BACKUPS, MAX_PROCESSES } from "./Limits.ts"
import { type CheckContext, custom, nested, option, optional } from "./Table.ts"

/** The only result handler effsup provides (supervisord's default). */
export const DEFAULT_RESULT_HANDLER = "supervisor.dispatchers:default_handler"

const userExists = (user: string, { host }: CheckContext) => invalidUser(host, user)

/** Rotated copies of a log: as many as a rotation can rename without stalling (supervisord takes any number; 0 or less = none). */
const backups = Codecs.integerInRange(Number.MIN_SAFE_INTEGER, MAX_LOG_BACKUPS)

/** The logging options of one channel of a `[program:x]`: `stdout_*` or `stderr_*`. */
const channelOptions = (channel: "stdout" | "stderr") => ({
  /** Where the channel is logged (a path is absolute; a written `syslog` becomes `None` plus {@link syslog}). */
  logfile: custom<Codecs.LogFileSetting>()(`${channel}_logfile`, { default: "AUTO" }, "a path, AUTO (a file in childlogdir) or NONE", { scope: "process" }),
  /** Rotate at this size; 0 = never. */
  logfileMaxbytes: option(`${channel}_logfile_maxbytes`, Codecs.byteSize, "50MB", "rotate at this size (0 = never)", { scope: "process" }),
  logfileBackups: option(`${channel}_logfile_backups`, backups, "10", "rotated copies to keep (0 = none)", { scope: "process" }),
  /** > 0 enables capture mode (PROCESS_COMMUNICATION events). */
  captureMaxbytes: option(`${channel}_capture_maxbytes`, Codecs.byteSize, "0", "> 0 turns on capture mode for PROCESS_COMMUNICATION events"),
  /** Emit PROCESS_LOG_STDOUT / _STDERR for every chunk. */
  eventsEnabled: option(`${channel}_events_enabled`, Codecs.boolean, "false", `emit PROCESS_LOG_${channel.toUpperCase()} events`),
  /** Requested, but not done yet: resolution warns. */
  syslog: option(`${channel}_syslog`, Codecs.boolean, "false", "not supported yet: true only logs a warning", { scope: "process" })
})

/**
 * effsup's readiness options (`[program:x]` only): with `ready=`, STARTING becomes RUNNING once the
 * check succeeds and startsecs has passed; no success within `ready_timeout` is a failed start.
 */
const READINESS_OPTIONS = {
  /** Absent: supervisord's rule (RUNNING after startsecs). */
  ready: optional("ready", Checks.readyCheck, "tcp:8080", "RUNNING only once this succeeds: tcp:[HOST:]PORT, http://URL, log:REGEX, exec:COMMAND or fd:N", { scope: "process" }),
  readyTimeout: option("ready_timeout", Codecs.positiveSeconds, "60", "seconds to wait for ready= before the start counts as failed")
}

/** effsup's liveness options (`[program:x]` only): a RUNNING process is probed every `healthcheck_interval`. */
const HEALTH_OPTIONS = {
  /** Absent: no health checks. */
  healthcheck: optional("healthcheck", Checks.probe, "http://localhost:8080/health", "probe it while RUNNING: tcp:[HOST:]PORT, http://URL or exec:COMMAND", { scope: "process" }),
  healthcheckInterval: option("healthcheck_interval", Codecs.positiveSeconds, "10", "seconds between health checks"),
  healthcheckTimeout: option("healthcheck_timeout", Codecs.positiveSeconds, "5", "a check taking longer fails"),
  healthcheckRetries: option("healthcheck_retries", Codecs.integer, "3", "failed checks in a row that make it unhealthy", {
    check: (n) => n < 1 ? `healthcheck_retries must be at least 1 (got ${n})` : undefined
  }),
  onUnhealthy: option("on_unhealthy", Codecs.onUnhealthy, "restart", "then: restart, stop, or event (only a PROCESS_HEALTH_UNHEALTHY event)")
}

/**
 * effsup's restart policy: how long a process waits between retries. The defaults are supervisord's
 * (1 s, 2 s, 3 s …); writing `backoff=` also makes a crash after RUNNING wait per the schedule.
 */
const BACKOFF_OPTIONS = {
  /** Absent: supervisord's linear backoff, and a crash after RUNNING restarts at once. */
  backoff: optional("backoff", Codecs.backoffCurve, "exponential", "linear (supervisord's), exponential or constant; also delays restarts after a crash"),
  backoffInitial: option("backoff_initial", Codecs.seconds, "1", "the first wait, in seconds"),
  /** Absent: no cap. */
  backoffMax: optional("backoff_max", Codecs.seconds, "60", "no wait is longer than this (default: no cap)"),
  backoffJitter: option("backoff_jitter", Codecs.fraction, "0", "shorten each wait by a random part of up to this fraction"),
  /** Absent: the count starts over on entering RUNNING (supervisord). */
  backoffResetAfter: optional("backoff_reset_after", Codecs.seconds, "60", "with backoff=: seconds of RUNNING after which retries count from 0 again")
}

/** `[program:x]`; also every process option of `[eventlistener:x]` (but `ready` and `healthcheck`: Programs.ts refuses them there). */
export const PROGRAM_OPTIONS = {
  command: custom<string>()("command", { example: "/bin/cat" }, "the command to run (required); relative names are looked up in PATH", { scope: "process" }),
  /** The template of each process's name (a structural option: it names the processes, no field of theirs). */
  processName: custom<string>()("process_name", { default: "%(program_name)s" }, "must contain %(process_num)s when numprocs > 1", { scope: "process" }),
  numprocs: option("numprocs", Codecs.integerInRange(1, MAX_PROCESSES), "1", `how many copies to run (1 to ${MAX_PROCESSES})`),
  numprocsStart: option("numprocs_start", Codecs.integer, "0", "first value of %(process_num)s"),
  directory: optional("directory", Codecs.text, "/tmp", "change to this directory before running the command", { scope: "process" }),
  umask: optional("umask", Codecs.octal, "022", "umask of the child (default: inherited)"),
  priority: option("priority", Codecs.integer, "999", "lower starts first and stops last"),
  autostart: option("autostart", Codecs.boolean, "true", "start when effsup starts"),
  startsecs: option("startsecs", Codecs.integer, "1", "seconds it must stay up to count as started (0 = at once)"),
  /** `Infinity` for `infinite`. */
  startretries: option("startretries", Codecs.retries, "3", "failed starts in a row before giving up (FATAL); infinite = never"),
  autorestart: option("autorestart", Codecs.autorestart, "unexpected", "restart after exit: true, false or unexpected"),
  exitcodes: option("exitcodes", Codecs.exitcodes, "0", "exit codes that count as expected"),
  /** Canonical signal name, e.g. `SIGTERM`. */
  stopsignal: option("stopsignal", Codecs.signal, "TERM", "first signal sent to stop it"),
  stopwaitsecs: option("stopwaitsecs", Codecs.integer, "10", "wait this long for it to exit before SIGKILL"),
  stopasgroup: option("stopasgroup", Codecs.boolean, "false", "send the stop signal to its whole process group"),
  killasgroup: option("killasgroup", Codecs.boolean, "false", "send SIGKILL to its whole process group (default: same as stopasgroup)", {
    defaultFrom: "stopasgroup"
  }),
  /** `user=` as written (name or uid); resolved to uid/gid by the spawner. */
  user: optional("user", Codecs.text, "nobody", "run it as this user (needs root)", { check: userExists }),
  redirectStderr: option("redirect_stderr", Codecs.boolean, "false", "merge stderr into stdout"),
  stdout: nested(channelOptions("stdout")),
  stderr: nested(channelOptions("stderr")),
  /** `[supervisord] environment` overlaid by this program's `environment`. */
  environment: custom<Readonly<Record<string, string>>>()("environment", { example: "A=\"1\",B=\"2\"" }, "extra environment for the child", { scope: "process" }),
  /** `AUTO` or an explicit URL for SUPERVISOR_SERVER_URL. */
  serverurl: option("serverurl", Codecs.serverUrl, "AUTO", "SUPERVISOR_SERVER_URL for the child"),
  ...READINESS_OPTIONS,
  ...HEALTH_OPTIONS,
  ...BACKOFF_OPTIONS,
  /** effsup: what must be up before this program starts (checked across sections by Supervision.ts). */
  dependsOn: option("depends_on", Codecs.dependencies, "", "effsup: start only once each is running (or name:started, name:completed)", {
    example: "db, migrate:completed"
  }),
  /** effsup: its end counts for `[supervisord] auto_shutdown`. */
  significant: option("significant", Codecs.boolean, "false", "effsup: its end counts for [supervisord] auto_shutdown")
}

/** `[eventlistener:x]` pool options (beside every `[program:x]` option). */
export const LISTENER_OPTIONS = {
  /** Upper-cased event type names (abstract types allowed), without duplicates. */
  events: custom<ReadonlyArray<string>>()("events", { example: "EVENT" }, "event types to receive (required), e.g. PROCESS_STATE,TICK_60"),
  bufferSize: option("buffer_size", Codecs.integer, "10", "events queued for the pool before the oldest is dropped", {
    check: (size, { section }) => size < 1 ? `[${section}] section sets invalid buffer_size (${size})` : undefined
  }),
  resultHandler: option("result_handler", Codecs.text, DEFAULT_RESULT_HANDLER, "the only handler available", {
    check: (handler, { section }) =>
      handler === DEFAULT_RESULT_HANDLER
        ? undefined
        : `${handler} cannot be resolved within [${section}]: effsup cannot load Python plugins (only ${DEFAULT_RESULT_HANDLER} is available)`
  }),
  /**
   * The pool's (group's) priority. Writing `priority=` also sets each listener process's own priority (default 999),
   * so no value is the same as leaving it out: the sample's is an example.
   */
  priority: option("priority", Codecs.integer, "-1", "pool priority (default -1: listeners start first and stop last); also each listener's own", { example: "-1" })
}

/** `[fcgi-program:x]` (beside every `[program:x]` option): the socket the daemon makes for its processes' fd 0 (FcgiSocket.ts reads them). */
export const FCGI_OPTIONS = {
  socket: custom<string>()("socket", { example: "unix:///var/run/%(program_name)s.sock" }, "required: unix:///ABSOLUTE/PATH or tcp://HOST:PORT, every process's fd 0"),
  socketBacklog: custom<number>()("socket_backlog", { example: "1024" }, "listen backlog, 1 to 65535 (default: the system's maximum)"),
  socketOwner: custom<string>()("socket_owner", { example: "www-data:www-data" }, "unix socket only: user[:group] (default: the program's user=)"),
  socketMode: custom<number>()("socket_mode", { example: "0700" }, "unix socket only: its mode (default 0700)")
}

/** `[group:x]`. */
export const GROUP_OPTIONS = {
  programs: option("programs", Codecs.listOfStrings, "", "[program:x] names; they leave the top level", { example: "progname1,progname2" }),
  priority: option("priority", Codecs.integer, "999", "start order of the group"),
  /** effsup: what a member's unexpected death restarts (OTP's strategies). */
  strategy: option("strategy", Codecs.strategy, "one_for_one", "effsup: on a member's unexpected death restart it, all (one_for_all) or it and later ones (rest_for_one)"),
  /** effsup: undefined = no limit. */
  maxRestarts: optional("max_restarts", Codecs.integerAtLeast(0), "5", "effsup: give up after more restarts than this in max_restarts_period (default: no limit)"),
  maxRestartsPeriod: option("max_restarts_period", Codecs.integerAtLeast(1), "5", "effsup: the window of max_restarts, in seconds"),
  onExhausted: option("on_exhausted", Codecs.onExhausted, "stop", "effsup: on giving up, stop its processes, make them FATAL, or shut down")
}

/** `[supervisord]`. */
export const SUPERVISORD_OPTIONS = {
  /** Absolute path, or `syslog` (refused when the activity log opens). */
  logfile: option("logfile", Codecs.text, "supervisord.log", "activity log (relative to the start directory); 'syslog' is not supported yet"),
  logfileMaxbytes: option("logfile_maxbytes", Codecs.byteSize, "50MB", "rotate the activity log at this size (0 = never)"),
  logfileBackups: option("logfile_backups", backups, "10", "rotated copies to keep (0 = none)"),
  loglevel: option("loglevel", Codecs.logLevel, "info", "critical, error, warn, info, debug, trace or blather"),
  /** Absolute path. */
  pidfile: option("pidfile", Codecs.text, "supervisord.pid", "written at start, removed at exit"),
  nodaemon: option("nodaemon", Codecs.boolean, "false", "ignored: effsup always runs in the foreground"),
  silent: option("silent", Codecs.boolean, "false", "in the foreground, do not echo the activity log"),
  /** Read, not applied yet. */
  minfds: option("minfds", Codecs.integer, "1024", "not applied yet (supervisord raises the open-file limit to it)"),
  /** Read, not applied yet. */
  minprocs: option("minprocs", Codecs.integer, "200", "not applied yet (supervisord raises the process limit to it)"),
  umask: option("umask", Codecs.octal, "022", "not applied: supervisord uses it only when daemonizing"),
  user: optional("user", Codecs.text, "nobody", "switch to this user at start (needs root)", { check: userExists }),
  identifier: option("identifier", Codecs.text, "supervisor", "name reported over RPC and in event headers"),
  /** Absolute path of an existing directory. */
  directory: optional("directory", Codecs.text, "/tmp", "not applied: supervisord uses it only when daemonizing"),
  nocleanup: option("nocleanup", Codecs.boolean, "false", "keep old AUTO child logs at start"),
  /** Absolute path of an existing directory (default: the temp dir, from TMPDIR, TEMP or TMP). */
  childlogdir: custom<string>()("childlogdir", { example: "/tmp" }, "where AUTO child logs go (default: the temp dir)"),
  stripAnsi: option("strip_ansi", Codecs.boolean, "false", "remove terminal escape sequences from child logs"),
  environment: custom<Readonly<Record<string, string>>>()("environment", { example: "KEY=\"value\"" }, "added to every child's environment (write %%%% for %)"),
  /** effsup: when the end of `significant` programs shuts the daemon down. */
  autoShutdown: option("auto_shutdown", Codecs.autoShutdown, "never", "effsup: shut down once any_significant / all_significant programs have ended")
}

const socketMode: Codecs.Codec<number> = (raw) => Result.mapError(Codecs.octal(raw), () => `Invalid chmod value ${raw}`)

/** `[unix_http_server]`. */
export const UNIX_SERVER_OPTIONS = {
  /** Absolute path. */
  file: custom<string>()("file", { example: "/tmp/effsup.sock" }, "socket path for the control client and web UI"),
  chmod: option("chmod", socketMode, "0700", "mode of the socket file"),
  /** `user[:group]` as written, or undefined for unchanged. */
  chown: optional("chown", Codecs.text, "nobody:nogroup", "owner of the socket file (user or user:group)", {
    check: (owner, { host }) => isValidOwner(host, owner) ? undefined : `Invalid sockchown value ${owner}`
  }),
  username: optional("username", Codecs.text, "user", "enables basic auth (set both or neither)"),
  password: optional("password", Codecs.text, "123", "plain text, or {SHA} followed by a hex SHA-1 digest")
}

/** `[inet_http_server]` (and every section whose name starts with it). */
export const INET_SERVER_OPTIONS = {
  /** The port of `host:port` (the record's `host` is the other half). */
  port: custom<number>()("port", { example: "127.0.0.1:9001" }, "host:port, :port or *:port (all interfaces)"),
  username: optional("username", Codecs.text, "user", "enables basic auth (set both or neither)"),
  password: optional("password", Codecs.text, "123", "plain text, or {SHA} followed by a hex SHA-1 digest")
}

/** `[supervisorctl]`. */
export const CTL_OPTIONS = {
  /** Default: the configured unix socket, else the first inet server, else `http://localhost:9001`. */
  serverurl: custom<string>()("serverurl", { example: "unix:///tmp/effsup.sock" }, "where the client connects (or http://127.0.0.1:9001)"),
  username: optional("username", Codecs.text, "user", "must match the server's username"),
  password: optional("password", Codecs.text, "123", "the plain-text password"),
  prompt: option("prompt", Codecs.text, "supervisor", "interactive prompt"),
  /** Absolute path, or undefined (also when written empty). */
  historyFile: optional("history_file", Codecs.text, "~/.sc_history", "keep the interactive history here")
}

/** `[include]` (read by Include.ts before anything is resolved). */
export const INCLUDE_OPTIONS = {
  files: custom<string>()("files", { example: "relative/directory/*.ini" }, "globs, relative to this file's directory")
}
