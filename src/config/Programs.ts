/**
 * Process groups from `[program:x]`, `[group:x]` and `[eventlistener:x]` sections: defaults, per-process
 * expansion (`numprocs`, `process_name`, `%(process_num)02d`, program `environment`), channel log settings,
 * and the cross-section rules (group membership, listener events, forbidden combinations).
 * supervisord: options.py `process_groups_from_parser`, `_processes_from_section`.
 * See shared/reference/supervisord-4.2.5.md §1.3 (which variables each option sees), §1.6, §1.7, §1.9.
 *
 * Invariant: pure; every problem is recorded in the Context and resolution continues.
 * @since 0.1.0
 */
import * as Result from "effect/Result"
import { isEventTypeName } from "../domain/EventTypes.ts"
import * as Codecs from "./Codecs.ts"
import { expand, type Vars } from "./Expand.ts"
import type { IniDocument, IniSection } from "./Ini.ts"
import { absolutePath, checkUser, type Context, envVars, expandUser, type Reader, reader, warnUnknownOptions } from "./Reader.ts"
import type { ChannelConfig, GroupConfig, LogFileSetting, ProcessConfig } from "./Types.ts"

/** The only result handler effsup provides (supervisord's default). */
export const DEFAULT_RESULT_HANDLER = "supervisor.dispatchers:default_handler"

const CHANNEL_OPTIONS = ["logfile", "logfile_maxbytes", "logfile_backups", "capture_maxbytes", "events_enabled", "syslog"]

/** Options of `[program:x]`. */
export const PROGRAM_OPTIONS: ReadonlyArray<string> = [
  "command", "process_name", "numprocs", "numprocs_start", "priority", "autostart", "startsecs", "startretries",
  "autorestart", "exitcodes", "stopsignal", "stopwaitsecs", "stopasgroup", "killasgroup", "user", "redirect_stderr",
  ...CHANNEL_OPTIONS.flatMap((o) => [`stdout_${o}`, `stderr_${o}`]),
  "environment", "directory", "umask", "serverurl"
]

/** Options of `[eventlistener:x]`. */
export const LISTENER_OPTIONS: ReadonlyArray<string> = [...PROGRAM_OPTIONS, "events", "buffer_size", "result_handler"]

/** Options of `[group:x]`. */
export const GROUP_OPTIONS: ReadonlyArray<string> = ["programs", "priority"]

const sectionSuffix = (section: IniSection) => section.name.slice(section.name.indexOf(":") + 1)

/** The validated name after `program:` / `group:` / `eventlistener:` (recorded at the header when invalid). */
const nameOf = (r: Reader): string => {
  const raw = sectionSuffix(r.section)
  const decoded = Codecs.name(raw)
  if (Result.isSuccess(decoded)) return decoded.success
  r.fail(undefined, decoded.failure)
  return raw.trim()
}

