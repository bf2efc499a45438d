/**
 * getAllConfigInfo's view of one configured process (supervisord field meanings:
 * AUTO logs as `auto`, NONE as `none`, stopsignal as its number).
 * supervisord: rpcinterface.py getAllConfigInfo.
 * @since 0.1.0
 */
import type { ChannelConfig, GroupConfig, LogFileSetting, ProcessConfig } from "../config/Types.ts"
import { parseSignal } from "../domain/Signals.ts"
import type { ChannelInfo, ConfigInfo } from "./Api.ts"

const logfileName = (setting: LogFileSetting): string => {
  switch (setting._tag) {
    case "Auto":
      return "auto"
    case "None":
      return "none"
    case "Syslog":
      return "syslog"
    case "Path":
      return setting.path
  }
}

const channelInfo = (channel: ChannelConfig): ChannelInfo => ({
  captureMaxbytes: channel.captureMaxbytes,
  eventsEnabled: channel.eventsEnabled,
  logfile: logfileName(channel.logfile),
  logfileBackups: channel.logfileBackups,
  logfileMaxbytes: channel.logfileMaxbytes,
  syslog: channel.syslog
})

/** The config info of one process; `inuse` = its group is active. */
export const configInfo = (group: GroupConfig, config: ProcessConfig, inuse: boolean): ConfigInfo => ({
  name: config.name,
  group: group.name,
  inuse,
  autostart: config.autostart,
  command: config.command,
  directory: config.directory,
  uid: config.user === undefined || !/^\d+$/.test(config.user) ? undefined : Number(config.user),
  exitcodes: config.exitcodes,
  groupPrio: group.priority,
  processPrio: config.priority,
  killasgroup: config.killasgroup,
  redirectStderr: config.redirectStderr,
  startretries: config.startretries,
  startsecs: config.startsecs,
  stopsignal: parseSignal(config.stopsignal)?.number ?? 15,
  stopwaitsecs: config.stopwaitsecs,
  serverurl: config.serverurl,
  stdout: channelInfo(config.stdout),
  stderr: channelInfo(config.stderr)
})
