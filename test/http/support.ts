/**
 * Test helpers for the console, API, SSE and metrics tests: plain HTTP requests over a unix
 * socket or TCP (node:http, so the bytes on the wire are what a client sends), a Server-Sent
 * Events reader that collects parsed events and waits on conditions, and a daemon config with
 * both servers.
 */
import * as Http from "node:http"
export { freePort } from "../support/FreePort.ts"

/** Where a daemon listens. */
export type Target = { readonly socketPath: string } | { readonly port: number }

/** An answer. */
export interface Reply {
  readonly status: number
  readonly headers: Http.IncomingHttpHeaders
  readonly body: Buffer
  readonly text: string
}

/** Sends one request and reads the whole answer. */
export const request = (
  target: Target,
  method: string,
  path: string,
  options: { readonly headers?: Http.OutgoingHttpHeaders; readonly body?: string | Buffer } = {}
) =>
  new Promise<Reply>((resolve, reject) => {
    const req = Http.request({ ...target, host: "127.0.0.1", method, path, headers: options.headers }, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (c: Buffer) => chunks.push(c))
      res.on("end", () => {
        const body = Buffer.concat(chunks)
        resolve({ status: res.statusCode!, headers: res.headers, body, text: body.toString() })
      })
    })
    req.on("error", reject)
    req.end(options.body)
  })

/** A JSON API call: the status and the parsed body. */
export const api = async (
  target: Target,
  method: string,
  path: string,
  options: { readonly headers?: Http.OutgoingHttpHeaders; readonly json?: unknown } = {}
): Promise<{ readonly status: number; readonly body: any }> => {
  const reply = await request(target, method, `/api/v1${path}`, options.json === undefined
    ? { headers: options.headers ?? {} }
    : { headers: { "content-type": "application/json", ...options.headers }, body: JSON.stringify(options.json) })
  return { status: reply.status, body: reply.text === "" ? undefined : JSON.parse(reply.text) }
}

/** Waits until `check` holds (checked every 25 ms), or fails after `timeoutMs` saying what it waited for. */
export const waitFor = async <A>(check: () => A | undefined | false | Promise<A | undefined | false>, what: string, timeoutMs = 15_000) => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

/** One parsed Server-Sent Event. */
export interface SseEvent {
  readonly id: string | undefined
  readonly event: string
  readonly data: string
}

/** An open SSE connection: every event so far, a wait on them, and close. */
export interface SseReader {
  readonly status: () => number
  readonly headers: () => Http.IncomingHttpHeaders
  readonly events: ReadonlyArray<SseEvent>
  /** Waits until some event after index `from` satisfies `match`; returns it. */
  readonly next: (match: (e: SseEvent) => boolean, what: string, from?: number) => Promise<SseEvent>
  readonly closed: () => boolean
  readonly close: () => void
}

/** Opens an SSE stream at `path` (with extra request headers) and parses it as it arrives. */
export const sse = (target: Target, path: string, headers: Http.OutgoingHttpHeaders = {}): SseReader => {
  const events: Array<SseEvent> = []
  let status = 0
  let responseHeaders: Http.IncomingHttpHeaders = {}
  let ended = false
  let buffer = ""
  const req = Http.request({ ...target, host: "127.0.0.1", method: "GET", path, headers: { accept: "text/event-stream", ...headers } }, (res) => {
    status = res.statusCode!
    responseHeaders = res.headers
    res.setEncoding("utf8")
    res.on("data", (chunk: string) => {
      buffer += chunk
      let end
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        let id: string | undefined
        let event = "message"
        const data: Array<string> = []
        for (const line of block.split("\n")) {
          const colon = line.indexOf(":")
          const field = colon < 0 ? line : line.slice(0, colon)
          const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "")
          if (field === "id") id = value
          else if (field === "event") event = value
          else if (field === "data") data.push(value)
        }
        events.push({ id, event, data: data.join("\n") })
      }
    })
    res.on("end", () => (ended = true))
    res.on("error", () => (ended = true))
  })
  req.on("error", () => (ended = true))
  req.end()
  return {
    status: () => status,
    headers: () => responseHeaders,
    events,
    next: (match, what, from = 0) =>
      waitFor(() => events.slice(from).find(match), `${what}; got ${JSON.stringify(events.map((e) => e.event))}`),
    closed: () => ended,
    close: () => req.destroy()
  }
}


/** `Authorization` for Basic credentials. */
export const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`

/** An `[inet_http_server]` section with Basic credentials. */
export const inetSection = (port: number, user = "admin", password = "s3cret") =>
  `[inet_http_server]\nport=127.0.0.1:${port}\nusername=${user}\npassword=${password}\n`

/** What differs between the supervision configs of the API and console tests. */
export interface SupervisionSetup {
  /** The programs' command (each test file its own, so leftovers are told apart). */
  readonly sleep: string
  /** The port `web` is ready on. */
  readonly readyPort: number
  /** The file whose presence makes `checked` healthy. */
  readonly healthyFile: string
  /** What the `crew` group does when its restarts are exhausted. */
  readonly onExhausted: "fatal" | "stop"
}

/**
 * The programs of the supervision tests: `web` ready on a TCP port, `app` depending on it,
 * `checked` with an exec healthcheck, and the one_for_all group `crew` of `x` and `y`.
 */
export const supervisionPrograms = (setup: SupervisionSetup) => `
[program:web]
command=${setup.sleep}
startsecs=0
ready=tcp:127.0.0.1:${setup.readyPort}
ready_timeout=120

[program:app]
command=${setup.sleep}
startsecs=0
depends_on=web

[program:checked]
command=${setup.sleep}
startsecs=0
healthcheck=exec:test -f ${setup.healthyFile}
healthcheck_interval=0.3
healthcheck_retries=2
on_unhealthy=event

[program:x]
command=${setup.sleep}
startsecs=0

[program:y]
command=${setup.sleep}
startsecs=0

[group:crew]
programs=x,y
strategy=one_for_all
max_restarts=3
max_restarts_period=60
on_exhausted=${setup.onExhausted}
`