/** Per-program settings, read once before the per-process loop (variables: here, ENV_*, names, host). */
const programSettings = (ctx: Context, r: Reader, vars: Vars, kind: GroupConfig["kind"]) => {
  const stopasgroup = r.get("stopasgroup", Codecs.boolean, "false", vars)
  const settings = {
    priority: r.get("priority", Codecs.integer, "999", vars),
    autostart: r.get("autostart", Codecs.boolean, "true", vars),
    autorestart: r.get("autorestart", Codecs.autorestart, "unexpected", vars),
    startsecs: r.get("startsecs", Codecs.integer, "1", vars),
    startretries: r.get("startretries", Codecs.integer, "3", vars),
    stopsignal: r.get("stopsignal", Codecs.signal, "TERM", vars),
    stopwaitsecs: r.get("stopwaitsecs", Codecs.integer, "10", vars),
    stopasgroup,
    killasgroup: r.get("killasgroup", Codecs.boolean, String(stopasgroup), vars),
    exitcodes: r.get("exitcodes", Codecs.exitcodes, "0", vars),
    redirectStderr: r.get("redirect_stderr", Codecs.boolean, "false", vars),
    numprocs: r.get("numprocs", Codecs.integer, "1", vars),
    numprocsStart: r.get("numprocs_start", Codecs.integer, "0", vars),
    stdoutCapture: r.get("stdout_capture_maxbytes", Codecs.byteSize, "0", vars),
    stdoutEvents: r.get("stdout_events_enabled", Codecs.boolean, "false", vars),
    stderrCapture: r.get("stderr_capture_maxbytes", Codecs.byteSize, "0", vars),
    stderrEvents: r.get("stderr_events_enabled", Codecs.boolean, "false", vars),
    serverurl: r.text("serverurl", vars),
    user: r.text("user", vars),
    umask: r.optional("umask", Codecs.octal, vars)
  }
  if (settings.user !== undefined) checkUser(ctx, r, "user", settings.user)
  if (settings.stopasgroup && !settings.killasgroup) r.fail("killasgroup", "Cannot set stopasgroup=true and killasgroup=false")
  if (kind === "eventlistener" && settings.redirectStderr) {
    r.fail("redirect_stderr", `[${r.section.name}] section sets redirect_stderr=true but this is not allowed because it will interfere with the eventlistener protocol`)
  }
  return settings
}

/** The logging options of one channel of one process (variables: everything, incl. the program's ENV_*). */
const channel = (ctx: Context, r: Reader, k: "stdout" | "stderr", vars: Vars, captureMaxbytes: number, eventsEnabled: boolean): ChannelConfig => {
  const option = `${k}_logfile`
  // supervisord expands the logfile twice (saneget, then expand): a literal % needs %%%%
  const once = r.text(option, vars)
  const twice = once === undefined ? undefined : expand(once, vars, option)
  if (twice !== undefined && Result.isFailure(twice)) r.fail(option, twice.failure)
  const written = twice !== undefined && Result.isSuccess(twice) ? twice.success : "AUTO"
  let logfile: LogFileSetting = Result.getOrThrow(Codecs.logfileName(written))
  const logfileMaxbytes = r.get(`${k}_logfile_maxbytes`, Codecs.byteSize, "50MB", vars)
  let syslog = r.get(`${k}_syslog`, Codecs.boolean, "false", vars)
  if (logfile._tag === "Syslog") {
    ctx.notices.push({ level: "warn", message: `For [${r.section.name}], ${option}=syslog but this is deprecated and will be removed.  Use ${k}_syslog=true to enable syslog instead.` })
    logfile = { _tag: "None" }
    syslog = true
  } else if (logfile._tag === "Path") {
    if (expandUser(ctx.host, logfile.path).includes("/")) {
      ctx.checks.push({ kind: "parent", path: absolutePath(ctx.host, logfile.path), written: logfile.path, at: r.at(option) })
    }
    logfile = { _tag: "Path", path: absolutePath(ctx.host, logfile.path) }
  } else if (logfile._tag === "Auto" && logfileMaxbytes === 0) {
    ctx.notices.push({ level: "warn", message: `For [${r.section.name}], AUTO logging used for ${option} without rollover, set maxbytes > 0 to avoid filling up filesystem unintentionally` })
  }
  if (syslog) {
    ctx.notices.push({ level: "warn", message: `For [${r.section.name}], ${k}_syslog=true is not supported by effsup yet: ${k} is not sent to syslog (its log file, if any, is still written)` })
  }
  return {
    logfile,
    logfileMaxbytes,
    logfileBackups: r.get(`${k}_logfile_backups`, Codecs.integer, "10", vars),
    captureMaxbytes,
    eventsEnabled,
    syslog
  }
}

/**
 * The processes of one `[program:x]` / `[eventlistener:x]` section, in supervisord's order (by priority, then name).
 * `baseVars` = here + ENV_* (OS and `[supervisord] environment`); `globalEnv` = `[supervisord] environment`.
 */
