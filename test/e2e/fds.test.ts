/**
 * The fds of a child, from outside, against supervisord 4.2.5 on the same config: an
 * `[fcgi-program:x]`'s processes get the group's socket as fd 0 and serve it (acceptor.py); a
 * restart keeps effsup's socket (same inode, no refused connection) where supervisord makes a new
 * one; removing the group closes it; a port in use is reported with supervisord's message; every
 * child has fds 0-2 only, even when the daemon inherited more. Then effsup's `ready=fd:N`.
 */
import * as Cp from "node:child_process"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Daemon, haveSupervisord, header, type Kind, livePids, start, usePair } from "./harness.ts"
import { tempDir } from "../support/TempDir.ts"

const ROOT = Path.resolve(import.meta.dirname, "../..")
const ACCEPTOR = Path.join(ROOT, "test/fixtures/fds/acceptor.py")
const CLIENT = Path.join(ROOT, "test/fixtures/fds/client.py")
const MARK = process.pid

const CONFIG = `${header()}
[fcgi-program:web]
command=python3 ${ACCEPTOR}
socket=unix://%(here)s/%(program_name)s.sock
socket_mode=0660
numprocs=2
process_name=%(program_name)s_%(process_num)s
startsecs=0

[program:plain]
command=sleep 1100.${MARK}
startsecs=0
`

/** What the client saw: answers (their socket inodes and pids) and failures. */
interface Probe {
  readonly answered: number
  readonly inodes: ReadonlyArray<number>
  readonly pids: ReadonlyArray<number>
  readonly failures: ReadonlyArray<string>
}

/** Connect to `path` again and again for `seconds` (in a separate process, so blocking ctl calls may run meanwhile). */
const probe = (path: string, seconds: number): Promise<Probe> =>
  new Promise((resolve, reject) => {
    let out = ""
    const child = Cp.spawn("python3", [CLIENT, path, String(seconds)], { stdio: ["ignore", "pipe", "inherit"] })
    child.stdout.on("data", (d) => (out += String(d)))
    child.once("error", reject).once("exit", () => resolve(JSON.parse(out)))
  })

/** A process's open fds: number → what it is (`socket`, `pipe`, or a path). */
const fdsOf = (pid: number): Record<string, string> =>
  Object.fromEntries(Fs.readdirSync(`/proc/${pid}/fd`).map((fd) => [fd, Fs.readlinkSync(`/proc/${pid}/fd/${fd}`).replace(/:\[\d+\]$/, "")]))

const pidOf = (d: Daemon, name: string) => Number(d.ctl("pid", name).stdout.trim())

