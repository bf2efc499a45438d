/**
 * getAllConfigInfo's view of one configured process (supervisord field meanings:
 * NONE logs as `none`, stopsignal as its number, `user=` as its uid, serverurl AUTO as `none`).
 * An AUTO log is `auto` until a group is made from this very config, then the path of the file
 * made for it, as supervisord names the file in the config object it makes the group from
 * (`create_autochildlogs`): a config read again by `reread` is `auto` until `update`/`add` makes it
 * a group, even for a group that did not change.
 * supervisord: rpcinterface.py getAllConfigInfo.
 * @since 0.1.0
 */
import type { ChannelConfig, GroupConfig, LogFileSetting, ProcessConfig } from "../config/Types.ts"
import { parseSignal } from "../domain/Signals.ts"
import type { ChannelInfo, ConfigInfo } from "./Api.ts"

/** The paths of the AUTO log files made for one process config (undefined: none made for it). */
export interface AutoLogPaths {
  readonly stdout: string | undefined
  readonly stderr: string | undefined
}

const logfileName = (setting: LogFileSetting, made: string | undefined): string => {
  switch (setting._tag) {
    case "Auto":
      return made ?? "auto"
    case "None":
      return "none"
    case "Syslog":
      return "syslog"
    case "Path":
      return setting.path
  }
}

const channelInfo = (channel: ChannelConfig, made: string | undefined): ChannelInfo => ({
  captureMaxbytes: channel.captureMaxbytes,
  eventsEnabled: channel.eventsEnabled,
  logfile: logfileName(channel.logfile, made),
  logfileBackups: channel.logfileBackups,
  logfileMaxbytes: channel.logfileMaxbytes,
  syslog: channel.syslog
})

/** The config info of one process; `inuse` = its group is active; `made` = the AUTO logs made for this config object. */
export const configInfo = (group: GroupConfig, config: ProcessConfig, inuse: boolean, made?: AutoLogPaths): ConfigInfo => ({
  name: config.name,
  group: group.name,
  inuse,
  autostart: config.autostart,
  command: config.command,
  directory: config.directory,
  uid: config.uid,
  exitcodes: config.exitcodes,
  groupPrio: group.priority,
  processPrio: config.priority,
  killasgroup: config.killasgroup,
  redirectStderr: config.redirectStderr,
  startretries: config.startretries,
  startsecs: config.startsecs,
  stopsignal: parseSignal(config.stopsignal)?.number ?? 15,
  stopwaitsecs: config.stopwaitsecs,
  serverurl: config.serverurl === "AUTO" ? undefined : config.serverurl,
  stdout: channelInfo(config.stdout, made?.stdout),
  stderr: channelInfo(config.stderr, made?.stderr)
})
