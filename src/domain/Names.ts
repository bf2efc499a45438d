/**
 * Process and group names, and the name forms supervisorctl and the RPC API accept:
 * `name`, `group:name`, `group:*` / `group:` (the whole group).
 * supervisord: options.py `split_namespec`, `make_namespec`.
 * @since 0.1.0
 */

/** A parsed name spec: a group and optionally one process in it (`undefined` = the whole group). */
export interface NameSpec {
  readonly group: string
  readonly process: string | undefined
}

/**
 * Split `group:name`, `group:*`, `group:` or `name` (a process in the group of the same name).
 * supervisord: `split_namespec`.
 */
export const parseNameSpec = (spec: string): NameSpec => {
  const i = spec.indexOf(":")
  if (i < 0) return { group: spec, process: spec }
  const group = spec.slice(0, i)
  const process = spec.slice(i + 1)
  return { group, process: process === "" || process === "*" ? undefined : process }
}

/** `name` when the process is alone in its homonymous group, `group:name` otherwise. */
export const namespec = (group: string, process: string): string =>
  group === process ? process : `${group}:${process}`

/** The first character that makes a process or group name invalid, if any (space, `:` or `/`). */
export const invalidNameCharacter = (name: string): string | undefined =>
  [...name].find((c) => c === " " || c === ":" || c === "/")
