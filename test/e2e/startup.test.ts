/**
 * The daemon's startup lines, effsup against supervisord 4.2.5: with an `[inet_http_server]` and a
 * `[unix_http_server]`, the inet server is made (and announced) first, whatever the order of the
 * sections in the file; at loglevel=trace each server's start is medusa's line (`ip:Medusa (V1.12)
 * started at …`, with its hostname and port), an ERRO line at every level when it says "error";
 * a pidfile that cannot be written is a CRIT line and the daemon goes on, without its
 * `supervisord started with pid N` line; a server that cannot listen is supervisord's usage error
 * with the errno's name and number.
 */
import * as Cp from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { haveSupervisord, header, type Kind, ROOT, start } from "./harness.ts"
import { tempDir } from "../support/TempDir.ts"
import { freePort } from "../support/FreePort.ts"


/** The activity log's lines up to the announcement of the daemon's start, with both servers configured. */
const startLines = async (kind: Kind, extra = "", host = "127.0.0.1", socket = "sock") => {
  const port = await freePort()
  const d = await start(kind, `${header(`user=root\n${extra}`).replaceAll("%(here)s/sock", `%(here)s/${socket}`)}
[inet_http_server]
port=${host}:${port}

[program:a]
command=sleep 1000
autostart=false
`)
  try {
    await d.waitForLog(/supervisord started with pid/)
    const lines = d.log()
    return lines.slice(0, lines.findIndex((l) => l.includes("supervisord started with pid")))
      .map((l) => l.split(d.dir).join("DIR").split(String(port)).join("PORT").replace(/started at \w{3} \w{3} [ \d]\d [\d:]{8} \d{4}$/, "started at T"))
  } finally {
    await d.stop()
  }
}

/** The trace lines of the daemon's servers, with the medusa lines' continuation lines. */
// (not every TRAC line: a request the harness sends while the daemon starts may be traced before the 'started' line)
const medusa = (lines: ReadonlyArray<string>) => lines.filter((l) => /^(TRAC|ERRO) .*:Medusa \(V[\d.]+\) started at |^\t/.test(l))

describe.skipIf(!haveSupervisord() || process.getuid?.() !== 0)("startup lines: effsup vs supervisord 4.2.5", () => {
  it("announces the inet server before the unix one", async () => {
    const [ours, theirs] = await Promise.all([startLines("effsup"), startLines("supervisord")])
    expect(ours).toEqual(theirs)
    expect(ours).toEqual([
      "INFO Set uid to user 0 succeeded",
      "INFO RPC interface 'supervisor' initialized",
      "CRIT Server 'inet_http_server' running without any HTTP authentication checking",
      "INFO RPC interface 'supervisor' initialized",
      "CRIT Server 'unix_http_server' running without any HTTP authentication checking"
    ])
  }, 60_000)

  it("loglevel=trace: medusa's start line for each server, with its ip, hostname and port", async () => {
    for (const host of ["127.0.0.1", "*"]) {
      const [ours, theirs] = await Promise.all([startLines("effsup", "loglevel=trace", host), startLines("supervisord", "loglevel=trace", host)])
      expect(medusa(ours), host).toEqual(medusa(theirs))
      expect(medusa(ours), host).toContain("\tPort:DIR/sock")
    }
  }, 60_000)

  it("loglevel=info: no medusa line, unless the socket's path says 'error' (then it is ERRO)", async () => {
    const [ours, theirs] = await Promise.all([startLines("effsup"), startLines("supervisord")])
    expect(medusa(ours)).toEqual([])
    expect(medusa(theirs)).toEqual([])
    const [ourErrors, theirErrors] = await Promise.all([
      startLines("effsup", "", "127.0.0.1", "Error.sock"),
      startLines("supervisord", "", "127.0.0.1", "Error.sock")
    ])
    expect(medusa(ourErrors)).toEqual(medusa(theirErrors))
    expect(medusa(ourErrors)).toEqual([
      "ERRO DIR/Error.sock:Medusa (V1.12) started at T",
      "\tHostname: <unix domain socket>",
      "\tPort:DIR/Error.sock"
    ])
  }, 60_000)

  it("a pidfile that cannot be written (/proc takes no new file): CRIT, and no 'supervisord started' line", async () => {
    const config = `${header("user=root").replace("pidfile=%(here)s/daemon.pid", "pidfile=/proc/effsup-test.pid")}
[program:a]
command=sleep 1000
autostart=false
`
    const whole = async (kind: Kind) => {
      const d = await start(kind, config)
      await d.waitForLog(/could not write pidfile/)
      await d.stop()
      // effsup adds the system's reason (README: a system error names the errno and its text)
      return d.log().map((l) => l.replace(/: ENOENT \(No such file or directory\)$/, ""))
    }
    const [ours, theirs] = await Promise.all([whole("effsup"), whole("supervisord")])
    expect(ours).toEqual(theirs)
    expect(ours).toContain("CRIT could not write pidfile /proc/effsup-test.pid")
    expect(ours.some((l) => l.includes("supervisord started"))).toBe(false)
  }, 60_000)

  it("a socket that cannot be made (no such directory): errno.ENOENT (2), exit 2", () => {
    const run = (kind: Kind) => {
      const dir = tempDir(kind)
      const file = Path.join(dir, "test.conf")
      Fs.writeFileSync(file, header("user=root").replaceAll("%(here)s/sock", "%(here)s/missing/sock"))
      const [command, args] = kind === "effsup"
        ? [process.execPath, [Path.join(ROOT, "src/bin.ts"), "run", "-n", "-c", file]]
        : ["supervisord", ["-n", "-c", file]]
      const r = Cp.spawnSync(command, args, { encoding: "utf8", timeout: 20_000 })
      return { status: r.status, error: r.stderr.split("\n")[0] }
    }
    const [ours, theirs] = [run("effsup"), run("supervisord")]
    expect(ours).toEqual(theirs)
    expect(ours).toEqual({ status: 2, error: "Error: Cannot open an HTTP server: socket.error reported errno.ENOENT (2)" })
  }, 60_000)
})
