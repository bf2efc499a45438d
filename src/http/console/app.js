// @ts-check
/**
 * effsup's web console: the status table (with readiness, health and dependency badges and each
 * group's restart strategy), actions, log views, reread/update, and a list of the health and
 * group-strategy events, on the JSON API (`api/v1`) and its event stream only. Live: state changes arrive as Server-Sent Events; the
 * page never polls. Safe: everything a program prints and every name is set as text
 * (`textContent`), never as markup, and every state change is a POST.
 */

const API = "api/v1"
const STATES = ["STOPPED", "STARTING", "RUNNING", "BACKOFF", "STOPPING", "EXITED", "FATAL", "UNKNOWN"]
const PROBLEMS = new Set(["FATAL", "BACKOFF", "EXITED", "UNKNOWN"])
const LOG_CHUNK = 64 * 1024
const LOG_MAX_CHARS = 2_000_000

/** @param {string} id */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id))

/**
 * A new element with text content and attributes.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, string>} [attrs]
 * @param {string} [text]
 * @returns {HTMLElementTagNameMap[K]}
 */
const el = (tag, attrs = {}, text) => {
  const node = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v)
  if (text !== undefined) node.textContent = text
  return node
}

/** Python's str(timedelta) for whole seconds, as supervisord's uptime. @param {number} seconds */
const formatUptime = (seconds) => {
  const s = Math.max(0, Math.floor(seconds))
  const days = Math.floor(s / 86400)
  const rest = s % 86400
  const clock = `${Math.floor(rest / 3600)}:${String(Math.floor((rest % 3600) / 60)).padStart(2, "0")}:${String(rest % 60).padStart(2, "0")}`
  return days === 0 ? clock : `${days} day${days === 1 ? "" : "s"}, ${clock}`
}

/** The CSS class family of a state (colour); the state is always written out too. @param {string} state */
const stateClass = (state) =>
  state === "RUNNING" ? "ok" : state === "FATAL" || state === "BACKOFF" || state === "UNKNOWN" ? "bad"
  : state === "STARTING" || state === "STOPPING" ? "busy" : "idle"

// ---------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------

/** An API error: the server's `{ code, message }`, or a network failure. */
class ApiError extends Error {
  /** @param {string} code @param {string} message @param {number} status */
  constructor(code, message, status) {
    super(message)
    this.code = code
    this.status = status
  }
}

/**
 * Calls the API; resolves with the parsed JSON (or text) or rejects with an ApiError.
 * @param {string} path
 * @param {{ method?: string, body?: unknown, text?: boolean }} [options]
 */
const api = async (path, options = {}) => {
  /** @type {RequestInit} */
  const init = { method: options.method ?? "GET", headers: {} }
  if (options.body !== undefined) {
    init.headers = { "content-type": "application/json" }
    init.body = JSON.stringify(options.body)
  }
  let response
  try {
    response = await fetch(`${API}${path}`, init)
  } catch {
    throw new ApiError("NETWORK", "cannot reach the daemon", 0)
  }
  if (!response.ok) {
    const body = await response.json().catch(() => ({ code: `HTTP_${response.status}`, message: response.statusText }))
    throw new ApiError(body.code, body.message, response.status)
  }
  return options.text ? response.text() : response.json()
}

/** @param {string} namespec */
const nameUrl = (namespec) => `/processes/${encodeURIComponent(namespec)}`

// ---------------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------------

/**
 * Shows the message bar (text only), with optional action buttons.
 * @param {string} text
 * @param {{ error?: boolean, actions?: Array<{ label: string, run: () => void }> }} [options]
 */
const showMessage = (text, options = {}) => {
  const bar = $("message")
  $("message-text").textContent = text
  bar.classList.toggle("error", options.error === true)
  const actions = $("message-actions")
  actions.replaceChildren(...(options.actions ?? []).map((a) => {
    const button = el("button", { type: "button" }, a.label)
    button.addEventListener("click", () => {
      bar.hidden = true
      a.run()
    })
    return button
  }))
  bar.hidden = false
}
$("message-close").addEventListener("click", () => ($("message").hidden = true))

const timeNow = () => new Date().toLocaleTimeString()

// ---------------------------------------------------------------------------------------------
// The process table
// ---------------------------------------------------------------------------------------------

