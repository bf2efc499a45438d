/**
 * supervisord's tail page, `GET /tail.html?processname=x[&limit=N]`: the last `limit` bytes (at
 * least 1024) of the process's stdout log in a `<pre>`, with a Refresh link to the same page, as
 * supervisord renders it (its `No file for x` and `ERROR: unexpected rpc fault [..] ..` texts
 * included), so links, bookmarks and scripts that read it keep working. Rendered on the server
 * (no script): everything in it is escaped text. The console follows logs live in its own view.
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { Faults } from "../rpc/Faults.ts"
import { call } from "../rpc/Methods.ts"
import type { Supervisor } from "../supervisor/Supervisor.ts"
import { escapeHtml } from "./Html.ts"
import { pythonQuote, unexpected } from "./WebActions.ts"

/** The least the page shows, in bytes (supervisord's floor). */
const MIN_LIMIT = 1024

/** How many bytes the page shows for a `limit` query value: at least MIN_LIMIT; anything but digits counts as none. */
export const tailLimit = (limit: string | undefined): number => {
  const asked = limit !== undefined && /^\d+$/.test(limit) ? Number(limit) : 0
  return Math.max(MIN_LIMIT, asked)
}

/** The text the page shows for `name`: its stdout's tail, or supervisord's words for why not. */
const tailText = (name: string | undefined, limit: number): Effect.Effect<string, never, Supervisor> => {
  if (name === undefined) return Effect.succeed("No process name found")
  return call("supervisor.readProcessStdoutLog", [name, -limit, 0]).pipe(
    Effect.map(String),
    Effect.catchTag("MethodFault", ({ fault }) =>
      Effect.succeed(
        fault.faultCode === Faults.NO_FILE ? `No file for ${name}` : `ERROR: ${unexpected(fault)}`
      ))
  )
}

/** The page for `query` (its `processname` and `limit`). */
export const render = (query: URLSearchParams): Effect.Effect<string, never, Supervisor> => {
  const name = query.get("processname") || undefined
  const limit = tailLimit(query.get("limit") ?? undefined)
  return Effect.map(tailText(name, limit), (tail) => {
    const refresh = name === undefined
      ? ""
      : `<p><a href="tail.html?processname=${escapeHtml(pythonQuote(name))}&amp;limit=${limit}">Refresh</a></p>\n`
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Supervisor tail of process ${escapeHtml(name ?? "None")}</title>
</head>
<body>
<pre>${escapeHtml(tail)}</pre>
${refresh}<p><a href="./">Console</a></p>
</body>
</html>
`
  })
}
