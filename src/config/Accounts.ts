/**
 * The host's user and group databases, `/etc/passwd` and `/etc/group`, read from their text: the
 * one parser behind `user=` validation and `~user` expansion (Load.ts), `chown=` of the unix
 * socket (http/Server.ts) and spawning as another user.
 * Pure: callers read the files (through FileSystem or node:fs) and pass the text. Comment lines,
 * blank lines and lines with too few fields are skipped; the first entry of a name wins on lookup,
 * as with getpwnam.
 * @since 0.1.0
 */
import type { GroupEntry, PasswdEntry } from "./Host.ts"

/** The rows of a colon-separated database: `row` gets a line's fields and may skip it (undefined). */
const parseTable = <A>(text: string, row: (fields: ReadonlyArray<string>) => A | undefined): ReadonlyArray<A> =>
  text.split("\n").flatMap((line) => {
    const r = line.startsWith("#") || line.trim() === "" ? undefined : row(line.split(":"))
    return r === undefined ? [] : [r]
  })

/** `/etc/passwd` entries: `name:password:uid:gid:gecos:home:shell`. */
export const parsePasswd = (text: string): ReadonlyArray<PasswdEntry> =>
  parseTable(text, (f) => f.length >= 6 ? { name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), home: f[5]! } : undefined)

/** `/etc/group` entries: `name:password:gid:members`. */
export const parseGroup = (text: string): ReadonlyArray<GroupEntry> =>
  parseTable(text, (f) => f.length >= 3 ? { name: f[0]!, gid: Number(f[2]) } : undefined)
