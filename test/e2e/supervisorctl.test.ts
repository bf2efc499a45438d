/**
 * The real supervisorctl 4.2.5 as a client of effsup: the same command lines against effsup and
 * against supervisord (same config, started side by side), over the unix socket and over
 * inet_http_server with Basic auth; outputs and exit codes must match once pids, uptimes and
 * dates are masked.
 */
import * as Cp from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { freePort } from "../support/FreePort.ts"
import { type Daemon, haveSupervisord, header, usePair } from "./harness.ts"

/** Each daemon's inet port, asked of the kernel before they start (a port derived from the pid could be in use). */
const PORT = { effsup: 0, supervisord: 0 }

const config = (port: number) => `${header()}
[inet_http_server]
port=127.0.0.1:${port}
username=admin
password={SHA}d033e22ae348aeb5660fc2140aec35850c4da997

[program:sleeper]
command=sh -c 'echo hello from sleeper; echo oops >&2; exec sleep 1000'
startsecs=0

[program:idle]
command=sleep 1000
autostart=false

[program:quick]
command=sh -c 'exit 2'
startsecs=10
autostart=false
startretries=0

[program:member]
command=sleep 1000
process_name=m%(process_num)d
numprocs=2
startsecs=0

[group:grp]
programs=member

[program:a_slow]
command=sleep 1000
autostart=false

[program:b_fast]
command=sleep 1000
startsecs=0
autostart=false

[group:mixed]
programs=a_slow,b_fast

[program:rt]
command=sleep 1000
startsecs=0
`

const mask = (text: string) =>
  text
    .replace(/pid \d+, uptime \d+:\d\d:\d\d/g, "pid N, uptime U")
    .replace(/^\d+$/gm, "N")
    .replace(/[A-Z][a-z]{2} \d\d \d\d:\d\d [AP]M/g, "DATE")
    .replace(/: file: .* line: \d+$/gm, "")
    .replace(/127\.0\.0\.1:\d+/g, "HOST")
    .replace(/---supervisor-\w+\.log/g, "---supervisor-X.log")


const ctl = (d: Daemon, args: ReadonlyArray<string>, via: "unix" | "inet" = "unix", password = "admin", input = "") => {
  const server = via === "unix" ? ["-c", Path.join(d.dir, "test.conf")] : ["-s", `http://127.0.0.1:${PORT[d.kind]}`, "-u", "admin", "-p", password]
  const r = Cp.spawnSync("supervisorctl", [...server, ...args], { encoding: "utf8", timeout: 30_000, input })
  return { out: mask(`${r.stdout}${r.stderr}`), code: r.status }
}

/** Every command supervisorctl has help for (`help <cmd>` answers each one). */
const COMMANDS = [
  "add", "avail", "clear", "exit", "fg", "maintail", "open", "pid", "quit", "reload", "remove", "reread", "restart",
  "shutdown", "signal", "start", "status", "stop", "tail", "update", "version", "help", "EOF"
]

const settle = () => new Promise((r) => setTimeout(r, 1500))

