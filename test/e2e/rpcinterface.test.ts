/**
 * The XML-RPC namespaces and name forms, side by side with supervisord 4.2.5: without
 * `[rpcinterface:supervisor]` only `system.*` is served (and supervisorctl says so), with
 * `[rpcinterface:foo]` the process methods are `foo.*`, and every method that takes a name takes
 * the same forms with the same faults — `group:*` and `group:` running the group call for
 * start/stop/signalProcess. Calls go through Python's own xmlrpc.client over the unix socket.
 */
import * as Cp from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { type Call, haveSupervisord, type Kind, xmlrpc } from "./harness.ts"
import { tempDir } from "../support/TempDir.ts"

const ROOT = Path.resolve(import.meta.dirname, "../..")
const BIN = Path.join(ROOT, "src/bin.ts")

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const children = new Set<Cp.ChildProcess>()
afterAll(async () => {
  await Promise.all([...children].map((child) => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once("exit", () => resolve())
    child.kill("SIGTERM")
  })))
}, 30_000)

/** Start a daemon of `kind` in the foreground on `config`; resolves once system.listMethods answers. */
const start = async (kind: Kind, config: string) => {
  const dir = tempDir(`rpcns-${kind}`)
  Fs.writeFileSync(Path.join(dir, "test.conf"), config)
  const args = ["-n", "-c", Path.join(dir, "test.conf")]
  const child = kind === "effsup"
    ? Cp.spawn(process.execPath, [BIN, "run", ...args], { cwd: dir, stdio: "ignore" })
    : Cp.spawn("supervisord", args, { cwd: dir, stdio: "ignore" })
  children.add(child)
  const end = Date.now() + 20_000
  for (;;) {
    try {
      if (Fs.existsSync(Path.join(dir, "sock"))) {
        xmlrpc(dir, [["system.listMethods", []]])
        return dir
      }
    } catch {
      // not serving yet
    }
    if (Date.now() > end) throw new Error(`${kind} did not come up`)
    await sleep(100)
  }
}

const header = (rpc: string) => `[supervisord]
logfile=%(here)s/main.log
pidfile=%(here)s/daemon.pid
childlogdir=%(here)s

[unix_http_server]
file=%(here)s/sock

[supervisorctl]
serverurl=unix://%(here)s/sock
${rpc}
[program:g]
command=sh -c 'trap "" HUP; exec sleep 1000.${process.pid}'
process_name=g_%(process_num)d
numprocs=2
# RUNNING once the shell has surely set its trap: a HUP sent the moment it spawned would kill it
startsecs=1
autostart=false

[program:solo]
command=sleep 1000.${process.pid}
startsecs=0
autostart=false

[program:bad]
command=/nonexistent/${process.pid}
process_name=bad_%(process_num)d
numprocs=2
autostart=false
`

const rpcinterface = (name: string) =>
  `[rpcinterface:${name}]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n`

/** Both daemons on the same config. */
const both = async (config: string) => {
  const [effsup, supervisord] = await Promise.all([start("effsup", config), start("supervisord", config)])
  return { effsup, supervisord }
}

const ctl = (client: "supervisorctl" | "effsup", dir: string, ...args: ReadonlyArray<string>) => {
  const [cmd, argv] = client === "effsup" ? [process.execPath, [BIN, "ctl"]] : ["supervisorctl", []]
  const r = Cp.spawnSync(cmd, [...argv, "-c", Path.join(dir, "test.conf"), ...args], { encoding: "utf8", timeout: 20_000 })
  return { out: r.stdout.replace(/: file: .* line: \d+$/gm, ""), code: r.status }
}

const rpcLines = (dir: string) =>
  Fs.readFileSync(Path.join(dir, "main.log"), "utf8").split("\n").filter((l) => l.includes("RPC interface")).map((l) => l.replace(/^\S+ \S+ /, ""))

/** Group results come in completion order: compare them by name. */
const sorted = (results: ReadonlyArray<unknown>) =>
  results.map((r) => {
    const value = (r as { value?: unknown }).value
    return Array.isArray(value)
      ? { value: [...value].sort((a, b) => String((a as { name: string }).name).localeCompare((b as { name: string }).name)) }
      : r
  })

