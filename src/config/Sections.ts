/**
 * Resolution of a merged INI document into the final {@link Config}: `[supervisord]` (with its
 * twice-expanded `environment`, Q28), the process groups (Programs.ts), the HTTP servers (every section whose
 * name starts with `unix_http_server` / `inet_http_server`, Q13), `[supervisorctl]`, the plugin sections,
 * and warnings for unknown sections and options (supervisord ignores them silently). Plain options are
 * decoded from their tables (Options.ts); this module adds the required ones, paths and cross-option rules.
 * See shared/reference/supervisord-4.2.5.md §1.3, §1.5, §1.11–§1.14.
 *
 * Invariant: pure. All problems are collected (not just the first, unlike supervisord); file-system
 * checks are returned as {@link PathCheck}s for Load.ts to run.
 * @since 0.1.0
 */
import * as Result from "effect/Result"
import * as Codecs from "./Codecs.ts"
import type { Vars } from "./Expand.ts"
import { absolutePath, expandUser, type Host, joinedPath } from "./Host.ts"
import type { IniDocument, IniSection } from "./Ini.ts"
import { CTL_OPTIONS, INET_SERVER_OPTIONS, SUPERVISORD_OPTIONS, UNIX_SERVER_OPTIONS } from "./Options.ts"
import { groupsFromDocument } from "./Programs.ts"
import { checkSupervision } from "./Supervision.ts"
import {
  type Context, dirname, envVars, FIRST_LINE, makeContext, type PathCheck, type Reader, reader, readOptions, suggest, warnUnknownOptions
} from "./Reader.ts"
import { optionNames } from "./Table.ts"
import type { Config, ConfigIssue, ConfigNotice, CtlConfig, InetServerConfig, SupervisordConfig, UnixServerConfig } from "./Types.ts"

const SUPERVISORD_NAMES = optionNames(SUPERVISORD_OPTIONS)
const UNIX_SERVER_NAMES = optionNames(UNIX_SERVER_OPTIONS)
const INET_SERVER_NAMES = optionNames(INET_SERVER_OPTIONS)
const CTL_NAMES = optionNames(CTL_OPTIONS)

/** The factory effsup implements natively for `[rpcinterface:x]`. */
export const MAIN_RPC_FACTORY = "supervisor.rpcinterface:make_main_rpcinterface"
/** supervisorctl's built-in command set, accepted (as a no-op) in `[ctlplugin:x]`. */
export const DEFAULT_CTL_FACTORY = "supervisor.supervisorctl:DefaultControllerPlugin"

const KNOWN_PREFIXES = [
  "program:", "group:", "eventlistener:", "fcgi-program:", "rpcinterface:", "ctlplugin:", "unix_http_server", "inet_http_server"
]
const KNOWN_NAMES = ["supervisord", "supervisorctl", "include", "DEFAULT"]

/** What resolution produced: the config (meaningful only when `issues` is empty) and the deferred checks. */
export interface Resolution<A> {
  readonly value: A
  readonly issues: ReadonlyArray<ConfigIssue>
  readonly notices: ReadonlyArray<ConfigNotice>
  readonly checks: ReadonlyArray<PathCheck>
}

/** `tempfile.gettempdir()` without touching the disk: TMPDIR, TEMP, TMP, else /tmp. */
const tempDir = (host: Host): string => host.env["TMPDIR"] ?? host.env["TEMP"] ?? host.env["TMP"] ?? "/tmp"

/** `existing_dirpath`: `~` expanded, absolute; the parent must exist when the value names one. */
const logPath = (ctx: Context, r: Reader, option: string, written: string): string => {
  if (expandUser(ctx.host, written).includes("/")) {
    ctx.checks.push({ kind: "parent", path: joinedPath(ctx.host, written), written, at: r.at(option) })
  }
  return absolutePath(ctx.host, written)
}

/** `existing_directory`: `~` expanded, absolute, must be a directory. */
const directory = (ctx: Context, r: Reader, option: string, written: string): string => {
  // an empty value is no directory (os.path.isdir('') is false), not the current one
  const path = written === "" ? "" : absolutePath(ctx.host, written)
  ctx.checks.push({ kind: "directory", path, written, at: r.at(option) })
  return path
}

/** `[supervisord] environment`, expanded twice as supervisord does (Q28). */
const globalEnvironment = (ctx: Context, r: Reader, vars: Vars): Readonly<Record<string, string>> => {
  const once = r.text("environment", vars)
  if (once === undefined) return {}
  const twice = r.expand("environment", once, { ...vars, host_node_name: ctx.host.hostname }, "environment")
  if (twice === undefined) return {}
  const decoded = Codecs.environment(twice)
  if (Result.isFailure(decoded)) r.fail("environment", decoded.failure)
  return Result.getOrElse(decoded, () => ({}))
}

