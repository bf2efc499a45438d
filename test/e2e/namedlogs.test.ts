/**
 * A named child log side by side with supervisord 4.2.5, which opens a program's log files at
 * each spawn: a program that does not autostart has no file until it starts (`tail` says there is
 * no log file, clear makes none, nor does SIGUSR2), and its first output is in the file made at
 * that start, also when one made before was deleted.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { haveSupervisord, header, usePair } from "./harness.ts"

const CONFIG = `${header()}
[program:later]
command=sh -c 'echo first output; exec sleep 100'
autostart=false
startsecs=0
stdout_logfile=%(here)s/later.log
`

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe.skipIf(!haveSupervisord())("a named child log: effsup vs supervisord 4.2.5", () => {
  const pair = usePair(CONFIG)

  it("a program never started has no file: tail fails with supervisorctl's words; clear and SIGUSR2 make none", async () => {
    for (const d of pair.both()) {
      const file = Path.join(d.dir, "later.log")
      expect(Fs.existsSync(file), d.kind).toBe(false)
      expect(d.ctl("tail", "later"), d.kind).toEqual({ stdout: "later: ERROR (no log file)\n", status: 1 })
      expect(d.ctl("clear", "later").status, d.kind).toBe(0)
      process.kill(d.child.pid!, "SIGUSR2")
    }
    await sleep(300)
    for (const d of pair.both()) expect(Fs.existsSync(Path.join(d.dir, "later.log")), d.kind).toBe(false)
  })

  it("deleted before the program's first start, it is made again and holds the first output", async () => {
    for (const d of pair.both()) {
      const file = Path.join(d.dir, "later.log")
      Fs.writeFileSync(file, "made by hand\n")
      Fs.rmSync(file)
      expect(d.ctl("start", "later").status, d.kind).toBe(0)
      const deadline = Date.now() + 10_000
      while (!(Fs.existsSync(file) && Fs.readFileSync(file, "utf8") !== "") && Date.now() < deadline) await sleep(50)
      expect(Fs.readFileSync(file, "utf8"), d.kind).toBe("first output\n")
    }
  })
})
