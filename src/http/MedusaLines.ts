/**
 * The activity-log lines supervisord's HTTP servers (medusa) write when they start: `ip:message`,
 * at TRAC, or at ERRO when the text says "error" anywhere (supervisord's LogWrapper has no level
 * from medusa and sniffs the text: a socket under `/tmp/test_error_x/` makes its start line an ERRO
 * line at every loglevel).
 *
 * - unix: `/run/x.sock:Medusa (V1.12) started at Mon Dec  7 07:05:32 2026` then
 *   `\tHostname: <unix domain socket>` and `\tPort:/run/x.sock`;
 * - inet: the configured host as `ip` and the reverse lookup of its address as `Hostname`
 *   (`127.0.0.1:…`, `\tHostname: localhost`, `\tPort:9001`); for all interfaces (`port=9001`)
 *   `:Computing default hostname` first, `ip` empty and the machine's own name looked up; an
 *   address without a name gives `Cannot do reverse lookup` and the address as `Hostname`.
 *
 * Not written (kept different, see README): medusa's per-request access lines at TRAC. Below
 * trace, the inet lines are looked up only when the host itself says "error" (a name found by the
 * reverse lookup that says it is not seen).
 * supervisord: http.py supervisor_http_server / LogWrapper, medusa/http_server.py.
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as References from "effect/References"
import * as Dns from "node:dns"
import * as Net from "node:net"
import * as Os from "node:os"

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
const two = (n: number) => String(n).padStart(2, "0")

/** Python's `time.ctime()` of `date` in local time: `Mon Dec  7 07:05:32 2026`. */
export const ctime = (date: Date): string =>
  `${DAYS[date.getDay()]} ${MONTHS[date.getMonth()]} ${String(date.getDate()).padStart(2, " ")} ` +
  `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())} ${date.getFullYear()}`

/** One medusa line as supervisord forwards it: ERRO when it mentions "error", else TRAC. */
const medusaLog = (ip: string, message: string) => {
  const line = `${ip}:${message}`
  return /error/i.test(line) ? Effect.logError(line) : Effect.logTrace(line)
}

const started = (ip: string, hostname: string, port: string | number) =>
  medusaLog(ip, `Medusa (V1.12) started at ${ctime(new Date())}\n\tHostname: ${hostname}\n\tPort:${port}`)

/** The lines of a `[unix_http_server]` that listens on `file`. */
export const unixStarted = (file: string): Effect.Effect<void> => started(file, "<unix domain socket>", file)

const promised = <A>(f: () => Promise<A>) => Effect.option(Effect.tryPromise(f))

/** The lines of an `[inet_http_server]` listening on `host` (empty: all interfaces) and `port`. */
export const inetStarted = (host: string, port: number): Effect.Effect<void> =>
  Effect.gen(function*() {
    // the lookups only matter for a line that is written: below trace, only an "error" in it writes it
    const level = yield* References.MinimumLogLevel
    if (level !== "Trace" && level !== "All" && !/error/i.test(host)) return
    if (host === "") yield* medusaLog(host, "Computing default hostname")
    // gethostbyaddr takes a name too: it is looked up first
    const named = host === "" ? Os.hostname() : host
    const found = Net.isIP(named) !== 0 ? Option.some(named) : Option.map(
      yield* promised(() => Dns.promises.lookup(named, { family: host === "" ? 4 : 0 })),
      (a) => a.address
    )
    const address = Option.getOrElse(found, () => named)
    const name = yield* promised(() => Dns.promises.lookupService(address, 0))
    if (Option.isNone(name)) yield* medusaLog(host, "Cannot do reverse lookup")
    yield* started(host, Option.match(name, { onNone: () => address, onSome: (n) => n.hostname }), port)
  })
