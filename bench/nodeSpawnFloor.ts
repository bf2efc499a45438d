/**
 * A second floor for the cold start: the least a Node daemon on effsup's spawner addon does to
 * start N programs with default (AUTO) logs, and nothing else (no config, no Effect, no control
 * socket). It creates each program's two log files with O_EXCL on libuv's threadpool, as effsup
 * does, grows the fd table once (as effsup does), spawns `sleep SECONDS` with the addon once a program's two files exist, watches each
 * child's stdout and stderr pipes, and exits after the last spawn (its children die with it:
 * PR_SET_PDEATHSIG). The cold start scenario times it from exec to exit, like the C floor.
 *
 *   node bench/nodeSpawnFloor.ts N LOGDIR SECONDS
 * @since 0.1.0
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { loadNativeAddon } from "../src/process/NativeAddon.ts"

const [countText, logDir, seconds] = process.argv.slice(2)
const count = Number(countText)
const native = loadNativeAddon()
if (native._tag !== "Loaded" || logDir === undefined || seconds === undefined || !(count > 0)) {
  process.stderr.write(`usage: node bench/nodeSpawnFloor.ts N LOGDIR SECONDS (the addon must load: ${native._tag})\n`)
  process.exit(2)
}
const addon = native.addon
addon.prepare()
// the fd table grown once, as effsup does (each growth on the way stalls the threads for an RCU grace period)
addon.growFdTable(128 + 6 * count)

const env = Object.entries(process.env).map(([k, v]) => `${k}=${v}`)
const CREATE = Fs.constants.O_CREAT | Fs.constants.O_EXCL | Fs.constants.O_WRONLY | Fs.constants.O_APPEND
let spawned = 0

const spawnOne = () => {
  addon.spawn("/usr/bin/sleep", ["sleep", seconds], env, null, -1, null, () => undefined, undefined, (error, started) => {
    if (error !== null || started === undefined) throw new Error(`spawn failed: ${error?.stage} ${error?.code}`)
    addon.watch(started[2], () => undefined)
    addon.watch(started[3], () => undefined)
    if (++spawned === count) process.exit(0)
  })
}

for (let i = 0; i < count; i++) {
  let made = 0
  for (const channel of ["stdout", "stderr"]) {
    Fs.open(Path.join(logDir, `p${i}-${channel}.log`), CREATE, 0o644, (error) => {
      if (error !== null) throw error
      if (++made === 2) spawnOne()
    })
  }
}