/** supervisor.sendProcessStdin through supervisord's own XML-RPC client: `ok` or `fault CODE TEXT`. */
const sendStdin = (d: Daemon, name: string): string => {
  const script = `import sys, xmlrpc.client
from supervisor.xmlrpc import SupervisorTransport
proxy = xmlrpc.client.ServerProxy("http://127.0.0.1", transport=SupervisorTransport(None, None, "unix://" + sys.argv[1]))
try:
    proxy.supervisor.sendProcessStdin(sys.argv[2], "hello\\n")
    print("ok")
except xmlrpc.client.Fault as f:
    print("fault", f.faultCode, f.faultString)`
  return Cp.spawnSync("/usr/bin/python3", ["-c", script, Path.join(d.dir, "sock"), name], { encoding: "utf8" }).stdout.trim()
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe.skipIf(!haveSupervisord())("[fcgi-program:x] in effsup and supervisord", () => {
  const pair = usePair(CONFIG, /success: web_1 entered RUNNING/)
  const socketOf = (d: Daemon) => Path.join(d.dir, "web.sock")

  it("every process of the group has the socket as fd 0 and serves it; a plain program has its pipes and no other fd", async () => {
    for (const d of pair.both()) {
      const web = [pidOf(d, "web:web_0"), pidOf(d, "web:web_1")]
      // (above fd 2, acceptor.py holds its own wake-up pipe)
      for (const pid of web) expect(fdsOf(pid), d.kind).toMatchObject({ "0": "socket", "1": "pipe", "2": "pipe" })
      expect(fdsOf(pidOf(d, "plain")), d.kind).toEqual({ "0": "pipe", "1": "pipe", "2": "pipe" })
      expect(Fs.statSync(socketOf(d)).mode & 0o777, d.kind).toBe(0o660)
      const seen = await probe(socketOf(d), 0.3)
      expect(seen.failures, d.kind).toEqual([])
      expect(seen.inodes, d.kind).toHaveLength(1)
      expect(web, d.kind).toEqual(expect.arrayContaining([...seen.pids]))
      expect(d.log(), d.kind).toContain(`INFO Creating socket unix://${socketOf(d)}`)
    }
    // the socket is the children's stdin: nothing to write to
    expect(sendStdin(pair.effsup, "web:web_0")).toBe(sendStdin(pair.supervisord, "web:web_0"))
    expect(sendStdin(pair.effsup, "web:web_0")).toMatch(/^fault 20 NO_FILE/)
    expect(sendStdin(pair.effsup, "plain")).toBe("ok")
  })

  it("restart: effsup keeps the same socket (no connection refused); supervisord closes it and makes a new one", async () => {
    const seen: Partial<Record<Kind, Probe>> = {}
    for (const d of pair.both()) {
      const before = pidOf(d, "web:web_0")
      const watching = probe(socketOf(d), 3)
      await sleep(500)
      expect(d.ctl("restart", "web:*").status, d.kind).toBe(0)
      seen[d.kind] = await watching
      expect(pidOf(d, "web:web_0"), d.kind).not.toBe(before)
    }
    expect(seen.effsup!.failures).toEqual([])
    expect(seen.effsup!.inodes).toHaveLength(1)
    expect(seen.effsup!.pids.length).toBeGreaterThanOrEqual(2) // answered by the old children and the new ones
    expect(seen.supervisord!.inodes.length).toBeGreaterThan(1) // a deliberate difference (README)
  })

  it("removing the group closes the socket (effsup also removes its file)", async () => {
    for (const d of pair.both()) {
      d.ctl("stop", "web:*")
      expect(d.ctl("remove", "web").stdout.trim(), d.kind).toBe("web: removed process group")
      const seen = await probe(socketOf(d), 0.1)
      expect(seen.answered, d.kind).toBe(0)
      expect(seen.failures.length, d.kind).toBeGreaterThan(0)
    }
    expect(Fs.existsSync(socketOf(pair.effsup))).toBe(false)
    expect(pair.effsup.log()).toContain(`INFO Closing socket unix://${socketOf(pair.effsup)}`)
  })
})

describe.skipIf(!haveSupervisord())("the shape of a public config: a group of twelve programs and an fcgi-program", () => {
  process.env["EFFSUP_ACCEPTOR"] = ACCEPTOR
  const fixture = Fs.readFileSync(Path.join(ROOT, "test/fixtures/fds/group-and-fcgi.conf"), "utf8")
  const pair = usePair(`${header()}\n${fixture}`, /success: php-02 entered RUNNING/)

  it("runs the same fifteen processes in both, and the FastCGI socket answers", async () => {
    const status = (d: Daemon) => d.ctl("status").stdout.trim().split("\n").map((l) => l.split(/\s+/).slice(0, 2).join(" ")).sort()
    const [effsup, reference] = pair.both()
    expect(effsup.ctl("avail").stdout.split("\n").sort()).toEqual(reference.ctl("avail").stdout.split("\n").sort())
    await sleep(500) // every one of them had startsecs=0; let the last ones report RUNNING
    expect(status(reference)).toHaveLength(15)
    expect(status(reference).every((l) => l.endsWith(" RUNNING"))).toBe(true)
    expect(status(effsup)).toEqual(status(reference))
    for (const d of pair.both()) {
      const seen = await probe(Path.join(d.dir, "php.sock"), 0.2)
      expect(seen.failures, d.kind).toEqual([])
      expect(seen.answered, d.kind).toBeGreaterThan(0)
      expect(Fs.statSync(Path.join(d.dir, "php.sock")).mode & 0o777, d.kind).toBe(0o660)
    }
  })
})

describe.skipIf(!haveSupervisord())("a socket that cannot be bound", () => {
  let server: Net.Server
  let port: number
  beforeAll(async () => {
    server = Net.createServer()
    port = await new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as Net.AddressInfo).port)))
  })
  afterAll(() => {
    server.close()
  })
  const config = () => `${header()}
[fcgi-program:busy]
command=python3 ${ACCEPTOR}
socket=tcp://127.0.0.1:${port}

[program:plain]
command=sleep 1101.${MARK}
`

  it("is reported with supervisord's message: supervisord exits; effsup leaves the group out and runs the rest", async () => {
    const message = `Could not create FastCGI socket tcp://127.0.0.1:${port}: [Errno 98] Address already in use`
    const dir = tempDir("busy")
    Fs.writeFileSync(Path.join(dir, "test.conf"), config())
    const reference = Cp.spawnSync("supervisord", ["-n", "-c", Path.join(dir, "test.conf")], { cwd: dir, encoding: "utf8", timeout: 20_000 })
    expect(reference.status).toBe(1)
    expect(`${reference.stdout}${reference.stderr}${Fs.readFileSync(Path.join(dir, "main.log"), "utf8")}`).toContain(`ValueError: ${message}`)
    const d = await start("effsup", config())
    try {
      await d.waitForLog(/success: plain entered RUNNING/)
      expect(d.log()).toContain(`ERRO could not create group busy: ${message}`)
      expect(d.ctl("status").stdout).not.toMatch(/^busy/m)
    } finally {
      await d.stop()
    }
  })
})

