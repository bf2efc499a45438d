/**
 * `effsup pidproxy` against supervisord 4.2.5's `pidproxy`: without its arguments, the same usage
 * text (the program's name aside) on stdout and exit status 1; the command's own flags are its
 * own; once the command exits, exit 0 whatever its status.
 */
import * as Cp from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"

const ROOT = Path.resolve(import.meta.dirname, "../..")

describe.skipIf(!Fs.existsSync("/usr/bin/pidproxy"))("pidproxy: effsup vs supervisord 4.2.5", () => {
  it("prints supervisord's usage text and exits 1 without a pidfile and a command", () => {
    const ours = Cp.spawnSync(process.execPath, [Path.join(ROOT, "src/bin.ts"), "pidproxy"], { encoding: "utf8" })
    const theirs = Cp.spawnSync("/usr/bin/pidproxy", [], { encoding: "utf8" })
    expect(ours.status).toBe(1)
    expect(theirs.status).toBe(1)
    expect(ours.stdout.replace("effsup pidproxy", "PROG")).toBe(theirs.stdout.replace("/usr/bin/pidproxy", "PROG"))
  })

  it("runs the command with its own flags, as they are", () => {
    const pidfile = Path.join(ROOT, "no-such.pid")
    const args = [pidfile, "/bin/sh", "-c", "echo ran with $0", "-x"]
    const ours = Cp.spawnSync(process.execPath, [Path.join(ROOT, "src/bin.ts"), "pidproxy", ...args], { encoding: "utf8" })
    const theirs = Cp.spawnSync("/usr/bin/pidproxy", args, { encoding: "utf8", timeout: 20_000 })
    expect(theirs.stdout).toBe("ran with -x\n")
    expect(ours.stdout).toBe(theirs.stdout)
  }, 30_000)

  it("exits 0 once the command has exited, whatever its exit status", () => {
    const pidfile = Path.join(ROOT, "no-such.pid")
    const ours = Cp.spawnSync(process.execPath, [Path.join(ROOT, "src/bin.ts"), "pidproxy", pidfile, "/bin/sh", "-c", "exit 3"], { encoding: "utf8" })
    const theirs = Cp.spawnSync("/usr/bin/pidproxy", [pidfile, "/bin/sh", "-c", "exit 3"], { encoding: "utf8", timeout: 20_000 })
    expect(theirs.status).toBe(0)
    expect(ours.status).toBe(0)
  }, 30_000)
})
