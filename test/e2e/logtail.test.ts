/**
 * The HTTP log followers (`/logtail/<name>[/<channel>]`, `/mainlogtail`, what `supervisorctl tail -f`
 * reads) side by side with supervisord 4.2.5: the answer's status comes at once, also for a log
 * that is still empty, and then the log's bytes. Unknown names and paths get the same 404 page.
 */
import * as Http from "node:http"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { type Daemon, haveSupervisord, header, usePair } from "./harness.ts"

const config = `${header()}
[program:quiet]
command=sh -c 'echo hello; exec sleep 1000'
startsecs=0
`

/** GET `path` over the daemon's socket: the status and the body received within `ms` (undefined: no answer by then). */
const get = (d: Daemon, path: string, ms = 2000) =>
  new Promise<{ readonly status: number; readonly body: string } | undefined>((resolve) => {
    let answer: { status: number; body: string } | undefined
    const request = Http.get({ socketPath: Path.join(d.dir, "sock"), path }, (response) => {
      answer = { status: response.statusCode ?? 0, body: "" }
      response.on("data", (chunk) => (answer!.body += String(chunk)))
    })
    request.on("error", () => undefined)
    setTimeout(() => {
      request.destroy()
      resolve(answer)
    }, ms)
  })

describe.skipIf(!haveSupervisord())("HTTP log followers against effsup and supervisord", () => {
  const pair = usePair(config, /success: quiet entered RUNNING/)

  it("answer 200 at once for an empty log, and follow a log with content from its start", async () => {
    const answers = await Promise.all(pair.both().map(async (d) => [
      await get(d, "/logtail/quiet/stderr"),
      await get(d, "/logtail/quiet"),
      await get(d, "/logtail/bogus"),
      await get(d, "/no/such/path")
    ]))
    expect(answers[0]).toEqual(answers[1])
    expect(answers[0]![0]).toEqual({ status: 200, body: "" })
    expect(answers[0]![1]).toEqual({ status: 200, body: "hello\n" })
    expect(answers[0]![2]).toMatchObject({ status: 404, body: expect.stringContaining("<p>Error code 404.") })
    expect(answers[0]![3]).toEqual(answers[0]![2])
  })
})