const supervisord = (ctx: Context, r: Reader, vars: Vars, environment: Readonly<Record<string, string>>): SupervisordConfig => {
  const options = readOptions(ctx, r, SUPERVISORD_OPTIONS, "section", vars)
  return {
    ...options,
    logfile: options.logfile === "syslog" ? options.logfile : logPath(ctx, r, "logfile", options.logfile),
    pidfile: logPath(ctx, r, "pidfile", options.pidfile),
    childlogdir: directory(ctx, r, "childlogdir", r.text("childlogdir", vars) ?? tempDir(ctx.host)),
    directory: options.directory === undefined ? undefined : directory(ctx, r, "directory", options.directory),
    environment
  }
}

/** `username` and `password`: both or neither. */
const checkCredentials = (r: Reader, credentials: { readonly username: string | undefined; readonly password: string | undefined }): void => {
  if ((credentials.username === undefined) !== (credentials.password === undefined)) {
    r.fail(credentials.username === undefined ? "password" : "username", `Section [${r.section.name}] contains incomplete authentication: If a username or a password is specified, both the username and password must be specified`)
  }
}

const unixServer = (ctx: Context, r: Reader, vars: Vars): UnixServerConfig => {
  const file = r.text("file", vars)
  if (file === undefined) r.fail(undefined, `section [${r.section.name}] has no file value`)
  const options = readOptions(ctx, r, UNIX_SERVER_OPTIONS, "section", vars)
  checkCredentials(r, options)
  return { file: file === undefined ? "" : absolutePath(ctx.host, file.trim()), ...options }
}

const inetServer = (ctx: Context, r: Reader, vars: Vars): InetServerConfig => {
  const port = r.text("port", vars)
  if (port === undefined) r.fail(undefined, `section [${r.section.name}] has no port value`)
  const address = port === undefined ? undefined : r.optional("port", Codecs.inetAddress, vars)
  const options = readOptions(ctx, r, INET_SERVER_OPTIONS, "section", vars)
  checkCredentials(r, options)
  return { section: r.section.name, host: address?.host ?? "", port: address?.port ?? 0, ...options }
}

/** The server URL of the configured servers: the unix socket, else the first inet port (supervisord's SUPERVISOR_SERVER_URL fallback). */
export const guessServerUrl = (unix: UnixServerConfig | undefined, inet: ReadonlyArray<InetServerConfig>): string | undefined =>
  unix !== undefined
    ? `unix://${unix.file}`
    : inet[0] !== undefined
    ? `http://${inet[0].host === "" ? "localhost" : inet[0].host}:${inet[0].port}`
    : undefined

/** supervisorctl's default server when the config names none. */
const DEFAULT_SERVER_URL = "http://localhost:9001"

const supervisorctl = (ctx: Context, r: Reader, vars: Vars): CtlConfig => {
  const url = r.text("serverurl", vars) ?? DEFAULT_SERVER_URL
  // a username without a password (or the reverse) is taken as it is: only the servers' sections check the pair
  const options = readOptions(ctx, r, CTL_OPTIONS, "section", vars)
  return {
    serverurl: url.startsWith("unix://") ? `unix://${absolutePath(ctx.host, url.slice(7))}` : url,
    ...options,
    historyFile: options.historyFile === undefined || options.historyFile === "" ? undefined : absolutePath(ctx.host, options.historyFile)
  }
}

/** `[rpcinterface:x]` / `[ctlplugin:x]`: the factory key is required and only effsup's built-in is accepted. */
const plugin = (r: Reader, key: string, builtin: string, vars: Vars): void => {
  const factory = r.text(key, vars)
  if (factory === undefined) r.fail(undefined, `section [${r.section.name}] does not specify a ${key}`)
  else if (factory !== builtin) {
    r.fail(key, `${factory} cannot be resolved within [${r.section.name}]: effsup cannot load Python plugins (only ${builtin} is built in)`)
  }
}

const sectionsWithPrefix = (doc: IniDocument, prefix: string): ReadonlyArray<IniSection> =>
  [...doc.sections.values()].filter((s) => s.name.startsWith(prefix))

const warnUnknownSections = (ctx: Context, doc: IniDocument): void => {
  for (const s of doc.sections.values()) {
    if (KNOWN_NAMES.includes(s.name) || KNOWN_PREFIXES.some((p) => s.name.startsWith(p))) continue
    const hint = suggest(s.name.split(":")[0]!, [...KNOWN_NAMES, ...KNOWN_PREFIXES.map((p) => p.replace(/:$/, ""))])
    ctx.notices.push({ level: "warn", message: `${s.file}:${s.line}: unknown section [${s.name}] is ignored${hint === undefined ? "" : ` (did you mean '${hint}'?)`}` })
  }
}