/** A daemon of `kind` started with one more fd (3, a pipe, without close-on-exec) than the harness gives it. */
const startWithExtraFd = async (kind: Kind, config: string) => {
  const dir = tempDir(`fd-${kind}`)
  const file = Path.join(dir, "test.conf")
  Fs.writeFileSync(file, config)
  const command = kind === "effsup" ? [process.execPath, Path.join(ROOT, "src/bin.ts"), "run"] : ["supervisord"]
  const child = Cp.spawn(command[0]!, [...command.slice(1), "-n", "-c", file], { cwd: dir, stdio: ["ignore", "ignore", "ignore", "pipe"] })
  const ctl = (...args: ReadonlyArray<string>) => Cp.spawnSync("supervisorctl", ["-c", file, ...args], { encoding: "utf8", timeout: 20_000 }).stdout ?? ""
  const deadline = Date.now() + 15_000
  while (!/RUNNING/.test(ctl("status", "plain"))) {
    if (Date.now() > deadline) {
      child.kill("SIGKILL")
      throw new Error(`${kind} did not start plain`)
    }
    await sleep(100)
  }
  const stop = () =>
    new Promise<void>((resolve) => {
      child.once("exit", () => resolve())
      child.kill("SIGTERM")
    })
  return { daemon: child.pid!, child: Number(ctl("pid", "plain").trim()), stop }
}

describe.skipIf(!haveSupervisord())("a child gets fds 0-2 only, even from a daemon that inherited more", () => {
  it("in effsup as in supervisord", async () => {
    const config = `${header()}\n[program:plain]\ncommand=sleep 1102.${MARK}\nstartsecs=0\n`
    for (const kind of ["effsup", "supervisord"] as const) {
      const run = await startWithExtraFd(kind, config)
      try {
        expect(fdsOf(run.daemon)["3"], kind).toBe("socket") // node gives the extra stdio entry as a socket pair
        expect(fdsOf(run.child), kind).toEqual({ "0": "pipe", "1": "pipe", "2": "pipe" })
      } finally {
        await run.stop()
      }
    }
  })
})

describe("ready=fd:N (effsup)", () => {
  let d: Daemon
  beforeAll(async () => {
    d = await start("effsup", `${header()}
[program:notify]
command=sh -c 'sleep 0.3; echo >&3; exec sleep 1103.${MARK}'
ready=fd:3
startsecs=0

[program:closed]
command=sh -c 'exec 3>&-; exec sleep 1104.${MARK}'
ready=fd:3
startsecs=0
startretries=0

[program:silent]
command=sleep 1105.${MARK}
ready=fd:5
ready_timeout=1
startsecs=0
startretries=0
`)
  })
  afterAll(async () => {
    await d?.stop()
  })

  it("a newline on fd N makes the program RUNNING, and not before", async () => {
    await d.waitForLog(/success: notify entered RUNNING state, process is ready \(fd:3\) and has stayed up for > than 0 seconds \(startsecs\)/)
    // the log's times (ms): the program slept 0.3 s before it wrote the newline
    const at = (pattern: RegExp) => {
      const line = Fs.readFileSync(Path.join(d.dir, "main.log"), "utf8").split("\n").find((l) => pattern.test(l)) ?? ""
      const m = /^(\S+) (\d\d:\d\d:\d\d),(\d{3}) /.exec(line)
      return m === null ? NaN : Date.parse(`${m[1]}T${m[2]}.${m[3]}`)
    }
    expect(at(/success: notify /) - at(/spawned: 'notify'/)).toBeGreaterThanOrEqual(250)
    expect(d.ctl("status", "notify").stdout).toMatch(/^notify\s+RUNNING\s+pid \d+, uptime 0:00:\d\d, ready$/m)
    // the shell held fd 3 and exec'd sleep with it; that is its business, not the daemon's
    expect(fdsOf(pidOf(d, "notify"))).toEqual({ "0": "pipe", "1": "pipe", "2": "pipe", "3": "pipe" })
  })

  it("fd N closed without a newline, or nothing written within ready_timeout, is a failed start", async () => {
    await d.waitForLog(/gave up: closed entered FATAL state/)
    await d.waitForLog(/gave up: silent entered FATAL state/)
    expect(d.ctl("status", "closed").stdout.trim().replace(/\s+/g, " ")).toBe("closed FATAL not ready: fd:3 was closed without a newline")
    expect(d.ctl("status", "silent").stdout.trim().replace(/\s+/g, " ")).toBe("silent FATAL not ready within 1 second (nothing written to fd 5)")
    expect(livePids(`sleep 1104.${MARK}`)).toEqual([])
    expect(livePids(`sleep 1105.${MARK}`)).toEqual([])
  })
})
