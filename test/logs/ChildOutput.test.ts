import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, FileSystem, Layer, Logger, References, Scope, Stream } from "effect"
import type { ChannelConfig } from "../../src/config/Types.ts"
import type { ProcessLogEvent, SupervisorEvent } from "../../src/events/Event.ts"
import { EventBus } from "../../src/events/EventBus.ts"
import * as ChildOutput from "../../src/logs/ChildOutput.ts"
import { DatagramSockets } from "../../src/logs/Syslog.ts"
import * as Datagram from "../../src/process/Datagram.ts"
import { channelConfig } from "../support/Configs.ts"

const enc = new TextEncoder()
const dec = new TextDecoder()
const B = "<!--XSUPERVISOR:BEGIN-->"
const E = "<!--XSUPERVISOR:END-->"

/** No rotation unless a test asks for it. */
const channel = (overrides: Partial<ChannelConfig> = {}): ChannelConfig =>
  channelConfig({ logfileMaxbytes: 0, logfileBackups: 0, ...overrides })

const source = (...chunks: ReadonlyArray<string | Uint8Array>) =>
  Stream.fromIterable(chunks.map((c) => (typeof c === "string" ? enc.encode(c) : c)))

const describeEvent = (e: SupervisorEvent) =>
  e._tag.startsWith("PROCESS_LOG") || e._tag.startsWith("PROCESS_COMMUNICATION")
    ? `${e._tag} ${(e as ProcessLogEvent).processName}/${(e as ProcessLogEvent).groupName} ${(e as ProcessLogEvent).pid} ${
      dec.decode((e as ProcessLogEvent).data)
    }`
    : e._tag

/** Run `f` with a temp dir, a bus subscription and a debug-level logger capturing lines. */
const harness = <A, E>(
  f: (
    ctx: { dir: string; events: (n: number) => Effect.Effect<Array<string>>; lines: Array<string> }
  ) => Effect.Effect<A, E, Scope.Scope | FileSystem.FileSystem | EventBus>,
  level: "Debug" | "Info" = "Debug"
) => {
  const lines: Array<string> = []
  const logger = Logger.make<unknown, void>(({ logLevel, message }) => {
    lines.push(`${logLevel} ${(Array.isArray(message) ? message : [message]).join(" ")}`)
  })
  return Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const dir = yield* fs.makeTempDirectoryScoped()
    const stream = yield* (yield* EventBus).subscribe
    const events = (n: number) =>
      stream.pipe(Stream.take(n), Stream.runCollect, Effect.map((c) => Array.from(c, describeEvent)))
    return yield* f({ dir, events, lines })
  }).pipe(
    Effect.scoped,
    Effect.provide(Layer.mergeAll(
      NodeServices.layer,
      Layer.fresh(EventBus.layer),
      Logger.layer([logger]),
      Layer.succeed(References.MinimumLogLevel, level)
    ))
  )
}

const read = (path: string) => Effect.flatMap(FileSystem.FileSystem, (fs) => fs.readFileString(path))

