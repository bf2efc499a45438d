/**
 * End-to-end checks of the daemon's features on real processes, each compared with supervisord
 * 4.2.5 where it has the same feature: environment, numprocs groups, redirect_stderr, umask,
 * user=, stopasgroup (no orphans), child log rotation, SIGHUP reload, SIGUSR2 reopen, config errors.
 */
import * as Cp from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { type Daemon, haveSupervisord, header, livePids, usePair } from "./harness.ts"
import { tempDir } from "../support/TempDir.ts"

const ROOT = Path.resolve(import.meta.dirname, "../..")

const CONFIG = `${header("environment=GLOBAL_A=\"from global\",SUPERVISOR_ENABLED=overridden")}
[program:env]
command=sh -c 'env | sort > %(here)s/env.out; umask > %(here)s/umask.out; pwd > %(here)s/pwd.out; exec sleep 1000'
environment=PROG_B="b b",GLOBAL_A=prog
umask=027
directory=/tmp

[program:worker]
command=sh -c 'echo "out %(process_num)d"; echo "err %(process_num)d" >&2; echo "more out"; echo "more err" >&2; exec sleep 100.${process.pid}'
process_name=w%(process_num)02d
numprocs=3
numprocs_start=1
redirect_stderr=true
stdout_logfile=%(here)s/w%(process_num)02d.log

[group:pool]
programs=worker
priority=10

[program:tree]
command=sh -c 'sleep 300.${process.pid} & sleep 301.${process.pid} & wait'
stopasgroup=true

[program:chatty]
command=sh -c 'i=0; while [ $i -lt 400 ]; do echo "line $i ........................................"; i=$((i+1)); done; exec sleep 1000'
stdout_logfile=%(here)s/chatty.log
stdout_logfile_maxbytes=4KB
stdout_logfile_backups=3

[program:nobody]
command=sh -c 'id -un > %(here)s/user.out; exec sleep 1000'
user=nobody
`

const read = (d: Daemon, file: string) => Fs.readFileSync(Path.join(d.dir, file), "utf8")
const waitFile = async (d: Daemon, file: string) => {
  for (let i = 0; i < 200 && !Fs.existsSync(Path.join(d.dir, file)); i++) await new Promise((r) => setTimeout(r, 50))
}

