/**
 * Every line the daemon writes is in the activity log's format (`YYYY-MM-DD HH:MM:SS,mmm LEVL msg`),
 * whatever goes wrong, and says what went wrong in words a person can act on: the path, the errno
 * name and its text. The real daemon runs in front (`-n`, the activity log copied to stdout) and is
 * made to fail: log files that cannot be reopened on SIGUSR2, a broken config on SIGHUP, and at last a
 * restart whose activity log cannot be opened, which ends it. Its stdout, stderr and log file are
 * then read line by line.
 */
import * as Cp from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { tempDir } from "../support/TempDir.ts"

const BIN = Path.resolve(import.meta.dirname, "../../src/bin.ts")

/** supervisord's activity-log line: local time with milliseconds, a four-letter level, a message. */
const LINE = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (CRIT|ERRO|WARN|INFO|DEBG|TRAC|BLAT) \S/

const config = (extra = "") => `[supervisord]
logfile=%(here)s/logs/main.log
pidfile=%(here)s/daemon.pid
childlogdir=%(here)s/logs
loglevel=info
${extra}
[unix_http_server]
file=%(here)s/sock

[program:talker]
command=sh -c 'while :; do echo hi; sleep 1; done'
stdout_logfile=%(here)s/logs/talker.log
`

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const linesOf = (text: string) => text.split("\n").filter((l) => l !== "")

describe("the daemon's output", () => {
  it("is all in the activity log's format, with actionable errors, whatever fails", async () => {
    const dir = tempDir("logformat")
    const file = Path.join(dir, "test.conf")
    Fs.mkdirSync(Path.join(dir, "logs"))
    Fs.writeFileSync(file, config())
    const child = Cp.spawn(process.execPath, [BIN, "run", "-n", "-c", file], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d) => (stdout += String(d)))
    child.stderr.on("data", (d) => (stderr += String(d)))
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve))
    const waitFor = async (pattern: RegExp) => {
      for (let i = 0; i < 300 && !pattern.test(stdout); i++) await sleep(50)
      expect(stdout).toMatch(pattern)
    }
    try {
      await waitFor(/success: talker entered RUNNING/)

      // log files that cannot be reopened: the old files move away, directories take their names
      Fs.renameSync(Path.join(dir, "logs"), Path.join(dir, "old-logs"))
      Fs.mkdirSync(Path.join(dir, "logs", "main.log"), { recursive: true })
      Fs.mkdirSync(Path.join(dir, "logs", "talker.log"))
      child.kill("SIGUSR2")
      await waitFor(/supervisord logreopen/)

      Fs.writeFileSync(file, config().replace("loglevel=info", "loglevel=loud"))
      child.kill("SIGHUP")
      await waitFor(/restart refused/)

      // a good config again, but its activity log cannot be opened: the restart ends the daemon
      Fs.writeFileSync(file, config())
      child.kill("SIGHUP")
      expect(await exited).toBe(2)
    } finally {
      // if a step failed: stop it as a supervisor stops (its programs too), or kill it
      if (child.exitCode === null) child.kill("SIGTERM")
      const timer = setTimeout(() => child.kill("SIGKILL"), 20_000)
      await exited
      clearTimeout(timer)
    }
    const logFile = Fs.readFileSync(Path.join(dir, "old-logs", "main.log"), "utf8")
    const all = [...linesOf(stdout), ...linesOf(stderr), ...linesOf(logFile)]
    expect(all.filter((l) => !LINE.test(l))).toEqual([])
    const message = (l: string) => l.replace(/^\S+ \S+ /, "")
    expect(linesOf(stdout).map(message)).toEqual(expect.arrayContaining([
      `ERRO could not reopen log file ${dir}/logs/talker.log: EISDIR (Is a directory)`,
      `ERRO could not reopen log file ${dir}/logs/main.log: EISDIR (Is a directory)`,
      `ERRO restart refused, nothing was changed: ${file}:5: [supervisord] loglevel: bad logging level name 'loud'`
    ]))
    expect(linesOf(stderr).map(message)).toEqual([
      `CRIT could not restart: could not open the activity log ${dir}/logs/main.log: EISDIR (Is a directory)`
    ])
    expect(all.filter((l) => /Unknown:|BadResource:|FileSystem\.|illegal operation/.test(l))).toEqual([])
  }, 60_000)
})
