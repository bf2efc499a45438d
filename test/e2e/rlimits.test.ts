/**
 * `[supervisord] minfds` / `minprocs`, side by side with supervisord 4.2.5, both started under the
 * same limits (prlimit): a soft limit below the minimum is raised (the log line, and the program's
 * /proc/PID/limits), and a minimum above what an unprivileged user may raise fails with
 * supervisord's message and exit 2 — also in daemon mode, where the background daemon's error is
 * printed by the `effsup run` in front.
 */
import * as Cp from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { canRunAsNobody, CONTROL_SECTIONS, haveSupervisord, type Kind } from "./harness.ts"
import { tempDir } from "../support/TempDir.ts"

const ROOT = Path.resolve(import.meta.dirname, "../..")
const BIN = Path.join(ROOT, "src/bin.ts")

const command = (kind: Kind, args: ReadonlyArray<string>): ReadonlyArray<string> =>
  kind === "effsup" ? [process.execPath, BIN, "run", ...args] : ["supervisord", ...args]

const config = (dir: string, limits: string) => {
  Fs.chmodSync(dir, 0o755)
  const file = Path.join(dir, "test.conf")
  Fs.writeFileSync(file, `[supervisord]
logfile=%(here)s/main.log
pidfile=%(here)s/daemon.pid
childlogdir=%(here)s
${limits}

${CONTROL_SECTIONS}
[program:probe]
command=sleep 1000.${process.pid}
startsecs=0
`)
  Fs.chmodSync(file, 0o644)
  return file
}

const running = new Set<Cp.ChildProcess>()
afterAll(async () => {
  await Promise.all([...running].map((child) => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once("exit", () => resolve())
    child.kill("SIGTERM")
  })))
}, 30_000)

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Start `kind` in the foreground under `prlimit ARGS`; resolves with the probe's pid once it runs. */
const startUnder = async (kind: Kind, prlimit: ReadonlyArray<string>, file: string) => {
  const [cmd, ...args] = command(kind, ["-n", "-c", file])
  const child = Cp.spawn("prlimit", [...prlimit, "--", cmd!, ...args], { cwd: Path.dirname(file), stdio: "ignore" })
  running.add(child)
  const end = Date.now() + 20_000
  for (;;) {
    const pid = Cp.spawnSync("supervisorctl", ["-c", file, "pid", "probe"], { encoding: "utf8" }).stdout.trim()
    if (/^[1-9]\d*$/.test(pid)) return { child, probe: Number(pid) }
    if (Date.now() > end || child.exitCode !== null) throw new Error(`${kind} did not start its program`)
    await sleep(100)
  }
}

const stop = (child: Cp.ChildProcess) =>
  new Promise<number | null>((resolve) => {
    child.once("exit", (code) => resolve(code))
    child.kill("SIGTERM")
  })

/** A process's soft and hard limit from /proc/PID/limits. */
const limit = (pid: number, label: string) => {
  const line = Fs.readFileSync(`/proc/${pid}/limits`, "utf8").split("\n").find((l) => l.startsWith(label))!
  const [soft, hard] = line.slice(label.length).trim().split(/\s+/)
  return `${soft}:${hard}`
}

const increased = (file: string) =>
  Fs.readFileSync(Path.join(Path.dirname(file), "main.log"), "utf8").split("\n")
    .filter((l) => l.includes("Increased")).map((l) => l.replace(/^\S+ \S+ /, ""))

describe.skipIf(!haveSupervisord())("minfds and minprocs, as supervisord", () => {
  // as root, a low RLIMIT_NPROC binds nobody (for a user it counts every process and thread the user has)
  it.skipIf(process.getuid?.() !== 0)("raise a soft limit below the minimum up to it, with supervisord's log line; the program inherits it", async () => {
    const seen: Record<string, unknown> = {}
    for (const kind of ["supervisord", "effsup"] as const) {
      const file = config(tempDir(`rlimit-${kind}`), "minprocs=300")
      const { child, probe } = await startUnder(kind, ["--nproc=100:1000"], file)
      seen[kind] = { log: increased(file), program: limit(probe, "Max processes") }
      expect(await stop(child)).toBe(0)
    }
    expect(seen["effsup"]).toEqual(seen["supervisord"])
    expect(seen["effsup"]).toEqual({ log: ["INFO Increased RLIMIT_NPROC limit to 300"], program: "300:1000" })
  }, 90_000)

  // root runs both as nobody, who may not raise a hard limit
  it.skipIf(!canRunAsNobody())("fail with supervisord's message and exit 2 when the minimum is above what the user may raise, in daemon mode too", async () => {
    const seen: Record<string, unknown> = {}
    for (const kind of ["supervisord", "effsup"] as const) {
      const file = config(tempDir(`rlimit-${kind}`), "minfds=4096")
      for (const mode of [["-n"], []]) {
        const [cmd, ...args] = command(kind, [...mode, "-c", file])
        const run = Cp.spawnSync(
          "setpriv",
          ["--reuid", "nobody", "--regid", "nogroup", "--clear-groups", "--", "prlimit", "--nofile=1024:2048", "--", cmd!, ...args],
          { cwd: Path.dirname(file), encoding: "utf8", timeout: 30_000 }
        )
        seen[`${kind} ${mode.join("")}`] = { code: run.status, stdout: run.stdout, stderr: run.stderr.replace(/For help, use .* -h/, "For help, use PROG -h") }
      }
      expect(Fs.existsSync(Path.join(Path.dirname(file), "daemon.pid")), kind).toBe(false)
    }
    for (const mode of ["-n", ""]) expect(seen[`effsup ${mode}`], mode).toEqual(seen[`supervisord ${mode}`])
    expect(seen["effsup "]).toEqual({
      code: 2,
      stdout: "",
      stderr: "Error: The minimum number of file descriptors required to run this process is 4096 as per the \"minfds\" " +
        "command-line argument or config file setting. The current environment will only allow you to open 4096 file " +
        "descriptors.  Either raise the number of usable file descriptors in your environment (see README.rst) or lower " +
        "the minfds setting in the config file to allow the process to start.\nFor help, use PROG -h\n"
    })
  }, 90_000)

  it("minfds within the hard limit: Node has already raised its soft limit to the hard one (a kept difference)", async () => {
    const file = config(tempDir("rlimit-effsup"), "minfds=2048")
    const { child, probe } = await startUnder("effsup", ["--nofile=1024:4096"], file)
    // supervisord logs "Increased RLIMIT_NOFILE limit to 2048" and its program gets 2048:4096
    expect({ log: increased(file), program: limit(probe, "Max open files") }).toEqual({ log: [], program: "4096:4096" })
    expect(await stop(child)).toBe(0)
  }, 60_000)
})
