/**
 * Back-pressure never blocks supervision, with the real daemon: a child that never reads its
 * stdin gets more than a pipe's worth through supervisor.sendProcessStdin (the RPC answers at
 * once, the queue is bounded with a clear fault beyond it, and stop, SIGKILL after stopwaitsecs
 * and shutdown all still work), and a log file that stops accepting data (a FIFO nobody reads)
 * never keeps a process in STOPPING, `ctl stop` from returning or the daemon from exiting; the
 * bytes it could not take are dropped with a counted, logged loss.
 */
import * as Cp from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { header, livePids, start } from "./harness.ts"
import { tempDir } from "../support/TempDir.ts"

const MiB = 1024 * 1024

const CALLER = `
import json, socket, sys, time, http.client, xmlrpc.client
class Conn(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(30)
        self.sock.connect(sys.argv[1])
class T(xmlrpc.client.Transport):
    def make_connection(self, host):
        return Conn("localhost")
proxy = xmlrpc.client.ServerProxy("http://localhost", transport=T())
name, size, times = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
out = []
for i in range(times):
    began = time.time()
    try:
        value = proxy.supervisor.sendProcessStdin(name, "x" * size)
        out.append({"value": value, "ms": (time.time() - began) * 1000})
    except xmlrpc.client.Fault as f:
        out.append({"fault": [f.faultCode, f.faultString], "ms": (time.time() - began) * 1000})
    except Exception as e:
        out.append({"error": repr(e), "ms": (time.time() - began) * 1000})
print(json.dumps(out))
`

interface Sent {
  readonly value?: boolean
  readonly fault?: readonly [number, string]
  readonly error?: string
  readonly ms: number
}

/** Send `times` writes of `size` bytes to `name`'s stdin over the daemon's socket, one call each. */
const sendStdin = (dir: string, name: string, size: number, times: number): ReadonlyArray<Sent> => {
  const run = Cp.spawnSync("python3", ["-c", CALLER, Path.join(dir, "sock"), name, String(size), String(times)], {
    encoding: "utf8",
    timeout: 90_000
  })
  if (run.status !== 0) throw new Error(`caller failed: ${run.stderr}`)
  return JSON.parse(run.stdout) as ReadonlyArray<Sent>
}

const mark = `${process.pid}.7171`

describe("sendProcessStdin to a child that does not read", () => {
  it("answers at once, bounds the queue with a fault, and stop, SIGKILL and shutdown still work", async () => {
    // the child ignores SIGTERM, so stopping it needs the SIGKILL after stopwaitsecs
    const d = await start("effsup", `${header()}
[program:mute]
command=sh -c 'trap "" TERM; exec sleep ${mark}'
startsecs=0
stopwaitsecs=2
`)
    try {
      await d.waitForLog(/success: mute entered RUNNING/)
      // 4 MiB in 1 MiB calls: far more than a pipe holds, well under the bound
      const first = sendStdin(d.dir, "mute", MiB, 4)
      expect(first.map((s) => s.value)).toEqual([true, true, true, true])
      for (const s of first) expect(s.ms, "milliseconds for one sendProcessStdin").toBeLessThan(3000)
      // the control plane keeps answering
      expect(d.ctl("status", "mute").stdout).toMatch(/mute\s+RUNNING/)
      // beyond the bound: a FAILED fault that says why, and a counted loss in the activity log
      const more = sendStdin(d.dir, "mute", MiB, 8)
      const refused = more.filter((s) => s.fault !== undefined)
      expect(refused.length).toBeGreaterThan(0)
      expect(refused[0]!.fault![0]).toBe(30)
      expect(refused[0]!.fault![1]).toMatch(/FAILED: mute's stdin queue is full/)
      await d.waitForLog(/WARN mute: stdin queue full \(\d+ bytes queued, limit 8388608\); refused a write of 1048576 bytes/)
      // stop: SIGTERM is ignored, SIGKILL after stopwaitsecs ends it, and ctl returns
      const began = Date.now()
      const stopped = d.ctl("stop", "mute")
      expect(stopped.stdout).toMatch(/mute: stopped/)
      expect(Date.now() - began, "milliseconds for ctl stop").toBeLessThan(8000)
      await d.waitForLog(/stopped: mute \(terminated by SIGKILL\)/)
      // the same again, then a daemon shutdown with the queue full
      expect(d.ctl("start", "mute").stdout).toMatch(/mute: started/)
      expect(sendStdin(d.dir, "mute", MiB, 3).map((s) => s.value)).toEqual([true, true, true])
      const term = Date.now()
      await d.stop()
      expect(Date.now() - term, "milliseconds for shutdown").toBeLessThan(10_000)
      expect(d.log().some((l) => /stopped: mute \(terminated by SIGKILL\)/.test(l))).toBe(true)
      expect(livePids(`sleep ${mark}`)).toEqual([])
    } finally {
      await d.stop()
    }
  }, 90_000)
})

describe("a log file that stops accepting data (a FIFO nobody reads)", () => {
  it("never holds a stop, ctl stop or the shutdown; the bytes it could not take are dropped with a logged count", async () => {
    const yes = `${process.pid}.7272`
    const fifoDir = tempDir("fifo")
    const fifo = Path.join(fifoDir, "out.fifo")
    Cp.execFileSync("mkfifo", [fifo])
    // a reader that holds the FIFO open and never reads (O_RDWR does not wait for a writer)
    const reader = Fs.openSync(fifo, Fs.constants.O_RDWR | Fs.constants.O_NONBLOCK)
    const d = await start("effsup", `${header()}
[program:loud]
command=sh -c 'trap "" TERM; exec yes ${yes}'
startsecs=1
stopwaitsecs=2
stdout_logfile=${fifo}
`)
    try {
      await d.waitForLog(/success: loud entered RUNNING/)
      // the FIFO (64 KiB) and the daemon's queue fill up within moments
      await new Promise((r) => setTimeout(r, 1500))
      expect(d.ctl("status", "loud").stdout).toMatch(/loud\s+RUNNING/)
      const began = Date.now()
      expect(d.ctl("stop", "loud").stdout).toMatch(/loud: stopped/)
      expect(Date.now() - began, "milliseconds for ctl stop").toBeLessThan(8000)
      await d.waitForLog(/stopped: loud \(terminated by SIGKILL\)/)
      expect(d.ctl("start", "loud").stdout).toMatch(/loud: started/)
      await new Promise((r) => setTimeout(r, 1500))
      const term = Date.now()
      await d.stop()
      expect(Date.now() - term, "milliseconds for shutdown").toBeLessThan(12_000)
      expect(d.log().filter((l) => /stopped: loud \(terminated by SIGKILL\)/.test(l)).length).toBe(2)
      expect(d.log().some((l) => /WARN dropped \d+ bytes for log file .*out\.fifo: it did not accept them/.test(l))).toBe(true)
      expect(livePids(`yes ${yes}`)).toEqual([])
    } finally {
      Fs.closeSync(reader)
      await d.stop()
    }
  }, 90_000)
})
