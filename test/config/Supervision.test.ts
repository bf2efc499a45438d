import { describe, expect, it } from "@effect/vitest"
import { Result } from "effect"
import * as Codecs from "../../src/config/Codecs.ts"
import { formatIssue, parseConfigText } from "../../src/config/Load.ts"
import { dependencyTargets } from "../../src/config/Supervision.ts"
import { resolveConfig, testHost } from "../support/Configs.ts"

const FILE = "/etc/effsup/deps.conf"
const resolve = (text: string) => parseConfigText(`[supervisord]\n${text}`, FILE, testHost)
const errors = (text: string) => resolve(text).issues.map(formatIssue)
const program = (name: string, options = "") => `[program:${name}]\ncommand=/bin/${name}\n${options}\n`

describe("depends_on (the codec)", () => {
  const decode = (raw: string) => {
    const r = Codecs.dependencies(raw)
    return Result.isSuccess(r) ? r.success : { error: r.failure }
  }

  it("reads name[:condition] lists; the condition is the last colon's part when it is one of the three words", () => {
    expect(decode("")).toEqual([])
    expect(decode(" db , migrate:completed,cache:STARTED")).toEqual([
      { target: "db", condition: "running" },
      { target: "migrate", condition: "completed" },
      { target: "cache", condition: "started" }
    ])
    expect(decode("g:web, g:web:started, g:*:running")).toEqual([
      { target: "g:web", condition: "running" },
      { target: "g:web", condition: "started" },
      { target: "g:*", condition: "running" }
    ])
  })

  it("refuses what names nothing", () => {
    for (const bad of ["a,,b", ":running", "g:", "a b", "a/b", "a:b:c"]) {
      expect(decode(bad), bad).toHaveProperty("error")
    }
    expect(decode("a:b:c")).toEqual({ error: "invalid dependency 'a:b:c' (expected name, group:name or group:*, then optionally :running, :started or :completed)" })
  })
})

describe("supervision options", () => {
  it("default to supervisord's behaviour: no dependencies, nothing significant, one_for_one without limit, never shut down", () => {
    const c = resolveConfig(`[supervisord]\n${program("a")}[group:g]\nprograms=a\n`)
    expect(c.supervisord.autoShutdown).toBe("never")
    expect(c.groups[0]!.supervision).toEqual({ strategy: "one_for_one", maxRestarts: undefined, maxRestartsPeriod: 5, onExhausted: "stop" })
    expect(c.groups[0]!.processes[0]).toMatchObject({ dependsOn: [], significant: false })
  })

  it("are read from [group:x], [program:x] and [supervisord]", () => {
    const c = resolveConfig(`[supervisord]\nauto_shutdown=all_significant\n${program("a", "significant=true\ndepends_on=b:started")}${program("b")}` +
      `[group:g]\nprograms=a,b\nstrategy=rest_for_one\nmax_restarts=3\nmax_restarts_period=60\non_exhausted=shutdown\n`)
    expect(c.supervisord.autoShutdown).toBe("all_significant")
    expect(c.groups[0]!.supervision).toEqual({ strategy: "rest_for_one", maxRestarts: 3, maxRestartsPeriod: 60, onExhausted: "shutdown" })
    expect(c.groups[0]!.processes.map((p) => [p.name, p.significant, p.dependsOn])).toEqual([
      ["a", true, [{ target: "b", condition: "started" }]],
      ["b", false, []]
    ])
  })

  it("bad values are located errors", () => {
    expect(errors(`[group:g]\nprograms=\nstrategy=one_for_some\nmax_restarts=-1\nmax_restarts_period=0\non_exhausted=panic\n`)).toEqual([
      `${FILE}:4: [group:g] strategy: invalid 'strategy' value 'one_for_some' (expected one_for_one, one_for_all, rest_for_one)`,
      `${FILE}:5: [group:g] max_restarts: -1 is below lower bound (0)`,
      `${FILE}:6: [group:g] max_restarts_period: 0 is below lower bound (1)`,
      `${FILE}:7: [group:g] on_exhausted: invalid 'on_exhausted' value 'panic' (expected stop, fatal, shutdown)`
    ])
    expect(errors(`auto_shutdown=sometimes\n`)).toEqual([
      `${FILE}:2: [supervisord] auto_shutdown: invalid 'auto_shutdown' value 'sometimes' (expected never, any_significant, all_significant)`
    ])
  })

  it("auto_shutdown without a significant program is warned about, at its line", () => {
    expect(resolve(`auto_shutdown=any_significant\n${program("a")}`).notices).toContainEqual({
      level: "warn",
      message: `${FILE}:2: [supervisord] auto_shutdown=any_significant has no effect: no program sets significant=true`
    })
  })
})

describe("dependencies across sections (file:line of the depends_on that has the problem)", () => {
  it("a missing name, with a hint", () => {
    expect(errors(program("app", "depends_on=dbb") + program("db"))).toEqual([
      `${FILE}:4: [program:app] depends_on: depends on dbb, which names no program or process (did you mean 'db'?)`
    ])
    expect(errors(program("app", "depends_on=g:nope, nogroup:*") + program("db") + "[group:g]\nprograms=db\n")).toEqual([
      `${FILE}:4: [program:app] depends_on: depends on g:nope, which names no program or process`,
      `${FILE}:4: [program:app] depends_on: depends on nogroup:*, which names no program or process`
    ])
  })

  it("an event listener pool cannot be depended on", () => {
    expect(errors(program("app", "depends_on=l") + "[eventlistener:l]\ncommand=/bin/l\nevents=TICK_5\n")).toEqual([
      `${FILE}:4: [program:app] depends_on: depends on l, which names no program or process`
    ])
  })

  it("a condition that can never be met", () => {
    expect(errors(program("app", "depends_on=migrate:completed") + program("migrate", "autorestart=true"))).toEqual([
      `${FILE}:4: [program:app] depends_on: depends on migrate:completed, but migrate can never complete: it has autorestart=true`
    ])
    expect(errors(program("app", "depends_on=migrate:completed") + program("migrate", "autorestart=false\nexitcodes="))).toEqual([
      `${FILE}:4: [program:app] depends_on: depends on migrate:completed, but migrate can never complete: no exit code is expected (exitcodes is empty)`
    ])
  })

  it("a cycle, once per program, at the first program of the cycle", () => {
    expect(errors(program("a", "depends_on=b") + program("b", "depends_on=c:started") + program("c", "depends_on=a"))).toEqual([
      `${FILE}:4: [program:a] depends_on: dependency cycle: a -> b -> c -> a`
    ])
    expect(errors(program("w", "numprocs=2\nprocess_name=w%(process_num)s\ndepends_on=w"))).toEqual([
      `${FILE}:6: [program:w] depends_on: dependency cycle: w:w0 -> w:w0`
    ])
  })

  it("a program, a group member and a whole group resolve to their processes; a DAG loads", () => {
    const c = resolveConfig(`[supervisord]\n${program("db", "numprocs=2\nprocess_name=db%(process_num)s")}${program("x")}${program("y")}` +
      `[group:g]\nprograms=x,y\n${program("app", "depends_on=db, g:x, g:*:started")}`)
    const names = (target: string) => dependencyTargets(target, c.groups).map((p) => `${p.group}:${p.name}`)
    expect(names("db")).toEqual(["db:db0", "db:db1"])
    expect(names("x")).toEqual(["g:x"])
    expect(names("g:y")).toEqual(["g:y"])
    expect(names("g:*")).toEqual(["g:x", "g:y"])
    expect(names("nope")).toEqual([])
  })
})
