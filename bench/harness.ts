/**
 * The benchmark harness: drives effsup and the real supervisord 4.2.5 the same way, from outside —
 * a generated config in a temp dir, the daemon started as a process, XML-RPC over its unix socket
 * (src/rpc/XmlRpc.ts's codec on node:http with a keep-alive agent), files and /proc.
 *
 * Invariants:
 * - every process the bench starts (daemons, their children, shell floors) carries `BENCH_TAG` in its
 *   environment (daemons pass their environment to children), so `killLeftovers` finds and kills
 *   every one of them through /proc, even orphans, at the end of each trial and on exit or error;
 * - neither daemon gets an option, a signal or a channel the other does not get.
 * @since 0.1.0
 */
import * as Cp from "node:child_process"
import * as Fs from "node:fs"
import * as Http from "node:http"
import * as Os from "node:os"
import * as Path from "node:path"
import { decodeMethodResponse, encodeMethodCall, type XmlRpcValue } from "../src/rpc/XmlRpc.ts"
import type { Row } from "./report.ts"

/** Which daemon a trial runs. */
export type Kind = "effsup" | "supervisord"

/** The repository root. */
export const ROOT = Path.resolve(import.meta.dirname, "..")

/** The environment tag that marks every process of this bench run. */
export const TAG = `effsup-bench-${process.pid}-${Date.now()}`

/** Monotonic now, in nanoseconds. */
export const now = (): bigint => process.hrtime.bigint()

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

// ---------------------------------------------------------------------------------------------
// What to run
// ---------------------------------------------------------------------------------------------

/** How to start effsup: the built executable, as users run it (`effsup …`). */
export interface EffsupEntry {
  /** The command line before the subcommand, e.g. `[".../dist/app/bin.js"]`. */
  readonly argv: ReadonlyArray<string>
}

/**
 * Builds effsup (`npm run build`) and returns how to run the shipped binary `dist/app/bin.js` (the
 * bundle): directly, as users run it (its shebang), or through `node` with
 * BENCH_EFFSUP_NODE_ARGS (e.g. `--cpu-prof`).
 */
