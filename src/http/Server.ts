/**
 * The control servers: `[unix_http_server]` and every `[inet_http_server]`, each serving
 * POST `/RPC2` (XML-RPC), `/logtail/…`, `/mainlogtail`, `/ok.html`, and the web console, the JSON
 * API (`/api/v1`) and `/metrics` (Web.ts) behind that server's own Basic auth. The `Supervisor`
 * service is provided from outside; no state lives here.
 *
 * Invariants:
 * - the unix socket is bound under a temporary name, chmod-ed (and chown-ed) and only then
 *   hard-linked to its public path, so no client can connect before the mode is applied;
 *   a stale socket file (nobody answers) is unlinked, a live one is a startup error;
 *   the socket file is removed when the layer is released;
 * - releasing the layer ends open log tails and web streams first, so shutdown never waits on a
 *   `tail -f` or a browser tab, and then closes every connection with a bounded wait
 *   (Connections.ts): no client, silent or slow, can hold the daemon; `ControlServers.stopAccepting`
 *   lets the daemon stop accepting before it stops the programs, and close the connections after;
 * - routes and HTTP statuses follow supervisord: a path is matched as supervisord decodes it
 *   (RequestPath.ts: `/%52PC2` is `/RPC2`, `//index.html` the status page); GET /RPC2 → 400, no
 *   Content-Length → 411, unparseable body → 400, unexpected defect → 500 (logged CRIT); a
 *   method other than GET, HEAD or POST on supervisord's pages, or other than GET or HEAD on an
 *   unknown path → 400, GET of an unknown path → 404;
 * - unlike supervisord, a browser's cross-site POST to /RPC2 gets 403 (Web.ts `rpc`): XML-RPC
 *   clients, supervisorctl included, send no Origin or Sec-Fetch-Site and are not affected.
 * See shared/reference/supervisord-4.2.5.md §5.1, §5.7, §9.
 * @since 0.1.0
 */
import { NodeFileSystem, NodeHttpServer, NodePath } from "@effect/platform-node"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
// deep imports, not the `effect/http` barrel: through a barrel shared with the lazily loaded web
// part (Web.ts), the bundle would load what only that part uses at start-up
import * as Headers from "effect/http/Headers"
import type * as HttpServer from "effect/http/HttpServer"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import { parseGroup, parsePasswd } from "../config/Accounts.ts"
import type { Config, InetServerConfig, UnixServerConfig } from "../config/Types.ts"
import { DEFAULT_INTERFACES, handle } from "../rpc/Methods.ts"
import { defaultLimits } from "../rpc/XmlRpc.ts"
import { Supervisor } from "../supervisor/Supervisor.ts"
import * as Auth from "./Auth.ts"
import { errorPage } from "./ErrorPage.ts"
import * as Medusa from "./MedusaLines.ts"
import * as RequestPath from "./RequestPath.ts"
import { type ConnectionLimits, defaultConnectionLimits, makeTrackedServer, type TrackedServer } from "./Connections.ts"
import * as Tail from "./Tail.ts"
import * as Web from "./Web.ts"

/** A control server could not be started; `message` is what the user sees. */
export class ServerError extends Data.TaggedError("ServerError")<{ readonly message: string }> {}

const IN_USE = "Another program is already listening on a port that one of our HTTP servers is configured to use.  " +
  "Shut this program down first before starting supervisord."

/**
 * The errno a unix socket at `path` fails with. Node reports EACCES for any failed bind of a unix
 * socket; creating a file there meets the same checks and says which (ENOENT for a missing
 * directory, ENOTDIR, EROFS, EACCES …).
 */
const unixBindErrno = (path: string): string | undefined => {
  try {
    Fs.closeSync(Fs.openSync(path, "wx"))
    Fs.rmSync(path, { force: true })
    return undefined
  } catch (cause) {
    return (cause as NodeJS.ErrnoException).code
  }
}

/** supervisord's startup error for a server that cannot listen: `errno.ENOENT (2)`, or the in-use message. */
const fromListenError = (options: NodeHttpServer.Options) => (cause: unknown): ServerError => {
  const errno = (cause as { readonly cause?: NodeJS.ErrnoException }).cause ?? (cause as NodeJS.ErrnoException)
  const code = errno.code === "EACCES" && typeof options.path === "string" ? unixBindErrno(options.path) ?? errno.code : errno.code
  if (code === "EADDRINUSE") return new ServerError({ message: IN_USE })
  const number = code === undefined ? undefined : (Os.constants.errno as Record<string, number | undefined>)[code]
  return new ServerError({
    message: `Cannot open an HTTP server: socket.error reported ${
      code === undefined ? String(cause) : number === undefined ? `errno.${code}` : `errno.${code} (${number})`
    }`
  })
}

