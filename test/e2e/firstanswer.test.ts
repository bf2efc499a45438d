/**
 * The first request a client gets answered, side by side with supervisord 4.2.5: supervisord
 * answers only from its main loop, whose first pass has spawned every autostart program, so a
 * client polling the socket from the daemon's start never sees one of them not started yet
 * (STOPPED). effsup holds requests until its autostart pass is done for the same reason. 150
 * programs make the pass long enough (hundreds of ms) for a tight poll to land inside it.
 */
import * as Cp from "node:child_process"
import * as Fs from "node:fs"
import * as Http from "node:http"
import * as Path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { tempDir } from "../support/TempDir.ts"
import { haveSupervisord, header, type Kind, ROOT } from "./harness.ts"

const PROGRAMS = 150

const config = `${header().replace("loglevel=debug", "loglevel=info")}
[program:many]
command=sleep 1000
process_name=%(program_name)s_%(process_num)03d
numprocs=${PROGRAMS}
startsecs=30

[program:manual]
command=sleep 1000
autostart=false
`

const body = `<?xml version="1.0"?><methodCall><methodName>supervisor.getAllProcessInfo</methodName><params></params></methodCall>`

/** One getAllProcessInfo over the socket: each process's state name, or undefined when nothing answers (yet). */
const states = (socketPath: string) =>
  new Promise<ReadonlyArray<string> | undefined>((resolve) => {
    const request = Http.request({ socketPath, path: "/RPC2", method: "POST", headers: { "content-type": "text/xml" } }, (response) => {
      let xml = ""
      response.on("data", (chunk) => (xml += String(chunk)))
      response.on("end", () => resolve([...xml.matchAll(/<name>statename<\/name>\s*<value><string>(\w+)</g)].map((m) => m[1]!)))
    })
    request.on("error", () => resolve(undefined))
    request.end(body)
  })

const children: Array<Cp.ChildProcess> = []
afterEach(async () => {
  await Promise.all(children.splice(0).map((child) =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve(undefined)
      child.once("exit", resolve)
      child.kill("SIGTERM")
    })
  ))
})

/** Start `kind` on the config and poll its socket back to back from the start: the first answer's states. */
const firstAnswer = async (kind: Kind) => {
  const dir = tempDir(`first-${kind}`)
  const file = Path.join(dir, "test.conf")
  Fs.writeFileSync(file, config)
  const child = kind === "effsup"
    ? Cp.spawn(process.execPath, [Path.join(ROOT, "src/bin.ts"), "run", "-n", "-c", file], { cwd: dir, stdio: "ignore" })
    : Cp.spawn("supervisord", ["-n", "-c", file], { cwd: dir, stdio: "ignore" })
  children.push(child)
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    const answer = await states(Path.join(dir, "sock"))
    if (answer !== undefined) return answer
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
  throw new Error(`${kind}: no answer in 30 s`)
}

describe.skipIf(!haveSupervisord())("the first answer to a client polling from the start", () => {
  for (const kind of ["effsup", "supervisord"] as const) {
    it(`${kind}: shows every autostart program started`, async () => {
      const answer = await firstAnswer(kind)
      expect(answer.length).toBe(PROGRAMS + 1)
      expect(answer.filter((s) => s === "STOPPED")).toEqual(["STOPPED"]) // only the one without autostart
      expect(answer.filter((s) => s === "STARTING").length).toBe(PROGRAMS)
    }, 60_000)
  }
})