/**
 * @typedef {{ check: string, ready: boolean }} Readiness
 * @typedef {{ check: string, status: "unchecked" | "healthy" | "unhealthy", failures: number, retries: number }} Health
 * @typedef {{ target: string, condition: string }} DependencyWait
 * @typedef {{
 *   namespec: string, name: string, group: string, start: number, stop: number, now: number,
 *   state: number, statename: string, spawnerr: string, exitstatus: number, pid: number, description: string,
 *   readiness?: Readiness, health?: Health, waitingFor?: Array<DependencyWait>
 * }} ProcessInfo
 * @typedef {{ strategy: string, maxRestarts?: number, maxRestartsPeriod: number, onExhausted: string }} Supervision
 * @typedef {{ name: string, priority: number, processes: Array<string>, supervision: Supervision,
 *   restarts: number, recentRestarts: number }} GroupInfo
 * @typedef {{ info: ProcessInfo, tr: HTMLTableRowElement, state: HTMLElement, badges: HTMLElement, desc: HTMLElement,
 *   pid: HTMLElement, buttons: Record<string, HTMLButtonElement> }} Row
 * @typedef {{ name: string, tbody: HTMLTableSectionElement, header: HTMLTableRowElement | undefined,
 *   summary: HTMLElement | undefined, strategy: HTMLElement | undefined, toggle: HTMLButtonElement | undefined,
 *   members: Array<string>, collapsed: boolean }} Group
 */

/** @type {Map<string, Row>} */
const rows = new Map()
/** @type {Map<string, Group>} */
const groups = new Map()
/** Each group's restart strategy and restarts, from `/groups`. @type {Map<string, GroupInfo>} */
const groupInfos = new Map()
/** Server clock minus ours, in seconds (the uptime column ticks locally). */
let clockOffset = 0
const table = /** @type {HTMLTableElement} */ ($("processes"))

/** The server's `pid N, uptime …` head of a RUNNING process's description (what follows is readiness or health). */
const RUNNING_HEAD = /^pid \d+, uptime (\d+ days?, )?\d+:\d\d:\d\d/

/** The description, its uptime ticking locally. @param {ProcessInfo} info */
const describe = (info) =>
  info.statename === "RUNNING" && info.start > 0
    ? `pid ${info.pid}, uptime ${formatUptime(Date.now() / 1000 + clockOffset - info.start)}${info.description.replace(RUNNING_HEAD, "")}`
    : info.description

/**
 * The badges of a process: readiness, health and dependency waits, each as text (the colour only
 * repeats it) with the check in its title.
 * @param {ProcessInfo} info
 * @returns {Array<{ text: string, tone: string, title: string }>}
 */
const badgesOf = (info) => {
  const badges = []
  const live = info.statename === "STARTING" || info.statename === "RUNNING"
  if (info.readiness !== undefined && live) {
    badges.push(info.readiness.ready
      ? { text: "ready", tone: "ok", title: `ready: ${info.readiness.check} succeeded` }
      : { text: "not ready", tone: "busy", title: `waiting for ${info.readiness.check}` })
  }
  if (info.health !== undefined && info.health.status !== "unchecked") {
    const { status, failures, retries, check } = info.health
    badges.push(status === "healthy"
      ? { text: "healthy", tone: "ok", title: `healthcheck ${check} passes` }
      : { text: `unhealthy ${Math.min(failures, retries)}/${retries}`, tone: "bad", title: `healthcheck ${check}: ${failures} failed in a row` })
  }
  if (info.waitingFor !== undefined) {
    const needs = info.waitingFor.map((d) => `${d.target} (${d.condition})`).join(", ")
    badges.push({ text: `waits for ${info.waitingFor.map((d) => d.target).join(", ")}`, tone: "busy", title: `waiting for ${needs}` })
  }
  return badges
}

/** @param {Row} row */
const paintBadges = (row) => {
  const badges = badgesOf(row.info)
  const key = badges.map((b) => `${b.tone}:${b.text}:${b.title}`).join("|")
  if (row.badges.dataset["key"] === key) return
  row.badges.dataset["key"] = key
  row.badges.replaceChildren(...badges.map((b) => el("span", { class: `badge ${b.tone}`, title: b.title }, b.text)))
}

/**
 * A group's restart strategy and what it restarted, in words; "" for supervisord's way (each
 * process restarts itself).
 * @param {GroupInfo | undefined} g
 */
const strategyText = (g) => {
  if (g === undefined) return ""
  const s = g.supervision
  if (s.strategy === "one_for_one" && s.maxRestarts === undefined) return ""
  const limit = s.maxRestarts === undefined ? "" : `, at most ${s.maxRestarts} restarts in ${s.maxRestartsPeriod} s, then ${s.onExhausted}`
  const done = g.restarts === 0 ? ""
    : ` · restarted ${g.restarts} time${g.restarts === 1 ? "" : "s"}${s.maxRestarts === undefined ? "" : `, ${g.recentRestarts} in the last ${s.maxRestartsPeriod} s`}`
  return `${s.strategy}${limit}${done}`
}

/** Set the groups' strategies and restarts from `/groups`. @param {Array<GroupInfo>} infos */
const setGroupInfos = (infos) => {
  groupInfos.clear()
  for (const g of infos) groupInfos.set(g.name, g)
}

