/** The syslog line format (glibc's header, supervisord's cut into lines) and the one-report-per-failure-run rule. */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Syslog from "../../src/logs/Syslog.ts"
import * as Datagram from "../../src/process/Datagram.ts"

describe("Syslog", () => {
  it("stamps lines as glibc does for supervisord: user.info, a space-padded day, local time, the ident", () => {
    expect(Syslog.header(new Date(2026, 11, 6, 16, 4, 35))).toBe("<14>Dec  6 16:04:35 supervisord: ")
    expect(Syslog.header(new Date(2026, 0, 23, 1, 2, 3))).toBe("<14>Jan 23 01:02:03 supervisord: ")
  })

  it("cuts a record into lines as supervisord's SyslogHandler does", () => {
    expect(Syslog.recordLines("one\n")).toEqual(["one"])
    expect(Syslog.recordLines("two\nlines\n\n")).toEqual(["two", "lines"])
    expect(Syslog.recordLines("a\n\nb")).toEqual(["a", "", "b"])
    expect(Syslog.recordLines("partial")).toEqual(["partial"])
  })

  it.effect("sends one datagram per text, and reports only the first failure of each run of failures", () =>
    Effect.gen(function*() {
      const dir = yield* Effect.acquireRelease(
        Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "effsup-syslog-"))),
        (made) => Effect.sync(() => Fs.rmSync(made, { recursive: true, force: true }))
      )
      const path = Path.join(dir, "log")
      const failures: Array<string> = []
      const syslog = yield* Syslog.make((text) => failures.push(text), path)
      const date = new Date(2026, 11, 6, 16, 4, 35)
      syslog.sendUnsafe(date, ["lost", "lost too"])
      const receiver = yield* Datagram.receiver(path)
      syslog.sendUnsafe(date, ["x one", "x two"])
      Fs.rmSync(path)
      syslog.sendUnsafe(date, ["lost again"])
      expect(failures).toEqual([Syslog.failureText(path, "ENOENT"), Syslog.failureText(path, "ENOENT")])
      const got = yield* receiver.datagrams.pipe(Stream.take(2), Stream.runCollect)
      expect(got.map((d) => Buffer.from(d.bytes).toString())).toEqual([
        "<14>Dec  6 16:04:35 supervisord: x one",
        "<14>Dec  6 16:04:35 supervisord: x two"
      ])
    }).pipe(Effect.scoped, Effect.provideService(Syslog.DatagramSockets, Datagram.sender)))
})
