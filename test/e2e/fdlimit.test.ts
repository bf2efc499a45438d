/**
 * A low fd limit, with the real daemon under `prlimit --nofile=64:64` and 40 programs: the control
 * socket keeps answering (fds are kept in reserve for it, logs/FdReserve.ts), a spawn without fds
 * is a spawn error with supervisord's text (`too many open files to spawn 'x'`) that goes through
 * BACKOFF to FATAL as usual, and the daemon still stops on SIGTERM. Before, the log files of 40
 * programs took every fd and the daemon could not open its control socket at all.
 */
import * as Cp from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { header } from "./harness.ts"
import { tempDir } from "../support/TempDir.ts"

const ROOT = Path.resolve(import.meta.dirname, "../..")
const havePrlimit = Cp.spawnSync("prlimit", ["--version"]).status === 0
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

let daemon: Cp.ChildProcess | undefined
afterAll(() => {
  daemon?.kill("SIGKILL")
})

describe.runIf(havePrlimit)("a hard limit of 64 fds with 40 programs", () => {
  it("the control socket answers and spawns without fds fail as spawn errors", async () => {
    const dir = tempDir("fdlimit")
    const mark = `${process.pid}.6464`
    const programs = Array.from({ length: 40 }, (_, i) => `[program:p${i}]\ncommand=sleep ${mark}${i}\nstartsecs=0\nstartretries=1\n`).join("\n")
    const file = Path.join(dir, "test.conf")
    // minfds below the limit, or the daemon refuses to start (as supervisord does)
    Fs.writeFileSync(file, `${header("minfds=16").replace("loglevel=debug", "loglevel=info")}\n${programs}`)
    const child = Cp.spawn("prlimit", ["--nofile=64:64", process.execPath, Path.join(ROOT, "src/bin.ts"), "run", "-n", "-c", file], {
      cwd: dir,
      stdio: ["ignore", "ignore", "pipe"]
    })
    daemon = child
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve))
    let stderr = ""
    child.stderr!.on("data", (d) => (stderr += String(d)))
    const ctl = (...args: ReadonlyArray<string>) => Cp.spawnSync("supervisorctl", ["-c", file, ...args], { encoding: "utf8", timeout: 20_000 })
    try {
      const deadline = Date.now() + 20_000
      const settled = (out: string) => {
        const states = out.trim().split("\n").map((l) => l.split(/\s+/)[1])
        return states.length === 40 && states.every((s) => s === "RUNNING" || s === "FATAL")
      }
      let status = ctl("status")
      while (!settled(status.stdout)) {
        if (Date.now() > deadline || child.exitCode !== null) {
          throw new Error(`not settled; status ${status.status}:\n${status.stdout}${status.stderr}\ndaemon stderr:\n${stderr}`)
        }
        await sleep(250)
        status = ctl("status")
      }
      expect(status.stdout).toMatch(/^p\d+\s+FATAL\s+too many open files to spawn 'sleep'$/m)
      const log = Fs.readFileSync(Path.join(dir, "main.log"), "utf8")
      expect(log).toMatch(/INFO spawnerr: too many open files to spawn 'sleep'/)
      expect(log).toMatch(/INFO gave up: p\d+ entered FATAL state, too many start retries too quickly/)
      // the control plane keeps working, call after call
      for (let i = 0; i < 10; i++) {
        const again = ctl("status", "p0")
        expect(again.stdout, again.stderr).toMatch(/^p0\s+(RUNNING|FATAL)/)
      }
      expect(ctl("pid").stdout.trim()).toBe(Fs.readFileSync(Path.join(dir, "daemon.pid"), "utf8").trim())
      child.kill("SIGTERM")
      expect(await exited).toBe(0)
    } finally {
      child.kill("SIGKILL")
      await exited
      daemon = undefined
    }
  }, 60_000)
})