describe.skipIf(!haveSupervisord())("XML-RPC namespaces and name forms, as supervisord", () => {
  it("without [rpcinterface:supervisor]: only system.*, and both clients say so", async () => {
    const d = await both(header(""))
    const calls: ReadonlyArray<Call> = [
      ["system.listMethods", []],
      ["supervisor.getState", []],
      ["system.methodHelp", ["supervisor.getState"]],
      ["system.multicall", [[{ methodName: "supervisor.getPID", params: [] }, { methodName: "system.listMethods", params: [] }]]]
    ]
    expect(xmlrpc(d.effsup, calls)).toEqual(xmlrpc(d.supervisord, calls))
    expect(xmlrpc(d.effsup, calls)[0]).toEqual({ value: ["system.listMethods", "system.methodHelp", "system.methodSignature", "system.multicall"] })
    for (const args of [["status"], ["avail"], ["start", "solo"], ["version"]]) {
      const reference = ctl("supervisorctl", d.supervisord, ...args)
      expect(ctl("supervisorctl", d.effsup, ...args), args.join(" ")).toEqual(reference)
      expect(ctl("effsup", d.effsup, ...args), args.join(" ")).toEqual(reference)
    }
    expect(rpcLines(d.effsup)).toEqual(rpcLines(d.supervisord))
    expect(rpcLines(d.effsup)).toEqual([])
  }, 90_000)

  it("[rpcinterface:foo] serves the process methods as foo.*", async () => {
    const d = await both(header(rpcinterface("foo")))
    const calls: ReadonlyArray<Call> = [
      ["system.listMethods", []],
      ["foo.getState", []],
      ["supervisor.getState", []],
      ["system.methodSignature", ["foo.startProcess"]],
      ["foo.getAllProcessInfo.x", []]
    ]
    const effsup = xmlrpc(d.effsup, calls)
    expect(effsup).toEqual(xmlrpc(d.supervisord, calls))
    expect((effsup[0] as { value: ReadonlyArray<string> }).value.filter((m) => m.startsWith("foo.")).length).toBe(37)
    expect(rpcLines(d.effsup)).toEqual(rpcLines(d.supervisord))
    expect(rpcLines(d.effsup)).toEqual(["INFO RPC interface 'foo' initialized"])
  }, 90_000)

  it("every name form of every method that takes a name, with the same results and faults", async () => {
    const d = await both(header(rpcinterface("supervisor")))
    const calls: ReadonlyArray<Call> = [
      ["supervisor.startProcess", ["g:*"]],
      ["supervisor.startProcess", ["g:*"]],
      ["supervisor.signalProcess", ["g:*", "HUP"]],
      ["supervisor.signalProcess", ["g:", "BOGUS"]],
      ["supervisor.stopProcess", ["g:"]],
      ["supervisor.stopProcess", ["g:*", false]],
      ["supervisor.signalProcess", ["g:*", "HUP"]],
      ["supervisor.startProcess", ["nogroup:*"]],
      ["supervisor.stopProcess", [":"]],
      ["supervisor.signalProcess", ["nogroup:", "HUP"]],
      ["supervisor.startProcess", ["g"]],
      ["supervisor.startProcess", ["g:nope"]],
      ["supervisor.startProcess", ["solo:*", false]],
      ["supervisor.startProcess", ["solo:solo"]],
      ["supervisor.stopProcess", ["solo"]],
      ["supervisor.startProcess", ["g:g_1"]],
      ["supervisor.stopProcess", ["g:g_1"]],
      ["supervisor.getProcessInfo", ["g:*"]],
      ["supervisor.getProcessInfo", ["g:"]],
      ["supervisor.readProcessStdoutLog", ["g:*", 0, 0]],
      ["supervisor.readProcessStderrLog", ["solo:*", 0, 0]],
      ["supervisor.tailProcessStdoutLog", ["g:*", 0, 10]],
      ["supervisor.tailProcessStderrLog", ["g:", 0, 10]],
      ["supervisor.clearProcessLogs", ["g:*"]],
      ["supervisor.sendProcessStdin", ["g:*", "x"]],
      ["supervisor.startProcessGroup", ["g:*"]],
      ["supervisor.stopProcessGroup", ["nogroup"]],
      ["supervisor.signalProcessGroup", ["g", "HUP"]],
      // faults about one process name it as the caller did
      ["supervisor.stopProcess", ["solo:solo"]],
      ["supervisor.signalProcess", ["g:g_0", "HUP"]],
      ["supervisor.sendProcessStdin", ["solo:solo", "x"]],
      ["supervisor.signalProcess", ["solo:solo", "BOGUS"]],
      ["supervisor.clearProcessLogs", ["solo:solo"]],
      ["supervisor.startProcess", ["bad:*"]],
      ["supervisor.startProcess", ["bad:bad_0"]],
      ["supervisor.startProcess", ["g:g_0"]],
      ["supervisor.signalAllProcesses", ["BOGUS"]],
      ["supervisor.stopProcess", ["g:*"]]
    ]
    const reference = sorted(xmlrpc(d.supervisord, calls))
    expect(sorted(xmlrpc(d.effsup, calls))).toEqual(reference)
    expect(sorted(xmlrpc(d.effsup, [["supervisor.startProcess", ["g:*"]]]))).toEqual([{
      value: [{ name: "g_0", group: "g", status: 80, description: "OK" }, { name: "g_1", group: "g", status: 80, description: "OK" }]
    }])
  }, 90_000)
})