/** What the per-process buttons may do in a state (supervisord's page: restart/stop when running, start when stopped). */
const ACTIONS = /** @type {const} */ (["start", "stop", "restart", "clear", "log"])
/** @param {string} action @param {string} state */
const allowed = (action, state) =>
  action === "start" ? ["STOPPED", "EXITED", "FATAL", "BACKOFF"].includes(state)
  : action === "stop" ? ["RUNNING", "STARTING", "BACKOFF"].includes(state)
  : action === "restart" ? state === "RUNNING"
  : true

const LABELS = { start: "Start", stop: "Stop", restart: "Restart", clear: "Clear log", log: "Log" }

/** @param {ProcessInfo} info @returns {Row} */
const makeRow = (info) => {
  const tr = el("tr", { "data-namespec": info.namespec })
  const state = el("span", { class: "state" })
  const desc = el("td", { class: "desc" })
  const pid = el("td", { class: "pid" })
  const name = el("td", { class: "name" })
  const nameButton = el("button", { type: "button", class: "link", title: "Show the log" }, info.namespec)
  nameButton.addEventListener("click", () => openProcessLog(info.namespec))
  name.append(nameButton)
  const stateCell = el("td", { class: "state-cell" })
  const badges = el("span", { class: "badges" })
  stateCell.append(state, badges)
  const actions = el("td", { class: "actions" })
  /** @type {Record<string, HTMLButtonElement>} */
  const buttons = {}
  for (const action of ACTIONS) {
    const button = el("button", { type: "button", "aria-label": `${LABELS[action]} ${info.namespec}` }, LABELS[action])
    button.addEventListener("click", () =>
      action === "log" ? openProcessLog(info.namespec) : processAction(action, info.namespec, button))
    buttons[action] = button
    actions.append(button)
  }
  tr.append(stateCell, desc, name, pid, actions)
  const row = { info, tr, state, badges, desc, pid, buttons }
  paintRow(row)
  return row
}

/** Sets a node's text only when it changes (repainting 500 rows must not touch the DOM needlessly). @param {Node} node @param {string} text */
const setText = (node, text) => {
  if (node.textContent !== text) node.textContent = text
}

/** @param {Row} row */
const paintRow = (row) => {
  const { info } = row
  setText(row.state, info.statename)
  const cls = `state ${stateClass(info.statename)}`
  if (row.state.className !== cls) row.state.className = cls
  setText(row.desc, describe(info))
  paintBadges(row)
  setText(row.pid, info.pid === 0 ? "" : String(info.pid))
  for (const action of ACTIONS) {
    const disabled = !allowed(action, info.statename)
    if (row.buttons[action].disabled !== disabled) row.buttons[action].disabled = disabled
  }
}

/** @param {string} name @returns {Group} */
const makeGroup = (name) => {
  const tbody = el("tbody", { "data-group": name })
  return { name, tbody, header: undefined, summary: undefined, strategy: undefined, toggle: undefined, members: [], collapsed: false }
}

/** A header row with group actions, for groups that are more than one homonymous process. @param {Group} group */
const paintGroupHeader = (group) => {
  const needsHeader = group.members.length > 1 || group.members.some((m) => m !== group.name)
  if (!needsHeader) {
    group.header?.remove()
    group.header = undefined
    return
  }
  if (group.header === undefined) {
    const header = el("tr", { class: "group" })
    const th = el("th", { colspan: "5", scope: "rowgroup" })
    const toggle = el("button", { type: "button", class: "toggle", "aria-expanded": "true" }, group.name)
    toggle.addEventListener("click", () => {
      group.collapsed = !group.collapsed
      toggle.setAttribute("aria-expanded", String(!group.collapsed))
      applyFilter()
    })
    const summary = el("span", { class: "summary" })
    const strategy = el("span", { class: "strategy" })
    const actions = el("span", { class: "actions" })
    for (const action of /** @type {const} */ (["start", "stop", "restart"])) {
      const button = el("button", { type: "button", "aria-label": `${LABELS[action]} group ${group.name}` }, `${LABELS[action]} group`)
      button.addEventListener("click", () => processAction(action, `${group.name}:*`, button))
      actions.append(button)
    }
    th.append(toggle, summary, strategy, actions)
    header.append(th)
    group.tbody.prepend(header)
    group.header = header
    group.summary = summary
    group.strategy = strategy
    group.toggle = toggle
  }
  if (group.strategy) setText(group.strategy, strategyText(groupInfos.get(group.name)))
  const running = group.members.filter((m) => rows.get(m)?.info.statename === "RUNNING").length
  if (group.summary) group.summary.textContent = `${running} of ${group.members.length} running`
}

