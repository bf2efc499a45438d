/**
 * Config records for tests, with effsup's real defaults: each starts from a minimal config text
 * resolved by the real loader (so every option's default, including one added tomorrow, is there
 * by itself) and is then overridden field by field. Use these instead of writing records by hand.
 * @since 0.1.0
 */
import type { Host } from "../../src/config/Host.ts"
import { formatIssue, parseConfigText } from "../../src/config/Load.ts"
import type {
  ChannelConfig, Config, GroupConfig, InetServerConfig, ListenerConfig, ProcessConfig, SupervisordConfig,
  UnixServerConfig
} from "../../src/config/Types.ts"

/** A host with no passwd or group tables (so `user=` is not checked), cwd `/tmp`. */
export const testHost: Host = { env: { HOME: "/root", PATH: "/usr/bin:/bin" }, cwd: "/tmp", hostname: "testhost", users: undefined, groups: undefined }

/** Resolve a whole config text (`/etc/effsup/test.conf`, on {@link testHost}); throws on any issue. */
export const resolveConfig = (text: string): Config => {
  const resolution = parseConfigText(text, "/etc/effsup/test.conf", testHost)
  if (resolution.issues.length > 0) throw new Error(resolution.issues.map(formatIssue).join("\n"))
  return resolution.value
}

const defaults = resolveConfig(`[supervisord]
[unix_http_server]
file=/tmp/effsup-test.sock
[inet_http_server]
port=127.0.0.1:9001
[supervisorctl]
[program:p]
command=/bin/cat
[eventlistener:l]
command=/bin/cat
events=PROCESS_STATE
`)
const defaultProgram = defaults.groups.find((g) => g.kind === "program")!
const defaultProcess = defaultProgram.processes[0]!
const defaultListener = defaults.groups.find((g) => g.kind === "eventlistener")!.listener!

/** `[supervisord]` with its defaults. */
export const supervisordConfig = (overrides: Partial<SupervisordConfig> = {}): SupervisordConfig => ({ ...defaults.supervisord, ...overrides })

/** A channel with the defaults (logged to an AUTO file, 50MB, 10 backups, no capture, no events). */
export const channelConfig = (overrides: Partial<ChannelConfig> = {}): ChannelConfig => ({ ...defaultProcess.stdout, ...overrides })

/** A channel that is not logged to any file. */
export const quietChannel: ChannelConfig = channelConfig({ logfile: { _tag: "None" } })

/** One process of `[program:<name>]` (name `p` unless given; group and section follow the name) running `/bin/cat`. */
export const processConfig = (overrides: Partial<ProcessConfig> = {}): ProcessConfig => {
  const name = overrides.name ?? defaultProcess.name
  return { ...defaultProcess, name, group: name, section: `program:${name}`, ...overrides }
}

/** `[eventlistener:x]` pool options (events `PROCESS_STATE` unless given). */
export const listenerConfig = (overrides: Partial<ListenerConfig> = {}): ListenerConfig => ({ ...defaultListener, ...overrides })

/** A `[program:x]` group of the given processes (by default the one process {@link processConfig} makes for `name`). */
export const programGroup = (
  name: string,
  processes: ReadonlyArray<ProcessConfig> = [processConfig({ name })],
  overrides: Partial<GroupConfig> = {}
): GroupConfig => ({ name, kind: "program", priority: 999, processes, listener: undefined, socket: undefined, supervision: defaultProgram.supervision, ...overrides })

/** `[unix_http_server]` on `file`. */
export const unixServerConfig = (file: string, overrides: Partial<UnixServerConfig> = {}): UnixServerConfig =>
  ({ ...defaults.unixHttpServer!, file, ...overrides })

/** `[inet_http_server]` on `host:port`. */
export const inetServerConfig = (host: string, port: number, overrides: Partial<InetServerConfig> = {}): InetServerConfig =>
  ({ ...defaults.inetHttpServers[0]!, host, port, ...overrides })

/** A whole config (`/etc/effsup/test.conf`): defaults, no groups, no servers, unless overridden. */
export const config = (overrides: Partial<Config> = {}): Config => ({
  ...defaults,
  groups: [],
  unixHttpServer: undefined,
  inetHttpServers: [],
  supervisorctl: undefined,
  notices: [],
  ...overrides
})
