/**
 * The facts about the running host that config resolution depends on (environment, cwd, hostname,
 * users, groups), injected so that tests need no OS, and the pure path and account rules that use
 * them: `~` expansion, absolute paths, and the `user=` / `chown=` validations.
 * supervisord: datatypes.py `name_to_uid`, `colon_separated_user_group`; options.py `normalize_path`.
 *
 * Invariant: pure; nothing here touches the file system (Load.ts reads the facts).
 * @since 0.1.0
 */

/** One `/etc/passwd` entry (what `user=` validation and `~user` need). */
export interface PasswdEntry {
  readonly name: string
  readonly uid: number
  readonly gid: number
  readonly home: string
}

/** One `/etc/group` entry (for `chown=user:group`). */
export interface GroupEntry {
  readonly name: string
  readonly gid: number
}

/** The facts about the running host that resolution depends on. */
export interface Host {
  /** supervisord's own environment (becomes `%(ENV_X)s`). */
  readonly env: Readonly<Record<string, string | undefined>>
  /** Relative logfile/pidfile paths are made absolute against this (as supervisord does). */
  readonly cwd: string
  /** `%(host_node_name)s`. */
  readonly hostname: string
  /** Known users; `undefined` skips `user=` validation. */
  readonly users: ReadonlyArray<PasswdEntry> | undefined
  /** Known groups; `undefined` skips group validation in `chown=`. */
  readonly groups: ReadonlyArray<GroupEntry> | undefined
}

/** Collapse `.`/`..`/`//` in an absolute POSIX path. */
const normalizeAbsolute = (path: string): string => {
  const out: Array<string> = []
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue
    if (part === "..") out.pop()
    else out.push(part)
  }
  return `/${out.join("/")}`
}

/** Python `os.path.expanduser`: `~` / `~/x` from `$HOME`, `~user/x` from passwd; anything else unchanged. */
export const expandUser = (host: Host, path: string): string => {
  const m = /^~([^/]*)(.*)$/s.exec(path)
  if (m === null) return path
  const home = m[1] === "" ? host.env["HOME"] : host.users?.find((u) => u.name === m[1])?.home
  return home === undefined ? path : (home.replace(/\/+$/, "") || "/") + m[2]
}

/** `~` expanded and made absolute against the host's cwd, not normalized: `a/../b` still needs `a` (`os.path.isdir` of its directory). */
export const joinedPath = (host: Host, path: string): string => {
  const p = expandUser(host, path)
  return p.startsWith("/") ? p : `${host.cwd}/${p}`
}

/** `normalize_path`: `~` expanded, made absolute against the host's cwd, normalized. */
export const absolutePath = (host: Host, path: string): string => {
  const p = expandUser(host, path)
  return normalizeAbsolute(p.startsWith("/") ? p : `${host.cwd}/${p}`)
}

/** Why a `user=` value (name or uid) is not a user of the host, as supervisord's `name_to_uid` says; `undefined` if it is (or the host's users are unknown). */
export const invalidUser = (host: Host, user: string): string | undefined => {
  const users = host.users
  if (users === undefined) return undefined
  if (/^\s*[+-]?\d+\s*$/.test(user)) return users.some((u) => u.uid === Number(user)) ? undefined : `Invalid user id ${user}`
  return users.some((u) => u.name === user) ? undefined : `Invalid user name ${user}`
}

/**
 * The uid a `user=` value names (a numeric value is the uid itself), as supervisord's `name_to_uid`
 * resolves it; `undefined` without a value, or for a name the host's users do not hold (or when they are unknown).
 */
export const uidOf = (host: Host, user: string | undefined): number | undefined => {
  if (user === undefined) return undefined
  if (/^\s*[+-]?\d+\s*$/.test(user)) return Number(user)
  return host.users?.find((u) => u.name === user)?.uid
}

/** Whether `user[:group]` (names or ids) exists (parts whose table is unknown are accepted). */
export const isValidOwner = (host: Host, value: string): boolean => {
  const [user = "", group, ...rest] = value.split(":")
  if (rest.length > 0 || user === "") return false
  const isId = (s: string) => /^\d+$/.test(s)
  const userOk = host.users === undefined || host.users.some((u) => (isId(user) ? u.uid === Number(user) : u.name === user))
  const groupOk = group === undefined || host.groups === undefined ||
    host.groups.some((g) => (isId(group) ? g.gid === Number(group) : g.name === group))
  return userOk && groupOk
}
