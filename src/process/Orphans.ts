/**
 * Adopting and reaping orphans, as supervisord does when it runs as PID 1: the daemon is a child
 * subreaper while a spawner layer lives (PR_SET_CHILD_SUBREAPER; PID 1 is one already), so a
 * program's descendants that lose their parent (a daemonizing program, a killed shell's background
 * job) become the daemon's children instead of init's, and each is reaped when it exits, logged as
 * `reaped unknown pid N (exit status 0)` at info level.
 *
 * Never stealing: the native spawner's children are reaped through their pidfds (`isOurs`), and
 * libuv reaps the children of node:child_process by waitpid on each of their pids when it sees
 * SIGCHLD; a waitpid(-1) here would take their exit statuses from them. So an unknown zombie is
 * reaped only once it has been seen at two scans with an event-loop poll phase between them —
 * by then libuv has handled the SIGCHLD its exit raised and reaped it, if it was libuv's. Scans
 * run after a SIGCHLD, and once more a little later while a zombie is waiting; nothing polls.
 *
 * Left behind: every child starts its own session (its pid is the session id), and descendants
 * keep it unless they start their own. When a program's main process is gone, what is left of its
 * session has been re-parented to the daemon: `leftBehind(pid)` finds those adopted processes
 * and their descendants (ProcessActor reports them after a stop). No descendant outlives the
 * daemon: when the scope closes, whatever is left of every session the spawner started gets
 * SIGTERM, and SIGKILL after KILL_GRACE_MS. A descendant that started a session of its own
 * (a double-forking daemon) is adopted and reaped, but not found by its session.
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Fs from "node:fs"
import { describeExit } from "../domain/ExitInfo.ts"
import { exitInfoOf, type NativeAddon } from "./NativeAddon.ts"

/** How long after a scan that saw an unknown zombie the next one runs, if no SIGCHLD comes first. */
const SECOND_LOOK_MS = 100

/** The least time between two scans for unknown zombies. */
const SCAN_SPACING_MS = 20

/** How long descendants left at shutdown have between SIGTERM and SIGKILL. */
export const KILL_GRACE_MS = 1000

/** The buffer /proc files are read into (they are small; readFileSync would allocate 64 KiB per file). */
const procBuffer = Buffer.allocUnsafe(64 * 1024)

/** A /proc file's text (latin1), read into the shared buffer (or whole, when larger); throws when the file is gone. */
const readProc = (path: string): string => {
  const fd = Fs.openSync(path, "r")
  try {
    let length = 0
    for (let n = 1; n > 0 && length < procBuffer.length; length += n) n = Fs.readSync(fd, procBuffer, length, procBuffer.length - length, null)
    return length < procBuffer.length ? procBuffer.toString("latin1", 0, length) : Fs.readFileSync(path, "latin1")
  } finally {
    Fs.closeSync(fd)
  }
}

/** A process's parent, session and state letter, from /proc; undefined once it is gone. */
const procStat = (pid: number): { readonly ppid: number; readonly sid: number; readonly state: string } | undefined => {
  try {
    const stat = readProc(`/proc/${pid}/stat`)
    // after the command name in parentheses: state ppid pgrp session …
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    return { state: fields[0]!, ppid: Number(fields[1]), sid: Number(fields[3]) }
  } catch {
    return undefined
  }
}

/** The children of `pid` (all its threads'), from /proc. */
const childrenOf = (pid: number): ReadonlyArray<number> => {
  try {
    return Fs.readdirSync(`/proc/${pid}/task`).flatMap((task) => {
      const text = readProc(`/proc/${pid}/task/${task}/children`).trim()
      return text === "" ? [] : text.split(" ").map(Number)
    })
  } catch {
    return []
  }
}

/** A stat of a process that has not exited (not a zombie, not dead). */
const living = (stat: ReturnType<typeof procStat>): stat is NonNullable<ReturnType<typeof procStat>> =>
  stat !== undefined && stat.state !== "Z" && stat.state !== "X"

