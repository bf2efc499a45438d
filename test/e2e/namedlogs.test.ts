/**
 * A named child log side by side with supervisord 4.2.5: a program that does not autostart,
 * whose `stdout_logfile` is deleted before its first start, writes to a file made anew at that
 * start (supervisord opens a program's log files at each spawn; effsup opens them when the
 * daemon starts and looks again before every spawn, the first one included).
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

  it("deleted before the program's first start, it is made again and holds the first output", async () => {
    for (const d of pair.both()) {
      const file = Path.join(d.dir, "later.log")
      Fs.rmSync(file, { force: true })
      expect(d.ctl("start", "later").status, d.kind).toBe(0)
      const deadline = Date.now() + 10_000
      while (!(Fs.existsSync(file) && Fs.readFileSync(file, "utf8") !== "") && Date.now() < deadline) await sleep(50)
      expect(Fs.readFileSync(file, "utf8"), d.kind).toBe("first output\n")
    }
  })
})
