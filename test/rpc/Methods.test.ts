import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Result } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { BadName, BadSignal, NotRunning } from "../../src/domain/Errors.ts"
import { Faults, faultFromError, faultNameOf, makeFault } from "../../src/rpc/Faults.ts"
import { handle, methodNames, MULTICALL_MAX_ANSWER, MULTICALL_MAX_CALLS, SUPERVISOR_VERSION } from "../../src/rpc/Methods.ts"
import { decodeMethodResponse, encodeMethodCall, type MethodResponse, type XmlRpcValue } from "../../src/rpc/XmlRpc.ts"
import { type FakeOptions, makeFakeSupervisor, processInfo } from "../support/FakeSupervisor.ts"
import { tempDir } from "../support/TempDir.ts"

const rpcUnder = (
  interfaces: ReadonlyArray<string>,
  fake: ReturnType<typeof makeFakeSupervisor>,
  methodName: string,
  ...params: ReadonlyArray<XmlRpcValue>
) =>
  handle(encodeMethodCall({ methodName, params }), interfaces).pipe(
    Effect.map((xml): MethodResponse => {
      const r = decodeMethodResponse(new TextDecoder().decode(xml))
      if (Result.isFailure(r)) throw new Error(r.failure.message)
      return r.success
    }),
    Effect.provide(fake.layer)
  )
const rpc = (fake: ReturnType<typeof makeFakeSupervisor>, methodName: string, ...params: ReadonlyArray<XmlRpcValue>) =>
  rpcUnder(["supervisor"], fake, methodName, ...params)
const value = (r: MethodResponse): XmlRpcValue => {
  if (r._tag === "Fault") throw new Error(`unexpected fault ${r.fault.faultString}`)
  return r.value
}
const fault = (r: MethodResponse) => r._tag === "Fault" ? r.fault : undefined
const fake = (options?: FakeOptions) => makeFakeSupervisor(options)

// Observed on supervisord 4.2.5: system.methodSignature for every name of system.listMethods.
const SIGNATURES: Readonly<Record<string, ReadonlyArray<string>>> = {
  "supervisor.addProcessGroup": ["boolean", "string"], "supervisor.clearAllProcessLogs": ["array"],
  "supervisor.clearLog": ["boolean"], "supervisor.clearProcessLog": ["boolean", "string"],
  "supervisor.clearProcessLogs": ["boolean", "string"], "supervisor.getAPIVersion": ["string"],
  "supervisor.getAllConfigInfo": ["array"], "supervisor.getAllProcessInfo": ["array"],
  "supervisor.getIdentification": ["string"], "supervisor.getPID": ["int"],
  "supervisor.getProcessInfo": ["struct", "string"], "supervisor.getState": ["struct"],
  "supervisor.getSupervisorVersion": ["string"], "supervisor.getVersion": ["string"],
  "supervisor.readLog": ["string", "int", "int"], "supervisor.readMainLog": ["string", "int", "int"],
  "supervisor.readProcessLog": ["string", "string", "int", "int"],
  "supervisor.readProcessStderrLog": ["string", "string", "int", "int"],
  "supervisor.readProcessStdoutLog": ["string", "string", "int", "int"], "supervisor.reloadConfig": ["array"],
  "supervisor.removeProcessGroup": ["boolean", "string"], "supervisor.restart": ["boolean"],
  "supervisor.sendProcessStdin": ["boolean", "string", "string"],
  "supervisor.sendRemoteCommEvent": ["boolean", "string", "string"], "supervisor.shutdown": ["boolean"],
  "supervisor.signalAllProcesses": ["array", "string"], "supervisor.signalProcess": ["boolean", "string", "string"],
  "supervisor.signalProcessGroup": ["array", "string", "string"], "supervisor.startAllProcesses": ["array", "boolean"],
  "supervisor.startProcess": ["boolean", "string", "boolean"], "supervisor.startProcessGroup": ["array", "string", "boolean"],
  "supervisor.stopAllProcesses": ["array", "boolean"], "supervisor.stopProcess": ["boolean", "string", "boolean"],
  "supervisor.stopProcessGroup": ["array", "string", "boolean"], "supervisor.tailProcessLog": ["array", "string", "int", "int"],
  "supervisor.tailProcessStderrLog": ["array", "string", "int", "int"],
  "supervisor.tailProcessStdoutLog": ["array", "string", "int", "int"], "system.listMethods": ["array"],
  "system.methodHelp": ["string", "string"], "system.methodSignature": ["array", "string"], "system.multicall": ["array", "array"]
}

