/**
 * Process groups from `[program:x]`, `[group:x]`, `[eventlistener:x]` and `[fcgi-program:x]` sections. The plain options are
 * decoded from their tables (Options.ts) at the scope each row names; this module adds what the tables
 * cannot say: per-process expansion (`numprocs`, `process_name`, `%(process_num)02d`, program `environment`),
 * the channel log rules (`stdout_logfile` expanded twice, `syslog`, AUTO) and the cross-option and
 * cross-section rules (group membership, listener events, forbidden combinations).
 * supervisord: options.py `process_groups_from_parser`, `_processes_from_section`.
 * See shared/reference/supervisord-4.2.5.md §1.3 (which variables each option sees), §1.6, §1.7, §1.9.
 *
 * Invariant: pure; every problem is recorded in the Context and resolution continues.
 * @since 0.1.0
 */
import * as Result from "effect/Result"
import { isEventTypeName } from "../domain/EventTypes.ts"
import * as Codecs from "./Codecs.ts"
import type { Vars } from "./Expand.ts"
import { expandUser, joinedPath, uidOf } from "./Host.ts"
import type { IniDocument, IniSection } from "./Ini.ts"
import { MAX_PROCESSES } from "./Limits.ts"
import { parseSocket } from "./FcgiSocket.ts"
import { FCGI_OPTIONS, GROUP_OPTIONS, LISTENER_OPTIONS, PROGRAM_OPTIONS } from "./Options.ts"
import { type Context, envVars, type Reader, reader, readOption, readOptions, warnUnknownOptions } from "./Reader.ts"
import { type DecodedValues, optionNames } from "./Table.ts"
import type { ChannelConfig, GroupConfig, GroupSupervision, ListenerConfig, LogFileSetting, ProcessConfig } from "./Types.ts"

const PROGRAM_NAMES = optionNames(PROGRAM_OPTIONS)
const LISTENER_NAMES = optionNames(PROGRAM_OPTIONS, LISTENER_OPTIONS)
const GROUP_NAMES = optionNames(GROUP_OPTIONS)
const FCGI_NAMES = optionNames(PROGRAM_OPTIONS, FCGI_OPTIONS)

type ChannelOptions = typeof PROGRAM_OPTIONS.stdout.rows

const sectionSuffix = (section: IniSection) => section.name.slice(section.name.indexOf(":") + 1)

/** The validated name after `program:` / `group:` / `eventlistener:` (recorded at the header when invalid). */
const nameOf = (r: Reader): string => {
  const raw = sectionSuffix(r.section)
  const decoded = Codecs.name(raw)
  if (Result.isSuccess(decoded)) return decoded.success
  r.fail(undefined, decoded.failure)
  return raw.trim()
}

/** The options read once per program, before the per-process loop (variables: here, ENV_*, names, host), and their rules. */
const programSettings = (ctx: Context, r: Reader, vars: Vars, kind: GroupConfig["kind"]) => {
  const settings = readOptions(ctx, r, PROGRAM_OPTIONS, "section", vars)
  const stdout = readOptions(ctx, r, PROGRAM_OPTIONS.stdout.rows, "section", vars)
  const stderr = readOptions(ctx, r, PROGRAM_OPTIONS.stderr.rows, "section", vars)
  if (settings.stopasgroup && !settings.killasgroup) r.fail("killasgroup", "Cannot set stopasgroup=true and killasgroup=false")
  if (kind === "eventlistener" && settings.redirectStderr) {
    r.fail("redirect_stderr", `[${r.section.name}] section sets redirect_stderr=true but this is not allowed because it will interfere with the eventlistener protocol`)
  }
  for (const check of [PROGRAM_OPTIONS.ready.name, PROGRAM_OPTIONS.healthcheck.name]) {
    if (kind === "eventlistener" && r.raw(check) !== undefined) {
      r.fail(check, `[${r.section.name}] section sets ${check}= but an event listener is ready when it says READY, and its stdout is the protocol`)
    }
  }
  if (settings.backoffResetAfter !== undefined && settings.backoff === undefined) {
    ctx.notices.push({ level: "warn", message: `For [${r.section.name}], backoff_reset_after has no effect without backoff= (the count starts over on RUNNING, as supervisord)` })
  }
  return { settings, stdout, stderr }
}

