/**
 * At `loglevel=debug` the activity log reads line for line as supervisord 4.2.5's: each piece of
 * child output (`'talk' stdout output:` with the text, `Undecodable: b'…'` for bytes that are not
 * UTF-8, stderr alike), the `received SIGCHLD indicating a child quit` line after each exit, and at
 * shutdown `waiting for quick, stubborn to die` once the stop signals are out and then every 3 s
 * while a program that ignores SIGTERM holds on (stopwaitsecs=7: at 0, 3 and 6 s), then SIGKILL.
 * A signal asked for a stopped process is refused without a line. Both daemons run the same config; timestamps and pids are normalised, and supervisord's
 * `fd N closed, stopped monitoring <POutputDispatcher at 0x…>` lines (Python object reprs) are left out.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { type Daemon, haveSupervisord, header, type Kind, start } from "./harness.ts"

const mark = (kind: Kind) => `${process.pid}${kind === "effsup" ? 1 : 2}`

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Wait in the child until the test creates `%(here)s/stepN`. */
const step = (n: number) => `until [ -e %(here)s/step${n} ]; do sleep 0.05; done`

// talk writes each piece of output only when the test says so, once the previous one is logged:
// each daemon reads each piece on its own, and the order of the log lines is the same for both.
const config = (kind: Kind) => `${header()}
[program:talk]
command=sh -c '${step(1)}; echo hello; ${step(2)}; printf "bad\\377\\376 x\\n"; ${step(3)}; echo err >&2; ${step(4)}; echo bye; exit 3'
autostart=false
autorestart=false
startsecs=0

[program:quick]
command=sleep ${mark(kind)}

[program:stubborn]
command=python3 -c 'import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(${mark(kind)})'
stopwaitsecs=7

[group:g]
programs=quick,stubborn
`

/** The activity log's entries (a multi-line message is one entry) without their timestamps. */
const entries = (d: Daemon) =>
  Fs.readFileSync(Path.join(d.dir, "main.log"), "utf8")
    .split(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} /m)
    .filter((entry) => entry !== "")

/** The activity log as comparable entries: pids normalised, Python object reprs left out. */
const comparable = (d: Daemon) =>
  entries(d)
    .filter((l) => !/^DEBG fd \d+ closed, stopped monitoring/.test(l))
    .map((l) => l.replace(/pid \d+/g, "pid N").replace(/\(\d+\)/g, "(N)"))

/** Run one daemon through the scenario: talk speaks piece by piece and exits, then SIGTERM while stubborn holds on. */
const scenario = async (kind: Kind) => {
  const d = await start(kind, config(kind))
  await d.waitForLog(/success: quick entered RUNNING/)
  await d.waitForLog(/success: stubborn entered RUNNING/)
  // a signal for a stopped process is refused (NOT_RUNNING) before anything is logged
  expect(d.ctl("signal", "HUP", "talk").stdout).toBe("talk: ERROR (not running)\n")
  expect(d.ctl("start", "talk").status).toBe(0)
  const next = async (n: number, logged: string) => {
    Fs.writeFileSync(Path.join(d.dir, `step${n}`), "")
    for (let i = 0; i < 300 && !entries(d).some((e) => e.includes(logged)); i++) await sleep(50)
    expect(entries(d).join("")).toContain(logged)
  }
  await next(1, "\nhello\n")
  await next(2, "Undecodable")
  await next(3, "\nerr\n")
  await next(4, "exited: talk")
  expect(await d.stop()).toBe(0)
  return comparable(d)
}

describe.runIf(haveSupervisord())("the activity log at loglevel=debug", () => {
  it("reads line for line as supervisord's: child output, exits, shutdown waiting lines", async () => {
    const [effsup, supervisord] = await Promise.all([scenario("effsup"), scenario("supervisord")])
    expect(effsup).toEqual(supervisord)
    // what the comparison covers, spelled out
    expect(supervisord).toEqual(expect.arrayContaining([
      "DEBG 'talk' stdout output:\nhello\n\n",
      "DEBG 'talk' stdout output:\nUndecodable: b'bad\\xff\\xfe x\\n'\n",
      "DEBG 'talk' stderr output:\nerr\n\n",
      "INFO success: talk entered RUNNING state, process has stayed up for > than 0 seconds (startsecs)\n",
      "WARN exited: talk (exit status 3; not expected)\n",
      "DEBG received SIGCHLD indicating a child quit\n",
      "WARN killing 'stubborn' (N) with SIGKILL\n"
    ]))
    // at once (before quick is reaped), then every 3 s until stubborn is killed at 7 s
    expect(supervisord.filter((l) => l.startsWith("INFO waiting for"))).toEqual([
      "INFO waiting for quick, stubborn to die\n",
      "INFO waiting for stubborn to die\n",
      "INFO waiting for stubborn to die\n"
    ])
  }, 60_000)
})