describe.skipIf(!haveSupervisord())("supervisorctl 4.2.5 against effsup and supervisord", () => {
  beforeAll(async () => {
    PORT.effsup = await freePort()
    do PORT.supervisord = await freePort()
    while (PORT.supervisord === PORT.effsup)
  })
  const pair = usePair((kind) => config(PORT[kind]))
  beforeAll(settle)

  /** Run a command line against both daemons and expect the same answer. */
  const same = (args: ReadonlyArray<string>, via: "unix" | "inet" = "unix", password = "admin") => {
    const [ours, theirs] = pair.both().map((d) => ctl(d, args, via, password))
    expect(ours, args.join(" ")).toEqual(theirs)
    return ours!
  }

  /**
   * The same, for a group action whose result lines come in the order the processes finished
   * (supervisord's order too, so it varies from run to run): the same lines, in any order.
   */
  const sameLines = (args: ReadonlyArray<string>) => {
    const [ours, theirs] = pair.both().map((d) => ctl(d, args)).map((r) => ({ ...r, out: r.out.split("\n").sort() }))
    expect(ours, args.join(" ")).toEqual(theirs)
  }

  it("the servers' startup lines come in supervisord's order: [inet_http_server] first", () => {
    const [ours, theirs] = pair.both().map((d) => d.log().filter((l) => /RPC interface|running without/.test(l)))
    expect(ours).toEqual(theirs)
  })

  it("status, pid and avail", () => {
    expect(same(["status"]).code).toBe(3)
    same(["status", "sleeper", "bogus", "grp:*"])
    same(["status", "grp:m0", "nogroup:*"])
    same(["pid", "sleeper"])
    same(["pid", "bogus"])
    same(["pid", "idle"])
    same(["avail"])
  })

  it("start, stop, restart and their errors", () => {
    same(["start", "idle"])
    same(["start", "idle"])
    same(["stop", "idle"])
    same(["stop", "idle"])
    same(["start", "bogus"])
    same(["stop", "bogus"])
    same(["start", "nogroup:*"])
    sameLines(["stop", "grp:*"])
    sameLines(["start", "grp:*"])
    same(["restart", "grp:m1"])
    same(["start"])
    same(["stop"])
    expect(same(["start", "quick"]).out).toBe("quick: ERROR (spawn error)\n")
  })

  it("a group's start answers in the order its processes are done (startsecs=0 before startsecs=1)", () => {
    expect(same(["start", "mixed:*"]).out).toBe("mixed:b_fast: started\nmixed:a_slow: started\n")
    // both gone at once: effsup answers in the group's order, as supervisord does when one poll of its
    // loop sees both exits (it sometimes sees them at two, and then answers b_fast first)
    const [ours, theirs] = pair.both().map((d) => ctl(d, ["stop", "mixed:*"]))
    expect(ours).toEqual({ out: "mixed:a_slow: stopped\nmixed:b_fast: stopped\n", code: 0 })
    expect(theirs!.code).toBe(0)
    expect(theirs!.out.split("\n").sort()).toEqual(ours!.out.split("\n").sort())
  })

  it("signal", async () => {
    same(["signal", "HUP", "idle"])
    same(["signal", "BOGUS", "sleeper"])
    same(["signal", "USR1", "bogus"])
    same(["signal", "HUP"])
    // Python's signal numbers: 0 (a probe) and the real-time bounds, not those between
    same(["signal", "0", "sleeper"])
    // read with Python's int(): any script's digits (٠ is 0, the probe), `_` between digits
    same(["signal", "٠", "sleeper"])
    same(["signal", "0_0", "sleeper"])
    same(["signal", "35", "sleeper"])
    // SIGRTMIN, which Node has no name for, reaches the child (whose default is to die): restarted
    const pids = pair.both().map((d) => d.ctl("pid", "rt").stdout)
    same(["signal", "RTMIN", "rt"])
    for (const [i, d] of pair.both().entries()) {
      const deadline = Date.now() + 10_000
      const restarted = () => ctl(d, ["status", "rt"]).out.includes("RUNNING") && d.ctl("pid", "rt").stdout !== pids[i]
      while (!restarted() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200))
      expect(restarted(), d.kind).toBe(true)
    }
  })

  it("tail and clear", () => {
    same(["tail", "sleeper"])
    same(["tail", "-5", "sleeper"])
    same(["tail", "sleeper", "stderr"])
    same(["tail", "bogus"])
    same(["tail", "sleeper", "nochannel"])
    same(["clear", "sleeper"])
    same(["tail", "sleeper"])
    same(["clear", "bogus"])
  })

  it("reread, update, add and remove follow the config file", () => {
    same(["reread"])
    for (const d of pair.both()) {
      const file = Path.join(d.dir, "test.conf")
      const text = Fs.readFileSync(file, "utf8")
        .replace("[program:idle]\ncommand=sleep 1000", "[program:idle]\ncommand=sleep 1001")
        .replace(/\[program:quick\][^[]*/, "")
      Fs.writeFileSync(file, `${text}\n[program:fresh]\ncommand=sleep 1000\nstartsecs=0\n`)
    }
    same(["reread"])
    same(["add", "bogus"])
    same(["remove", "sleeper"])
    same(["update"])
    same(["status", "fresh", "idle"])
    same(["update"])
    same(["stop", "fresh"])
    same(["remove", "fresh"])
    same(["add", "fresh"])
    same(["add", "fresh"])
  })

  /** The same, for the shell reading `input` on a pipe (it prints `status` first, then a prompt before each line). */
  const sameShell = (input: string, args: ReadonlyArray<string> = []) => {
    // a pid printed right after a prompt
    const [ours, theirs] = pair.both().map((d) => ctl(d, args, "unix", "admin", input)).map((r) => ({ ...r, out: r.out.replace(/> \d+$/gm, "> N") }))
    expect(ours, JSON.stringify(input)).toEqual(theirs)
    return ours!
  }

  it("the shell on piped input: help on every command, unknown commands, blank lines, `?`, and the end of input", () => {
    sameShell(`help\n${COMMANDS.map((c) => `help ${c}\n`).join("")}`)
    sameShell("bogus\n\n   \n?\n? status\nstatus sleeper grp:*\nSTATUS\n!ls\nstatus;pid\n")
    sameShell("pid all\nclear sleeper bogus grp:m0\nsignal CONT bogus grp:*\nstatus grp:m0 grp:m0 bogus:* grp:\nquit\nstatus\n")
    sameShell("exit now\n")
    sameShell("open\nopen foo\n")
    expect(sameShell("tail\nmaintail -x\nversion x\n").code).toBe(0) // the shell's status is always 0
  })

  it("y/N questions of shutdown and reload read their answer from stdin; the end of input there is EOFError", () => {
    sameShell("shutdown\nn\nreload\nno\nreload\n\nshutdown\nN\nstatus sleeper\n")
    expect(sameShell("shutdown\n").out).toContain("error: <class 'EOFError'>, EOF when reading a line")
    expect(sameShell("n\n", ["-i", "shutdown"]).code).toBe(0)
    expect(sameShell("", ["-i", "reload"]).code).toBe(1)
    expect(pair.both().map((d) => d.child.exitCode)).toEqual([null, null])
  })

  it("a 401 in the shell asks for a username and a password on stdin, and runs the line again", () => {
    const shell = (d: Daemon, input: string, args: ReadonlyArray<string>) => {
      const r = Cp.spawnSync("supervisorctl", ["-s", `http://127.0.0.1:${PORT[d.kind]}`, ...args], { encoding: "utf8", timeout: 30_000, input })
      return { out: mask(r.stdout), err: r.stderr, code: r.status }
    }
    for (const [input, args] of [["admin\nadmin\nstatus sleeper\n", []], ["admin\nwrong\nadmin\nadmin\n", ["-i", "pid"]], ["admin\n", []]] as const) {
      const [ours, theirs] = pair.both().map((d) => shell(d, input, args))
      expect(ours, JSON.stringify(input)).toEqual(theirs)
    }
  })

  it("inet_http_server with Basic auth ({SHA} password); a wrong password is refused the same way", () => {
    same(["status", "sleeper"], "inet")
    same(["pid", "sleeper"], "inet")
    const denied = same(["status"], "inet", "wrong")
    expect(denied.out).toContain("Server requires authentication")
  })

  it("shutdown", async () => {
    same(["shutdown"])
    for (let i = 0; i < 200 && pair.both().some((d) => d.child.exitCode === null); i++) {
      await new Promise((r) => setTimeout(r, 50))
    }
    const codes = pair.both().map((d) => d.child.exitCode)
    expect(codes).toEqual([0, 0])
  })
})