const servers = (ctx: Context, doc: IniDocument, vars: Vars) => {
  const inet = sectionsWithPrefix(doc, "inet_http_server").map((s) => {
    warnUnknownOptions(ctx, s, INET_SERVER_NAMES)
    return inetServer(ctx, reader(ctx, s), vars)
  })
  const [first, ...extra] = sectionsWithPrefix(doc, "unix_http_server")
  for (const s of extra) {
    ctx.notices.push({ level: "warn", message: `${s.file}:${s.line}: [${s.name}] is ignored: effsup serves one unix socket ([${first!.name}])` })
  }
  if (first !== undefined) warnUnknownOptions(ctx, first, UNIX_SERVER_NAMES)
  const unix = first === undefined ? undefined : unixServer(ctx, reader(ctx, first), vars)
  return { unix, inet }
}

const finish = <A>(ctx: Context, value: A): Resolution<A> => {
  const seen = new Set<string>()
  const issues = ctx.issues.filter((i) => {
    const key = `${i.file}\0${i.line}\0${i.section}\0${i.option}\0${i.message}`
    return seen.has(key) ? false : (seen.add(key), true)
  })
  const notices = [...new Map(ctx.notices.map((n) => [`${n.level}\0${n.message}`, n])).values()]
  const checks = [...new Map(ctx.checks.map((c) => [`${c.kind}\0${c.path}\0${c.at.file}\0${c.at.line}`, c])).values()]
  return { value, issues, notices, checks }
}

/** `[supervisorctl]` as the daemon reads it: in a context whose issues are dropped (its budget is shared). */
const clientSection = (ctx: Context, section: IniSection, vars: Vars): CtlConfig => {
  const client: Context = { ...ctx, issues: [], notices: [], checks: [] }
  return supervisorctl(client, reader(client, section), vars)
}

/** Resolve the whole document for the daemon. `file` is the main config's absolute path (its dir is `%(here)s`). */
export const resolve = (doc: IniDocument, file: string, host: Host): Resolution<Config> => {
  const ctx = makeContext(host, dirname(file), doc.sections.get("DEFAULT"))
  const main = doc.sections.get("supervisord")
  if (main === undefined) {
    ctx.issues.push({ file, line: FIRST_LINE, section: undefined, option: undefined, message: ".ini file does not include supervisord section" })
  }
  const mainSection: IniSection = main ?? { name: "supervisord", file, line: FIRST_LINE, options: new Map() }
  warnUnknownOptions(ctx, mainSection, SUPERVISORD_NAMES)
  warnUnknownSections(ctx, doc)
  const osVars: Vars = { here: ctx.here, ...envVars(host.env) }
  const r = reader(ctx, mainSection)
  const globalEnv = globalEnvironment(ctx, r, osVars)
  const vars: Vars = { ...osVars, ...envVars(globalEnv) }
  const sup = supervisord(ctx, r, osVars, globalEnv)
  const rpcSections = sectionsWithPrefix(doc, "rpcinterface:")
  for (const s of rpcSections) plugin(reader(ctx, s), "supervisor.rpcinterface_factory", MAIN_RPC_FACTORY, vars)
  const groups = groupsFromDocument(ctx, doc, vars, globalEnv)
  checkSupervision(ctx, doc, groups, sup, r)
  const { unix, inet } = servers(ctx, doc, vars)
  const ctlSection = doc.sections.get("supervisorctl")
  if (ctlSection !== undefined) warnUnknownOptions(ctx, ctlSection, CTL_NAMES)
  return finish(ctx, {
    file,
    supervisord: sup,
    groups,
    unixHttpServer: unix,
    inetHttpServers: inet,
    // supervisord never reads [supervisorctl]: its problems are the client's, not the daemon's
    supervisorctl: ctlSection === undefined ? undefined : clientSection(ctx, ctlSection, osVars),
    rpcInterfaces: rpcSections.map((s) => s.name.slice("rpcinterface:".length)),
    notices: []
  })
}

/**
 * Resolve only what a client needs: `[supervisorctl]` (defaults when absent) and the `[ctlplugin:x]`
 * sections. Without `serverurl`, supervisorctl's default `http://localhost:9001`.
 */
export const resolveCtl = (doc: IniDocument, file: string, host: Host): Resolution<CtlConfig> => {
  const ctx = makeContext(host, dirname(file), doc.sections.get("DEFAULT"))
  const vars: Vars = { here: ctx.here, ...envVars(host.env) }
  for (const s of sectionsWithPrefix(doc, "ctlplugin:")) plugin(reader(ctx, s), "supervisor.ctl_factory", DEFAULT_CTL_FACTORY, vars)
  const section = doc.sections.get("supervisorctl") ?? { name: "supervisorctl", file, line: FIRST_LINE, options: new Map() }
  warnUnknownOptions(ctx, section, CTL_NAMES)
  return finish(ctx, supervisorctl(ctx, reader(ctx, section), vars))
}
