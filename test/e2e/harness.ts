/**
 * End-to-end harness: runs a real daemon in the foreground — effsup (`node src/bin.ts run -n`) or the reference
 * supervisord 4.2.5 — on a generated config in a temp dir, and drives it from outside exactly
 * the same way: the real `supervisorctl` over the unix socket, the activity log, and /proc.
 */
import * as Cp from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { afterAll, beforeAll } from "vitest"
import { tempDir } from "../support/TempDir.ts"

/** Which daemon a test runs. */
export type Kind = "effsup" | "supervisord"

/** The repository root. */
export const ROOT = Path.resolve(import.meta.dirname, "../..")

/**
 * Whether a test can run effsup as `nobody`: only root can switch to it, and nobody must be able to
 * read the sources. A checkout inside a private directory (a clone in a fresh `mktemp -d`) is not
 * readable: such a test is then skipped, with a warning that says why and what to do.
 */
export const canRunAsNobody = (): boolean => {
  if (process.getuid?.() !== 0) return false
  const bin = Path.join(ROOT, "src/bin.ts")
  const probe = Cp.spawnSync("setpriv", ["--reuid", "nobody", "--regid", "nogroup", "--clear-groups", "--", "test", "-r", bin])
  if (probe.status === 0) return true
  process.stderr.write(`skipped: a test runs effsup as nobody, who cannot read ${bin}; make the checkout's directories readable (chmod o+rx)\n`)
  return false
}

/** Is the reference supervisord installed? */
export const haveSupervisord = (): boolean => Cp.spawnSync("supervisord", ["--version"]).status === 0

/** The control sections every test config ends its head with: the socket in the temp dir, ctl and the RPC interface. */
export const CONTROL_SECTIONS = `[unix_http_server]
file=%(here)s/sock

[supervisorctl]
serverurl=unix://%(here)s/sock

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
`

/** The common head of every test config (socket, logs and pidfile in the temp dir). */
export const header = (extra = "") => `[supervisord]
logfile=%(here)s/main.log
pidfile=%(here)s/daemon.pid
childlogdir=%(here)s
loglevel=debug
${extra}
${CONTROL_SECTIONS}`

/** A running daemon under test. */
export interface Daemon {
  readonly kind: Kind
  readonly dir: string
  readonly child: Cp.ChildProcess
  /** Run the real supervisorctl against it. */
  readonly ctl: (...args: ReadonlyArray<string>) => { readonly stdout: string; readonly status: number }
  /** The activity log's lines without timestamps: `INFO spawned: 'x' with pid N`. */
  readonly log: () => ReadonlyArray<string>
  /** Wait until a log line matches. */
  readonly waitForLog: (pattern: RegExp, timeoutMs?: number) => Promise<void>
  /** SIGTERM the daemon and wait for it to exit; returns the exit code. */
  readonly stop: () => Promise<number | null>
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * Every daemon this test file started and that has not exited yet. A test that times out never
 * reaches its own `finally`, so the file's afterAll stops whatever is left: no daemon (and none
 * of its children) outlives its test file. The daemons' directories are removed after that (see
 * TempDir), so a test can still read a daemon's files after `stop()`.
 */
const started = new Set<() => Promise<number | null>>()
afterAll(() => Promise.all([...started].map((stop) => stop())), 60_000)

/** Start a daemon of `kind` on `config` (the text after the header); resolves when its socket answers. */
export const start = async (kind: Kind, config: string): Promise<Daemon> => {
  const dir = tempDir(kind)
  Fs.chmodSync(dir, 0o777) // user= programs write their results here
  const file = Path.join(dir, "test.conf")
  Fs.writeFileSync(file, config)
  const child = kind === "effsup"
    ? Cp.spawn(process.execPath, [Path.join(ROOT, "src/bin.ts"), "run", "-n", "-c", file], { cwd: dir, stdio: ["ignore", "ignore", "pipe"] })
    : Cp.spawn("supervisord", ["-n", "-c", file], { cwd: dir, stdio: ["ignore", "ignore", "pipe"] })
  let stderr = ""
  child.stderr?.on("data", (d) => (stderr += String(d)))
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
  const ctl = (...args: ReadonlyArray<string>) => {
    const r = Cp.spawnSync("supervisorctl", ["-c", file, ...args], { encoding: "utf8", timeout: 20_000 })
    return { stdout: r.stdout ?? "", status: r.status ?? -1 }
  }
  const log = () => {
    const text = Fs.existsSync(Path.join(dir, "main.log")) ? Fs.readFileSync(Path.join(dir, "main.log"), "utf8") : ""
    return text.split("\n").filter((l) => l !== "").map((l) => l.replace(/^\S+ \S+ /, ""))
  }
  const waitForLog = async (pattern: RegExp, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      if (log().some((l) => pattern.test(l))) return
      await sleep(50)
    }
    throw new Error(`${kind}: no log line matched ${pattern} in ${timeoutMs} ms; log:\n${log().join("\n")}\nstderr:\n${stderr}`)
  }
  const deadline = Date.now() + 15_000
  while (ctl("pid").status !== 0) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill("SIGKILL")
      throw new Error(`${kind} did not come up; stderr:\n${stderr}\nlog:\n${log().join("\n")}`)
    }
    await sleep(100)
  }
  const stop = async () => {
    if (child.exitCode === null) child.kill("SIGTERM")
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000)
    const code = await exited
    clearTimeout(timer)
    return code
  }
  started.add(stop)
  void exited.then(() => started.delete(stop))
  return { kind, dir, child, ctl, log, waitForLog, stop }
}