// ---------------------------------------------------------------------------------------------
// Request handling
// ---------------------------------------------------------------------------------------------

const strictUtf8 = new TextDecoder("utf-8", { fatal: true })
const preview = (body: string): string => JSON.stringify(body.length > 200 ? `${body.slice(0, 200)}…` : body)

/** POST /RPC2: XML-RPC over the Supervisor service, with the process methods under `interfaces`. */
const rpc = (request: HttpServerRequest.HttpServerRequest, interfaces: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    if (request.method !== "POST") return errorPage(400)
    const length = Option.getOrUndefined(Headers.get(request.headers, "content-length"))
    if (length === undefined) return errorPage(411)
    if (!/^\d+$/.test(length)) return errorPage(400)
    if (Number(length) > defaultLimits.maxBytes) return errorPage(413)
    const bytes = yield* Effect.option(request.arrayBuffer)
    if (Option.isNone(bytes)) return errorPage(400)
    let body: string
    try {
      body = strictUtf8.decode(bytes.value)
    } catch {
      yield* Effect.logError("XML-RPC request data is invalid: not UTF-8")
      return errorPage(400)
    }
    return yield* handle(body, interfaces).pipe(
      Effect.map((xml) => HttpServerResponse.uint8Array(xml, { contentType: "text/xml" })),
      Effect.catchTag("XmlRpcParseError", (e) =>
        Effect.as(Effect.logError(`XML-RPC request data ${preview(body)} is invalid: ${e.message}`), errorPage(400))),
      Effect.catchDefect((defect) =>
        Effect.as(
          Effect.logFatal(`Handling XML-RPC request with data ${preview(body)} raised an unexpected exception: ${String(defect)}`),
          errorPage(500)
        ))
    )
  })

/** What every control server of one daemon answers with. */
interface Serving {
  /** The XML-RPC interfaces served (`[rpcinterface:x]`). */
  readonly interfaces: ReadonlyArray<string>
  readonly web: Web.Web
  /** What a request waits for before anything else (see `layer`). */
  readonly answering: Effect.Effect<void>
}

/** The methods supervisord's pages answer (supervisord: GET and POST; effsup also HEAD). */
const PAGE_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "POST"])

/** The whole application of one server: auth first, then the routes. */
const app = (creds: Auth.Credentials | undefined, { answering, interfaces, web }: Serving, closing: Effect.Effect<void>) =>
  Effect.gen(function*() {
    yield* answering
    const request = yield* HttpServerRequest.HttpServerRequest
    if (creds !== undefined) {
      const verdict = yield* Auth.check(Option.getOrUndefined(Headers.get(request.headers, "authorization")), creds)
      if (verdict === "Malformed") return errorPage(400)
      if (verdict === "Unauthorized") {
        return HttpServerResponse.setHeaders(errorPage(401), { ...Auth.challenge, connection: "close" })
      }
    }
    // supervisord's routes on the path as supervisord decodes it (RequestPath.ts), effsup's own on the path as sent
    const path = RequestPath.routePath(request.url)
    if (path.startsWith("/RPC2")) return yield* web.rpc(request, rpc(request, interfaces))
    if (path.startsWith("/logtail/")) return yield* Tail.logtail(request, path.slice("/logtail/".length), closing)
    if (path === "/mainlogtail") return yield* Tail.mainlogtail(request, closing)
    const page = RequestPath.page(path)
    if (page !== undefined) {
      // supervisord's pages answer GET and POST (and effsup's HEAD); any other method is supervisord's 400
      if (!PAGE_METHODS.has(request.method)) return errorPage(400)
      return page === "ok.html" ? HttpServerResponse.text("OK") : yield* web.handle(request, `/${page}`)
    }
    const sent = request.url.split("?", 1)[0]!
    if (Web.isWebPath(sent)) return yield* web.handle(request, sent)
    // supervisord's last handler serves files for GET and HEAD, and answers 400 to any other method
    return request.method === "GET" || request.method === "HEAD" ? errorPage(404) : errorPage(400)
  }).pipe(Effect.map(HttpServerResponse.setHeader("server", "effsup")))