export const processesFromSection = (
  ctx: Context,
  section: IniSection,
  group: string,
  kind: GroupConfig["kind"],
  baseVars: Vars,
  globalEnv: Readonly<Record<string, string>>
): ReadonlyArray<ProcessConfig> => {
  const r = reader(ctx, section)
  const programName = nameOf(r)
  const vars: Vars = { ...baseVars, program_name: programName, host_node_name: ctx.host.hostname, group_name: group }
  const s = programSettings(ctx, r, vars, kind)
  const nameTemplate = r.raw("process_name")?.value ?? "%(program_name)s"
  const validTemplate = Codecs.name(nameTemplate)
  if (Result.isFailure(validTemplate)) r.fail("process_name", validTemplate.failure)
  if (s.numprocs > 1 && !nameTemplate.includes("%(process_num)")) {
    r.fail("process_name", "%(process_num) must be present within process_name when numprocs > 1")
  }
  if (r.raw("command") === undefined) {
    r.fail(undefined, `program section ${section.name} does not specify a command`)
    return []
  }
  const processes: Array<ProcessConfig> = []
  for (let num = s.numprocsStart; num < s.numprocsStart + s.numprocs; num++) {
    const numVars: Vars = { ...vars, process_num: num, numprocs: s.numprocs }
    const envText = r.raw("environment") === undefined ? undefined : r.text("environment", numVars, "environment")
    const decoded = envText === undefined ? undefined : Codecs.environment(envText)
    if (decoded !== undefined && Result.isFailure(decoded)) r.fail("environment", decoded.failure)
    const env = decoded !== undefined && Result.isSuccess(decoded) ? decoded.success : {}
    const all: Vars = { ...numVars, ...envVars(env) }
    const stdout = channel(ctx, r, "stdout", all, s.stdoutCapture, s.stdoutEvents)
    let stderr = channel(ctx, r, "stderr", all, s.stderrCapture, s.stderrEvents)
    if (s.redirectStderr) {
      if (stderr.logfile._tag === "Path") {
        ctx.notices.push({ level: "warn", message: `For [${section.name}], redirect_stderr=true but stderr_logfile has also been set to a filename, the filename has been ignored` })
      }
      stderr = { ...stderr, logfile: { _tag: "None" } }
    }
    const expandedName = expand(nameTemplate, all, "process_name")
    if (Result.isFailure(expandedName)) r.fail("process_name", expandedName.failure)
    const processName = Result.isSuccess(expandedName) ? expandedName.success : nameTemplate
    if (r.raw("process_name") !== undefined && Result.isSuccess(validTemplate) && Result.isSuccess(expandedName)) {
      const valid = Codecs.name(processName)
      if (Result.isFailure(valid)) r.fail("process_name", valid.failure)
    }
    processes.push({
      name: processName.trim(),
      group,
      section: section.name,
      command: r.text("command", all) ?? "",
      priority: s.priority,
      autostart: s.autostart,
      startsecs: s.startsecs,
      startretries: s.startretries,
      autorestart: s.autorestart,
      exitcodes: s.exitcodes,
      stopsignal: s.stopsignal,
      stopwaitsecs: s.stopwaitsecs,
      stopasgroup: s.stopasgroup,
      killasgroup: s.killasgroup,
      user: s.user,
      redirectStderr: s.redirectStderr,
      stdout,
      stderr,
      environment: { ...globalEnv, ...env },
      directory: r.text("directory", all),
      umask: s.umask,
      serverurl: s.serverurl === undefined || s.serverurl.trim().toUpperCase() === "AUTO" ? "AUTO" : s.serverurl
    })
  }
  return processes.sort((a, b) => a.priority - b.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
}

/** `[eventlistener:x]` pool options (variables: here and ENV_* only). */
const listenerOptions = (r: Reader, vars: Vars) => {
  const bufferSize = r.get("buffer_size", Codecs.integer, "10", vars)
  if (bufferSize < 1) r.fail("buffer_size", `[${r.section.name}] section sets invalid buffer_size (${bufferSize})`)
  const resultHandler = r.text("result_handler", vars) ?? DEFAULT_RESULT_HANDLER
  if (resultHandler !== DEFAULT_RESULT_HANDLER) {
    r.fail("result_handler", `${resultHandler} cannot be resolved within [${r.section.name}]: effsup cannot load Python plugins (only ${DEFAULT_RESULT_HANDLER} is available)`)
  }
  const names = Result.getOrThrow(Codecs.listOfStrings(r.text("events", vars) ?? "")).map((e) => e.toUpperCase())
  const events = [...new Set(names)]
  if (events.length === 0) r.fail("events", `[${r.section.name}] section requires an "events" line`)
  for (const e of events) {
    if (!isEventTypeName(e)) r.fail("events", `Unknown event type ${e} in [${r.section.name}] events`)
  }
  return { events, bufferSize, resultHandler }
}

const byPriorityThenName = (a: GroupConfig, b: GroupConfig) =>
  a.priority - b.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)