const XMLRPC_CALLER = `
import json, socket, sys, http.client, xmlrpc.client
class Conn(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(sys.argv[1])
class T(xmlrpc.client.Transport):
    def make_connection(self, host):
        return Conn("localhost")
proxy = xmlrpc.client.ServerProxy("http://localhost", transport=T())
out = []
for name, params in json.load(sys.stdin):
    try:
        out.append({"value": getattr(proxy, name)(*params)})
    except xmlrpc.client.Fault as f:
        out.append({"fault": [f.faultCode, f.faultString]})
print(json.dumps(out))
`

/** One XML-RPC call: method name and parameters. */
export type Call = readonly [string, ReadonlyArray<unknown>]

/**
 * Make the calls in order over the socket `sock` in `dir` with Python's own xmlrpc.client; each
 * gives `{ value }` or `{ fault: [code, string] }`.
 */
export const xmlrpc = (dir: string, calls: ReadonlyArray<Call>): ReadonlyArray<unknown> => {
  const run = Cp.spawnSync("python3", ["-c", XMLRPC_CALLER, Path.join(dir, "sock")], { input: JSON.stringify(calls), encoding: "utf8", timeout: 60_000 })
  if (run.status !== 0) throw new Error(run.stderr)
  return JSON.parse(run.stdout) as ReadonlyArray<unknown>
}

/** The lines of a log that mention a process, with pids replaced by N: the comparable sequence. */
export const normalized = (lines: ReadonlyArray<string>, name: string): ReadonlyArray<string> =>
  lines
    .filter((l) => l.includes(name) && !l.startsWith("DEBG") && !l.startsWith("TRAC") && !l.startsWith("BLAT"))
    .map((l) => l.replace(/pid \d+/g, "pid N").replace(/\(\d+\)/g, "(N)"))

const SEND_REMOTE_COMM_EVENT = `import xmlrpc.client, http.client, socket, sys
class C(http.client.HTTPConnection):
    def __init__(s, p): super().__init__("localhost"); s.p = p
    def connect(s): s.sock = socket.socket(socket.AF_UNIX); s.sock.connect(s.p)
class T(xmlrpc.client.Transport):
    def __init__(s, p): super().__init__(); s.p = p
    def make_connection(s, h): return C(s.p)
xmlrpc.client.ServerProxy("http://localhost", transport=T(sys.argv[1])).supervisor.sendRemoteCommEvent(sys.argv[2], sys.argv[3])`

/** Call `supervisor.sendRemoteCommEvent(type, data)` on a daemon's unix socket with Python's own XML-RPC client. */
export const sendRemoteCommEvent = (d: Daemon, type: string, data: string): void => {
  const r = Cp.spawnSync("python3", ["-c", SEND_REMOTE_COMM_EVENT, Path.join(d.dir, "sock"), type, data], { encoding: "utf8" })
  if (r.status !== 0) throw new Error(`${d.kind}: sendRemoteCommEvent failed: ${r.stderr}`)
}

/** Pids of live processes whose command line contains `marker` as whole arguments (`sleep 10` is not `sleep 100`). */
export const livePids = (marker: string): ReadonlyArray<number> =>
  Fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d)).flatMap((d) => {
    try {
      const cmd = Fs.readFileSync(`/proc/${d}/cmdline`, "utf8").replace(/\0/g, " ")
      const stat = Fs.readFileSync(`/proc/${d}/stat`, "utf8")
      return ` ${cmd}`.includes(` ${marker} `) && !/\) Z /.test(stat) ? [Number(d)] : []
    } catch {
      return []
    }
  })

/** Both daemons on the same config, side by side. */
export interface Pair {
  readonly effsup: Daemon
  readonly supervisord: Daemon
  /** `[effsup, supervisord]`. */
  readonly both: () => readonly [Daemon, Daemon]
}

/**
 * Start effsup and supervisord before the enclosing suite's tests (on `config`, or on a config per
 * daemon), wait until a log line matches `ready` if given, and stop both after the tests.
 */
export const usePair = (config: string | ((kind: Kind) => string), ready?: RegExp): Pair => {
  const daemons: Partial<Record<Kind, Daemon>> = {}
  const configFor = (kind: Kind) => (typeof config === "string" ? config : config(kind))
  beforeAll(async () => {
    const [a, b] = await Promise.all([start("effsup", configFor("effsup")), start("supervisord", configFor("supervisord"))])
    daemons.effsup = a
    daemons.supervisord = b
    if (ready !== undefined) await Promise.all([a.waitForLog(ready), b.waitForLog(ready)])
  })
  afterAll(async () => {
    await Promise.all(Object.values(daemons).map((d) => d.stop()))
  })
  return {
    get effsup() {
      return daemons.effsup!
    },
    get supervisord() {
      return daemons.supervisord!
    },
    both: () => [daemons.effsup!, daemons.supervisord!] as const
  }
}