describe.skipIf(!haveSupervisord())("a group action answers what was done at once before what it waited for", () => {
  const pair = usePair(`${header()}
[program:quick]
; gone in a few ms: never at once (supervisord reaps right after the spawn), well within the first 50 ms look
command=sh -c 'sleep 0.02; exit 1'
startsecs=10
startretries=0
autostart=false

[program:later]
command=sleep 1000
autostart=false

[program:now]
command=sleep 1000
startsecs=0
autostart=false

[group:starts]
programs=quick,later,now

[program:running]
; gone 20 ms after SIGTERM: never at once (supervisord reaps right after the kill), well within the first 50 ms look
command=python3 -c "import signal, sys, time; signal.signal(signal.SIGTERM, lambda *_: (time.sleep(0.02), sys.exit(0))); time.sleep(1000)"
startsecs=0

[program:missing]
command=/nonexistent/${process.pid}
startretries=1000

[group:stops]
programs=running,missing
`, /success: running/)

  it("start: a startsecs=0 process before one that failed within milliseconds, before one that stayed up for startsecs", () => {
    const [ours, theirs] = pair.both().map((d) => ctl(d, ["start", "starts:*"]))
    expect(ours).toEqual(theirs)
    expect(ours!.out).toBe("starts:now: started\nstarts:quick: ERROR (spawn error)\nstarts:later: started\n")
  })

  it("stop: a process in BACKOFF (stopped at once) before a running one that took milliseconds to exit", async () => {
    await Promise.all(pair.both().map((d) => d.waitForLog(/spawnerr: can't find command/)))
    const [ours, theirs] = pair.both().map((d) => ctl(d, ["stop", "stops:*"]))
    expect(ours).toEqual(theirs)
    expect(ours!.out).toBe("stops:missing: stopped\nstops:running: stopped\n")
  })
})