/** Replace the table's content with `infos` (kept in the server's order: by group, then name). @param {Array<ProcessInfo>} infos */
const setAll = (infos) => {
  const seen = new Set()
  /** @type {Map<string, Array<ProcessInfo>>} */
  const byGroup = new Map()
  for (const info of infos) {
    seen.add(info.namespec)
    const list = byGroup.get(info.group) ?? []
    list.push(info)
    byGroup.set(info.group, list)
  }
  for (const [namespec, row] of rows) {
    if (!seen.has(namespec)) {
      row.tr.remove()
      rows.delete(namespec)
    }
  }
  for (const [name, group] of groups) {
    if (!byGroup.has(name)) {
      group.tbody.remove()
      groups.delete(name)
    }
  }
  /** @type {Element | null} */
  let previousGroup = table.tHead
  for (const [name, members] of byGroup) {
    const group = groups.get(name) ?? makeGroup(name)
    groups.set(name, group)
    group.members = members.map((m) => m.namespec)
    // rows in the server's order, each moved only when it is not already in its place
    /** @type {Element | null} */
    let previous = group.header ?? null
    for (const info of members) {
      let row = rows.get(info.namespec)
      if (row === undefined) {
        row = makeRow(info)
        rows.set(info.namespec, row)
      } else {
        row.info = info
        paintRow(row)
      }
      if (row.tr.parentNode !== group.tbody || row.tr.previousElementSibling !== previous) {
        group.tbody.insertBefore(row.tr, previous === null ? group.tbody.firstChild : previous.nextSibling)
      }
      previous = row.tr
    }
    paintGroupHeader(group)
    if (group.tbody.parentNode !== table || group.tbody.previousElementSibling !== previousGroup) {
      table.insertBefore(group.tbody, previousGroup === null ? table.firstChild : previousGroup.nextSibling)
    }
    previousGroup = group.tbody
  }
  $("empty").hidden = infos.length > 0
  applyFilter()
}

/** @param {ProcessInfo} info */
const setOne = (info) => {
  const row = rows.get(info.namespec)
  if (row === undefined) return void refresh()
  clockOffset = info.now - Date.now() / 1000
  row.info = info
  paintRow(row)
  applyFilterTo(row)
  summariesChanged(info.group)
}

/**
 * Groups whose header summary (and the counts) are repainted at most every 50 ms, however many
 * events arrive. A timer, not requestAnimationFrame: frames stop in background tabs and can
 * stall under load, timers only slow down.
 */
const staleGroups = new Set()
/** @type {ReturnType<typeof setTimeout> | undefined} */
let summaryTimer
/** @param {string} group */
const summariesChanged = (group) => {
  staleGroups.add(group)
  summaryTimer ??= setTimeout(() => {
    summaryTimer = undefined
    for (const name of staleGroups) {
      const stale = groups.get(name)
      if (stale === undefined) continue
      paintGroupHeader(stale)
      showGroupIfAnyMatches(stale)
    }
    staleGroups.clear()
    updateCounts()
  }, 50)
}

// ---------------------------------------------------------------------------------------------
// Filter
// ---------------------------------------------------------------------------------------------

const filterName = /** @type {HTMLInputElement} */ ($("filter-name"))
const filterState = /** @type {HTMLSelectElement} */ ($("filter-state"))

/** The filter as last typed: name text (lower case) and state choice. */
const filter = { text: "", state: "" }

/** @param {ProcessInfo} info */
const matches = (info) => {
  const { text, state } = filter
  if (text !== "" && !info.namespec.toLowerCase().includes(text)) return false
  return state === "" ? true
    : state === "!RUNNING" ? info.statename !== "RUNNING"
    : state === "PROBLEM" ? PROBLEMS.has(info.statename)
    : info.statename === state
}

/** @param {Row} row */
const applyFilterTo = (row) => {
  const group = groups.get(row.info.group)
  row.tr.hidden = !matches(row.info) || group?.collapsed === true
}

const applyFilter = () => {
  filter.text = filterName.value.trim().toLowerCase()
  filter.state = filterState.value
  for (const row of rows.values()) applyFilterTo(row)
  for (const group of groups.values()) showGroupIfAnyMatches(group)
  updateCounts()
}

/** A group is shown while one of its processes passes the filter. @param {Group} group */
const showGroupIfAnyMatches = (group) => {
  group.tbody.hidden = !group.members.some((namespec) => {
    const row = rows.get(namespec)
    return row !== undefined && matches(row.info)
  })
}

const updateCounts = () => {
  let running = 0
  let shown = 0
  for (const row of rows.values()) {
    if (row.info.statename === "RUNNING") running++
    if (matches(row.info)) shown++
  }
  $("counts").textContent = `${running} of ${rows.size} running${shown === rows.size ? "" : ` · ${shown} shown`}`
}