/** Every process group of the document, sorted by (priority, name) as supervisord does. */
export const groupsFromDocument = (
  ctx: Context,
  doc: IniDocument,
  baseVars: Vars,
  globalEnv: Readonly<Record<string, string>>
): ReadonlyArray<GroupConfig> => {
  const groups: Array<GroupConfig> = []
  const inGroup = new Set<string>()
  const sections = [...doc.sections.values()]
  for (const section of sections.filter((s) => s.name.startsWith("group:"))) {
    const r = reader(ctx, section)
    warnUnknownOptions(ctx, section, GROUP_OPTIONS)
    const name = nameOf(r)
    const programs = Result.getOrThrow(Codecs.listOfStrings(r.text("programs", baseVars) ?? ""))
    const priority = r.get("priority", Codecs.integer, "999", baseVars)
    const processes: Array<ProcessConfig> = []
    for (const program of programs) {
      const member = doc.sections.get(`program:${program}`)
      if (member !== undefined) {
        inGroup.add(member.name)
        processes.push(...processesFromSection(ctx, member, name, "group", baseVars, globalEnv))
      } else if (!doc.sections.has(`fcgi-program:${program}`)) {
        r.fail("programs", `[${section.name}] names unknown program or fcgi-program ${program}`)
      }
    }
    groups.push({ name, kind: "group", priority, processes, listener: undefined })
  }
  for (const section of sections) {
    if (section.name.startsWith("program:")) {
      warnUnknownOptions(ctx, section, PROGRAM_OPTIONS)
      if (inGroup.has(section.name)) continue
      const r = reader(ctx, section)
      const name = nameOf(r)
      const priority = r.get("priority", Codecs.integer, "999", baseVars)
      const processes = processesFromSection(ctx, section, name, "program", baseVars, globalEnv)
      groups.push({ name, kind: "program", priority, processes, listener: undefined })
    } else if (section.name.startsWith("eventlistener:")) {
      warnUnknownOptions(ctx, section, LISTENER_OPTIONS)
      const r = reader(ctx, section)
      const name = nameOf(r)
      const priority = r.get("priority", Codecs.integer, "-1", baseVars)
      const listener = listenerOptions(r, baseVars)
      const processes = processesFromSection(ctx, section, name, "eventlistener", baseVars, globalEnv)
      groups.push({ name, kind: "eventlistener", priority, processes, listener })
    } else if (section.name.startsWith("fcgi-program:")) {
      reader(ctx, section).fail(undefined, `[${section.name}] is not supported by effsup (FastCGI programs need a socket supervisord passes as fd 0); use a [program:x] that listens itself`)
    }
  }
  return groups.sort(byPriorityThenName)
}
