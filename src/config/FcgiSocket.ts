/**
 * The socket of an `[fcgi-program:x]`: `socket=unix:///abs/path` or `socket=tcp://host:port`, with
 * `socket_backlog`, `socket_owner` and `socket_mode`, as a value, and the rules supervisord applies
 * to them (its messages included). The daemon makes the socket (Spawner.listen) when the group is
 * added and gives it to every process of the group as fd 0.
 * supervisord: options.py `process_groups_from_parser` (fcgi part), `parse_fcgi_socket`;
 * datatypes.py `InetStreamSocketConfig`, `UnixStreamSocketConfig`.
 * See shared/reference/supervisord-4.2.5.md §1.8, §1.14.
 *
 * Invariant: pure; a socket is plain data, so reread compares it structurally.
 * @since 0.1.0
 */
import * as Result from "effect/Result"
import * as Codecs from "./Codecs.ts"
import { type Host, isValidOwner } from "./Host.ts"

/** Who owns a unix socket file: a user (name or uid) and a group (name or gid; undefined: unchanged). */
export interface SocketOwner {
  readonly user: string
  readonly group: string | undefined
}

/** An fcgi-program's listening socket; `url` is how supervisord names it (`unix:///run/x.sock`, `tcp://host:port`). */
export type FcgiSocket =
  | {
    readonly _tag: "Unix"
    readonly url: string
    /** Absolute and normalized. */
    readonly path: string
    /** Default 0700. */
    readonly mode: number
    /** Undefined: the daemon's; without `socket_owner`, a program with `user=` owns it (with that user's primary group). */
    readonly owner: SocketOwner | undefined
    /** Undefined: SOMAXCONN. */
    readonly backlog: number | undefined
  }
  | {
    readonly _tag: "Tcp"
    readonly url: string
    /** Lower-cased, as supervisord keeps it. */
    readonly host: string
    readonly port: number
    readonly backlog: number | undefined
  }

/** The options as written (already expanded), and the program's `user=`. */
export interface SocketOptions {
  readonly socket: string
  readonly backlog: string | undefined
  readonly owner: string | undefined
  readonly mode: string | undefined
  readonly user: string | undefined
}

/** Which option a problem is about (for its file:line), and supervisord's message. */
export interface SocketProblem {
  readonly option: "socket" | "socket_backlog" | "socket_owner" | "socket_mode"
  readonly message: string
}

/** Collapse `.`, `..` and `//` in an absolute path (supervisord's normalize_path). */
const normalize = (path: string): string => {
  const parts: Array<string> = []
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue
    if (part === "..") parts.pop()
    else parts.push(part)
  }
  return `/${parts.join("/")}`
}

const TCP_RE = /^tcp:\/\/([^\s:]+):(\d+)$/

/**
 * The socket of `[section]`, or its first problem, in supervisord's order of checks (backlog, owner,
 * mode, then the socket itself, whose messages end in `in [section] socket`).
 */
export const parseSocket = (section: string, options: SocketOptions, host: Host): Result.Result<FcgiSocket, SocketProblem> => {
  const fail = (option: SocketProblem["option"], message: string) => Result.fail<SocketProblem>({ option, message })
  let backlog: number | undefined
  if (options.backlog !== undefined) {
    const n = Codecs.integer(options.backlog)
    if (Result.isFailure(n)) return fail("socket_backlog", n.failure)
    if (n.success < 1 || n.success > 65535) return fail("socket_backlog", `Invalid socket_backlog value ${options.backlog}`)
    backlog = n.success
  }
  let owner: SocketOwner | undefined
  if (options.owner !== undefined) {
    if (!isValidOwner(host, options.owner)) return fail("socket_owner", `Invalid socket_owner value ${options.owner}`)
    const [user, group] = options.owner.split(":")
    owner = { user: user!, group }
  }
  let mode: number | undefined
  if (options.mode !== undefined) {
    const m = Codecs.octal(options.mode)
    if (Result.isFailure(m)) return fail("socket_mode", `Invalid socket_mode value ${options.mode}`)
    mode = m.success
  }
  const inSection = (message: string) => fail("socket", `${message} in [${section}] socket`)
  const socket = options.socket
  if (socket.startsWith("unix://")) {
    const path = socket.slice(7)
    if (!path.startsWith("/")) return inSection(`Unix socket path ${path} is not an absolute path`)
    // supervisord: the program's user owns a socket it did not give an owner (with the user's primary group)
    const runAs = owner === undefined && options.user !== undefined ? programOwner(host, options.user) : undefined
    return Result.succeed({ _tag: "Unix", url: `unix://${normalize(path)}`, path: normalize(path), mode: mode ?? 0o700, owner: owner ?? runAs, backlog })
  }
  if (owner !== undefined || mode !== undefined) {
    return inSection("socket_owner and socket_mode params should only be used with a Unix domain socket")
  }
  const m = TCP_RE.exec(socket)
  if (m === null) return inSection(`Bad socket format ${socket}`)
  const port = Number(m[2])
  if (port < 1 || port > 65535) return inSection(`${m[2]} is not a valid port number`)
  const hostName = m[1]!.toLowerCase()
  return Result.succeed({ _tag: "Tcp", url: `tcp://${hostName}:${port}`, host: hostName, port, backlog })
}

/** `user=` as a socket owner: the user and its primary group, when the host's users are known. */
const programOwner = (host: Host, user: string): SocketOwner => {
  const entry = host.users?.find((u) => /^\d+$/.test(user) ? u.uid === Number(user) : u.name === user)
  return { user, group: entry === undefined ? undefined : String(entry.gid) }
}