describe("Faults", () => {
  it("formats NAME or NAME: detail and maps every domain error", () => {
    assert.deepStrictEqual(makeFault("BAD_NAME", "foo"), { faultCode: 10, faultString: "BAD_NAME: foo" })
    // supervisord names what it was given also when that is empty (measured: getProcessInfo(""), signalProcess("cat", ""))
    assert.deepStrictEqual(faultFromError(new BadName({ detail: "" })), { faultCode: 10, faultString: "BAD_NAME: " })
    assert.deepStrictEqual(faultFromError(new BadSignal({ detail: "" })), { faultCode: 11, faultString: "BAD_SIGNAL: " })
    assert.deepStrictEqual(makeFault("NOT_RUNNING", ""), { faultCode: 70, faultString: "NOT_RUNNING" })
    assert.deepStrictEqual(faultFromError(new BadName({ detail: "x" })), { faultCode: 10, faultString: "BAD_NAME: x" })
    assert.deepStrictEqual(faultFromError(new NotRunning({ detail: "" })), { faultCode: 70, faultString: "NOT_RUNNING" })
    assert.strictEqual(new Set(Object.values(faultNameOf)).size, 14)
    assert.strictEqual(Faults.SUCCESS, 80)
  })
})

describe("Methods", () => {
  it("lists supervisord's 41 methods and their signatures", () =>
    Effect.gen(function*() {
      const f = fake()
      assert.deepStrictEqual(value(yield* rpc(f, "system.listMethods")), Object.keys(SIGNATURES).sort())
      assert.deepStrictEqual(methodNames, Object.keys(SIGNATURES).sort())
      for (const name of methodNames) {
        assert.deepStrictEqual(value(yield* rpc(f, "system.methodSignature", name)), SIGNATURES[name], name)
        assert.isTrue((value(yield* rpc(f, "system.methodHelp", name)) as string).length > 10)
      }
      assert.deepStrictEqual(fault(yield* rpc(f, "system.methodHelp", "x")), { faultCode: 4, faultString: "SIGNATURE_UNSUPPORTED" })
      assert.deepStrictEqual(fault(yield* rpc(f, "system.methodSignature", "x")), { faultCode: 4, faultString: "SIGNATURE_UNSUPPORTED" })
      // supervisord compares any value with the names (a value that is no string names none; base64 is its text)
      assert.deepStrictEqual(fault(yield* rpc(f, "system.methodHelp", 5)), { faultCode: 4, faultString: "SIGNATURE_UNSUPPORTED" })
      assert.deepStrictEqual(fault(yield* rpc(f, "system.methodSignature", ["system.listMethods"])), { faultCode: 4, faultString: "SIGNATURE_UNSUPPORTED" })
      assert.deepStrictEqual(
        value(yield* rpc(f, "system.methodSignature", new TextEncoder().encode("system.methodHelp"))),
        value(yield* rpc(f, "system.methodSignature", "system.methodHelp"))
      )
    }).pipe(Effect.runPromise))

  it("reports versions, state and pid", () =>
    Effect.gen(function*() {
      const f = fake()
      assert.strictEqual(value(yield* rpc(f, "supervisor.getVersion")), "3.0")
      assert.strictEqual(value(yield* rpc(f, "supervisor.getAPIVersion")), "3.0")
      assert.strictEqual(value(yield* rpc(f, "supervisor.getSupervisorVersion")), "0.1.0")
      assert.deepStrictEqual(value(yield* rpc(f, "supervisor.getState")), { statecode: 1, statename: "RUNNING" })
      assert.strictEqual(value(yield* rpc(f, "supervisor.getPID")), 1234)
      assert.strictEqual(value(yield* rpc(f, "supervisor.getIdentification")), "supervisor")
    }).pipe(Effect.runPromise))

  it("keeps SUPERVISOR_VERSION equal to package.json's version", () => {
    const pkg = JSON.parse(Fs.readFileSync(Path.join(import.meta.dirname, "../../package.json"), "utf8")) as { version: string }
    assert.strictEqual(SUPERVISOR_VERSION, pkg.version)
  })

  it("converts process and config info to supervisord's structs, keys in order", () =>
    Effect.gen(function*() {
      const f = fake()
      const info = value(yield* rpc(f, "supervisor.getProcessInfo", "cat")) as Record<string, XmlRpcValue>
      assert.deepStrictEqual(Object.keys(info), [
        "name", "group", "start", "stop", "now", "state", "statename", "spawnerr", "exitstatus", "logfile",
        "stdout_logfile", "stderr_logfile", "pid", "description"
      ])
      assert.strictEqual(info["state"], 20)
      assert.strictEqual(info["statename"], "RUNNING")
      assert.strictEqual(info["logfile"], "/tmp/cat.log")
      const all = value(yield* rpc(f, "supervisor.getAllProcessInfo")) as ReadonlyArray<Record<string, XmlRpcValue>>
      assert.deepStrictEqual(all.map((p) => `${p["group"]}:${p["name"]}:${p["state"]}`), ["cat:cat:20", "web:web_00:0", "web:web_01:0"])
      const configs = value(yield* rpc(f, "supervisor.getAllConfigInfo")) as ReadonlyArray<Record<string, XmlRpcValue>>
      assert.deepStrictEqual(Object.keys(configs[0]!), [
        "autostart", "directory", "uid", "command", "exitcodes", "group", "group_prio", "inuse", "killasgroup", "name",
        "process_prio", "redirect_stderr", "startretries", "startsecs", "stdout_capture_maxbytes", "stdout_events_enabled",
        "stdout_logfile", "stdout_logfile_backups", "stdout_logfile_maxbytes", "stdout_syslog", "stopsignal", "stopwaitsecs",
        "stderr_capture_maxbytes", "stderr_events_enabled", "stderr_logfile", "stderr_logfile_backups", "stderr_logfile_maxbytes",
        "stderr_syslog", "serverurl"
      ])
      assert.strictEqual(configs[0]!["directory"], "none")
      assert.strictEqual(configs[0]!["uid"], "none")
      assert.deepStrictEqual(configs[0]!["exitcodes"], [0])
    }).pipe(Effect.runPromise))

  it("adds effsup's readiness and health structs after supervisord's members, only for a program with those checks", () =>
    Effect.gen(function*() {
      const web = processInfo({
        name: "web",
        description: "pid 4242, uptime 0:00:05, ready, unhealthy (1/3)",
        readiness: { check: "tcp:localhost:8080", ready: true },
        health: { check: "http://localhost:8080/health", status: "healthy", failures: 1, retries: 3 }
      })
      const f = fake({ processes: [web, processInfo({ name: "cat" })] })
      const info = value(yield* rpc(f, "supervisor.getProcessInfo", "web")) as Record<string, XmlRpcValue>
      assert.deepStrictEqual(Object.keys(info).slice(-3), ["description", "readiness", "health"])
      assert.deepStrictEqual(info["readiness"], { check: "tcp:localhost:8080", ready: true })
      assert.deepStrictEqual(info["health"], { check: "http://localhost:8080/health", status: "healthy", failures: 1, retries: 3 })
      const plain = value(yield* rpc(f, "supervisor.getProcessInfo", "cat")) as Record<string, XmlRpcValue>
      assert.strictEqual(Object.keys(plain).at(-1), "description")
    }).pipe(Effect.runPromise))

  it("starts and stops with wait defaulting to true, and maps domain errors to faults", () =>
    Effect.gen(function*() {
      const f = fake()
      assert.strictEqual(value(yield* rpc(f, "supervisor.startProcess", "web:web_00")), true)
      assert.strictEqual(value(yield* rpc(f, "supervisor.stopProcess", "cat", false)), true)
      assert.strictEqual(value(yield* rpc(f, "supervisor.startProcess", "cat", 0)), true)
      assert.deepStrictEqual(f.calls.slice(0, 3), [["startProcess", "web:web_00", true], ["stopProcess", "cat", false], ["startProcess", "cat", false]])
      assert.deepStrictEqual(fault(yield* rpc(f, "supervisor.startProcess", "cat")), { faultCode: 60, faultString: "ALREADY_STARTED: cat" })
      assert.deepStrictEqual(fault(yield* rpc(f, "supervisor.getProcessInfo", "nope")), { faultCode: 10, faultString: "BAD_NAME: nope" })
      assert.deepStrictEqual(value(yield* rpc(f, "supervisor.signalProcess", "cat", 1)), true)
      assert.deepStrictEqual(f.calls.at(-1), ["signalProcess", "cat", "1"])
      assert.deepStrictEqual(value(yield* rpc(f, "supervisor.reloadConfig")), [[["new"], [], ["old"]]])
    }).pipe(Effect.runPromise))

  // Measured on supervisord 4.2.5: its `if wait:` takes any value, as Python's truth value.
  it("takes any value for wait, as Python's truth value", () =>
    Effect.gen(function*() {
      const f = fake()
      const waits: ReadonlyArray<readonly [XmlRpcValue, boolean]> = [
        ["yes", true], ["", false], [2, true], [0, false], [1.5, true], [[1], true], [[], false],
        [{ a: 1 }, true], [{}, false], [new Date(0), true], [new Uint8Array([120]), true]
      ]
      for (const [given] of waits) {
        assert.strictEqual(value(yield* rpc(f, "supervisor.stopProcess", "cat", given)), true)
        assert.strictEqual(value(yield* rpc(f, "supervisor.startProcess", "cat", given)), true)
      }
      assert.deepStrictEqual(f.calls.map((c) => c[2]), waits.flatMap(([, wait]) => [wait, wait]))
    }).pipe(Effect.runPromise))

  it("encodes result structs from per-process errors", () =>
    Effect.gen(function*() {
      const f = fake({
        overrides: {
          stopAll: () => Effect.succeed([
            { name: "a", group: "a", error: undefined },
            { name: "b", group: "g", error: new NotRunning({ detail: "g:b" }) }
          ])
        }
      })
      assert.deepStrictEqual(value(yield* rpc(f, "supervisor.stopAllProcesses")), [
        { name: "a", group: "a", status: 80, description: "OK" },
        { name: "b", group: "g", status: 70, description: "NOT_RUNNING: g:b" }
      ])
    }).pipe(Effect.runPromise))

  it("checks arity and types (INCORRECT_PARAMETERS) and names (UNKNOWN_METHOD)", () =>
    Effect.gen(function*() {
      const f = fake()
      const incorrect = { faultCode: 2, faultString: "INCORRECT_PARAMETERS" }
      assert.deepStrictEqual(fault(yield* rpc(f, "supervisor.getProcessInfo")), incorrect)
      assert.deepStrictEqual(fault(yield* rpc(f, "supervisor.startProcess", "cat", true, 1)), incorrect)
      assert.deepStrictEqual(fault(yield* rpc(f, "supervisor.startProcess", 1)), incorrect)
      assert.deepStrictEqual(fault(yield* rpc(f, "supervisor.readLog", "a", 0)), incorrect)
      assert.deepStrictEqual(fault(yield* rpc(f, "supervisor.signalProcess", "cat", NaN)), incorrect)
      assert.deepStrictEqual(fault(yield* rpc(f, "supervisor.signalProcess", "cat", [9])), incorrect)
      const unknown = { faultCode: 1, faultString: "UNKNOWN_METHOD" }
      for (const name of ["supervisor.nope", "nope", "supervisor.__proto__", "supervisor.constructor", "system.multicall.x"]) {
        assert.deepStrictEqual(fault(yield* rpc(f, name)), unknown, name)
      }
      assert.strictEqual(f.calls.length, 0)
    }).pipe(Effect.runPromise))

  // Measured on supervisord 4.2.5 (its signal_number takes what Python's int() takes).
  it("takes a signal as Python's int() would: a double cut toward zero, a boolean, base64 text", () =>
    Effect.gen(function*() {
      const f = fake()
      const sent: ReadonlyArray<readonly [XmlRpcValue, string]> = [
        [9.5, "9"], [0.5, "0"], [-0.7, "0"], [true, "1"], [false, "0"], [new TextEncoder().encode("USR1"), "USR1"],
        // no signal once cut: the float as Python writes it, which the supervisor refuses by that name
        [-1.5, "-1.5"], [32.5, "32.5"], [1e20, "1e+20"]
      ]
      for (const [signal, expected] of sent) {
        assert.strictEqual(value(yield* rpc(f, "supervisor.signalProcess", "cat", signal)), true)
        assert.deepStrictEqual(f.calls.at(-1), ["signalProcess", "cat", expected], String(signal))
      }
    }).pipe(Effect.runPromise))

  it("sendProcessStdin: a value that is neither a string nor base64 is INCORRECT_PARAMETERS naming it as Python does, before the name", () =>
    Effect.gen(function*() {
      const f = fake()
      const refused: ReadonlyArray<readonly [XmlRpcValue, string]> = [
        [3, "3"], [1.5, "1.5"], [true, "True"], [[1, "a'b"], `[1, "a'b"]`], [{ k: 1 }, "{'k': 1}"], [{}, "{}"],
        [new Date(Date.UTC(2020, 0, 1, 1, 2, 3)), "2020-01-01 01:02:03"]
      ]
      for (const [chars, detail] of refused) {
        assert.deepStrictEqual(fault(yield* rpc(f, "supervisor.sendProcessStdin", "nope", chars)), {
          faultCode: 2,
          faultString: `INCORRECT_PARAMETERS: ${detail}`
        })
      }
      assert.strictEqual(f.calls.length, 0)
      assert.strictEqual(value(yield* rpc(f, "supervisor.sendProcessStdin", "cat", new Uint8Array([0xff, 10]))), true)
      assert.deepStrictEqual(f.calls.at(-1), ["sendProcessStdin", "cat", new Uint8Array([0xff, 10])])
      // the shutdown check comes first
      yield* rpc(f, "supervisor.shutdown")
      assert.deepStrictEqual(fault(yield* rpc(f, "supervisor.sendProcessStdin", "cat", 3)), { faultCode: 6, faultString: "SHUTDOWN_STATE" })
    }).pipe(Effect.runPromise))

  it("sendRemoteCommEvent takes any values and publishes them as Python's str() writes them", () =>
    Effect.gen(function*() {
      const f = fake()
      assert.strictEqual(value(yield* rpc(f, "supervisor.sendRemoteCommEvent", 1, 2.5)), true)
      assert.deepStrictEqual(f.calls.at(-1), ["sendRemoteCommEvent", "1", "2.5"])
      assert.strictEqual(value(yield* rpc(f, "supervisor.sendRemoteCommEvent", [true, "a'b"], { k: [] })), true)
      assert.deepStrictEqual(f.calls.at(-1), ["sendRemoteCommEvent", `[True, "a'b"]`, "{'k': []}"])
    }).pipe(Effect.runPromise))

  it("answers SHUTDOWN_STATE while shutting down, except sendRemoteCommEvent and system.*", () =>
    Effect.gen(function*() {
      const f = fake()
      assert.strictEqual(value(yield* rpc(f, "supervisor.shutdown")), true)
      const shutdown = { faultCode: 6, faultString: "SHUTDOWN_STATE" }
      assert.deepStrictEqual(fault(yield* rpc(f, "supervisor.getVersion")), shutdown)
      assert.deepStrictEqual(fault(yield* rpc(f, "supervisor.getAllProcessInfo")), shutdown)
      assert.deepStrictEqual(fault(yield* rpc(f, "supervisor.shutdown")), shutdown)
      assert.strictEqual(value(yield* rpc(f, "supervisor.sendRemoteCommEvent", "t", "d")), true)
      assert.strictEqual((value(yield* rpc(f, "system.listMethods")) as ReadonlyArray<string>).length, 41)
    }).pipe(Effect.runPromise))

  it("runs multicall with raw values and fault structs (QUIRK Q7)", () =>
    Effect.gen(function*() {
      const f = fake({ overrides: { signalAll: () => Effect.die("boom") } })
      const r = yield* rpc(f, "system.multicall", [
        { methodName: "supervisor.getPID" },
        { methodName: "system.multicall", params: [[]] },
        {},
        { methodName: "supervisor.getProcessInfo", params: ["nope"] },
        { methodName: "supervisor.stopProcess", params: ["cat"] },
        { methodName: "supervisor.signalAllProcesses", params: ["HUP"] },
        { methodName: "supervisor.getPID", params: "x" },
        "junk"
      ])
      assert.deepStrictEqual(value(r), [
        1234,
        { faultCode: 2, faultString: "INCORRECT_PARAMETERS: Recursive system.multicall forbidden" },
        { faultCode: 2, faultString: "INCORRECT_PARAMETERS: No methodName" },
        { faultCode: 10, faultString: "BAD_NAME: nope" },
        true,
        { faultCode: 30, faultString: "FAILED: boom" },
        { faultCode: 2, faultString: "INCORRECT_PARAMETERS" },
        { faultCode: 2, faultString: "INCORRECT_PARAMETERS: No methodName" }
      ])
      assert.deepStrictEqual(f.calls.at(-1), ["stopProcess", "cat", true])
    }).pipe(Effect.runPromise))

  it("bounds system.multicall: too many calls is one fault, and calls past 16 MiB of answer are not run", () =>
    Effect.gen(function*() {
      const f = fake({ processes: Array.from({ length: 100 }, (_, i) => processInfo({ name: `p${String(i).padStart(3, "0")}` })) })
      const tooMany = yield* rpc(f, "system.multicall", Array.from({ length: MULTICALL_MAX_CALLS + 1 }, () => ({ methodName: "supervisor.getPID" })))
      assert.deepStrictEqual(fault(tooMany), {
        faultCode: Faults.INCORRECT_PARAMETERS,
        faultString: `INCORRECT_PARAMETERS: at most ${MULTICALL_MAX_CALLS} calls in one system.multicall (${MULTICALL_MAX_CALLS + 1} given)`
      })
      const one = (yield* handle(encodeMethodCall({ methodName: "supervisor.getAllProcessInfo", params: [] })).pipe(Effect.provide(f.layer))).length
      const all = { methodName: "supervisor.getAllProcessInfo" }
      const calls = [...Array.from({ length: Math.ceil(1.5 * MULTICALL_MAX_ANSWER / one) }, () => all), { methodName: "supervisor.stopProcess", params: ["p000"] }]
      const xml = yield* handle(encodeMethodCall({ methodName: "system.multicall", params: [calls] })).pipe(Effect.provide(f.layer))
      assert.isBelow(xml.length, MULTICALL_MAX_ANSWER + 2 * one + calls.length * 200)
      const results = value(decodeMethodResponse(new TextDecoder().decode(xml)).pipe(Result.getOrThrow)) as ReadonlyArray<XmlRpcValue>
      assert.strictEqual(results.length, calls.length)
      // the call that reaches the limit still runs; the ones after it do not
      const ran = results.filter((r) => Array.isArray(r)).length
      const item = one - "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n</param>\n</params>\n</methodResponse>\n".length
      assert.strictEqual(ran, Math.ceil(MULTICALL_MAX_ANSWER / item))
      assert.isFalse(f.calls.some(([m]) => m === "stopProcess"))
    }).pipe(Effect.runPromise))

  it("lets other fibers run between the calls of a multicall", () =>
    Effect.gen(function*() {
      let ticks = 0
      const ticker = yield* Effect.forkChild(Effect.forever(Effect.andThen(Effect.sync(() => ticks++), Effect.yieldNow)))
      yield* rpc(fake(), "system.multicall", Array.from({ length: 1000 }, () => ({ methodName: "supervisor.getState" })))
      yield* Fiber.interrupt(ticker)
      assert.isAtLeast(ticks, 400)
    }).pipe(Effect.runPromise))

  it("returns log reads as UTF-8 strings and tails as [text, offset, overflow]", () =>
    Effect.gen(function*() {
      const dir = tempDir("methods")
      const log = Path.join(dir, "cat.log")
      Fs.writeFileSync(log, Buffer.concat([Buffer.from("héllo "), Buffer.from([0xff]), Buffer.from(" end")]))
      const f = fake({ logFiles: { "cat:cat/stdout": log }, mainLog: log })
      assert.strictEqual(value(yield* rpc(f, "supervisor.readProcessStdoutLog", "cat", 0, 0)), "héllo \uFFFD end")
      assert.strictEqual(value(yield* rpc(f, "supervisor.readProcessLog", "cat", -3, 0)), "end")
      assert.strictEqual(value(yield* rpc(f, "supervisor.readLog", 0, 5)), "héll")
      assert.deepStrictEqual(fault(yield* rpc(f, "supervisor.readLog", -1, 5)), { faultCode: 3, faultString: "BAD_ARGUMENTS" })
      assert.deepStrictEqual(fault(yield* rpc(f, "supervisor.readProcessStderrLog", "cat", 0, 0)), { faultCode: 20, faultString: "NO_FILE" })
      assert.deepStrictEqual(value(yield* rpc(f, "supervisor.tailProcessLog", "cat", 0, 10)), ["", 0, false])
      // offsets and lengths as supervisord reads them, with Python's int() (measured on 4.2.5)
      assert.strictEqual(value(yield* rpc(f, "supervisor.readLog", "0", " +5 ")), "héll")
      assert.strictEqual(value(yield* rpc(f, "supervisor.readLog", 0.9, 5.5)), "héll")
      assert.strictEqual(value(yield* rpc(f, "supervisor.readProcessStdoutLog", "cat", "-0_5", false)), "\uFFFD end")
      assert.deepStrictEqual(fault(yield* rpc(f, "supervisor.readLog", -1.9, true)), { faultCode: 3, faultString: "BAD_ARGUMENTS" })
      for (const bad of ["0x10", "", NaN, Infinity, [1], 2 ** 60]) {
        assert.deepStrictEqual(fault(yield* rpc(f, "supervisor.readLog", bad, 1)), { faultCode: 2, faultString: "INCORRECT_PARAMETERS" }, String(bad))
      }
    }).pipe(Effect.runPromise))

  it("fails only on unparseable bodies", () =>
    Effect.gen(function*() {
      const e = yield* Effect.flip(handle("<methodCall><methodName>x").pipe(Effect.provide(fake().layer)))
      assert.strictEqual(e._tag, "XmlRpcParseError")
    }).pipe(Effect.runPromise))

  it("serves the process methods only under the [rpcinterface:x] namespaces, as supervisord", () =>
    Effect.gen(function*() {
      const f = fake()
      const unknown = { faultCode: 1, faultString: "UNKNOWN_METHOD" }
      // no [rpcinterface:x]: only system.* (supervisorctl then says the supervisor namespace is not recognized)
      assert.deepStrictEqual(value(yield* rpcUnder([], f, "system.listMethods")), [
        "system.listMethods", "system.methodHelp", "system.methodSignature", "system.multicall"
      ])
      assert.deepStrictEqual(fault(yield* rpcUnder([], f, "supervisor.getVersion")), unknown)
      assert.deepStrictEqual(fault(yield* rpcUnder([], f, "system.methodHelp", "supervisor.getState")), {
        faultCode: 4,
        faultString: "SIGNATURE_UNSUPPORTED"
      })
      assert.deepStrictEqual(value(yield* rpcUnder([], f, "system.multicall", [{ methodName: "supervisor.getPID", params: [] }])), [
        unknown
      ])
      // [rpcinterface:foo] with the main factory: the same methods as foo.*
      const foo = value(yield* rpcUnder(["foo"], f, "system.listMethods")) as ReadonlyArray<string>
      assert.strictEqual(foo.length, 41)
      assert.isTrue(foo.includes("foo.getState") && !foo.includes("supervisor.getState"))
      assert.deepStrictEqual(value(yield* rpcUnder(["foo"], f, "foo.getState")), { statecode: 1, statename: "RUNNING" })
      assert.deepStrictEqual(value(yield* rpcUnder(["foo"], f, "system.methodSignature", "foo.getState")), ["struct"])
      assert.deepStrictEqual(fault(yield* rpcUnder(["foo"], f, "supervisor.getState")), unknown)
      // exactly two dotted parts
      assert.deepStrictEqual(fault(yield* rpc(f, "supervisor.getState.x")), unknown)
      assert.deepStrictEqual(fault(yield* rpc(f, "getState")), unknown)
    }).pipe(Effect.runPromise))

  it("start/stop/signalProcess take group:* and group: as the group call and answer its results", () =>
    Effect.gen(function*() {
      const f = fake()
      const web = [
        { name: "web_00", group: "web", status: 80, description: "OK" },
        { name: "web_01", group: "web", status: 80, description: "OK" }
      ]
      assert.deepStrictEqual(value(yield* rpc(f, "supervisor.startProcess", "web:*")), web)
      assert.deepStrictEqual(value(yield* rpc(f, "supervisor.stopProcess", "web:", false)), web)
      assert.deepStrictEqual(value(yield* rpc(f, "supervisor.signalProcess", "web:*", "HUP")), web)
      assert.deepStrictEqual(f.calls.filter((c) => c[0].endsWith("Group")), [
        ["startGroup", "web", true],
        ["stopGroup", "web", false],
        ["signalGroup", "web", "HUP"]
      ])
      // an unknown group is BAD_NAME with the name as given; the other name methods refuse group forms
      assert.deepStrictEqual(fault(yield* rpc(f, "supervisor.startProcess", "nogroup:*")), { faultCode: 10, faultString: "BAD_NAME: nogroup:*" })
      assert.deepStrictEqual(fault(yield* rpc(f, "supervisor.stopProcess", "nogroup:")), { faultCode: 10, faultString: "BAD_NAME: nogroup:" })
      assert.deepStrictEqual(fault(yield* rpc(f, "supervisor.getProcessInfo", "web:*")), { faultCode: 10, faultString: "BAD_NAME: web:*" })
    }).pipe(Effect.runPromise))
})
