/**
 * Daemon mode, side by side with supervisord 4.2.5: the same config (no nodaemon, a `directory`
 * and a `umask`) started the same way (`supervisord -c FILE` / `effsup run -c FILE`), compared
 * from outside — the foreground's exit code and output, the daemon's session, terminal, stdio,
 * directory and umask in /proc, its program's, the pidfile's mode, the activity-log lines, a second
 * start on the busy socket, a broken config, and the shutdown. Every daemon is stopped through its
 * pidfile, even when a test fails.
 */
import * as Cp from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { CONTROL_SECTIONS, haveSupervisord, type Kind } from "./harness.ts"
import { tempDir } from "../support/TempDir.ts"

const ROOT = Path.resolve(import.meta.dirname, "../..")
const BIN = Path.join(ROOT, "src/bin.ts")

const command = (kind: Kind, args: ReadonlyArray<string>): readonly [string, ReadonlyArray<string>] =>
  kind === "effsup" ? [process.execPath, [BIN, "run", ...args]] : ["supervisord", args]

interface Launched {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Run the foreground command to its end (the daemon it leaves behind is not waited for). */
const launch = (kind: Kind, args: ReadonlyArray<string>, cwd: string): Promise<Launched> =>
  new Promise((resolve) => {
    const [cmd, argv] = command(kind, args)
    Cp.execFile(cmd, [...argv], { cwd, timeout: 30_000 }, (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : null, stdout, stderr }))
  })

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return !/\) Z /.test(Fs.readFileSync(`/proc/${pid}/stat`, "utf8"))
  } catch {
    return false
  }
}

/** Pidfiles of daemons started here: whatever still runs is stopped after the file's tests. */
const pidfiles = new Set<string>()
afterAll(async () => {
  for (const file of pidfiles) {
    const pid = Fs.existsSync(file) ? Number(Fs.readFileSync(file, "utf8")) : 0
    if (pid <= 0 || !alive(pid)) continue
    process.kill(pid, "SIGTERM")
    for (let i = 0; i < 200 && alive(pid); i++) await sleep(50)
    if (alive(pid)) process.kill(pid, "SIGKILL")
  }
}, 30_000)