describe.skipIf(!haveSupervisord())("features: effsup vs supervisord 4.2.5", () => {
  const pair = usePair(CONFIG, /success: nobody entered RUNNING/)

  it("builds the child environment with supervisord's precedence, umask and directory", async () => {
    for (const d of pair.both()) await waitFile(d, "env.out")
    const env = (d: Daemon) =>
      Object.fromEntries(read(d, "env.out").trim().split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]))
    const [ours, theirs] = pair.both().map(env)
    for (const key of ["GLOBAL_A", "PROG_B", "SUPERVISOR_ENABLED", "SUPERVISOR_PROCESS_NAME", "SUPERVISOR_GROUP_NAME"]) {
      expect(ours![key], key).toBe(theirs![key])
    }
    expect(ours!["GLOBAL_A"]).toBe("prog")
    expect(ours!["SUPERVISOR_ENABLED"]).toBe("overridden")
    expect(ours!["SUPERVISOR_SERVER_URL"]).toBe(`unix://${pair.effsup.dir}/sock`)
    for (const d of pair.both()) {
      expect(read(d, "umask.out").trim()).toBe("0027")
      expect(read(d, "pwd.out").trim()).toBe("/tmp")
    }
  })

  it("numprocs makes named processes in the group, and redirect_stderr merges stderr into stdout in the order written", () => {
    const [ours, theirs] = pair.both().map((d) => d.ctl("status", "pool:*").stdout.split("\n").map((l) => l.split(/\s+/).slice(0, 2).join(" ")))
    expect(ours).toEqual(theirs)
    expect(ours).toContain("pool:w01 RUNNING")
    expect(ours).toContain("pool:w03 RUNNING")
    // the child's fd 2 is its stdout pipe, as supervisord makes it: one stream, in order
    for (const d of pair.both()) expect(read(d, "w02.log"), d.kind).toBe("out 2\nerr 2\nmore out\nmore err\n")
  })

  it("runs user= programs as that user (with its groups)", async () => {
    for (const d of pair.both()) {
      await waitFile(d, "user.out")
      expect(read(d, "user.out").trim()).toBe("nobody")
    }
  })

  it("rotates child logs: maxbytes, backups and no line lost or reordered", async () => {
    await Promise.all(pair.both().map((d) => d.waitForLog(/success: chatty entered RUNNING/)))
    await new Promise((r) => setTimeout(r, 500))
    for (const d of pair.both()) {
      // How many files there are depends on how the output was chunked when read (supervisord too).
      const files = ["chatty.log.3", "chatty.log.2", "chatty.log.1", "chatty.log"].filter((f) => Fs.existsSync(Path.join(d.dir, f)))
      expect(files.length, d.kind).toBeGreaterThanOrEqual(2)
      expect(Fs.existsSync(Path.join(d.dir, "chatty.log.4"))).toBe(false)
      const lines = files.map((f) => read(d, f)).join("").trim().split("\n")
      const numbers = lines.map((l) => Number(l.split(" ")[1]))
      expect(numbers).toEqual(numbers.map((_, i) => numbers[0]! + i))
      expect(numbers.at(-1)).toBe(399)
    }
  })

  it("stopasgroup stops the whole process group: no orphaned grandchildren", () => {
    for (const d of pair.both()) {
      expect(d.ctl("stop", "tree").stdout).toBe("tree: stopped\n")
    }
    expect(livePids(`sleep 300.${process.pid}`)).toEqual([])
    expect(livePids(`sleep 301.${process.pid}`)).toEqual([])
  })

  it("SIGUSR2 reopens the log files (logrotate style)", async () => {
    const d = pair.effsup
    Fs.renameSync(Path.join(d.dir, "main.log"), Path.join(d.dir, "main.log.old"))
    d.child.kill("SIGUSR2")
    // SIGUSR2's own lines end the moved file (signals.test.ts compares them with supervisord's)
    for (let i = 0; i < 200 && !(read(d, "main.log.old").includes("supervisord logreopen") && Fs.existsSync(Path.join(d.dir, "main.log"))); i++) {
      await new Promise((r) => setTimeout(r, 50))
    }
    expect(read(d, "main.log.old")).toContain("received SIGUSR2 indicating log reopen request")
    expect(Fs.existsSync(Path.join(d.dir, "main.log"))).toBe(true)
  })

  it("SIGHUP re-reads the config and restarts the tree", async () => {
    const d = pair.effsup
    Fs.appendFileSync(Path.join(d.dir, "test.conf"), "\n[program:added]\ncommand=sleep 1000\nstartsecs=0\n")
    d.child.kill("SIGHUP")
    await d.waitForLog(/received SIGHUP indicating restart request/)
    await d.waitForLog(/success: added entered RUNNING/)
    expect(d.ctl("status", "added").stdout).toMatch(/^added\s+RUNNING/)
    expect(d.child.exitCode).toBe(null)
  })
})

describe("config errors", () => {
  it("are all reported with file:line and exit 2, nothing started", () => {
    const dir = tempDir("bad")
    Fs.writeFileSync(Path.join(dir, "bad.conf"), `[supervisord]\nlogfile=%(here)s/x.log\n\n[program:a]\ncommand=sleep 1\nautostart=maybe\nstartsecs=abc\n\n[program:b]\nstopsignal=FOO\ncommand=sleep 1\nautorestrat=true\n`)
    const r = Cp.spawnSync(process.execPath, [Path.join(ROOT, "src/bin.ts"), "check", Path.join(dir, "bad.conf")], { encoding: "utf8" })
    expect(r.status).toBe(2)
    expect(r.stderr).toContain("bad.conf:6")
    expect(r.stderr).toContain("not a valid boolean value: 'maybe'")
    expect(r.stderr).toContain("bad.conf:7")
    expect(r.stderr).toContain("bad.conf:10")
    expect(r.stderr).toContain("value 'FOO' is not a valid signal name")
    const run = Cp.spawnSync(process.execPath, [Path.join(ROOT, "src/bin.ts"), "run", "-n", Path.join(dir, "bad.conf")], { encoding: "utf8", timeout: 20_000 })
    expect(run.status).toBe(2)
    expect(Fs.existsSync(Path.join(dir, "x.log"))).toBe(false)
  })
})