filterName.addEventListener("input", applyFilter)
filterState.addEventListener("change", applyFilter)
$("filters").addEventListener("submit", (e) => e.preventDefault())
document.addEventListener("keydown", (e) => {
  const target = /** @type {HTMLElement} */ (e.target)
  const typing = target instanceof HTMLInputElement || target instanceof HTMLSelectElement || target instanceof HTMLTextAreaElement
  if (e.key === "/" && !typing && !document.querySelector("dialog[open]")) {
    e.preventDefault()
    filterName.focus()
  } else if (e.key === "Escape" && target === filterName && filterName.value !== "") {
    filterName.value = ""
    applyFilter()
  }
})

// the uptime column ticks locally, once a second
setInterval(() => {
  for (const row of rows.values()) {
    if (row.info.statename === "RUNNING" && !row.tr.hidden) row.desc.textContent = describe(row.info)
  }
}, 1000)

// ---------------------------------------------------------------------------------------------
// Actions
// ---------------------------------------------------------------------------------------------

const PAST = { start: "started", stop: "stopped", restart: "restarted", clear: "log cleared" }

/**
 * @typedef {{ namespec: string, code: string, description: string }} ProcessResult
 * @param {"start" | "stop" | "restart" | "clear"} action
 * @param {string} spec a namespec, `group:*` or `all`
 * @param {HTMLButtonElement | undefined} button
 */
const processAction = async (action, spec, button) => {
  if (button) button.disabled = true
  document.body.classList.add("busy")
  try {
    /** @type {Array<ProcessResult>} */
    const results = await api(`${nameUrl(spec)}/${action}`, { method: "POST" })
    const failed = results.filter((r) => r.code !== "SUCCESS")
    const what = spec === "all" ? "All processes" : spec.endsWith(":*") ? `Group ${spec.slice(0, -2)}` : `Process ${spec}`
    if (action === "clear" && spec !== "all" && !spec.endsWith(":*")) showMessage(`Log for ${spec} cleared`)
    else if (failed.length === 0) showMessage(`${what} ${PAST[action]}${spec === "all" ? ` at ${timeNow()}` : ""}`)
    else {
      showMessage(`${what}: ${results.length - failed.length} ${PAST[action]}, ${failed.length} failed: ` +
        failed.map((r) => `${r.namespec} (${r.description})`).join(", "), { error: true })
    }
  } catch (e) {
    showMessage(`ERROR: ${spec}: ${e instanceof Error ? e.message : String(e)}`, { error: true })
  } finally {
    document.body.classList.remove("busy")
    if (button) {
      const row = rows.get(spec)
      button.disabled = row !== undefined && !allowed(action, row.info.statename)
    }
  }
}

$("restart-all").addEventListener("click", (e) =>
  processAction("restart", "all", /** @type {HTMLButtonElement} */ (e.currentTarget)))
$("stop-all").addEventListener("click", (e) => processAction("stop", "all", /** @type {HTMLButtonElement} */ (e.currentTarget)))

// ---------------------------------------------------------------------------------------------
// Live updates
// ---------------------------------------------------------------------------------------------

let refreshing = false
let refreshAgain = false
/** Events that arrived while the table was being re-read: applied after it, in order. @type {Array<() => void>} */
let deferred = []

/** Re-read everything the page shows (once more after the current read, if one is running). */
const refresh = async () => {
  if (refreshing) {
    refreshAgain = true
    return
  }
  refreshing = true
  try {
    const [infos, daemon, groupList] = await Promise.all([api("/processes"), api("/supervisor"), api("/groups")])
    if (infos.length > 0) clockOffset = infos[0].now - Date.now() / 1000
    setGroupInfos(groupList)
    setAll(infos)
    // the rows the server wrote into the page, for a first look and for clients without scripts
    for (const rows of table.querySelectorAll("tbody.server-rows")) rows.remove()
    if (performance.getEntriesByName("effsup:table-filled").length === 0) performance.mark("effsup:table-filled")
    $("identity").textContent = daemon.identification === "supervisor" ? "effsup" : daemon.identification
    $("daemon-state").textContent = daemon.statename === "RUNNING" ? "" : daemon.statename
    $("version").textContent = daemon.version
    document.title = `${daemon.identification === "supervisor" ? "effsup" : daemon.identification} — effsup`
  } catch (e) {
    showMessage(`ERROR: ${e instanceof Error ? e.message : String(e)}`, { error: true })
  } finally {
    refreshing = false
    const pending = deferred
    deferred = []
    for (const apply of pending) apply()
    if (refreshAgain) {
      refreshAgain = false
      void refresh()
    }
  }
}

/** Apply now, or after the running refresh. @param {() => void} apply */
const live = (apply) => (refreshing ? deferred.push(apply) : apply())