const waitFor = async (check: () => boolean, what: string, ms = 15_000) => {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

const config = (extra: string) => `[supervisord]
logfile=%(here)s/main.log
pidfile=%(here)s/daemon.pid
childlogdir=%(here)s
directory=%(here)s/work
umask=027
${extra}
${CONTROL_SECTIONS}
[program:probe]
command=sleep 1000.${process.pid}
startsecs=0
`

const makeDir = (kind: Kind, text: string) => {
  const dir = tempDir(`daemon-${kind}`)
  Fs.mkdirSync(Path.join(dir, "work"))
  Fs.writeFileSync(Path.join(dir, "test.conf"), text)
  pidfiles.add(Path.join(dir, "daemon.pid"))
  return dir
}

const ctl = (dir: string, ...args: ReadonlyArray<string>) =>
  Cp.spawnSync("supervisorctl", ["-c", Path.join(dir, "test.conf"), ...args], { encoding: "utf8", timeout: 20_000 })

/** pid, ppid, process group, session and terminal of a process (/proc/PID/stat). */
const stat = (pid: number) => {
  const text = Fs.readFileSync(`/proc/${pid}/stat`, "utf8")
  const [, ppid, pgrp, session, tty] = text.slice(text.lastIndexOf(")") + 2).split(" ")
  return { ppid: Number(ppid), pgrp: Number(pgrp), session: Number(session), tty: Number(tty) }
}

const umaskOf = (pid: number) => /Umask:\s+(\d+)/.exec(Fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]
const target = (pid: number, fd: number) => Fs.readlinkSync(`/proc/${pid}/fd/${fd}`)
/** The fds beyond stdio a process holds, except those the test runner itself inherited (and passes on to everything it starts). */
const extraFds = (pid: number) => {
  const inherited = (fd: number) => {
    try {
      return target(process.pid, fd) === target(pid, fd)
    } catch {
      return false
    }
  }
  return Fs.readdirSync(`/proc/${pid}/fd`).map(Number).filter((fd) => fd > 2 && !inherited(fd)).sort((a, b) => a - b)
}

/** What a user can see of a daemon and its program, with the temp dir named DIR. */
const observe = (dir: string, launcher: number) => {
  const pid = Number(Fs.readFileSync(Path.join(dir, "daemon.pid"), "utf8"))
  const s = stat(pid)
  const probe = Number(ctl(dir, "pid", "probe").stdout.trim())
  const hide = (text: string) => text.split(dir).join("DIR")
  return {
    pidfile: `${pid}\n` === Fs.readFileSync(Path.join(dir, "daemon.pid"), "utf8"),
    pidfileMode: (Fs.statSync(Path.join(dir, "daemon.pid")).mode & 0o777).toString(8),
    leftTheForeground: s.ppid !== launcher,
    sessionLeader: s.session === pid && s.pgrp === pid,
    noTerminal: s.tty === 0,
    stdio: [0, 1, 2].map((fd) => target(pid, fd)),
    cwd: hide(Fs.readlinkSync(`/proc/${pid}/cwd`)),
    umask: umaskOf(pid),
    program: {
      cwd: hide(Fs.readlinkSync(`/proc/${probe}/cwd`)),
      umask: umaskOf(probe),
      // nothing of the daemon's start (its status channel) is inherited beyond stdio
      extraFds: extraFds(probe)
    }
  }
}

/** The activity-log lines about starting and daemonizing, pids as N. */
const startLines = (dir: string) =>
  Fs.readFileSync(Path.join(dir, "main.log"), "utf8").split("\n")
    .map((l) => l.replace(/^\S+ \S+ /, "").replace(/pid \d+/, "pid N").split(dir).join("DIR"))
    .filter((l) => /RPC interface|running without any HTTP|daemonizing|set current directory|supervisord started|chdir/.test(l))

const stopByPidfile = async (dir: string) => {
  const pid = Number(Fs.readFileSync(Path.join(dir, "daemon.pid"), "utf8"))
  expect(ctl(dir, "shutdown").stdout).toBe("Shut down\n")
  await waitFor(() => !alive(pid), "the daemon to exit")
  return Fs.existsSync(Path.join(dir, "daemon.pid"))
}

describe.skipIf(!haveSupervisord())("daemon mode, as supervisord", () => {
  it("goes to the background once serving: session, no terminal, /dev/null stdio, directory, umask, pidfile, log lines", async () => {
    const seen: Record<string, unknown> = {}
    for (const kind of ["supervisord", "effsup"] as const) {
      const dir = makeDir(kind, config(""))
      const started = await launch(kind, ["-c", Path.join(dir, "test.conf")], dir)
      expect(started, kind).toEqual({ code: 0, stdout: "", stderr: "" })
      if (kind === "effsup") {
        // effsup returns only once the daemon serves: the pidfile is there and the socket answers at once
        expect(Fs.existsSync(Path.join(dir, "daemon.pid"))).toBe(true)
        expect(ctl(dir, "pid").status).toBe(0)
      }
      await waitFor(() => Fs.existsSync(Path.join(dir, "daemon.pid")) && /RUNNING/.test(ctl(dir, "status", "probe").stdout), `${kind} probe RUNNING`)
      const busy = await launch(kind, ["-c", Path.join(dir, "test.conf")], dir)
      seen[kind] = {
        facts: observe(dir, process.pid),
        log: startLines(dir),
        busy: { ...busy, stderr: busy.stderr.replace(/For help, use .* -h/, "For help, use PROG -h") },
        pidfileLeftAfterShutdown: await stopByPidfile(dir)
      }
    }
    expect(seen["effsup"]).toEqual(seen["supervisord"])
    expect(seen["effsup"]).toMatchObject({
      facts: {
        leftTheForeground: true,
        sessionLeader: true,
        noTerminal: true,
        stdio: ["/dev/null", "/dev/null", "/dev/null"],
        cwd: "DIR/work",
        umask: "0027",
        pidfileMode: "640",
        program: { cwd: "DIR/work", umask: "0027", extraFds: [] }
      },
      log: [
        "INFO RPC interface 'supervisor' initialized",
        "CRIT Server 'unix_http_server' running without any HTTP authentication checking",
        "INFO daemonizing the supervisord process",
        "INFO set current directory: 'DIR/work'",
        "INFO supervisord started with pid N"
      ],
      busy: { code: 2, stdout: "" },
      pidfileLeftAfterShutdown: false
    })
  }, 90_000)

  it("a broken config fails in front with exit 2 and starts nothing", async () => {
    for (const kind of ["supervisord", "effsup"] as const) {
      const dir = makeDir(kind, config("loglevel=verbose"))
      const started = await launch(kind, ["-c", Path.join(dir, "test.conf")], dir)
      expect(started.code, kind).toBe(2)
      expect(started.stderr, kind).toContain("bad logging level name 'verbose'")
      expect(Fs.existsSync(Path.join(dir, "daemon.pid")), kind).toBe(false)
      expect(Fs.existsSync(Path.join(dir, "sock")), kind).toBe(false)
    }
  }, 60_000)

  it("-n and nodaemon=true stay in the foreground, where directory and umask are not applied", async () => {
    for (const [args, extra] of [[["-n"], ""], [[], "nodaemon=true"]] as const) {
      const dir = makeDir("effsup", config(extra))
      const child = Cp.spawn(process.execPath, [BIN, "run", ...args, "-c", Path.join(dir, "test.conf")], { cwd: dir, stdio: "ignore" })
      const exited = new Promise<number | null>((resolve) => child.once("exit", resolve))
      try {
        await waitFor(() => Fs.existsSync(Path.join(dir, "daemon.pid")) && ctl(dir, "pid").status === 0, "the foreground daemon")
        expect(Number(Fs.readFileSync(Path.join(dir, "daemon.pid"), "utf8"))).toBe(child.pid)
        expect(Fs.readlinkSync(`/proc/${child.pid}/cwd`)).toBe(dir)
        expect(startLines(dir).some((l) => l.includes("daemonizing"))).toBe(false)
      } finally {
        child.kill("SIGTERM")
      }
      expect(await exited).toBe(0)
    }
  }, 60_000)
})
