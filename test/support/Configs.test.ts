import { describe, expect, it } from "@effect/vitest"
import { config, listenerConfig, processConfig, programGroup, quietChannel, resolveConfig, supervisordConfig } from "./Configs.ts"

describe("test config builders", () => {
  it("start from what the loader resolves, then apply the overrides", () => {
    const loaded = resolveConfig("[supervisord]\n[program:web]\ncommand=/bin/cat\n")
    expect(processConfig({ name: "web" })).toEqual(loaded.groups[0]!.processes[0])
    expect(programGroup("web")).toEqual(loaded.groups[0])
    expect(config({ groups: loaded.groups })).toEqual({ ...loaded, file: "/etc/effsup/test.conf" })
    expect(supervisordConfig({ nodaemon: true })).toEqual({ ...loaded.supervisord, nodaemon: true })
    expect(processConfig({ name: "w", stdout: quietChannel, priority: 1 })).toMatchObject({ name: "w", group: "w", section: "program:w", priority: 1, stdout: { logfile: { _tag: "None" } } })
    expect(listenerConfig({ events: ["TICK_5"] })).toEqual({ events: ["TICK_5"], bufferSize: 10, resultHandler: "supervisor.dispatchers:default_handler" })
  })

  it("refuse a config text with issues", () => {
    expect(() => resolveConfig("[supervisord]\n[program:x]\n")).toThrow("does not specify a command")
  })
})
