/**
 * XML-RPC answers side by side with supervisord 4.2.5, value for value once the daemons' own
 * directories and the random part of AUTO log names are masked: getAllConfigInfo's fields
 * (`uid` from `user=`, serverurl AUTO, AUTO log paths before and after a reread), and the faults
 * of the log methods (a channel logged nowhere, a log file deleted by hand, a log file that is a pipe),
 * signals given as doubles and booleans (which signal the program then gets), log offsets and
 * lengths given as strings, doubles and booleans, and sendProcessStdin's fault for characters that
 * are not a string.
 */
import * as Cp from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { tempDir } from "../support/TempDir.ts"
import { type Call, type Daemon, haveSupervisord, header, type Kind, usePair, xmlrpc } from "./harness.ts"

// A FIFO per daemon, each with a reader: a log file that is a pipe, as /dev/stdout is in a container
// (the harness's own stdio are sockets and /dev/null, which open and seek differently).
const fifos = tempDir("rpcparity-fifos")
const fifo = (kind: Kind) => {
  const path = Path.join(fifos, kind)
  Cp.spawnSync("mkfifo", [path])
  Fs.createReadStream(path).on("error", () => undefined).resume()
  return path
}
const FIFO: Record<Kind, string> = { effsup: fifo("effsup"), supervisord: fifo("supervisord") }

const config = (kind: Kind) => `${header()}
[program:named]
command=sleep 1000
user=nobody
serverurl=unix:///tmp/elsewhere.sock
stopsignal=KILL
stdout_logfile=NONE

[program:plain]
command=sleep 1000
autostart=false
user=0

[program:explicit]
command=sleep 1000
autostart=false
stdout_logfile=%(here)s/explicit.log
serverurl=http://127.0.0.1:1

[program:piped]
command=sh -c 'echo to the pipe; exec sleep 1000'
startsecs=0
stdout_logfile=${FIFO[kind]}
stdout_logfile_maxbytes=0

[program:trap]
command=python3 -u -c "import signal; [signal.signal(s, lambda n, f: print('got', n)) for s in (1, 10, 12)]; print('ready'); [signal.pause() for _ in iter(int, 1)]"
startsecs=0
stdout_logfile=%(here)s/trap.log
`

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** The lines of a daemon's trap.log once it has `count` of them (or after 10 s). */
const trapLines = async (d: Daemon, count: number) => {
  const read = () => Fs.existsSync(Path.join(d.dir, "trap.log")) ? Fs.readFileSync(Path.join(d.dir, "trap.log"), "utf8").trim().split("\n") : []
  for (let i = 0; i < 200 && read().length < count; i++) await sleep(50)
  return read()
}

/** The calls' answers with the daemon's directory as DIR, its FIFO as FIFO and AUTO log names without their random part. */
const answers = (d: Daemon, calls: ReadonlyArray<Call>) =>
  JSON.parse(
    JSON.stringify(xmlrpc(d.dir, calls)).split(d.dir).join("DIR").split(FIFO[d.kind]).join("FIFO")
      .replace(/---supervisor-\w+\.log/g, "---supervisor-X.log")
  )

