/**
 * `[supervisord] user=` (and `-u`): become that user before anything is opened, as supervisord does
 * at every start. Already that user: nothing to do. Not root: a usage error (`Can't drop privilege as
 * nonroot user`). Root: the user's groups (initgroups), gid, then uid. Without `user=`, root gets
 * supervisord's CRIT notice. What to log is returned: the activity log does not exist yet.
 * supervisord: options.py drop_privileges / set_uid_or_exit.
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type { ConfigNotice } from "../config/Types.ts"
import { strRepr } from "../domain/PyRepr.ts"
import type { PasswdEntry } from "../config/Host.ts"
import { UsageError } from "./Usage.ts"

const ROOT_NOTICE = "Supervisor is running as root.  Privileges were not dropped because no user is specified in the " +
  "config file.  If you intend to run as root, you can set user=root in the config file to avoid this message."

/** `-u USER`'s check (supervisord's `name_to_uid`): the message when `user` names nobody in `users`. */
export const unknownUser = (user: string, users: ReadonlyArray<PasswdEntry> | undefined): string | undefined => {
  if (users === undefined) return undefined
  if (/^\s*[+-]?\d+\s*$/.test(user)) return users.some((u) => u.uid === Number(user)) ? undefined : `Invalid user id ${user}`
  return users.some((u) => u.name === user) ? undefined : `Invalid user name ${user}`
}

/**
 * Become `user` (a name or a uid) if it is set; returns the notices to log. Fails with a UsageError
 * carrying supervisord's message when privileges cannot be dropped.
 */
export const dropPrivileges = (
  user: string | undefined,
  users: ReadonlyArray<PasswdEntry>
): Effect.Effect<ReadonlyArray<ConfigNotice>, UsageError> =>
  Effect.suspend((): Effect.Effect<ReadonlyArray<ConfigNotice>, UsageError> => {
    const current = process.getuid?.()
    if (user === undefined) return Effect.succeed(current === 0 ? [{ level: "crit", message: ROOT_NOTICE }] : [])
    const numeric = /^\s*[+-]?\d+\s*$/.test(user)
    const entry = numeric ? users.find((u) => u.uid === Number(user)) : users.find((u) => u.name === user)
    if (entry === undefined) {
      return Effect.fail(new UsageError({ message: numeric ? `Can't find uid ${Number(user)}` : `Can't find username ${strRepr(user)}` }))
    }
    if (current === entry.uid) return Effect.succeed([])
    if (current !== 0) return Effect.fail(new UsageError({ message: "Can't drop privilege as nonroot user" }))
    return Effect.try({
      try: () => (process as { initgroups?: (user: string, extraGroup: number) => void }).initgroups?.(entry.name, entry.gid),
      catch: () => new UsageError({ message: "Could not set groups of effective user" })
    }).pipe(
      Effect.andThen(Effect.try({
        try: () => process.setgid?.(entry.gid),
        catch: () => new UsageError({ message: "Could not set group id of effective user" })
      })),
      Effect.andThen(Effect.sync(() => process.setuid?.(entry.uid))),
      // supervisord names the uid it resolved, also for a user given by name
      Effect.as([{ level: "info", message: `Set uid to user ${entry.uid} succeeded` }])
    )
  })
