/**
 * A `system.multicall` bomb against the real daemon: a 15.8 MB request of 75 000
 * getAllProcessInfo calls (which made a 1.7 GB answer, 5 GB of RSS and a 29 s stall with 18
 * programs before multicalls were bounded), then four maximal multicalls at once. The daemon
 * answers with bounded memory and keeps answering other clients meanwhile.
 */
import * as Fs from "node:fs"
import * as Http from "node:http"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { MULTICALL_MAX_ANSWER, MULTICALL_MAX_CALLS } from "../../src/rpc/Methods.ts"
import { decodeMethodResponse, encodeMethodCall } from "../../src/rpc/XmlRpc.ts"
import { header, start } from "./harness.ts"

const CONFIG = `${header()}
[program:p]
command=sleep 1000.${process.pid}
process_name=%(program_name)s_%(process_num)02d
numprocs=18
startsecs=0
`

const post = (socketPath: string, body: string) =>
  new Promise<{ readonly status: number; readonly body: string; readonly ms: number }>((resolve, reject) => {
    const started = Date.now()
    const req = Http.request(
      { socketPath, method: "POST", path: "/RPC2", headers: { "content-type": "text/xml", "content-length": Buffer.byteLength(body) } },
      (res) => {
        const chunks: Array<Buffer> = []
        res.on("data", (c: Buffer) => chunks.push(c))
        res.on("end", () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString(), ms: Date.now() - started }))
      }
    )
    req.on("error", reject)
    req.end(body)
  })

const memory = (pid: number, field: "VmRSS" | "VmHWM") =>
  Number(new RegExp(`${field}:\\s+(\\d+)`).exec(Fs.readFileSync(`/proc/${pid}/status`, "utf8"))![1]) * 1024

describe("system.multicall bomb", () => {
  it("is refused or capped with bounded memory, and other clients are answered meanwhile", async () => {
    const d = await start("effsup", CONFIG)
    try {
      await d.waitForLog(/success: p_17 entered RUNNING/)
      const sock = Path.join(d.dir, "sock")
      const pid = d.child.pid!
      const before = memory(pid, "VmRSS")
      let slowest = 0
      let probing = true
      const probe = (async () => {
        while (probing) {
          slowest = Math.max(slowest, (await post(sock, encodeMethodCall({ methodName: "supervisor.getPID", params: [] }))).ms)
          await new Promise((r) => setTimeout(r, 20))
        }
      })()
      const all = { methodName: "supervisor.getAllProcessInfo", params: [] }
      const bomb = encodeMethodCall({ methodName: "system.multicall", params: [Array.from({ length: 75_000 }, () => all)] })
      expect(bomb.length).toBeGreaterThan(15_000_000)
      const refused = await post(sock, bomb)
      const fault = decodeMethodResponse(refused.body)
      expect(fault._tag === "Success" && fault.success._tag === "Fault" ? fault.success.fault.faultCode : undefined).toBe(2)

      const capped = encodeMethodCall({ methodName: "system.multicall", params: [Array.from({ length: MULTICALL_MAX_CALLS }, () => all)] })
      const answers = await Promise.all(Array.from({ length: 4 }, () => post(sock, capped)))
      probing = false
      await probe
      for (const answer of answers) {
        expect(answer.status).toBe(200)
        expect(answer.body.length).toBeLessThan(MULTICALL_MAX_ANSWER * 1.2)
        expect(answer.body).toContain("FAILED: not run")
      }
      const grew = memory(pid, "VmHWM") - before
      expect(grew, "peak RSS growth in bytes").toBeLessThan(400 * 1024 * 1024)
      expect(slowest, "slowest getPID meanwhile, ms").toBeLessThan(2000)
    } finally {
      await d.stop()
    }
  }, 60_000)
})