/** supervisord's lines once a server listens: each RPC interface, then a warning if nobody must log in. */
const announce = (section: string, creds: Auth.Credentials | undefined, interfaces: ReadonlyArray<string>) =>
  Effect.andThen(
    Effect.forEach(interfaces, (name) => Effect.logInfo(`RPC interface '${name}' initialized`), { discard: true }),
    creds === undefined ? Effect.logFatal(`Server '${section}' running without any HTTP authentication checking`) : Effect.void
  )

// ---------------------------------------------------------------------------------------------
// Listeners
// ---------------------------------------------------------------------------------------------

/** A listening server: the Effect server over a tracked Node server. */
interface Listener {
  readonly server: HttpServer.HttpServer["Service"]
  readonly tracked: TrackedServer
}

/** Listens with `options`; nothing is answered until `serve`. */
const listen = (options: NodeHttpServer.Options, limits: ConnectionLimits) =>
  Effect.gen(function*() {
    const tracked = makeTrackedServer(limits)
    const server = yield* NodeHttpServer.make(() => tracked.server, options).pipe(Effect.mapError(fromListenError(options)))
    return { server, tracked } satisfies Listener
  })

/**
 * Serves the application on a listener until the enclosing scope closes; returns the effect that
 * stops accepting. On release it stops accepting, ends open log tails and closes every
 * connection (bounded), before NodeHttpServer's own finalizers, which would wait on them.
 */
const serve = (listener: Listener, creds: Auth.Credentials | undefined, serving: Serving) =>
  Effect.gen(function*() {
    const closing = yield* Deferred.make<void>()
    // NodeHttpServer runs handlers uninterruptibly; ours may be interrupted (a client that goes
    // away, or the server's close), so a handler waiting on the supervisor never holds a close.
    yield* listener.server.serve(Effect.interruptible(app(creds, serving, Deferred.await(closing))))
    const stopAccepting = Effect.andThen(Deferred.succeed(closing, undefined), listener.tracked.stopAccepting)
    yield* Effect.addFinalizer(() => Effect.andThen(stopAccepting, listener.tracked.close))
    return stopAccepting
  })

/** Does a live server answer on the unix socket at `file`? */
const socketInUse = (file: string) =>
  Effect.callback<boolean>((resume) => {
    const socket = Net.connect(file)
    socket.once("connect", () => {
      socket.destroy()
      resume(Effect.succeed(true))
    })
    socket.once("error", () => resume(Effect.succeed(false)))
    return Effect.sync(() => socket.destroy())
  })

/** Numeric uid/gid for `user[:group]` (names from /etc/passwd and /etc/group); -1 = unchanged. */
const resolveChown = (spec: string): { readonly uid: number; readonly gid: number } | undefined => {
  const id = (name: string, byName: () => number | undefined) => /^\d+$/.test(name) ? Number(name) : byName()
  const read = (file: string) => Fs.readFileSync(file, "utf8")
  const [user = "", group] = spec.split(":", 2)
  const uid = id(user, () => parsePasswd(read("/etc/passwd")).find((u) => u.name === user)?.uid)
  const gid = group === undefined ? -1 : id(group, () => parseGroup(read("/etc/group")).find((g) => g.name === group)?.gid)
  return uid === undefined || gid === undefined ? undefined : { uid, gid }
}

const fsTry = <A>(what: string, f: () => A) =>
  Effect.try({ try: f, catch: (cause) => new ServerError({ message: `${what}: ${(cause as Error).message}` }) })

/** Publishes the socket bound at `tmp` under `file`, replacing a stale socket file (supervisord: http.py). */
const publishSocket = (tmp: string, file: string): Effect.Effect<void, ServerError> =>
  Effect.gen(function*() {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        Fs.linkSync(tmp, file)
        return
      } catch (cause) {
        if ((cause as NodeJS.ErrnoException).code !== "EEXIST") {
          return yield* new ServerError({ message: `Cannot create the socket ${file}: ${(cause as Error).message}` })
        }
      }
      if (yield* socketInUse(file)) return yield* new ServerError({ message: IN_USE })
      yield* Effect.logWarning(`Unlinking stale socket ${file}`)
      yield* fsTry(`Cannot remove the stale socket ${file}`, () => Fs.rmSync(file, { force: true }))
    }
    return yield* new ServerError({ message: IN_USE })
  })

