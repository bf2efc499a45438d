import { describe, expect, it } from "@effect/vitest"
import { Result } from "effect"
import { checkText, probe, readyCheck } from "../../src/config/Checks.ts"
import * as Codecs from "../../src/config/Codecs.ts"
import { formatIssue, parseConfigText } from "../../src/config/Load.ts"
import { testHost } from "../support/Configs.ts"

const FILE = "/etc/effsup/test.conf"
const ok = <A>(r: Result.Result<A, string>): A => Result.getOrThrow(r)
const failure = <A>(r: Result.Result<A, string>): string => (Result.isFailure(r) ? r.failure : "(decoded)")

/** Resolve `[program:p]` with `lines`; its process, the issues (file:line) and the notices. */
const program = (lines: string, section = "program:p", more = "") => {
  const r = parseConfigText(`[supervisord]\n[${section}]\ncommand=/bin/cat\n${lines}\n${more}`, FILE, testHost)
  return { process: r.value.groups[0]?.processes[0], issues: r.issues.map(formatIssue), notices: r.notices.map((n) => n.message) }
}

describe("ready= and healthcheck= specs", () => {
  it("tcp: a port (localhost), host:port, [ipv6]:port", () => {
    expect(ok(readyCheck("tcp:8080"))).toEqual({ _tag: "Tcp", host: "localhost", port: 8080 })
    expect(ok(readyCheck("TCP:db.local:5432"))).toEqual({ _tag: "Tcp", host: "db.local", port: 5432 })
    expect(ok(readyCheck(" tcp:[::1]:80 "))).toEqual({ _tag: "Tcp", host: "::1", port: 80 })
    expect(checkText(ok(readyCheck("tcp:[::1]:80")))).toBe("tcp:[::1]:80")
    expect(failure(readyCheck("tcp:0"))).toBe("not a valid tcp check (tcp:PORT or tcp:HOST:PORT): 'tcp:0'")
    expect(failure(readyCheck("tcp:host:99999"))).toContain("not a valid tcp check")
    expect(failure(readyCheck("tcp::1:80"))).toContain("not a valid tcp check")
  })

  it("http: a URL as written, or http:PORT/PATH on localhost", () => {
    expect(ok(readyCheck("http://127.0.0.1:8080/health"))).toEqual({ _tag: "Http", url: "http://127.0.0.1:8080/health" })
    expect(ok(probe("https://example.com/"))).toEqual({ _tag: "Http", url: "https://example.com/" })
    expect(ok(probe("http:8080/ready"))).toEqual({ _tag: "Http", url: "http://localhost:8080/ready" })
    expect(ok(probe("http:8080"))).toEqual({ _tag: "Http", url: "http://localhost:8080/" })
    expect(failure(probe("http://"))).toContain("not a valid http check")
    expect(failure(probe("http:x/y"))).toContain("not a valid http check")
  })

  it("exec: a shell command; log: a checked regular expression (ready= only)", () => {
    expect(ok(probe("exec: pg_isready -q"))).toEqual({ _tag: "Exec", command: "pg_isready -q" })
    expect(failure(probe("exec:"))).toBe("exec: needs a command: 'exec:'")
    expect(ok(readyCheck("log:^Listening on \\d+"))).toEqual({ _tag: "Log", pattern: "^Listening on \\d+" })
    expect(failure(readyCheck("log:(unclosed"))).toMatch(/^not a valid regular expression in 'log:\(unclosed': /)
    expect(failure(probe("log:ready"))).toBe(
      "not a valid health check 'log:ready' (expected tcp:PORT, tcp:HOST:PORT, http://HOST:PORT/PATH, exec:COMMAND)"
    )
  })

  it("notify is refused with what it needs", () => {
    expect(failure(readyCheck("notify"))).toBe("ready=notify is not supported yet (it needs the native spawner); use tcp:, http:, log: or exec:")
    expect(failure(readyCheck("port 80"))).toContain("not a valid ready check 'port 80'")
  })

  it("fd:N (s6's notification-fd): N from 3, as the child's fd", () => {
    expect(ok(readyCheck("fd:3"))).toEqual({ _tag: "Fd", fd: 3 })
    expect(ok(readyCheck(" FD: 42 "))).toEqual({ _tag: "Fd", fd: 42 })
    expect(checkText(ok(readyCheck("fd:5")))).toBe("fd:5")
    expect(ok(readyCheck("fd:1023"))).toEqual({ _tag: "Fd", fd: 1023 })
    for (const bad of ["fd:0", "fd:1", "fd:2", "fd:1024", "fd:", "fd:x", "fd:-3", "fd:3.5"]) {
      expect(failure(readyCheck(bad))).toBe(
        `not a valid fd check '${bad}' (fd:N with N from 3 to 1023: 0, 1 and 2 are stdin, stdout and stderr)`
      )
    }
  })

  it("ready=fd:N in a program section; a bad one is located", () => {
    expect(program("ready=fd:3").process?.ready).toEqual({ _tag: "Fd", fd: 3 })
    expect(program("ready=fd:2").issues).toEqual([
      `${FILE}:4: [program:p] ready: not a valid fd check 'fd:2' (fd:N with N from 3 to 1023: 0, 1 and 2 are stdin, stdout and stderr)`
    ])
  })
})