export const detectEffsup = (): EffsupEntry => {
  const build = Cp.spawnSync("npm", ["run", "-s", "build"], { cwd: ROOT, encoding: "utf8", timeout: 300_000 })
  if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}${build.stderr}`)
  const bin = Path.join(ROOT, "dist/app/bin.js")
  const nodeArgs = effsupNodeArgs()
  return { argv: nodeArgs.length === 0 ? [bin] : [process.execPath, ...nodeArgs, bin] }
}

/** Throws with installation advice when the reference supervisord is missing. */
export const requireSupervisord = (): string => {
  const r = Cp.spawnSync("supervisord", ["--version"], { encoding: "utf8" })
  if (r.status !== 0) {
    throw new Error(
      "supervisord is not installed; the bench compares against it. Install 4.2.5 with\n" +
        "  apt-get install -y supervisor        (Debian 12 / Ubuntu 24.04 ship 4.2.5)\n" +
        "or pip install supervisor==4.2.5"
    )
  }
  return r.stdout.trim()
}

// ---------------------------------------------------------------------------------------------
// Config generation (pure)
// ---------------------------------------------------------------------------------------------

/** One `[program:x]` section. `options` are written verbatim after `command`. */
export interface ProgramSpec {
  readonly name: string
  readonly command: string
  readonly numprocs?: number
  readonly options?: Readonly<Record<string, string | number | boolean>>
}

/** The config text both daemons read: socket, logs and pidfile beside it (`%(here)s`). */
export const renderConfig = (programs: ReadonlyArray<ProgramSpec>): string => {
  const head = [
    "[supervisord]",
    "logfile=%(here)s/main.log",
    "pidfile=%(here)s/daemon.pid",
    "childlogdir=%(here)s/logs",
    "loglevel=info",
    "minfds=8192",
    "",
    "[unix_http_server]",
    "file=%(here)s/sock",
    "",
    "[supervisorctl]",
    "serverurl=unix://%(here)s/sock",
    "",
    "[rpcinterface:supervisor]",
    "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
    ""
  ]
  const sections = programs.flatMap((p) => {
    const lines = [`[program:${p.name}]`, `command=${p.command}`]
    if (p.numprocs !== undefined && p.numprocs > 1) {
      const width = String(p.numprocs - 1).length
      lines.push(`process_name=%(program_name)s_%(process_num)0${width}d`, `numprocs=${p.numprocs}`)
    }
    for (const [k, v] of Object.entries(p.options ?? {})) lines.push(`${k}=${v === true ? "true" : v === false ? "false" : v}`)
    return [...lines, ""]
  })
  return [...head, ...sections].join("\n")
}

/** A fresh temp dir for one trial. */
export const tempDir = (label: string): string => {
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), `effsup-bench-${label}-`))
  Fs.mkdirSync(Path.join(dir, "logs"))
  return dir
}

// ---------------------------------------------------------------------------------------------
// XML-RPC over the unix socket
// ---------------------------------------------------------------------------------------------

/** A fault returned by the daemon. */
export class FaultError extends Error {
  readonly faultCode: number
  constructor(faultCode: number, faultString: string) {
    super(`fault ${faultCode}: ${faultString}`)
    this.faultCode = faultCode
  }
}

/** An XML-RPC client on one unix socket, with a keep-alive agent. */
export interface Rpc {
  readonly call: (method: string, ...params: ReadonlyArray<XmlRpcValue>) => Promise<XmlRpcValue>
  /**
   * Ms from sending a call to its response's last byte, without decoding the response (a fault
   * would still be a 200: the latency rows only call methods that succeed). Decoding a 200 KiB
   * answer costs the client more than some servers take to produce it, so it is left out.
   */
  readonly timed: (method: string, ...params: ReadonlyArray<XmlRpcValue>) => Promise<number>
  readonly close: () => void
}

/** A keep-alive XML-RPC client for `socketPath` (up to `maxSockets` concurrent connections). */
export const rpcClient = (socketPath: string, maxSockets = 8): Rpc => {
  const agent = new Http.Agent({ keepAlive: true, maxSockets })
  const call = (methodName: string, ...params: ReadonlyArray<XmlRpcValue>) =>
    new Promise<XmlRpcValue>((resolve, reject) => {
      const body = encodeMethodCall({ methodName, params })
      const req = Http.request(
        {
          socketPath, agent, path: "/RPC2", method: "POST",
          headers: { "Content-Type": "text/xml", "Content-Length": Buffer.byteLength(body) }
        },
        (res) => {
          const chunks: Array<Buffer> = []
          res.on("data", (c: Buffer) => chunks.push(c))
          res.on("error", reject)
          res.on("end", () => {
            const decoded = decodeMethodResponse(Buffer.concat(chunks).toString("utf8"))
            if (decoded._tag === "Failure") return reject(new Error(`${methodName}: ${decoded.failure.message}`))
            const r = decoded.success
            if (r._tag === "Fault") return reject(new FaultError(r.fault.faultCode, r.fault.faultString))
            resolve(r.value)
          })
        }
      )
      req.on("error", reject)
      req.end(body)
    })
  const timed = (methodName: string, ...params: ReadonlyArray<XmlRpcValue>) =>
    new Promise<number>((resolve, reject) => {
      const body = encodeMethodCall({ methodName, params })
      const t0 = now()
      const req = Http.request(
        {
          socketPath, agent, path: "/RPC2", method: "POST",
          headers: { "Content-Type": "text/xml", "Content-Length": Buffer.byteLength(body) }
        },
        (res) => {
          if (res.statusCode !== 200) reject(new Error(`${methodName}: HTTP ${res.statusCode}`))
          res.on("data", () => undefined)
          res.on("error", reject)
          res.on("end", () => resolve(Number(now() - t0) / 1e6))
        }
      )
      req.on("error", reject)
      req.end(body)
    })
  return { call, timed, close: () => agent.destroy() }
}

// ---------------------------------------------------------------------------------------------
// Daemons
// ---------------------------------------------------------------------------------------------

/** A daemon started for one trial. */
export interface Daemon {
  readonly kind: Kind
  readonly dir: string
  readonly conf: string
  readonly sock: string
  readonly pid: number
  /** `now()` just before the daemon was exec'd. */
  readonly startedAt: bigint
  readonly rpc: Rpc
  /** Resolves when the daemon process has exited. */
  readonly exited: Promise<void>
  readonly hasExited: () => boolean
  /** SIGTERM, wait (bounded), then SIGKILL, and kill every leftover child. */
  readonly stop: () => Promise<void>
}

/** Extra node flags for the effsup daemon (e.g. BENCH_EFFSUP_NODE_ARGS=--cpu-prof for profiling). */
const effsupNodeArgs = (): ReadonlyArray<string> => (process.env["BENCH_EFFSUP_NODE_ARGS"] ?? "").split(" ").filter((s) => s !== "")

/** Writes `programs` into a config in a fresh temp dir and starts `kind` on it. Does not wait. */
export const startDaemon = (kind: Kind, effsup: EffsupEntry, programs: ReadonlyArray<ProgramSpec>): Daemon => {
  const dir = tempDir(kind)
  const conf = Path.join(dir, "bench.conf")
  Fs.writeFileSync(conf, renderConfig(programs))
  const [cmd, args] = kind === "effsup"
    ? [effsup.argv[0]!, [...effsup.argv.slice(1), "run", "-n", "-c", conf]]
    : ["supervisord", ["-n", "-c", conf]]
  const startedAt = now()
  const child = Cp.spawn(cmd, args, { cwd: dir, detached: true, stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, BENCH_TAG: TAG } })
  let stderr = ""
  child.stderr!.on("data", (d) => (stderr = (stderr + String(d)).slice(-4000)))
  let done = false
  const exited = new Promise<void>((resolve) => child.once("exit", () => ((done = true), resolve())))
  const rpc = rpcClient(Path.join(dir, "sock"))
  const stop = async () => {
    if (!done) child.kill("SIGTERM")
    const timer = setTimeout(() => killGroup(child.pid!), 30_000)
    await exited
    clearTimeout(timer)
    rpc.close()
    killLeftovers()
    if (process.env["BENCH_KEEP"] === undefined) Fs.rmSync(dir, { recursive: true, force: true })
  }
  child.once("exit", (code, signal) => {
    if (code !== 0 && code !== null && signal === null) process.stderr.write(`[bench] ${kind} exited ${code}: ${stderr}\n`)
  })
  return { kind, dir, conf, sock: Path.join(dir, "sock"), pid: child.pid!, startedAt, rpc, exited, hasExited: () => done, stop }
}

/** One process's entry in getAllProcessInfo (the fields the bench reads). */
export interface ProcInfo {
  readonly name: string
  readonly statename: string
  readonly pid: number
}

/** getAllProcessInfo, typed to the fields the bench reads. */
export const allInfo = async (d: Daemon): Promise<ReadonlyArray<ProcInfo>> =>
  (await d.rpc.call("supervisor.getAllProcessInfo")) as unknown as ReadonlyArray<ProcInfo>

/**
 * Polls getAllProcessInfo (one request in flight, `gapMs` between) until `n` processes are
 * RUNNING; returns `now()` at the answer that showed it (`n = 0`: the first answer). Connection
 * errors while the daemon comes up are retried.
 */
export const waitAllRunning = async (d: Daemon, n: number, gapMs = 10, timeoutMs = 180_000): Promise<bigint> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (d.hasExited()) throw new Error(`${d.kind} exited before ${n} processes were RUNNING`)
    try {
      const infos = await allInfo(d)
      const at = now()
      if (infos.filter((i) => i.statename === "RUNNING").length >= n) return at
    } catch (e) {
      if (e instanceof FaultError) throw e
    }
    if (Date.now() > deadline) throw new Error(`${d.kind}: ${n} processes not RUNNING after ${timeoutMs} ms`)
    await sleep(gapMs)
  }
}

/** Starts `kind` on `programs` and waits for `n` RUNNING processes; stops it if that fails. */
export const startRunning = async (kind: Kind, effsup: EffsupEntry, programs: ReadonlyArray<ProgramSpec>, n: number): Promise<Daemon> => {
  const d = startDaemon(kind, effsup, programs)
  try {
    await waitAllRunning(d, n, 50)
    return d
  } catch (e) {
    await d.stop()
    throw e
  }
}

/** Runs `f` on a daemon started and RUNNING on `programs`, and always stops it. */
export const withDaemon = async <A>(
  kind: Kind, effsup: EffsupEntry, programs: ReadonlyArray<ProgramSpec>, n: number, f: (d: Daemon) => Promise<A>
): Promise<A> => {
  const d = await startRunning(kind, effsup, programs, n)
  try {
    return await f(d)
  } finally {
    await d.stop()
  }
}

// ---------------------------------------------------------------------------------------------
// Shell floors and cleanup
// ---------------------------------------------------------------------------------------------

/** A tagged `sh -c script` in its own process group; resolves with its stdout when it exits. */
export const shell = (script: string, cwd: string): { readonly pid: number; readonly done: Promise<string> } => {
  const child = Cp.spawn("sh", ["-c", script], { cwd, detached: true, stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, BENCH_TAG: TAG } })
  let out = ""
  child.stdout!.on("data", (d) => (out += String(d)))
  return { pid: child.pid!, done: new Promise((resolve) => child.once("exit", () => resolve(out))) }
}

const killGroup = (pgid: number): void => {
  try {
    process.kill(-pgid, "SIGKILL")
  } catch {
    // already gone
  }
}

const pidsOf = (): ReadonlyArray<number> =>
  Fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d)).map(Number).filter((p) => p !== process.pid)

/** Live (non-zombie) pids whose environment carries this run's tag. */
export const taggedPids = (): ReadonlyArray<number> =>
  pidsOf().filter((pid) => {
    try {
      return Fs.readFileSync(`/proc/${pid}/environ`, "latin1").includes(`BENCH_TAG=${TAG}`) && !isGone(pid)
    } catch {
      return false
    }
  })

/** SIGKILLs every live process of this run (daemons, children, floors). Returns how many. */
export const killLeftovers = (): number => {
  const pids = taggedPids()
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL")
    } catch {
      // raced with its exit
    }
  }
  return pids.length
}

// ---------------------------------------------------------------------------------------------
// /proc readers
// ---------------------------------------------------------------------------------------------

const statFields = (pid: number): ReadonlyArray<string> => {
  const stat = Fs.readFileSync(`/proc/${pid}/stat`, "latin1")
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ")
}

/** True when the process no longer exists or is a zombie. */
export const isGone = (pid: number): boolean => {
  try {
    return statFields(pid)[0] === "Z"
  } catch {
    return true
  }
}

/**
 * The processes that make up a daemon: its own pid, plus any child running the daemon's own
 * executable (a helper of its own, as effsup's spawn helper was; the supervised programs run
 * other executables). Their cost is the daemon's cost.
 */
export const daemonPids = (pid: number): ReadonlyArray<number> => {
  const exe = (p: number | string) => {
    try {
      return Fs.readlinkSync(`/proc/${p}/exe`)
    } catch {
      return undefined
    }
  }
  const own = exe(pid)
  const children = Fs.readFileSync(`/proc/${pid}/task/${pid}/children`, "latin1").split(" ").filter((c) => c !== "")
  return [pid, ...children.filter((child) => own !== undefined && exe(child) === own).map(Number)]
}

/** The pids of a daemon's children whose parent is the daemon itself (not a helper), from /proc. */
export const childrenOf = (pid: number): ReadonlySet<number> =>
  new Set(Fs.readFileSync(`/proc/${pid}/task/${pid}/children`, "latin1").split(" ").filter((c) => c !== "").map(Number))

/** On-CPU time of one process's live threads, in seconds, as the scheduler counts it (nanoseconds). */
const threadCpuSeconds = (pid: number): number =>
  Fs.readdirSync(`/proc/${pid}/task`).reduce(
    (sum, tid) => sum + Number(Fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "latin1").split(" ")[0]) / 1e9,
    0
  )

/**
 * CPU time of a daemon (with any helper of its own), in seconds: its threads' on-CPU time from
 * /proc/PID/task/TID/schedstat, which the scheduler counts in nanoseconds (utime + stime are
 * sampled in 10 ms ticks: ±0.05 % of a core over 20 s, half the idle target). A thread that ends
 * between two reads takes its time with it; a daemon's threads live as long as the daemon.
 */
export const cpuSeconds = (pid: number): number => daemonPids(pid).reduce((sum, p) => sum + threadCpuSeconds(p), 0)

/** Resident and proportional set size of a daemon (with any helper of its own; smaps_rollup), in MiB. */
export const memoryMiB = (pid: number): { readonly rss: number; readonly pss: number } =>
  daemonPids(pid).reduce((sum, p) => {
    const text = Fs.readFileSync(`/proc/${p}/smaps_rollup`, "latin1")
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? NaN)
    return { rss: sum.rss + kb("Rss") / 1024, pss: sum.pss + kb("Pss") / 1024 }
  }, { rss: 0, pss: 0 })

/** The peak RSS (VmHWM) in MiB of the daemon and any process of its own, summed. */
export const peakRssMiB = (pid: number): number =>
  daemonPids(pid).reduce((sum, p) => sum + Number(/^VmHWM:\s+(\d+) kB/m.exec(Fs.readFileSync(`/proc/${p}/status`, "latin1"))?.[1] ?? NaN) / 1024, 0)

/** The machine the run happened on, for the report. */
export const describeMachine = (supervisordVersion: string): Readonly<Record<string, string>> => {
  const cpuinfo = Fs.readFileSync("/proc/cpuinfo", "latin1")
  const meminfo = Fs.readFileSync("/proc/meminfo", "latin1")
  const memKb = Number(/^MemTotal:\s+(\d+)/m.exec(meminfo)?.[1] ?? 0)
  return {
    nproc: String(Os.availableParallelism()),
    cpu: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1]?.trim() ?? "unknown",
    memory: `${(memKb / 1024 / 1024).toFixed(1)} GiB`,
    kernel: `${Os.type()} ${Os.release()}`,
    node: process.version,
    supervisord: supervisordVersion
  }
}

// ---------------------------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------------------------

/** What every scenario gets. */
export interface Ctx {
  readonly quick: boolean
  readonly effsup: EffsupEntry
  /** Progress output (stderr). */
  readonly log: (message: string) => void
}

/** One benchmark scenario: a name for `--only`, how it measures (for RESULTS.md), and its run. */
export interface Scenario {
  readonly name: string
  readonly method: string
  readonly run: (ctx: Ctx) => Promise<ReadonlyArray<Row>>
}

/**
 * Runs `reps` repetitions of the named trials, one after the other, reversing their order every
 * other repetition so that neither contender always goes first on the shared machine.
 */
export const interleave = async (
  reps: number, trials: Readonly<Record<string, (rep: number) => Promise<void>>>, log: (m: string) => void
): Promise<void> => {
  const names = Object.keys(trials)
  for (let rep = 0; rep < reps; rep++) {
    for (const name of rep % 2 === 0 ? names : [...names].reverse()) {
      log(`  rep ${rep + 1}/${reps}: ${name}`)
      await trials[name]!(rep)
    }
  }
}
