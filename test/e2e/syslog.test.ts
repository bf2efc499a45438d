/**
 * Syslog, differentially: the same config (`logfile=syslog`, a program with `stdout_syslog` and
 * `stderr_syslog`) runs under supervisord 4.2.5 and under effsup, each in a private mount
 * namespace (`unshare -m`) whose /dev/log is a datagram socket this test binds, so no system
 * syslogd is involved; the datagrams both send must be the same once the clock and pids are cut.
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Cp from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import * as Datagram from "../../src/process/Datagram.ts"
import { haveSupervisord, type Kind } from "./harness.ts"
import { tempDir } from "../support/TempDir.ts"

const BIN = Path.resolve(import.meta.dirname, "../../src/bin.ts")

/**
 * `sh -c NAMESPACE sh SOCKET CMD…`: a fresh /dev (links to the real nodes, bound at `dev` next to
 * SOCKET, so nothing is left outside the test's directory) whose `log` is SOCKET, then CMD.
 */
const NAMESPACE = `old="\${1%/*}/dev" && mkdir "$old" && mount --bind /dev "$old" && mount -t tmpfs tmpfs /dev || exit 111
for f in "$old"/*; do ln -s "$f" /dev/; done
rm -f /dev/log && ln -s "$1" /dev/log && shift && exec "$@"`

/** Can this user make a mount namespace (root, or a kernel that lets it)? */
const canUnshare = (): boolean => Cp.spawnSync("unshare", ["-m", "true"]).status === 0

const CONFIG = `[supervisord]
logfile=syslog
pidfile=%(here)s/daemon.pid
nodaemon=true
loglevel=info

[program:echoer]
command=sh -c 'echo hello out; sleep 0.3; echo "err line" >&2; sleep 0.3; printf "two\\nlines\\n\\n"; sleep 1.5'
stdout_syslog=true
stderr_syslog=true
stdout_logfile=NONE
stderr_logfile=%(here)s/err.log
startsecs=1
autorestart=false
`

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** glibc's syslog header and supervisord's asctime, which differ from run to run. */
const STAMP = /^<14>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d supervisord: /
const ASCTIME = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} /

/** Run `kind` on CONFIG until its program has exited and it has been told to stop: every datagram it sent to /dev/log. */
const datagramsOf = async (kind: Kind): Promise<ReadonlyArray<string>> => {
  const dir = tempDir(`syslog-${kind}`)
  const file = Path.join(dir, "test.conf")
  Fs.writeFileSync(file, CONFIG)
  const socket = Path.join(dir, "log")
  const scope = Effect.runSync(Scope.make())
  const texts: Array<string> = []
  const receiver = await Effect.runPromise(Scope.provide(Datagram.receiver(socket), scope))
  const reading = Effect.runFork(receiver.datagrams.pipe(
    Stream.runForEach((d) => Effect.sync(() => texts.push(new TextDecoder().decode(d.bytes))))
  ))
  const daemon = kind === "supervisord" ? ["supervisord", "-c", file] : [process.execPath, BIN, "run", "-c", file]
  const child = Cp.spawn("unshare", ["-m", "sh", "-c", NAMESPACE, "sh", socket, ...daemon], { cwd: dir, stdio: "ignore" })
  const exited = new Promise((resolve) => child.once("exit", resolve))
  const waitFor = async (pattern: RegExp) => {
    for (let i = 0; i < 400 && !texts.some((t) => pattern.test(t)); i++) await sleep(50)
    expect(texts.join("")).toMatch(pattern)
  }
  try {
    await waitFor(/exited: echoer/)
    child.kill("SIGTERM")
    await exited
    await sleep(200)
    return [...texts]
  } finally {
    child.kill("SIGKILL")
    await Effect.runPromise(Fiber.interrupt(reading))
    await Effect.runPromise(Scope.close(scope, Exit.void))
  }
}

describe.skipIf(!haveSupervisord() || !canUnshare())("syslog, as supervisord sends it", () => {
  it("sends the same datagrams: the activity log line by line, and the program's output as `name line`", async () => {
    const [expected, actual] = await Promise.all([datagramsOf("supervisord"), datagramsOf("effsup")])
    const cut = (texts: ReadonlyArray<string>) =>
      texts.map((text) => {
        expect(text).toMatch(STAMP)
        return text.replace(STAMP, "<14>STAMP supervisord: ").replace(/: (.*)$/s, (_, rest: string) =>
          `: ${rest.replace(ASCTIME, "TIME ").replace(/pid \d+/g, "pid N")}`)
      })
    expect(cut(expected)).toContain("<14>STAMP supervisord: echoer hello out")
    expect(cut(actual)).toEqual(cut(expected))
  }, 30_000)
})
