/**
 * Pure rendering and exit-code rules of `effsup ctl` (supervisorctl 4.2.5 strings, §6.4-6.6).
 * @since 0.1.0
 */
import { describe, expect, it } from "@effect/vitest"
import { columnize, topicListing } from "../../../src/cli/ctl/Help.ts"
import {
  availLine,
  changeLines,
  clearResultLine,
  exitForFault,
  Fault,
  isStoppedState,
  signalResultLine,
  startResultLine,
  statusLines
} from "../../../src/cli/ctl/Output.ts"
import { describeFailure, EndOfInput } from "../../../src/cli/ctl/Session.ts"
import { parseLine } from "../../../src/cli/ctl/Shell.ts"
import { RpcFault, RpcTransportError } from "../../../src/rpc/Client.ts"

const info = (group: string, name: string, statename: string, description: string) =>
  ({ group, name, statename, description, state: 0, pid: 0 })

describe("status table", () => {
  it("pads the name to max(30, longest)+3 and the state to 10", () => {
    expect(statusLines([info("web", "web", "RUNNING", "pid 1, uptime 0:00:01"), info("g", "x", "STARTING", "")])).toEqual([
      "web                              RUNNING   pid 1, uptime 0:00:01",
      "g:x                              STARTING  "
    ])
    const long = "a".repeat(40)
    expect(statusLines([info(long, long, "STOPPED", "Not started")])[0]).toBe(`${long}   STOPPED   Not started`)
  })
  it("colours the state after padding", () => {
    expect(statusLines([info("w", "w", "FATAL", "x")], true)[0]).toBe(`${"w".padEnd(33)}\x1b[31mFATAL     \x1b[0mx`)
  })
  it("knows the stopped states (exit 3)", () => {
    expect([0, 10, 20, 30, 40, 100, 200, 1000].map(isStoppedState)).toEqual([true, false, false, false, false, true, true, true])
  })
})

describe("result lines and exit codes", () => {
  const r = (status: number, description = "") => ({ group: "g", name: "p", status, description })
  it("start", () => {
    expect(startResultLine(r(Fault.SUCCESS))).toBe("g:p: started")
    expect(startResultLine(r(Fault.SPAWN_ERROR))).toBe("g:p: ERROR (spawn error)")
    expect(startResultLine(r(Fault.ALREADY_STARTED))).toBe("g:p: ERROR (already started)")
    expect(startResultLine(r(Fault.FAILED))).toEqual({ _tag: "UnknownResult", message: "Unknown result code 30 for g:p" })
  })
  it("stop / signal / clear", () => {
    expect(signalResultLine(r(Fault.SUCCESS), "stopped")).toBe("g:p: stopped")
    expect(signalResultLine(r(Fault.NOT_RUNNING))).toBe("g:p: ERROR (not running)")
    expect(signalResultLine(r(Fault.FAILED, "FAILED: boom"))).toBe("FAILED: boom")
    expect(clearResultLine(r(Fault.FAILED))).toBe("g:p: ERROR (failed)")
  })
  it("fault → exit code", () => {
    expect(exitForFault(Fault.SUCCESS)).toBeUndefined()
    expect(exitForFault(Fault.ALREADY_STARTED, Fault.ALREADY_STARTED)).toBeUndefined()
    expect(exitForFault(Fault.SPAWN_ERROR)).toBe(7)
    expect(exitForFault(Fault.NOT_RUNNING)).toBe(7)
    expect(exitForFault(Fault.BAD_NAME)).toBe(1)
  })
})

describe("avail, reread, help", () => {
  it("avail row", () => {
    expect(availLine({ group: "l", name: "l", inuse: true, autostart: true, group_prio: -1, process_prio: 999 }))
      .toBe("l                                in use    auto      -1:999")
  })
  it("reread changes are sorted by code point", () => {
    expect(changeLines(["b"], ["C"], ["a"])).toEqual(["C: changed", "a: disappeared", "b: available"])
    expect(changeLines([], [], [])).toEqual(["No config updates to processes"])
  })
  it("help listing is Python cmd's columnize", () => {
    expect(topicListing()[3]).toBe("add    exit      open  reload  restart   start   tail   ")
    expect(columnize(["a", "b"], 1)).toEqual(["a", "b"])
  })
})

