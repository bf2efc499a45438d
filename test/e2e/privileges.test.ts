/**
 * `[supervisord] user=`, effsup against supervisord 4.2.5: the activity log's first line says which
 * uid the daemon set, by number, also when it already was that user (`user=root` as root, the
 * usual way to silence the running-as-root notice).
 */
import * as Fs from "node:fs"
import { describe, expect, it } from "vitest"
import { canRunAsNobody, haveSupervisord, header, type Kind, start } from "./harness.ts"

const isRoot = process.getuid?.() === 0

const CONFIG = (user: string) => `${header(`user=${user}`)}
[program:a]
command=sleep 1000
startsecs=0
`

/** The activity log's lines up to the announcement of the daemon's start. */
const startLines = async (kind: Kind, user: string) => {
  const d = await start(kind, CONFIG(user))
  try {
    await d.waitForLog(/supervisord started with pid/)
    const lines = d.log()
    return lines.slice(0, lines.findIndex((l) => l.includes("supervisord started with pid")))
  } finally {
    await d.stop()
  }
}

const uidOf = (name: string) =>
  Number(Fs.readFileSync("/etc/passwd", "utf8").split("\n").find((l) => l.startsWith(`${name}:`))!.split(":")[2])

describe.skipIf(!haveSupervisord() || !isRoot)("user=: the set-uid notice, effsup vs supervisord 4.2.5", () => {
  it("user=root as root: 'Set uid to user 0 succeeded', no running-as-root notice", async () => {
    const [ours, theirs] = await Promise.all([startLines("effsup", "root"), startLines("supervisord", "root")])
    expect(ours).toEqual(theirs)
    expect(ours[0]).toBe("INFO Set uid to user 0 succeeded")
  }, 60_000)

  it.skipIf(!canRunAsNobody())("user=nobody: the notice names the uid", async () => {
    const [ours, theirs] = await Promise.all([startLines("effsup", "nobody"), startLines("supervisord", "nobody")])
    expect(ours).toEqual(theirs)
    expect(ours[0]).toBe(`INFO Set uid to user ${uidOf("nobody")} succeeded`)
  }, 60_000)
})