const alive = (pid: number) => living(procStat(pid))

/** The daemon's live children that are not `isOurs` (adopted ones), with their sessions. */
const adoptedChildren = (isOurs: (pid: number) => boolean): ReadonlyArray<{ readonly pid: number; readonly sid: number }> =>
  childrenOf(process.pid).flatMap((pid) => {
    if (isOurs(pid)) return []
    const stat = procStat(pid)
    return living(stat) ? [{ pid, sid: stat.sid }] : []
  })

/**
 * What is left of each session of `sids` among the daemon's descendants that are not `isOurs`: the
 * adopted children in it and, below them, every live descendant (ascending pids); one listing of
 * the daemon's children for all of them.
 */
const leftBehindBySession = (sids: ReadonlySet<number>, isOurs: (pid: number) => boolean): ReadonlyMap<number, ReadonlyArray<number>> => {
  const found = new Map<number, Set<number>>()
  const seen = new Set<number>()
  const visit = (pid: number, into: Set<number>) => {
    if (seen.has(pid) || !alive(pid)) return
    seen.add(pid)
    into.add(pid)
    for (const child of childrenOf(pid)) visit(child, into)
  }
  for (const child of adoptedChildren(isOurs)) {
    if (!sids.has(child.sid)) continue
    const into = found.get(child.sid) ?? new Set<number>()
    found.set(child.sid, into)
    visit(child.pid, into)
  }
  return new Map([...found].map(([sid, pids]) => [sid, [...pids].sort((a, b) => a - b)]))
}

/** What is left of the sessions `sids` (see leftBehindBySession), all together (ascending pids). */
const leftBehind = (sids: ReadonlySet<number>, isOurs: (pid: number) => boolean): ReadonlyArray<number> =>
  [...leftBehindBySession(sids, isOurs).values()].flat().sort((a, b) => a - b)

/** How long left-behind questions wait for others to share one listing of the daemon's children. */
const SHARED_LOOK_MS = 20

/**
 * `leftBehind` for one session at a time, as programs ask after each stop: the questions asked
 * within SHARED_LOOK_MS share one look at /proc (stopping 200 programs asked 200 times, each
 * reading every thread's children file, 200 ms after each stop).
 */
export const sharedLeftBehind = (isOurs: (pid: number) => boolean) => {
  let asked: Map<number, Array<(pids: ReadonlyArray<number>) => void>> | undefined
  const answer = () => {
    const questions = asked!
    asked = undefined
    const found = leftBehindBySession(new Set(questions.keys()), isOurs)
    for (const [sid, waiting] of questions) for (const reply of waiting) reply(found.get(sid) ?? [])
  }
  return (sid: number): Effect.Effect<ReadonlyArray<number>> =>
    Effect.callback<ReadonlyArray<number>>((resume) => {
      if (asked === undefined) {
        asked = new Map()
        setTimeout(answer, SHARED_LOOK_MS).unref()
      }
      const waiting = asked.get(sid) ?? []
      asked.set(sid, waiting)
      waiting.push((pids) => resume(Effect.succeed(pids)))
    })
}

/** The sessions that still have something in them: those of the daemon's live adopted children. */
export const occupiedSessions = (isOurs: (pid: number) => boolean): ReadonlySet<number> =>
  new Set(adoptedChildren(isOurs).map((child) => child.sid))

/** Signal each pid, ignoring those already gone. */
const signalAll = (pids: ReadonlyArray<number>, signal: NodeJS.Signals) => {
  for (const pid of pids) {
    try {
      process.kill(pid, signal)
    } catch {
      // gone already
    }
  }
}

/**
 * SIGTERM what is left of `sids`, then SIGKILL what is still alive after KILL_GRACE_MS; logs the
 * pids it signalled. Checks every 50 ms during the grace (only at shutdown, only while some live).
 */