/** @param {"live" | "lost" | "connecting" | "reconnected"} state @param {string} text */
const setConnection = (state, text) => {
  const node = $("connection")
  node.dataset["state"] = state
  node.textContent = text
  document.body.dataset["connection"] = state // the table is dimmed while what it shows may be stale
}

/** @type {EventSource | undefined} */
let events
let everConnected = false
let retryDelay = 1000

const connect = () => {
  const source = new EventSource(`${API}/events`)
  events = source
  source.addEventListener("open", () => {
    retryDelay = 1000
    if (everConnected) {
      setConnection("reconnected", "Reconnected — live")
      setTimeout(() => $("connection").dataset["state"] === "reconnected" && setConnection("live", "Live"), 3000)
    } else setConnection("live", "Live")
    everConnected = true
  })
  source.addEventListener("error", () => {
    if (source.readyState === EventSource.CLOSED) {
      // the server refused the stream (e.g. it restarted with other credentials): try again later
      setConnection("lost", "Connection lost — retrying…")
      setTimeout(connect, retryDelay)
      retryDelay = Math.min(retryDelay * 2, 30_000)
    } else {
      setConnection("lost", "Connection lost — reconnecting…")
    }
  })
  source.addEventListener("hello", (e) => {
    const hello = JSON.parse(/** @type {MessageEvent} */ (e).data)
    if (!hello.resumed) void refresh()
  })
  source.addEventListener("gap", () => void refresh())
  source.addEventListener("process", (e) => {
    const info = JSON.parse(/** @type {MessageEvent} */ (e).data)
    live(() => setOne(info))
  })
  for (const state of STATES) {
    source.addEventListener(`PROCESS_STATE_${state}`, (e) => {
      const event = JSON.parse(/** @type {MessageEvent} */ (e).data)
      live(() => {
        const row = rows.get(event.namespec)
        if (row === undefined) return
        // the state at once; the rest of the row comes with the `process` event that follows
        row.info = { ...row.info, statename: state, pid: state === "RUNNING" || state === "STOPPING" ? event.pid : 0 }
        paintRow(row)
        applyFilterTo(row)
        summariesChanged(row.info.group)
      })
    })
  }
  for (const name of ["PROCESS_GROUP_ADDED", "PROCESS_GROUP_REMOVED"]) source.addEventListener(name, () => void refresh())
  for (const name of NOTABLE_EVENTS) {
    source.addEventListener(name, (e) => {
      const event = JSON.parse(/** @type {MessageEvent} */ (e).data)
      live(() => noteEvent(name, event))
    })
  }
  source.addEventListener("SUPERVISOR_STATE_CHANGE_STOPPING", () => {
    $("daemon-state").textContent = "SHUTDOWN"
  })
}

// ---------------------------------------------------------------------------------------------
// Health and group-strategy events
// ---------------------------------------------------------------------------------------------

/** effsup's events with no state change to show them: listed, newest first. */
const NOTABLE_EVENTS = ["PROCESS_HEALTH_UNHEALTHY", "PROCESS_HEALTH_HEALTHY", "GROUP_STRATEGY_RESTART", "GROUP_STRATEGY_EXHAUSTED"]
const EVENTS_KEPT = 50

/** What an event says, in words. @param {string} name @param {Record<string, any>} e */
const eventText = (name, e) => {
  switch (name) {
    case "PROCESS_HEALTH_UNHEALTHY":
      return `${e["namespec"]} is unhealthy after ${e["failures"]} failed checks${e["message"] === "" ? "" : `: ${e["message"]}`}`
    case "PROCESS_HEALTH_HEALTHY":
      return `${e["namespec"]} is healthy again`
    case "GROUP_STRATEGY_RESTART":
      return `group ${e["groupName"]}: ${e["processName"]} died, restarting ${e["processNames"].join(", ")} (${e["strategy"]})`
    default:
      return `group ${e["groupName"]} gave up after more than ${e["maxRestarts"]} restarts in ${e["period"]} s (${e["action"]})`
  }
}

/**
 * Lists an event, and re-reads what it changed with no state change: a health event's process
 * (its badge), a strategy event's group (its restarts).
 * @param {string} name @param {Record<string, any>} event
 */
const noteEvent = (name, event) => {
  const list = $("event-list")
  const item = el("li", name === "PROCESS_HEALTH_UNHEALTHY" || name === "GROUP_STRATEGY_EXHAUSTED" ? { class: "bad" } : {})
  item.append(el("time", {}, timeNow()), el("code", {}, name), el("span", {}, eventText(name, event)))
  list.prepend(item)
  while (list.children.length > EVENTS_KEPT) list.lastElementChild?.remove()
  $("events").hidden = false
  if (name.startsWith("PROCESS_HEALTH_")) {
    api(nameUrl(event["namespec"])).then((info) => live(() => setOne(info)), () => {})
  } else {
    api("/groups").then((infos) => live(() => {
      setGroupInfos(infos)
      const group = groups.get(event["groupName"])
      if (group !== undefined) paintGroupHeader(group)
    }), () => {})
  }
}

