/**
 * No client can hold the daemon: with idle, half-sent or unfinished connections open on the
 * control servers, SIGTERM still stops every program and exits at once, and SIGHUP still
 * brings the control socket back at once — as supervisord does (it exits in 0.1–0.2 s).
 * The real supervisord 4.2.5, where installed, is held the same ways (all at once) as the reference.
 */
import * as Net from "node:net"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { type Daemon, haveSupervisord, header, livePids, start, type Kind } from "./harness.ts"

const mark = (kind: Kind) => `${process.pid}.${kind === "effsup" ? 4242 : 4343}`
const kinds: ReadonlyArray<Kind> = haveSupervisord() ? ["effsup", "supervisord"] : ["effsup"]

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = Net.createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as Net.AddressInfo).port
      s.close(() => resolve(port))
    })
  })

const config = (kind: Kind, port: number) => `${header()}
[inet_http_server]
port=127.0.0.1:${port}
username=user
password=123

[program:sleeper]
command=sleep ${mark(kind)}
startsecs=0
`

/** Open connections that keep a naive server busy; they are destroyed by the caller. */
const hold = (target: { readonly port: number } | { readonly path: string }, count: number, send: string) =>
  Array.from({ length: count }, () => {
    const socket = "port" in target ? Net.connect(target.port, "127.0.0.1") : Net.connect(target.path)
    socket.on("error", () => {})
    if (send !== "") socket.write(send)
    return socket
  })

const basic = `Basic ${Buffer.from("user:123").toString("base64")}`
const holders: Record<string, (d: Daemon, port: number) => ReadonlyArray<Net.Socket>> = {
  "an idle TCP connection": (_d, port) => hold({ port }, 1, ""),
  "an idle unix-socket connection": (d) => hold({ path: Path.join(d.dir, "sock") }, 1, ""),
  "20 half-sent headers": (_d, port) => hold({ port }, 20, "POST /RPC2 HTTP/1.1\r\nHost: x\r\n"),
  "an authenticated request with an unfinished body": (_d, port) =>
    hold({ port }, 1, `POST /RPC2 HTTP/1.1\r\nHost: x\r\nAuthorization: ${basic}\r\nContent-Length: 1000\r\n\r\n<methodCall>`)
}

/** Milliseconds until the daemon exits after SIGTERM, or undefined when it is still running after `limitMs`. */
const exitAfterTerm = async (d: Daemon, limitMs: number): Promise<number | undefined> => {
  const started = Date.now()
  const exited = new Promise<number>((resolve) => d.child.once("exit", () => resolve(Date.now() - started)))
  d.child.kill("SIGTERM")
  return Promise.race([exited, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), limitMs))])
}

/** Starts a daemon, opens `holders` on it, SIGTERMs it: it must stop the program and exit at once. */
const termWith = async (kind: Kind, holders: ReadonlyArray<(d: Daemon, port: number) => ReadonlyArray<Net.Socket>>) => {
  const port = await freePort()
  const d = await start(kind, config(kind, port))
  await d.waitForLog(/success: sleeper entered RUNNING/)
  const sockets = holders.flatMap((open) => open(d, port))
  try {
    await new Promise((r) => setTimeout(r, 300))
    const took = await exitAfterTerm(d, 8000)
    expect(took, "milliseconds to exit after SIGTERM").toBeLessThan(5000)
    expect(d.log().some((l) => /stopped: sleeper \(terminated by SIGTERM\)/.test(l))).toBe(true)
    expect(livePids(`sleep ${mark(kind)}`)).toEqual([])
  } finally {
    sockets.forEach((s) => s.destroy())
    await d.stop()
  }
}

describe("shutdown and reload never wait on a client", () => {
  // each way of holding a connection failed on its own before the fix: one test each
  for (const [what, open] of Object.entries(holders)) {
    it(`effsup: SIGTERM with ${what} open stops the program and exits at once`, () => termWith("effsup", [open]))
  }
  // the reference, once, with all of them open together
  it.skipIf(!kinds.includes("supervisord"))("supervisord: SIGTERM with all of these open stops the program and exits at once", () =>
    termWith("supervisord", Object.values(holders)))

  for (const kind of kinds) {
    it(`${kind}: SIGHUP with an idle connection open brings the control socket back at once`, async () => {
      const port = await freePort()
      const d = await start(kind, config(kind, port))
      await d.waitForLog(/success: sleeper entered RUNNING/)
      const sockets = hold({ path: Path.join(d.dir, "sock") }, 1, "")
      try {
        await new Promise((r) => setTimeout(r, 300))
        const pid = d.ctl("pid").stdout
        const started = Date.now()
        d.child.kill("SIGHUP")
        // the old socket may answer for a moment before the restart closes it: wait for the restart first
        await d.waitForLog(/stopped: sleeper/, 8000)
        while (d.ctl("pid").status !== 0 && Date.now() - started < 10_000) await new Promise((r) => setTimeout(r, 50))
        expect(Date.now() - started, "milliseconds until the control socket answers again").toBeLessThan(5000)
        expect(d.ctl("pid").stdout).toBe(pid)
      } finally {
        sockets.forEach((s) => s.destroy())
        await d.stop()
      }
    })
  }
})