/** The `[unix_http_server]` listener; the socket file is removed on release. */
const unixServer = (cfg: UnixServerConfig, limits: ConnectionLimits, serving: Serving) =>
  Effect.gen(function*() {
    const tmp = `${cfg.file}.${process.pid}`
    Fs.rmSync(tmp, { force: true })
    const listener = yield* listen({ path: tmp }, limits)
    // answer before the socket is published: a client that connects at once must not meet a
    // server without its handler
    const creds = Auth.credentials(cfg)
    const stopAccepting = yield* serve(listener, creds, serving)
    const published = Effect.gen(function*() {
      yield* fsTry(`Cannot chmod the socket ${cfg.file}`, () => Fs.chmodSync(tmp, cfg.chmod))
      yield* publishSocket(tmp, cfg.file)
      const ino = Fs.statSync(cfg.file).ino
      yield* Effect.addFinalizer(() =>
        Effect.sync(() => {
          // remove only our own socket, not one a successor has put there meanwhile
          if (Fs.statSync(cfg.file, { throwIfNoEntry: false })?.ino === ino) Fs.rmSync(cfg.file, { force: true })
        })
      )
      if (cfg.chown !== undefined) {
        const owner = resolveChown(cfg.chown)
        if (owner === undefined) return yield* new ServerError({ message: `Invalid chown value for ${cfg.file}: ${cfg.chown}` })
        yield* fsTry(`Not permitted to chown ${cfg.file} to uid/gid ${owner.uid}/${owner.gid}`, () =>
          Fs.chownSync(cfg.file, owner.uid, owner.gid))
      }
    })
    yield* Effect.ensuring(published, Effect.sync(() => Fs.rmSync(tmp, { force: true })))
    yield* Medusa.unixStarted(cfg.file)
    yield* announce("unix_http_server", creds, serving.interfaces)
    return stopAccepting
  })

/** One `[inet_http_server]` listener. */
const inetServer = (cfg: InetServerConfig, limits: ConnectionLimits, serving: Serving) =>
  Effect.gen(function*() {
    const options = cfg.host === "" || cfg.host === "*" ? { port: cfg.port } : { port: cfg.port, host: cfg.host }
    const listener = yield* listen(options, limits)
    const creds = Auth.credentials(cfg)
    const stopAccepting = yield* serve(listener, creds, serving)
    yield* Medusa.inetStarted(cfg.host === "*" ? "" : cfg.host, cfg.port)
    yield* announce(cfg.section, creds, serving.interfaces)
    return stopAccepting
  })

/** The running control servers, as the daemon sequences its shutdown and reload. */
export class ControlServers extends Context.Service<ControlServers, {
  /**
   * Stop accepting connections on every server and end open log tails; clients already
   * connected are still answered until the layer is released. Idempotent.
   */
  readonly stopAccepting: Effect.Effect<void>
}>()("effsup/http/ControlServers") {}

/**
 * Every control server the config asks for, listening while the layer lives. Releasing it stops
 * accepting, then closes every connection: at once those not in the middle of an answer, the
 * others after `limits.closeGrace` — no client can hold the layer open. Each serves the XML-RPC
 * interfaces of the config's `[rpcinterface:x]` sections (default: `supervisor`). Every request
 * first waits for `answering` (the daemon passes its autostart pass: supervisord answers only from
 * its main loop, whose first pass has spawned every autostart program, so a client that connects
 * at once never sees them not yet started). Needs the Supervisor service; brings its own file
 * system access.
 */
export const layer = (
  config: Pick<Config, "unixHttpServer" | "inetHttpServers"> & Partial<Pick<Config, "rpcInterfaces">>,
  limits: ConnectionLimits = defaultConnectionLimits,
  answering: Effect.Effect<void> = Effect.void
): Layer.Layer<ControlServers, ServerError, Supervisor> =>
  Layer.effect(ControlServers, Effect.gen(function*() {
    const serving: Serving = { interfaces: config.rpcInterfaces ?? DEFAULT_INTERFACES, web: yield* Web.make, answering }
    const stops: Array<Effect.Effect<void>> = []
    // supervisord makes (and logs, and fails on) the inet servers first, whatever the file's order
    for (const inet of config.inetHttpServers) stops.push(yield* inetServer(inet, limits, serving))
    if (config.unixHttpServer !== undefined) stops.push(yield* unixServer(config.unixHttpServer, limits, serving))
    // registered after the servers, so it runs before they wait for open requests
    yield* Effect.addFinalizer(() => serving.web.close)
    return ControlServers.of({ stopAccepting: Effect.andThen(Effect.forEach(stops, (stop) => stop, { discard: true }), serving.web.close) })
  })).pipe(Layer.provide(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer)))