export const killLeftBehind = (sids: ReadonlySet<number>, isOurs: (pid: number) => boolean): Effect.Effect<void> =>
  Effect.gen(function*() {
    const pids = leftBehind(sids, isOurs)
    if (pids.length === 0) return
    yield* Effect.logWarning(`killing descendants left behind by stopped programs: pids ${pids.join(", ")} (SIGTERM)`)
    signalAll(pids, "SIGTERM")
    const deadline = Date.now() + KILL_GRACE_MS
    let living = pids.filter(alive)
    // most die at once: look again after 1 ms, then less and less often (at most every 50 ms)
    for (let wait = 1; living.length > 0 && Date.now() < deadline; wait = Math.min(2 * wait, 50)) {
      yield* Effect.sleep(wait)
      living = living.filter(alive)
    }
    if (living.length === 0) return
    yield* Effect.logWarning(`killing descendants still alive after ${KILL_GRACE_MS} ms: pids ${living.join(", ")} (SIGKILL)`)
    signalAll(living, "SIGKILL")
  })

/**
 * Adopters alive in this process (each spawner layer has one): the process is a subreaper while
 * any is, and goes back to what it was before the first when the last ends.
 */
let adopters = 0
let wasSubreaper = false

const adopt = (addon: NativeAddon) => {
  if (adopters++ === 0 && process.pid !== 1) wasSubreaper = addon.setSubreaper(true)
}

const release = (addon: NativeAddon) => {
  if (--adopters === 0 && process.pid !== 1 && !wasSubreaper) addon.setSubreaper(false)
}

/** Become a subreaper and reap unknown zombie children until the scope closes. */
export const adoptOrphans = (addon: NativeAddon, isOurs: (pid: number) => boolean): Effect.Effect<void, never, Scope.Scope> =>
  Effect.gen(function*() {
    const context = yield* Effect.context<never>()
    const log = (message: string) => Effect.runForkWith(context)(Effect.logInfo(message))

    /** Unknown zombies seen at the last scan. */
    let seen = new Set<number>()
    let scanQueued = false
    let secondLook: ReturnType<typeof setTimeout> | undefined
    let lastScan = -Infinity
    let spaced: ReturnType<typeof setTimeout> | undefined

    const scan = () => {
      scanQueued = false
      spaced = undefined
      lastScan = performance.now()
      const waiting = new Set<number>()
      for (const pid of addon.zombieCandidates()) {
        if (isOurs(pid) || !addon.isZombie(pid)) continue
        if (!seen.has(pid)) {
          waiting.add(pid)
          continue
        }
        const status = addon.reap(pid)
        if (status !== null) {
          log(`reaped unknown pid ${pid} (${describeExit(exitInfoOf(...status))})`)
        }
      }
      seen = waiting
      if (waiting.size > 0 && secondLook === undefined) {
        secondLook = setTimeout(() => {
          secondLook = undefined
          queueScan()
        }, SECOND_LOOK_MS)
        secondLook.unref()
      }
    }
    // A scan runs after the poll phase in which SIGCHLD was read (setImmediate), never in it, and
    // at most once per SCAN_SPACING_MS: each lists all the daemon's children, and 200 programs
    // stopping at once raise a SIGCHLD each.
    const queueScan = () => {
      if (scanQueued) return
      scanQueued = true
      const wait = lastScan + SCAN_SPACING_MS - performance.now()
      if (wait <= 0) setImmediate(scan)
      else (spaced = setTimeout(scan, wait)).unref()
    }

    yield* Effect.acquireRelease(
      Effect.sync(() => {
        adopt(addon)
        process.on("SIGCHLD", queueScan)
      }),
      () =>
        Effect.sync(() => {
          process.off("SIGCHLD", queueScan)
          if (secondLook !== undefined) clearTimeout(secondLook)
          if (spaced !== undefined) clearTimeout(spaced)
          release(addon)
        })
    )
  })
