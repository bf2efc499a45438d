/**
 * The console page's first rows, written into the page on the server: every process's state,
 * description, name (linked to its tail page) and pid, sorted by group and name as supervisord's
 * status page lists them. So the page shows the processes before its script runs, and to clients
 * that run none (`curl`, monitoring scripts that read supervisord's page); the script replaces
 * them with its own rows once it has read the table.
 * @since 0.1.0
 */
import type { ProcessInfo } from "../supervisor/Api.ts"
import { namespec } from "../domain/Names.ts"
import { escapeHtml } from "./Html.ts"
import { pythonQuote } from "./WebActions.ts"

/** Where the page's file leaves room for the rows (inside its process table, after the head). */
export const ROWS_PLACEHOLDER = "<!--process-rows-->"

/** One row: state (as supervisord's page words it, lower case), description, linked name, pid. */
const row = (info: ProcessInfo): string => {
  const name = namespec(info.group, info.name)
  return `<tr><td class="state-cell"><span class="state" data-state="${escapeHtml(info.state)}">${escapeHtml(info.state.toLowerCase())}</span></td>` +
    `<td>${escapeHtml(info.description)}</td>` +
    `<td><a href="tail.html?processname=${escapeHtml(pythonQuote(name))}">${escapeHtml(name)}</a></td>` +
    `<td>${info.pid === 0 ? "" : info.pid}</td><td></td></tr>`
}

/** The rows of `infos` as one `<tbody class="server-rows">` (empty string for no process). */
export const renderRows = (infos: ReadonlyArray<ProcessInfo>): string => {
  if (infos.length === 0) return ""
  const sorted = [...infos].sort((a, b) => a.group < b.group ? -1 : a.group > b.group ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
  return `<tbody class="server-rows">\n${sorted.map(row).join("\n")}\n</tbody>`
}
