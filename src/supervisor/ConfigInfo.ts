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
export const configInfo = (group: GroupConfig, process: ProcessConfig, inuse: boolean): ConfigInfo => ({
  name: process.name,
  group: group.name,
  inuse,
  autostart: process.autostart,
  command: process.command,
  directory: process.directory,
  uid: process.user === undefined || !/^\d+$/.test(process.user) ? undefined : Number(process.user),
  exitcodes: process.exitcodes,
  groupPrio: group.priority,
  processPrio: process.priority,
  killasgroup: process.killasgroup,
  redirectStderr: process.redirectStderr,
  startretries: process.startretries,
  startsecs: process.startsecs,
  stopsignal: parseSignal(process.stopsignal)?.number ?? 15,
  stopwaitsecs: process.stopwaitsecs,
  serverurl: process.serverurl,
  stdout: channelInfo(process.stdout),
  stderr: channelInfo(process.stderr)
})
