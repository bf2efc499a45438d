/**
 * sd_notify for one spawn: the datagram grammar, and a session on a real socket: READY=1 completes
 * `ready`, STATUS=/MAINPID= are posted, the environment names the socket, and with watchdog= a
 * silence after READY=1 posts WatchdogMissed once, a keep-alive after it HealthPassed. The socket
 * and its directory are gone with the scope.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Queue from "effect/Queue"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Datagram from "../../src/process/Datagram.ts"
import * as Notify from "../../src/process/Notify.ts"
import type { Event } from "../../src/process/Transitions.ts"

describe("Notify.parse", () => {
  it("reads READY=1, WATCHDOG=1, STATUS= and MAINPID= from KEY=VALUE lines, and ignores the rest", () => {
    expect(Notify.parse("READY=1\nSTATUS=Serving 3 clients\nMAINPID=4242")).toEqual({
      ready: true, watchdog: false, status: "Serving 3 clients", mainPid: 4242
    })
    expect(Notify.parse("WATCHDOG=1")).toEqual({ ready: false, watchdog: true, status: undefined, mainPid: undefined })
    expect(Notify.parse("READY=0\nMAINPID=0\nMAINPID=x\nRELOADING=1\njunk\nSTATUS=a=b")).toEqual({
      ready: false, watchdog: false, status: "a=b", mainPid: undefined
    })
    expect(Notify.parse("STATUS=")).toMatchObject({ status: "" })
  })
})

describe("Notify.listen", () => {
  it.live("a session: ready at READY=1, notifications posted, the watchdog after READY=1, everything removed at the end", () =>
    Effect.gen(function*() {
      const posted = yield* Queue.unbounded<Event>()
      const post = (event: Event) => Queue.offer(posted, event).pipe(Effect.asVoid)
      const { path, dir } = yield* Effect.scoped(Effect.gen(function*() {
        const session = yield* Notify.listen(0.3, post)
        const path = session.env["NOTIFY_SOCKET"]!
        expect(session.env["WATCHDOG_USEC"]).toBe("300000")
        expect(Fs.statSync(Path.dirname(path)).mode & 0o777).toBe(0o711)
        const sender = yield* Datagram.sender
        const send = (text: string) => expect(sender.sendUnsafe(path, new TextEncoder().encode(text))).toBeUndefined()
        const ready = yield* Effect.forkChild(session.ready)
        send("STATUS=Loading")
        expect(yield* Queue.take(posted)).toEqual({ _tag: "Notified", status: "Loading", mainPid: undefined })
        // no watchdog before READY=1: nothing more is posted meanwhile
        yield* Effect.sleep("500 millis")
        expect(ready.pollUnsafe()).toBeUndefined()
        expect(yield* Queue.size(posted)).toBe(0)
        send("READY=1\nMAINPID=77")
        yield* Fiber.join(ready)
        expect(yield* Queue.take(posted)).toEqual({ _tag: "Notified", status: undefined, mainPid: 77 })
        // silent for 0.3 s after READY=1: missed once, however long the silence
        expect(yield* Queue.take(posted)).toEqual({ _tag: "WatchdogMissed", message: "sent no WATCHDOG=1 for 0.3 seconds" })
        yield* Effect.sleep("700 millis")
        expect(yield* Queue.size(posted)).toBe(0)
        send("WATCHDOG=1")
        expect(yield* Queue.take(posted)).toEqual({ _tag: "HealthPassed" })
        return { path, dir: Path.dirname(path) }
      }))
      expect(Fs.existsSync(path)).toBe(false)
      expect(Fs.existsSync(dir)).toBe(false)
    }))
})