describe("codecs of the restart policy", () => {
  it("startretries takes infinite; seconds and fractions take decimals", () => {
    expect(ok(Codecs.retries("Infinite"))).toBe(Infinity)
    expect(ok(Codecs.retries("5"))).toBe(5)
    expect(failure(Codecs.retries("forever"))).toBe("invalid literal for int() with base 10: 'forever'")
    expect(ok(Codecs.seconds("0.5"))).toBe(0.5)
    expect(ok(Codecs.seconds("0"))).toBe(0)
    expect(failure(Codecs.seconds("-1"))).toBe("not a number of seconds: '-1'")
    expect(failure(Codecs.positiveSeconds("0"))).toBe("must be more than 0 seconds: '0'")
    expect(ok(Codecs.fraction("0.25"))).toBe(0.25)
    expect(failure(Codecs.fraction("1.5"))).toBe("not a fraction from 0 to 1: '1.5'")
    expect(ok(Codecs.backoffCurve("Exponential"))).toBe("exponential")
    expect(failure(Codecs.backoffCurve("fibonacci"))).toBe("invalid 'backoff' value 'fibonacci' (expected linear, exponential or constant)")
    expect(failure(Codecs.onUnhealthy("kill"))).toBe("invalid 'on_unhealthy' value 'kill' (expected restart, stop or event)")
  })
})

describe("the [program:x] options", () => {
  it("default to supervisord's behaviour: no check, linear backoff, nothing delayed", () => {
    expect(program("").process).toMatchObject({
      ready: undefined, readyTimeout: 60, healthcheck: undefined, healthcheckInterval: 10, healthcheckTimeout: 5,
      healthcheckRetries: 3, onUnhealthy: "restart", backoff: undefined, backoffInitial: 1, backoffMax: undefined,
      backoffJitter: 0, backoffResetAfter: undefined, startretries: 3
    })
  })

  it("are read, expanded per process, and typed", () => {
    const { process, issues } = program([
      "numprocs=2", "process_name=%(program_name)s_%(process_num)d", "ready=tcp:80%(process_num)02d", "ready_timeout=2.5",
      "healthcheck=http:80%(process_num)02d/health", "on_unhealthy=event", "backoff=exponential", "backoff_max=30",
      "backoff_jitter=0.1", "backoff_reset_after=120", "startretries=infinite"
    ].join("\n"))
    expect(issues).toEqual([])
    expect(process).toMatchObject({
      ready: { _tag: "Tcp", host: "localhost", port: 8000 }, readyTimeout: 2.5,
      healthcheck: { _tag: "Http", url: "http://localhost:8000/health" }, onUnhealthy: "event",
      backoff: "exponential", backoffMax: 30, backoffJitter: 0.1, backoffResetAfter: 120, startretries: Infinity
    })
  })

  it("bad values are located errors", () => {
    expect(program("ready=tcp:x\nhealthcheck_retries=0\nbackoff=slow").issues).toEqual([
      `${FILE}:4: [program:p] ready: not a valid tcp check (tcp:PORT or tcp:HOST:PORT): 'tcp:x'`,
      `${FILE}:5: [program:p] healthcheck_retries: healthcheck_retries must be at least 1 (got 0)`,
      `${FILE}:6: [program:p] backoff: invalid 'backoff' value 'slow' (expected linear, exponential or constant)`
    ])
  })

  it("an event listener refuses ready= and healthcheck= (its stdout is the protocol)", () => {
    expect(program("events=TICK_5\nready=tcp:80\nhealthcheck=tcp:80", "eventlistener:l").issues).toEqual([
      `${FILE}:5: [eventlistener:l] ready: [eventlistener:l] section sets ready= but an event listener is ready when it says READY, and its stdout is the protocol`,
      `${FILE}:6: [eventlistener:l] healthcheck: [eventlistener:l] section sets healthcheck= but an event listener is ready when it says READY, and its stdout is the protocol`
    ])
  })

  it("backoff_reset_after without backoff= is a warning: it would change nothing", () => {
    expect(program("backoff_reset_after=60").notices).toEqual([
      "For [program:p], backoff_reset_after has no effect without backoff= (the count starts over on RUNNING, as supervisord)"
    ])
    expect(program("backoff=linear\nbackoff_reset_after=60").notices).toEqual([])
  })
})
