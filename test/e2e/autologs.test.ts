/**
 * AUTO child logs side by side with supervisord 4.2.5: every process of every group gets its two
 * files in `childlogdir` when the daemon starts (started or not), named and moded alike (0600),
 * empty until the program writes; a program's first output is in its file; `tail` of a program
 * never started is empty; a file deleted or moved while its program is stopped is made again at
 * its next start. effsup makes these files on libuv's threadpool (RotatingFile
 * `createExclusive`), so this pins that nothing a client can see differs from supervisord.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { type Daemon, haveSupervisord, header, usePair } from "./harness.ts"

const CONFIG = `${header()}
[program:idle]
command=sleep 100
autostart=false

[program:talk]
command=sh -c 'echo hello %(process_num)s; exec sleep 100'
process_name=talk_%(process_num)02d
numprocs=40
startsecs=0
`

/** The AUTO logs in the daemon's directory: `<process>-<channel>` → [mode, contents]. */
const autoLogs = (d: Daemon): Record<string, readonly [number, string]> =>
  Object.fromEntries(
    Fs.readdirSync(d.dir).flatMap((name) => {
      const m = /^(.+)-(stdout|stderr)---supervisor-[a-z0-9_]{8}\.log$/.exec(name)
      if (m === null) return []
      const file = Path.join(d.dir, name)
      return [[`${m[1]}-${m[2]}`, [Fs.statSync(file).mode & 0o777, Fs.readFileSync(file, "utf8")] as const]]
    })
  )

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe.skipIf(!haveSupervisord())("AUTO child logs: effsup vs supervisord 4.2.5", () => {
  const pair = usePair(CONFIG)

  it("tail of a program never started is empty, at once", () => {
    // supervisorctl prints what the daemon sent (nothing) and a newline
    for (const d of pair.both()) expect(d.ctl("tail", "idle").stdout, d.kind).toBe("\n")
  })

  it("each process has its two files, 0600, and each program's first output is in its stdout file", async () => {
    const deadline = Date.now() + 15_000
    const settled = (d: Daemon) => Object.entries(autoLogs(d)).filter(([k, [, text]]) => k.endsWith("-stdout") && text !== "").length === 40
    while (!pair.both().every(settled) && Date.now() < deadline) await sleep(100)
    const [ours, theirs] = pair.both().map(autoLogs)
    expect(Object.keys(ours!)).toHaveLength(82)
    expect(ours).toEqual(theirs)
    expect(ours!["idle-stdout"]).toEqual([0o600, ""])
    expect(ours!["talk_07-stdout"]).toEqual([0o600, "hello 7\n"])
  })

  it("a log file deleted or moved while its program is stopped is made again at its next start", async () => {
    const logOf = (d: Daemon, process: string) => Fs.readdirSync(d.dir).find((f) => f.startsWith(`${process}-stdout---`))!
    for (const d of pair.both()) {
      expect(d.ctl("stop", "talk:talk_03", "talk:talk_04").status, d.kind).toBe(0)
      const deleted = logOf(d, "talk_03")
      const moved = logOf(d, "talk_04")
      Fs.rmSync(Path.join(d.dir, deleted))
      Fs.renameSync(Path.join(d.dir, moved), Path.join(d.dir, "moved.log"))
      expect(d.ctl("start", "talk:talk_03", "talk:talk_04").status, d.kind).toBe(0)
      const deadline = Date.now() + 10_000
      while (!(Fs.existsSync(Path.join(d.dir, deleted)) && Fs.existsSync(Path.join(d.dir, moved))) && Date.now() < deadline) await sleep(50)
      while (Fs.readFileSync(Path.join(d.dir, moved), "utf8") === "" && Date.now() < deadline) await sleep(50)
      expect(Fs.readFileSync(Path.join(d.dir, deleted), "utf8"), d.kind).toBe("hello 3\n")
      expect(Fs.readFileSync(Path.join(d.dir, moved), "utf8"), d.kind).toBe("hello 4\n")
      expect(Fs.readFileSync(Path.join(d.dir, "moved.log"), "utf8"), d.kind).toBe("hello 4\n")
      expect(d.ctl("tail", "talk:talk_03").stdout, d.kind).toBe("hello 3\n\n") // and supervisorctl's newline
    }
  })
})