describe("ChildOutput", () => {
  it.effect("*_syslog: each line of each chunk (after the ANSI strip) as `name line`, besides the file", () =>
    harness(({ dir }) =>
      Effect.gen(function*() {
        const receiver = yield* Datagram.receiver(`${dir}/log`)
        const out = yield* ChildOutput.make({
          processName: "web_01", groupName: "grp",
          stdoutLog: `${dir}/out.log`, stderrLog: undefined,
          stdout: channel({ syslog: true }), stderr: channel({ syslog: true }), stripAnsi: true,
          syslogPath: `${dir}/log`
        }).pipe(Effect.provideService(DatagramSockets, Datagram.sender))
        yield* out.drain("stdout", 42, source("one\ntwo\n\n", "\x1b[1mbold\x1b[0m part"))
        yield* out.drain("stderr", 42, source("err\n"))
        assert.strictEqual(yield* read(`${dir}/out.log`), "one\ntwo\n\nbold part")
        const got = yield* receiver.datagrams.pipe(Stream.take(4), Stream.runCollect)
        assert.deepStrictEqual(Array.from(got, (d) => dec.decode(d.bytes).replace(/^<14>.{15} supervisord: /, "")), [
          "web_01 one", "web_01 two", "web_01 bold part", "web_01 err"
        ])
      })
    ))

  it.effect("*_syslog without datagram sockets is an error naming the process", () =>
    harness(({ dir }) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(ChildOutput.make({
          processName: "web", groupName: "grp", stdoutLog: `${dir}/out.log`, stderrLog: undefined,
          stdout: channel({ syslog: true }), stderr: channel(), stripAnsi: false
        }))
        assert.include(error.message, "web: this runtime provides no unix datagram sockets (DatagramSockets)")
      })
    ))

  it.effect("writes each channel to its file; drain returns once it is on disk", () =>
    harness(({ dir, lines }) =>
      Effect.gen(function*() {
        const out = yield* ChildOutput.make({
          processName: "web", groupName: "grp",
          stdoutLog: `${dir}/out.log`, stderrLog: `${dir}/err.log`,
          stdout: channel(), stderr: channel(), stripAnsi: false
        })
        yield* Effect.all([
          out.drain("stdout", 42, source("hello ", "world\n")),
          out.drain("stderr", 42, source("oops\n"))
        ], { concurrency: 2 })
        assert.strictEqual(yield* read(`${dir}/out.log`), "hello world\n")
        assert.strictEqual(yield* read(`${dir}/err.log`), "oops\n")
        assert.includeMembers(lines, ["Debug 'web' stdout output:\nhello ", "Debug 'web' stderr output:\noops\n"])
        assert.deepStrictEqual([out.stdoutPath, out.stderrPath], [`${dir}/out.log`, `${dir}/err.log`])
      })
    ))

  it.effect("reads by callback when only the file wants the bytes, and from the stream otherwise", () =>
    harness(({ dir }) =>
      Effect.gen(function*() {
        const used: Array<string> = []
        /** Both readers deliver the same chunks; each records that it was used. */
        const dual = (...chunks: ReadonlyArray<string>): ChildOutput.OutputStream =>
          Object.assign(source(...chunks).pipe(Stream.ensuring(Effect.sync(() => used.push("stream")))), {
            readByCallback: (onChunk: (chunk: Uint8Array) => boolean) =>
              Effect.sync(() => {
                used.push("callback")
                for (const c of chunks) onChunk(enc.encode(c))
              })
          })
        const out = yield* ChildOutput.make({
          processName: "web", groupName: "grp",
          stdoutLog: `${dir}/out.log`, stderrLog: `${dir}/err.log`,
          stdout: channel(), stderr: channel({ eventsEnabled: true }), stripAnsi: false
        })
        yield* out.drain("stdout", 42, dual("a", "b", "c\n"))
        yield* out.drain("stderr", 42, dual("x", "y\n"))
        assert.deepStrictEqual(used, ["callback", "stream"])
        assert.strictEqual(yield* read(`${dir}/out.log`), "abc\n")
        assert.strictEqual(yield* read(`${dir}/err.log`), "xy\n")
      }), "Info"))

  it.effect("capture mode: beforeafter in the file, events in stream order (PROCESS_LOG inside tokens too, Q2)", () =>
    harness(({ dir, events, lines }) =>
      Effect.gen(function*() {
        const out = yield* ChildOutput.make({
          processName: "comm", groupName: "g", stdoutLog: `${dir}/out.log`, stderrLog: undefined,
          stdout: channel({ captureMaxbytes: 100, eventsEnabled: true }), stderr: channel(),
          stripAnsi: false
        })
        yield* out.drain("stdout", 7, source(`before${B}capt`, `ured${E}af`, "ter<!--XSUPERVISOR:BE"))
        assert.strictEqual(yield* read(`${dir}/out.log`), "beforeafter<!--XSUPERVISOR:BE")
        assert.deepStrictEqual(yield* events(7), [
          "PROCESS_LOG_STDOUT comm/g 7 before",
          "PROCESS_LOG_STDOUT comm/g 7 capt",
          "PROCESS_LOG_STDOUT comm/g 7 ured",
          "PROCESS_COMMUNICATION_STDOUT comm/g 7 captured",
          "PROCESS_LOG_STDOUT comm/g 7 af",
          "PROCESS_LOG_STDOUT comm/g 7 ter",
          "PROCESS_LOG_STDOUT comm/g 7 <!--XSUPERVISOR:BE"
        ])
        assert.include(lines, "Debug 'comm' stdout emitted a comm event")
      })
    ))

  it.effect("NONE still publishes; strip_ansi applies to file, events and captured data", () =>
    harness(({ dir, events }) =>
      Effect.gen(function*() {
        const fs = yield* FileSystem.FileSystem
        const out = yield* ChildOutput.make({
          processName: "p", groupName: "p", stdoutLog: undefined, stderrLog: `${dir}/err.log`,
          stdout: channel({ eventsEnabled: true, captureMaxbytes: 10 }), stderr: channel(),
          stripAnsi: true
        })
        yield* out.drain("stdout", 1, source(`\x1b[31mred\x1b[0m${B}\x1b[1mc${E}`))
        yield* out.drain("stderr", 1, source("\x1b[", "32mgreen\n"))
        assert.deepStrictEqual(yield* events(3), [
          "PROCESS_LOG_STDOUT p/p 1 red",
          "PROCESS_LOG_STDOUT p/p 1 c",
          "PROCESS_COMMUNICATION_STDOUT p/p 1 c"
        ])
        assert.strictEqual(yield* read(`${dir}/err.log`), "green\n")
        assert.deepStrictEqual(yield* fs.readDirectory(dir), ["err.log"])
      })
    ))

  it.effect("no debug line below debug level; undecodable output is shown as a bytes repr", () =>
    Effect.gen(function*() {
      yield* harness(({ lines }) =>
        Effect.gen(function*() {
          const out = yield* ChildOutput.make({
            processName: "q", groupName: "q", stdoutLog: undefined, stderrLog: undefined,
            stdout: channel(), stderr: channel(), stripAnsi: false
          })
          yield* out.drain("stdout", 1, source("quiet"))
          assert.deepStrictEqual(lines, [])
        }), "Info")
      assert.strictEqual(ChildOutput.describeOutput(new Uint8Array([0x88, 0x0a])), "Undecodable: b'\\x88\\n'")
      assert.strictEqual(ChildOutput.describeOutput(enc.encode("héllo")), "héllo")
    }))

  it.effect("an event listener's stdout is shown as supervisord's listener dispatcher shows it: a bytes repr", () =>
    harness(({ lines }) =>
      Effect.gen(function*() {
        const out = yield* ChildOutput.make({
          processName: "lis", groupName: "lis", stdoutLog: undefined, stderrLog: undefined,
          stdout: channel(), stderr: channel(), stripAnsi: false, listenerStdout: true
        })
        yield* out.drain("stdout", 1, source("READY\n"))
        yield* out.drain("stderr", 1, source("log line\n"))
        assert.deepStrictEqual(lines, ["Debug 'lis' stdout output:\nb'READY\\n'", "Debug 'lis' stderr output:\nlog line\n"])
      })
    ))

  it.effect("one file for both channels when the paths are equal", () =>
    harness(({ dir }) =>
      Effect.gen(function*() {
        const out = yield* ChildOutput.make({
          processName: "x", groupName: "x", stdoutLog: `${dir}/both.log`, stderrLog: `${dir}/both.log`,
          stdout: channel({ captureMaxbytes: 10 }), stderr: channel(), stripAnsi: false
        })
        yield* out.drain("stdout", 1, source(`a${B}b${E}`))
        yield* out.drain("stderr", 1, source("c"))
        assert.strictEqual(yield* read(`${dir}/both.log`), "ac")
      })
    ))

  it.effect("a failing source ends the drain with a warning, keeping what was read", () =>
    harness(({ dir, lines }) =>
      Effect.gen(function*() {
        const out = yield* ChildOutput.make({
          processName: "f", groupName: "f", stdoutLog: `${dir}/out.log`, stderrLog: undefined,
          stdout: channel(), stderr: channel(), stripAnsi: false
        })
        yield* out.drain("stdout", 1, Stream.concat(source("kept"), Stream.fail("EIO")))
        assert.strictEqual(yield* read(`${dir}/out.log`), "kept")
        assert.include(lines, "Warn 'f' stdout read failed: EIO")
      })
    ))

  it.effect("takes over an AUTO file already open: its path is the channel's, drains land in it", () =>
    harness(({ dir }) =>
      Effect.gen(function*() {
        const stdoutLog = yield* ChildOutput.createAutoLog(dir, "a", "stdout", "supervisor", { maxBytes: 0, backups: 0 })
        const out = yield* ChildOutput.make({
          processName: "a", groupName: "a", stdoutLog, stderrLog: `${dir}/err.log`,
          stdout: channel(), stderr: channel(), stripAnsi: false
        })
        assert.deepStrictEqual([out.stdoutPath, out.stderrPath], [stdoutLog.path, `${dir}/err.log`])
        yield* out.drain("stdout", 1, source("auto"))
        assert.strictEqual(yield* read(stdoutLog.path), "auto")
        const fs = yield* FileSystem.FileSystem
        assert.strictEqual((yield* fs.stat(stdoutLog.path)).mode & 0o777, 0o600)
      })
    ))

  it.effect("clear empties the files and later drains append again", () =>
    harness(({ dir }) =>
      Effect.gen(function*() {
        const out = yield* ChildOutput.make({
          processName: "c", groupName: "c", stdoutLog: `${dir}/out.log`, stderrLog: `${dir}/err.log`,
          stdout: channel(), stderr: channel(), stripAnsi: false
        })
        yield* out.drain("stdout", 1, source("one"))
        yield* out.drain("stderr", 1, source("two"))
        yield* out.clear
        yield* out.drain("stdout", 2, source("three"))
        yield* out.reopen
        assert.strictEqual(yield* read(`${dir}/out.log`), "three")
        assert.strictEqual(yield* read(`${dir}/err.log`), "")
      })
    ))
})
