/**
 * The environment a child gets, in supervisord's order (lowest precedence first): the daemon's
 * own environment, then SUPERVISOR_ENABLED / SUPERVISOR_SERVER_URL / SUPERVISOR_PROCESS_NAME /
 * SUPERVISOR_GROUP_NAME, then `[supervisord] environment` overlaid by the program's
 * `environment` (already merged in ProcessConfig). Gotcha (Q1): the config environments can
 * override the SUPERVISOR_* variables, as in supervisord 4.2.5's code (its docs say otherwise).
 * @since 0.1.0
 */
import type { ProcessConfig } from "../config/Types.ts"

/** Build a child's environment. `serverUrl` is the daemon's fallback for `serverurl=AUTO`. */
export const childEnvironment = (
  config: ProcessConfig,
  daemonEnv: Readonly<Record<string, string | undefined>>,
  serverUrl: string | undefined
): Record<string, string> => {
  const env: Record<string, string> = {}
  // for-in, not Object.entries: no [key, value] pair per variable per spawn (a start of 500 made 40 000)
  for (const k in daemonEnv) {
    const v = daemonEnv[k]
    if (v !== undefined) env[k] = v
  }
  env["SUPERVISOR_ENABLED"] = "1"
  const url = config.serverurl.toUpperCase() === "AUTO" ? serverUrl : config.serverurl
  if (url !== undefined) env["SUPERVISOR_SERVER_URL"] = url
  env["SUPERVISOR_PROCESS_NAME"] = config.name
  env["SUPERVISOR_GROUP_NAME"] = config.group
  return Object.assign(env, config.environment)
}