// ---------------------------------------------------------------------------------------------
// Log views (one process's stdout/stderr, or the activity log)
// ---------------------------------------------------------------------------------------------

const logDialog = /** @type {HTMLDialogElement} */ ($("log-dialog"))
const logText = $("log-text")
const logFollow = /** @type {HTMLInputElement} */ ($("log-follow"))

/**
 * The open log view: which log, the follow stream, and the offsets shown (each text node keeps its offset).
 * @type {{ namespec: string | undefined, channel: string, source: EventSource | undefined,
 *   first: number, chunks: Array<{ node: Text, offset: number }>, chars: number } | undefined}
 */
let logView

/** @param {{ namespec: string | undefined, channel: string }} view */
const logBase = (view) => (view.namespec === undefined ? "/mainlog" : `${nameUrl(view.namespec)}/log/${view.channel}`)

/** @param {string} text */
const setLogStatus = (text) => ($("log-status").textContent = text)

const scrollLogIfFollowing = () => {
  if (logFollow.checked) logText.scrollTop = logText.scrollHeight
}

/** Drop the oldest text once the view holds too much. */
const trimLog = () => {
  if (!logView) return
  while (logView.chars > LOG_MAX_CHARS && logView.chunks.length > 1) {
    const oldest = /** @type {{ node: Text, offset: number }} */ (logView.chunks.shift())
    logView.chars -= oldest.node.data.length
    oldest.node.remove()
    logView.first = logView.chunks[0]?.offset ?? logView.first
  }
  $("log-earlier").toggleAttribute("disabled", logView.first === 0)
}

const closeLogStream = () => {
  logView?.source?.close()
  if (logView) logView.source = undefined
}

/** Open (or switch) the log view. @param {string | undefined} namespec undefined: the activity log @param {string} channel */
const showLog = (namespec, channel) => {
  closeLogStream()
  logView = { namespec, channel, source: undefined, first: 0, chunks: [], chars: 0 }
  const view = logView
  logText.replaceChildren()
  $("log-title").textContent = namespec === undefined ? "Activity log" : `Log of ${namespec}`
  $("log-channels").hidden = namespec === undefined
  $("log-clear").hidden = namespec === undefined
  setLogStatus("Loading…")
  const source = new EventSource(`${API}${logBase(view)}/follow`)
  view.source = source
  source.addEventListener("start", (e) => {
    view.first = JSON.parse(/** @type {MessageEvent} */ (e).data).offset
    setLogStatus(view.first === 0 ? "" : "Earlier output is not shown")
    $("log-earlier").toggleAttribute("disabled", view.first === 0)
  })
  source.addEventListener("log", (e) => {
    const { offset, text } = JSON.parse(/** @type {MessageEvent} */ (e).data)
    const node = document.createTextNode(text)
    logText.append(node)
    view.chunks.push({ node, offset })
    view.chars += text.length
    trimLog()
    scrollLogIfFollowing()
  })
  source.addEventListener("reset", (e) => {
    const { reason } = JSON.parse(/** @type {MessageEvent} */ (e).data)
    logText.replaceChildren()
    view.chunks = []
    view.chars = 0
    view.first = 0
    setLogStatus(reason === "truncated" ? "The log was cleared" : "The log was rotated")
  })
  source.addEventListener("error", async () => {
    if (source.readyState !== EventSource.CLOSED) return setLogStatus("Connection lost — reconnecting…")
    // a refused stream: say why (no log file, unknown process…)
    try {
      await api(`${logBase(view)}?offset=0&length=1`, { text: true })
      setLogStatus("The log stream ended")
    } catch (err) {
      setLogStatus(err instanceof Error ? err.message : String(err))
    }
  })
  source.addEventListener("open", () => {
    if ($("log-status").textContent === "Connection lost — reconnecting…") setLogStatus("")
  })
  if (!logDialog.open) logDialog.showModal()
  logText.focus()
}

/** @param {string} namespec */
const openProcessLog = (namespec) => {
  const checked = /** @type {HTMLInputElement | null} */ (document.querySelector("input[name=log-channel]:checked"))
  const stdout = /** @type {HTMLInputElement} */ (document.querySelector("input[name=log-channel][value=stdout]"))
  if (checked !== stdout) stdout.checked = true
  showLog(namespec, "stdout")
}

for (const radio of document.querySelectorAll("input[name=log-channel]")) {
  radio.addEventListener("change", (e) => {
    if (logView?.namespec !== undefined) showLog(logView.namespec, /** @type {HTMLInputElement} */ (e.target).value)
  })
}