/** The logging options of one channel of one process (variables: everything, incl. the program's ENV_*). */
const channel = (
  ctx: Context,
  r: Reader,
  rows: ChannelOptions,
  k: "stdout" | "stderr",
  vars: Vars,
  once: DecodedValues<ChannelOptions, "section">
): ChannelConfig => {
  const option = rows.logfile.name
  // supervisord expands the logfile twice (saneget, then expand): a literal % needs %%%%
  const expandedOnce = r.text(option, vars)
  const twice = expandedOnce === undefined ? undefined : r.expand(option, expandedOnce, vars, option)
  const written = twice ?? rows.logfile.sample
  let logfile: LogFileSetting = Result.getOrThrow(Codecs.logfileName(written))
  const perProcess = readOptions(ctx, r, rows, "process", vars)
  let syslog = perProcess.syslog
  if (logfile._tag === "Syslog") {
    ctx.notices.push({ level: "warn", message: `For [${r.section.name}], ${option}=syslog but this is deprecated and will be removed.  Use ${k}_syslog=true to enable syslog instead.` })
    logfile = { _tag: "None" }
    syslog = true
  } else if (logfile._tag === "Path" && logfile.path !== "") {
    if (expandUser(ctx.host, logfile.path).includes("/")) {
      ctx.checks.push({ kind: "parent", path: joinedPath(ctx.host, logfile.path), written: logfile.path, at: r.at(option) })
    }
    // kept relative when written so (supervisord opens it from the daemon's directory of the moment, `directory=` once daemonized)
    logfile = { _tag: "Path", path: expandUser(ctx.host, logfile.path) }
  } else if (logfile._tag === "Auto" && perProcess.logfileMaxbytes === 0) {
    ctx.notices.push({ level: "warn", message: `For [${r.section.name}], AUTO logging used for ${option} without rollover, set maxbytes > 0 to avoid filling up filesystem unintentionally` })
  }
  return { logfile, ...perProcess, ...once, syslog }
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
  const { settings: { numprocs, numprocsStart, ...settings }, stdout: stdoutOnce, stderr: stderrOnce } = programSettings(ctx, r, vars, kind)
  const nameTemplate = r.raw(PROGRAM_OPTIONS.processName.name)?.value ?? PROGRAM_OPTIONS.processName.sample
  const validTemplate = Codecs.name(nameTemplate)
  if (Result.isFailure(validTemplate)) r.fail("process_name", validTemplate.failure)
  if (numprocs > 1 && !nameTemplate.includes("%(process_num)")) {
    r.fail("process_name", "%(process_num) must be present within process_name when numprocs > 1")
  }
  if (r.raw("command") === undefined) {
    r.fail(undefined, `program section ${section.name} does not specify a command`)
    return []
  }
  if (numprocs > ctx.budget.processes) {
    ctx.budget.processes = 0
    r.fail("numprocs", `the config defines more than ${MAX_PROCESSES} processes in all (effsup's limit)`)
    return []
  }
  ctx.budget.processes -= numprocs
  const processes: Array<ProcessConfig> = []
  for (let n = 0; n < numprocs; n++) {
    const num = numprocsStart + n
    const numVars: Vars = { ...vars, process_num: num, numprocs }
    const envText = r.text("environment", numVars, "environment")
    const decoded = envText === undefined ? undefined : Codecs.environment(envText)
    if (decoded !== undefined && Result.isFailure(decoded)) r.fail("environment", decoded.failure)
    const env = decoded !== undefined && Result.isSuccess(decoded) ? decoded.success : {}
    const all: Vars = { ...numVars, ...envVars(env) }
    const stdout = channel(ctx, r, PROGRAM_OPTIONS.stdout.rows, "stdout", all, stdoutOnce)
    let stderr = channel(ctx, r, PROGRAM_OPTIONS.stderr.rows, "stderr", all, stderrOnce)
    if (settings.redirectStderr) {
      if (stderr.logfile._tag === "Path") {
        ctx.notices.push({ level: "warn", message: `For [${section.name}], redirect_stderr=true but stderr_logfile has also been set to a filename, the filename has been ignored` })
      }
      stderr = { ...stderr, logfile: { _tag: "None" } }
    }
    const expandedName = r.expand("process_name", nameTemplate, all, "process_name")
    const processName = expandedName ?? nameTemplate
    if (r.raw("process_name") !== undefined && Result.isSuccess(validTemplate) && expandedName !== undefined) {
      const valid = Codecs.name(processName)
      if (Result.isFailure(valid)) r.fail("process_name", valid.failure)
    }
    const expanded = {
      name: processName.trim(),
      group,
      section: section.name,
      command: r.text("command", all) ?? "",
      ...settings,
      ...readOptions(ctx, r, PROGRAM_OPTIONS, "process", all),
      stdout,
      stderr,
      environment: { ...globalEnv, ...env }
    }
    processes.push({ ...expanded, uid: uidOf(ctx.host, expanded.user) })
  }
  if (processes.some((p) => p.watchdog !== undefined && p.ready?._tag !== "Notify")) {
    r.fail("watchdog", `[${section.name}] section sets watchdog= but its keep-alives (WATCHDOG=1) come over NOTIFY_SOCKET, which only ready=notify sets up`)
  }
  return processes.sort((a, b) => a.priority - b.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
}

/** `[eventlistener:x]` pool options (variables: here and ENV_* only); also the pool's priority. */
const listenerOptions = (ctx: Context, r: Reader, vars: Vars): ListenerConfig & { readonly priority: number } => {
  const { priority, bufferSize, resultHandler } = readOptions(ctx, r, LISTENER_OPTIONS, "section", vars)
  const names = Result.getOrThrow(Codecs.listOfStrings(r.text("events", vars) ?? "")).map((e) => e.toUpperCase())
  const events = [...new Set(names)]
  if (events.length === 0) r.fail("events", `[${r.section.name}] section requires an "events" line`)
  for (const e of events) {
    if (!isEventTypeName(e)) r.fail("events", `Unknown event type ${e} in [${r.section.name}] events`)
  }
  return { events, bufferSize, resultHandler, priority }
}

/**
 * The socket of an `[fcgi-program:x]` (`socket` sees here, ENV_* and program_name; the other socket
 * options and `user` see here and ENV_*); undefined after recording why there is none.
 */
const fcgiSocket = (ctx: Context, r: Reader, programName: string, baseVars: Vars) => {
  const written = r.text(FCGI_OPTIONS.socket.name, { ...baseVars, program_name: programName })
  // a value that does not expand has its own issue already
  if (written === undefined && r.raw(FCGI_OPTIONS.socket.name) !== undefined) return undefined
  if (written === undefined || written === "") {
    r.fail(undefined, `[${r.section.name}] section requires a "socket" line`)
    return undefined
  }
  const parsed = parseSocket(r.section.name, {
    socket: written,
    backlog: r.text(FCGI_OPTIONS.socketBacklog.name, baseVars),
    owner: r.text(FCGI_OPTIONS.socketOwner.name, baseVars),
    mode: r.text(FCGI_OPTIONS.socketMode.name, baseVars),
    user: r.text(PROGRAM_OPTIONS.user.name, baseVars)
  }, ctx.host)
  if (Result.isSuccess(parsed)) return parsed.success
  r.fail(parsed.failure.option, parsed.failure.message)
  return undefined
}

/** The supervision of a group that is no `[group:x]` (and of one that sets nothing): supervisord's, each process on its own. */
export const DEFAULT_SUPERVISION: GroupSupervision = {
  strategy: GROUP_OPTIONS.strategy.absent,
  maxRestarts: GROUP_OPTIONS.maxRestarts.absent,
  maxRestartsPeriod: GROUP_OPTIONS.maxRestartsPeriod.absent,
  onExhausted: GROUP_OPTIONS.onExhausted.absent
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
    warnUnknownOptions(ctx, section, GROUP_NAMES)
    const name = nameOf(r)
    const { programs, priority, ...supervision } = readOptions(ctx, r, GROUP_OPTIONS, "section", baseVars)
    const processes: Array<ProcessConfig> = []
    // supervisord's messages name the section of the member before (its loop variable is reused), or the group's.
    let named = section.name
    for (const program of programs) {
      const plain = doc.sections.get(`program:${program}`)
      const fcgi = doc.sections.get(`fcgi-program:${program}`)
      if (plain !== undefined && fcgi !== undefined) {
        r.fail("programs", `[${named}] name ${program} is ambiguous (exists as program and fcgi-program)`)
      }
      // supervisord builds an fcgi-program listed in a group as a plain program: it gets no socket.
      const member = plain ?? fcgi
      if (member !== undefined) {
        inGroup.add(member.name)
        named = member.name
        processes.push(...processesFromSection(ctx, member, name, "group", baseVars, globalEnv))
      } else {
        r.fail("programs", `[${named}] names unknown program or fcgi-program ${program}`)
      }
    }
    groups.push({ name, kind: "group", priority, processes, listener: undefined, socket: undefined, supervision })
  }
  for (const section of sections) {
    if (section.name.startsWith("program:")) {
      warnUnknownOptions(ctx, section, PROGRAM_NAMES)
      if (inGroup.has(section.name)) continue
      const r = reader(ctx, section)
      const name = nameOf(r)
      const priority = readOption(ctx, r, PROGRAM_OPTIONS.priority, baseVars)
      const processes = processesFromSection(ctx, section, name, "program", baseVars, globalEnv)
      groups.push({ name, kind: "program", priority, processes, listener: undefined, socket: undefined, supervision: DEFAULT_SUPERVISION })
    } else if (section.name.startsWith("eventlistener:")) {
      warnUnknownOptions(ctx, section, LISTENER_NAMES)
      const r = reader(ctx, section)
      const name = nameOf(r)
      const { priority, ...listener } = listenerOptions(ctx, r, baseVars)
      const processes = processesFromSection(ctx, section, name, "eventlistener", baseVars, globalEnv)
      groups.push({ name, kind: "eventlistener", priority, processes, listener, socket: undefined, supervision: DEFAULT_SUPERVISION })
    } else if (section.name.startsWith("fcgi-program:")) {
      warnUnknownOptions(ctx, section, FCGI_NAMES)
      if (inGroup.has(section.name)) continue
      const r = reader(ctx, section)
      const name = nameOf(r)
      const priority = readOption(ctx, r, PROGRAM_OPTIONS.priority, baseVars)
      const socket = fcgiSocket(ctx, r, name, baseVars)
      const processes = processesFromSection(ctx, section, name, "fcgi-program", baseVars, globalEnv)
      groups.push({ name, kind: "fcgi-program", priority, processes, listener: undefined, socket, supervision: DEFAULT_SUPERVISION })
    }
  }
  return groups.sort(byPriorityThenName)
}