describe.skipIf(!haveSupervisord())("XML-RPC answers against effsup and supervisord", () => {
  const pair = usePair(config)
  beforeAll(() => new Promise((r) => setTimeout(r, 500)))

  const same = (calls: ReadonlyArray<Call>) => {
    const [ours, theirs] = pair.both().map((d) => answers(d, calls))
    expect(ours).toEqual(theirs)
    return ours as ReadonlyArray<{ value?: unknown }>
  }

  it("getAllConfigInfo: uid of user=, serverurl AUTO as none, AUTO logs by their path until a reread", () => {
    const [first] = same([["supervisor.getAllConfigInfo", []]])
    const plain = (first!.value as ReadonlyArray<Record<string, unknown>>).find((c) => c["name"] === "plain")!
    expect(plain["stdout_logfile"]).toBe("DIR/plain-stdout---supervisor-X.log")
    expect(plain["serverurl"]).toBe("none")
    same([["supervisor.reloadConfig", []], ["supervisor.getAllConfigInfo", []]])
    same([["supervisor.removeProcessGroup", ["plain"]], ["supervisor.getAllConfigInfo", []]])
    same([["supervisor.addProcessGroup", ["plain"]], ["supervisor.getAllConfigInfo", []]])
  })

  it("log reads: NO_FILE without a detail for a channel not logged, with the path for a missing file", () => {
    for (const d of pair.both()) Fs.rmSync(Path.join(d.dir, "explicit.log"), { force: true })
    same([
      ["supervisor.readProcessStdoutLog", ["named", 0, 0]],
      ["supervisor.tailProcessStdoutLog", ["named", 0, 10]],
      ["supervisor.readProcessStdoutLog", ["explicit", 0, 0]],
      ["supervisor.tailProcessStdoutLog", ["explicit", 0, 10]]
    ])
  })

  it("log reads of a program logged to a pipe: FAILED, and an empty tail at the offset given", () => {
    same([
      ["supervisor.readProcessStdoutLog", ["piped", 0, 0]],
      ["supervisor.readProcessStdoutLog", ["piped", -100, 0]],
      ["supervisor.tailProcessStdoutLog", ["piped", 0, 10]],
      ["supervisor.tailProcessStdoutLog", ["piped", 5, 10]]
    ])
  })

  it("clearLog once the activity log was deleted: NO_FILE, and readLog names the missing file", () => {
    for (const d of pair.both()) Fs.rmSync(Path.join(d.dir, "main.log"))
    same([["supervisor.clearLog", []], ["supervisor.readLog", [0, 0]]])
  })

  it("signals as Python's int() reads them: a double cut toward zero, a boolean as 1 or 0, and no signal named by its float", async () => {
    for (const d of pair.both()) expect(await trapLines(d, 1)).toEqual(["ready"])
    const answers = same([
      ["supervisor.signalProcess", ["trap", 10.5]],
      ["supervisor.signalProcess", ["trap", 12.9]],
      ["supervisor.signalProcess", ["trap", true]],
      ["supervisor.signalProcess", ["trap", 0.5]],
      ["supervisor.signalProcess", ["trap", -1.5]],
      ["supervisor.signalProcess", ["trap", 1e21]],
      ["supervisor.signalProcessGroup", ["trap", 32.5]],
      ["supervisor.signalProcess", ["nope", 9.5]]
    ])
    expect(answers.slice(0, 4)).toEqual([{ value: true }, { value: true }, { value: true }, { value: true }])
    expect(answers[4]).toEqual({ fault: [11, "BAD_SIGNAL: -1.5"] })
    expect(answers[5]).toEqual({ fault: [11, "BAD_SIGNAL: 1e+21"] })
    // sorted: two signals pending at once reach Python's handlers in signal-number order
    const [ours, theirs] = (await Promise.all(pair.both().map((d) => trapLines(d, 4)))).map((lines) => [...lines].sort())
    expect(ours).toEqual(theirs)
    expect(ours).toEqual(["got 1", "got 10", "got 12", "ready"])
  })

  it("an empty name or signal is named in the fault all the same: BAD_NAME: and BAD_SIGNAL: ", () => {
    const [name, signal] = same([
      ["supervisor.getProcessInfo", [""]],
      ["supervisor.signalProcess", ["named", ""]],
      ["supervisor.stopProcess", [""]],
      ["supervisor.signalProcessGroup", ["", "HUP"]]
    ])
    expect(name).toEqual({ fault: [10, "BAD_NAME: "] })
    expect(signal).toEqual({ fault: [11, "BAD_SIGNAL: "] })
  })

  it("log offsets and lengths as Python's int() reads them: a numeric string, a double cut toward zero, a boolean", async () => {
    // trap.log starts with the program's "ready" line
    for (const d of pair.both()) expect((await trapLines(d, 1))[0]).toBe("ready")
    const answers = same([
      ["supervisor.readProcessStdoutLog", ["trap", " +0 ", true]],
      ["supervisor.readProcessStdoutLog", ["trap", 0.5, "0_4"]],
      ["supervisor.readProcessStdoutLog", ["trap", -1.9, true]]
    ])
    expect(answers.slice(0, 2)).toEqual([{ value: "r" }, { value: "read" }])
    expect(answers[2]).toEqual({ fault: [3, "BAD_ARGUMENTS"] })
  })

  it("sendProcessStdin of characters that are not a string: INCORRECT_PARAMETERS naming them, before the name", () => {
    const [first] = same([
      ["supervisor.sendProcessStdin", ["nope", 5]],
      ["supervisor.sendProcessStdin", ["named", 1.5]],
      ["supervisor.sendProcessStdin", ["named", true]],
      ["supervisor.sendProcessStdin", ["named", [1, "a'b"]]],
      ["supervisor.sendProcessStdin", ["named", { k: 1 }]]
    ])
    expect(first).toEqual({ fault: [2, "INCORRECT_PARAMETERS: 5"] })
  })
})
