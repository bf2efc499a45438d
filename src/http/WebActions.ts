/**
 * supervisord's web UI links, acted on as supervisord acts on them: `GET
 * /index.html?processname=x&action=start|stop|restart|clearlog` and `GET /?action=stopall|restartall|refresh`
 * do what they say through the same method calls XML-RPC serves (a start or stop is waited for, as
 * supervisord's page waits), then redirect (301) to `http://<Host>/?message=…` with supervisord's
 * message (`Process x stopped`, `ERROR: Process x: already started`, `No such process named x`,
 * `All stopped at <ctime>`…), which the console shows. Scripts and bookmarks written for
 * supervisord keep working.
 *
 * A browser that says the link was followed from another site (`Sec-Fetch-Site` other than
 * `same-origin`/`none`, or a `Referer` from another host) gets the console page instead, which
 * shows what the link asks and a button to do it: supervisord acts on such links too, and any page
 * could then stop a browser user's programs (cross-site request forgery).
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { call, MethodFault } from "../rpc/Methods.ts"
import { Faults } from "../rpc/Faults.ts"
import type { XmlRpcValue } from "../rpc/XmlRpc.ts"
import type { Supervisor } from "../supervisor/Supervisor.ts"
import { ctime } from "./MedusaLines.ts"

/** A link's request: its `action` and `processname` query values (empty values count as absent, as in Python's parse_qs). */
export interface LinkRequest {
  readonly action: string
  readonly processname: string | undefined
}

/** The action a query asks for, or undefined when it asks none (the page is served). */
export const linkRequest = (query: URLSearchParams): LinkRequest | undefined => {
  const action = query.get("action") || undefined
  return action === undefined ? undefined : { action, processname: query.get("processname") || undefined }
}

/** What a link did: the message to redirect with, or `Unknown` (supervisord answers 500). */
export type LinkOutcome = { readonly _tag: "Done"; readonly message: string } | { readonly _tag: "Unknown" }

const done = (message: string): LinkOutcome => ({ _tag: "Done", message })

/** One method call; its fault, or undefined on success. */
const attempt = (method: string, params: ReadonlyArray<XmlRpcValue>) =>
  call(method, params).pipe(
    Effect.as(undefined),
    Effect.catchTag("MethodFault", (e: MethodFault) => Effect.succeed(e.fault))
  )

/** supervisord's words for a fault its pages do not name (`unexpected rpc fault [70] NOT_RUNNING: x`). */
export const unexpected = (fault: { readonly faultCode: number; readonly faultString: string }) =>
  `unexpected rpc fault [${fault.faultCode}] ${fault.faultString}`

/** The start errors supervisord's page names. */
const START_ERRORS: ReadonlyMap<number, string> = new Map([
  [Faults.NO_FILE, "no such file"],
  [Faults.NOT_EXECUTABLE, "file not executable"],
  [Faults.ALREADY_STARTED, "already started"],
  [Faults.SPAWN_ERROR, "spawn error"],
  [Faults.ABNORMAL_TERMINATION, "abnormal termination"]
])

/** Do what the link asks, as supervisord's web UI does. */
export const perform = (link: LinkRequest): Effect.Effect<LinkOutcome, never, Supervisor> =>
  Effect.gen(function*() {
    const { action, processname: name } = link
    if (action === "refresh") return done(`Page refreshed at ${ctime(new Date())}`)
    if (action === "stopall") {
      yield* attempt("supervisor.stopAllProcesses", [])
      return done(`All stopped at ${ctime(new Date())}`)
    }
    if (action === "restartall") {
      yield* attempt("supervisor.stopAllProcesses", [])
      yield* attempt("supervisor.startAllProcesses", [])
      return done(`All restarted at ${ctime(new Date())}`)
    }
    if (name === undefined) return { _tag: "Unknown" }
    if ((yield* attempt("supervisor.getProcessInfo", [name])) !== undefined) return done(`No such process named ${name}`)
    switch (action) {
      case "start": {
        const fault = yield* attempt("supervisor.startProcess", [name])
        return done(fault === undefined ? `Process ${name} started` : `ERROR: Process ${name}: ${START_ERRORS.get(fault.faultCode) ?? unexpected(fault)}`)
      }
      case "stop": {
        const fault = yield* attempt("supervisor.stopProcess", [name])
        return done(fault === undefined ? `Process ${name} stopped` : unexpected(fault))
      }
      case "restart": {
        // as supervisord's multicall of the two: a stop that fails does not keep the start from running
        yield* attempt("supervisor.stopProcess", [name])
        yield* attempt("supervisor.startProcess", [name])
        return done(`Process ${name} restarted`)
      }
      case "clearlog": {
        const fault = yield* attempt("supervisor.clearProcessLogs", [name])
        return done(fault === undefined ? `Log for ${name} cleared` : unexpected(fault))
      }
      default:
        return { _tag: "Unknown" }
    }
  })

/** Bytes Python's `urllib.parse.quote` leaves as they are (its default keeps `/`). */
const UNQUOTED = /[A-Za-z0-9_.\-~/]/

const utf8 = new TextEncoder()

/** Python's `urllib.parse.quote(text)`: UTF-8, every other byte as `%XX`. */
export const pythonQuote = (text: string): string => {
  let out = ""
  for (const char of text) {
    if (UNQUOTED.test(char)) out += char
    else for (const byte of utf8.encode(char)) out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`
  }
  return out
}

/**
 * supervisord's server URL for a request: `http://` and its Host header, without the default port
 * 80. A request without one, or with an empty one, goes back to `fallback`, the address it came
 * to (supervisord: the server's name and port).
 */
export const serverUrl = (host: string | undefined, fallback = "localhost"): string => {
  const given = host === undefined || host.trim() === "" ? fallback : host.trim()
  const split = /^(.*):(\d*)$/.exec(given)
  const name = split === null ? given : split[1]!
  const port = split === null ? undefined : split[2] || undefined
  return `http://${port === undefined || port === "80" ? name : `${name}:${port}`}`.replace(/\/$/, "")
}

/**
 * The `host[:port]` a connection came to, for a request without a Host header: the local address
 * and port of an inet connection (`[::1]:9001`), `localhost` on a unix socket.
 */
export const localHost = (socket: { readonly localAddress?: string | undefined; readonly localPort?: number | undefined } | undefined): string => {
  const address = socket?.localAddress?.replace(/^::ffff:(?=\d+\.)/, "")
  if (address === undefined || address === "" || socket?.localPort === undefined) return "localhost"
  return `${address.includes(":") ? `[${address}]` : address}:${socket.localPort}`
}

/** Where the page goes after a link was acted on. */
export const redirectLocation = (host: string | undefined, message: string, fallback?: string): string =>
  `${serverUrl(host, fallback)}/?message=${pythonQuote(message)}`
