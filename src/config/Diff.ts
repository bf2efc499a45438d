/**
 * What changed between two configurations, group by group, as supervisord's `reloadConfig` /
 * `supervisorctl reread` reports it: a group is `changed` when its kind, priority, listener options or
 * any of its processes' configs differ. Names come in supervisord's order, which `supervisorctl
 * update` follows (and with it the order of the groups' PROCESS_GROUP_ADDED events): added and
 * changed in the new config's order (priority, then name), removed in the running groups' order.
 * supervisord: supervisord.py `diff_to_active`; options.py `ProcessGroupConfig.__eq__`.
 *
 * Invariant: pure; compares resolved values structurally (order of processes matters, key order does not).
 * @since 0.1.0
 */
import type { GroupConfig } from "./Types.ts"

/** Group names added and changed (in the new config's order) and removed (in the old one's). */
export interface ConfigDiff {
  readonly added: ReadonlyArray<string>
  readonly changed: ReadonlyArray<string>
  readonly removed: ReadonlyArray<string>
}

/** Structural equality of JSON-like values (records, arrays, primitives). */
export const deepEqual = (a: unknown, b: unknown): boolean => {
  if (a === b) return true
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  const ka = Object.keys(a)
  const kb = Object.keys(b)
  return ka.length === kb.length &&
    ka.every((k) => Object.hasOwn(b, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
}

/**
 * Diff the running groups (`before`, in the order they were added) against a freshly loaded
 * config's (`after`, in its priority-then-name order).
 */
export const diffGroups = (before: ReadonlyArray<GroupConfig>, after: ReadonlyArray<GroupConfig>): ConfigDiff => {
  const old = new Map(before.map((g) => [g.name, g]))
  const now = new Map(after.map((g) => [g.name, g]))
  return {
    added: [...now.keys()].filter((n) => !old.has(n)),
    changed: [...now.keys()].filter((n) => old.has(n) && !deepEqual(old.get(n), now.get(n))),
    removed: [...old.keys()].filter((n) => !now.has(n))
  }
}