$("log-earlier").addEventListener("click", async () => {
  const view = logView
  if (!view || view.first === 0) return
  const from = Math.max(0, view.first - LOG_CHUNK)
  try {
    const text = await api(`${logBase(view)}?offset=${from}&length=${view.first - from}`, { text: true })
    if (view !== logView) return
    const node = document.createTextNode(text)
    logText.prepend(node)
    view.chunks.unshift({ node, offset: from })
    view.chars += text.length
    view.first = from
    setLogStatus(from === 0 ? "" : "Earlier output is not shown")
    $("log-earlier").toggleAttribute("disabled", from === 0)
  } catch (e) {
    setLogStatus(e instanceof Error ? e.message : String(e))
  }
})

$("log-clear").addEventListener("click", () => {
  if (logView?.namespec !== undefined) void processAction("clear", logView.namespec, undefined)
})
$("log-close").addEventListener("click", () => logDialog.close())
logDialog.addEventListener("close", () => {
  closeLogStream()
  logView = undefined
})
$("open-activity").addEventListener("click", () => showLog(undefined, "stdout"))

// ---------------------------------------------------------------------------------------------
// Reread / update
// ---------------------------------------------------------------------------------------------

const updateDialog = /** @type {HTMLDialogElement} */ ($("update-dialog"))
const applyButton = /** @type {HTMLButtonElement} */ ($("update-apply"))

/** @param {{ added: Array<string>, changed: Array<string>, removed: Array<string> }} plan */
const showPlan = (plan) => {
  const parts = []
  for (const [title, names] of /** @type {const} */ ([["Added", plan.added], ["Changed", plan.changed], ["Removed", plan.removed]])) {
    if (names.length === 0) continue
    const section = el("section")
    section.append(el("h3", {}, `${title} (${names.length})`))
    const list = el("ul")
    for (const name of names) list.append(el("li", {}, name))
    section.append(list)
    parts.push(section)
  }
  $("update-plan").replaceChildren(...parts)
  return parts.length > 0
}

$("open-update").addEventListener("click", async () => {
  $("update-plan").replaceChildren()
  $("update-status").textContent = "Rereading the configuration…"
  applyButton.disabled = true
  updateDialog.showModal()
  try {
    const result = await api("/update", { method: "POST", body: { dryRun: true } })
    const changes = showPlan(result.plan)
    $("update-status").textContent = changes ? "The configuration file has these changes:" : "No config updates to processes"
    applyButton.disabled = !changes
    if (changes) applyButton.focus()
  } catch (e) {
    $("update-status").textContent = `ERROR: ${e instanceof Error ? e.message : String(e)}`
  }
})

applyButton.addEventListener("click", async () => {
  applyButton.disabled = true
  $("update-status").textContent = "Updating…"
  try {
    const result = await api("/update", { method: "POST", body: { dryRun: false } })
    const list = el("ul")
    for (const g of result.groups) list.append(el("li", {}, `${g.group}: ${g.action}${g.outcome === "OK" ? "" : ` — ${g.outcome}`}`))
    $("update-plan").replaceChildren(list)
    $("update-status").textContent = result.groups.length === 0 ? "Nothing to update" : "Updated:"
  } catch (e) {
    $("update-status").textContent = `ERROR: ${e instanceof Error ? e.message : String(e)}`
  }
})
$("update-close").addEventListener("click", () => updateDialog.close())

// ---------------------------------------------------------------------------------------------
// supervisord's old links: the server acts on them and redirects with `?message=`, except those a
// browser followed from another site, which reach the page and are only shown
// ---------------------------------------------------------------------------------------------

const oldLink = () => {
  const query = new URLSearchParams(location.search)
  const name = query.get("processname")
  const action = query.get("action")
  const message = query.get("message")
  if (name && action && ["start", "stop", "restart", "clearlog"].includes(action)) {
    const verb = action === "clearlog" ? "clear" : /** @type {"start" | "stop" | "restart"} */ (action)
    showMessage(`This link asks to ${verb === "clear" ? "clear the log of" : verb} ${name}. ` +
      "It was followed from another site, so effsup did not act on it; use the button if you meant it.", {
      actions: [{ label: `${LABELS[verb]} ${name}`, run: () => void processAction(verb, name, undefined) }]
    })
  } else if (action === "stopall" || action === "restartall") {
    showMessage(`This link asks to ${action === "stopall" ? "stop" : "restart"} all processes. ` +
      "It was followed from another site, so effsup did not act on it; use the buttons above if you meant it.")
  } else if (message) {
    showMessage(message)
  }
}

// the table is read at once, in parallel with the event stream's start; its `hello` reads it
// again, so no change between the two is missed
void refresh()
connect()
oldLink()