describe("command lines", () => {
  it("parseLine splits like cmd.Cmd", () => {
    expect(parseLine("  tail -f web ")).toEqual(["tail", "-f web"])
    expect(parseLine("?start")).toEqual(["help", "start"])
    expect(parseLine("!ls")).toEqual(["", "!ls"])
  })
})

describe("describeFailure", () => {
  const network = (code: string | undefined, errno: number | undefined, detail = "node's text") =>
    describeFailure(new RpcTransportError({ reason: "Network", serverurl: "http://h", detail, code, errno }))

  it("renders a system error as Python raises it: its OSError subclass, [Errno N] and strerror's text", () => {
    expect(network("ECONNRESET", 104)).toBe("error: <class 'ConnectionResetError'>, [Errno 104] Connection reset by peer")
    expect(network("ETIMEDOUT", 110)).toBe("error: <class 'TimeoutError'>, [Errno 110] Connection timed out")
    expect(network("EADDRNOTAVAIL", 99)).toBe("error: <class 'OSError'>, [Errno 99] Cannot assign requested address")
    expect(network("ENOTFOUND", -3008)).toBe("error: <class 'socket.gaierror'>, [Errno -2] Name or service not known")
    expect(network("EAI_AGAIN", -3001)).toBe("error: <class 'socket.gaierror'>, [Errno -3] Temporary failure in name resolution")
    // no errno code: Node's own text
    expect(network(undefined, undefined, "socket hang up")).toBe("error: <class 'OSError'>, socket hang up")
  })

  it("renders URL problems and the end of input as Python's ValueError, TypeError and EOFError", () => {
    expect(describeFailure(new RpcTransportError({ reason: "BadUrl", serverurl: "x", detail: "Port out of range 0-65535" })))
      .toBe("error: <class 'ValueError'>, Port out of range 0-65535")
    expect(describeFailure(new RpcTransportError({ reason: "NoHost", serverurl: "http://:1", detail: "no host" })))
      .toBe("error: <class 'TypeError'>, expected string or bytes-like object, got 'NoneType'")
    expect(describeFailure(new EndOfInput(""))).toBe("error: <class 'EOFError'>, ")
  })

  it("renders an HTTP error as Python's ProtocolError: the status and the phrase the server sent", () => {
    const http = (status: number, statusText: string) =>
      describeFailure(new RpcTransportError({ reason: status === 401 ? "Unauthorized" : "HttpStatus", serverurl: "x", status, statusText, detail: "" }))
    expect(http(500, "Internal Server Error")).toBe("error: <class 'xmlrpc.client.ProtocolError'>, <ProtocolError for 127.0.0.1/RPC2: 500 Internal Server Error>")
    expect(http(401, "Unauthorized")).toBe("error: <class 'xmlrpc.client.ProtocolError'>, <ProtocolError for 127.0.0.1/RPC2: 401 Unauthorized>")
    expect(http(502, "")).toBe("error: <class 'xmlrpc.client.ProtocolError'>, <ProtocolError for 127.0.0.1/RPC2: 502 >")
  })

  it("renders a fault as Python's repr of it: the string in double quotes when it holds a single one", () => {
    expect(describeFailure(new RpcFault({ faultCode: 6, faultString: "SHUTDOWN_STATE" })))
      .toBe("error: <class 'xmlrpc.client.Fault'>, <Fault 6: 'SHUTDOWN_STATE'>")
    expect(describeFailure(new RpcFault({ faultCode: 92, faultString: "CANT_REREAD: invalid 'autorestart' value 'maybe'" })))
      .toBe(`error: <class 'xmlrpc.client.Fault'>, <Fault 92: "CANT_REREAD: invalid 'autorestart' value 'maybe'">`)
  })
})
