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
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { describeExit } from "../domain/ExitInfo.ts"
import type { NativeAddon } from "./NativeAddon.ts"
import { signalName } from "./Signals.ts"

/** How long after a scan that saw an unknown zombie the next one runs, if no SIGCHLD comes first. */
const SECOND_LOOK_MS = 100

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

    const scan = () => {
      scanQueued = false
      const waiting = new Set<number>()
      for (const pid of addon.zombieCandidates()) {
        if (isOurs(pid) || !addon.isZombie(pid)) continue
        if (!seen.has(pid)) {
          waiting.add(pid)
          continue
        }
        const status = addon.reap(pid)
        if (status !== null) {
          const [code, signal] = status
          log(`reaped unknown pid ${pid} (${describeExit({ code, signal: signal === null ? null : signalName(signal) })})`)
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
    // A scan runs after the poll phase in which SIGCHLD was read (setImmediate), never in it.
    const queueScan = () => {
      if (scanQueued) return
      scanQueued = true
      setImmediate(scan)
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
          release(addon)
        })
    )
  })
