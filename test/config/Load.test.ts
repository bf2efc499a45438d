import { NodeServices } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, FileSystem } from "effect"
import { ConfigError, load, loadCtl, searchPaths } from "../../src/config/Load.ts"

const env = { HOME: "/root", PATH: "/bin" }

/** A temp dir with the given files (relative path → text); removed with the test's scope. */
const tempFiles = (files: Record<string, string>) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const dir = yield* fs.makeTempDirectoryScoped()
    for (const [name, text] of Object.entries(files)) {
      const path = `${dir}/${name}`
      yield* fs.makeDirectory(path.slice(0, path.lastIndexOf("/")), { recursive: true })
      yield* fs.writeFileString(path, text)
    }
    return dir
  })

const run = <A, E>(eff: Effect.Effect<A, E, FileSystem.FileSystem | import("effect").Path.Path | import("effect").Scope.Scope>) =>
  eff.pipe(Effect.provide(NodeServices.layer))

describe("load", () => {
  it.effect("reads [include] globs relative to the including file, sorted, merged, with per-file %(here)s", () =>
    run(Effect.gen(function*() {
      const dir = yield* tempFiles({
        "main.conf": "[supervisord]\nlogfile=%(here)s/sd.log\n[include]\nfiles = conf.d/*.ini missing/*.conf\n[program:a]\ncommand=main\n",
        "conf.d/b.ini": "[program:b]\ncommand=cat %(here)s/b\n[program:a]\ncommand=from-b\n",
        "conf.d/a.ini": "[program:a]\ncommand=from-a\npriority=1\n[include]\nfiles=nested/*.conf\n"
      })
      const c = yield* load("main.conf", env, dir)
      expect(c.file).toBe(`${dir}/main.conf`)
      expect(c.supervisord.logfile).toBe(`${dir}/sd.log`)
      expect(c.groups.map((g) => [g.name, g.processes[0]!.command])).toEqual([["a", "from-b"], ["b", `cat ${dir}/conf.d/b`]])
      expect(c.groups[0]!.priority).toBe(1)
      expect(c.notices).toEqual([
        { level: "info", message: `Included extra file "${dir}/conf.d/a.ini" during parsing` },
        { level: "warn", message: `${dir}/conf.d/a.ini: its [include] section is ignored (includes are not recursive, as in supervisord)` },
        { level: "info", message: `Included extra file "${dir}/conf.d/b.ini" during parsing` },
        { level: "warn", message: `No file matches via include "${dir}/missing/*.conf"` }
      ])
    })))

  it.effect("names include patterns and their matches as Python's os.path.join and glob do (not normalized); %(here)s is normalized", () =>
    run(Effect.gen(function*() {
      const dir = yield* tempFiles({
        "main.conf": "[supervisord]\n[include]\nfiles = ../nothing/*.conf ./conf.d/../conf.d/*.ini conf.d//b*.ini\n",
        "conf.d/b.ini": "[program:b]\ncommand=cat %(here)s\n"
      })
      const c = yield* load("main.conf", env, dir)
      expect(c.groups.map((g) => g.processes[0]!.command)).toEqual([`cat ${dir}/conf.d`])
      expect(c.notices).toEqual([
        { level: "warn", message: `No file matches via include "${dir}/../nothing/*.conf"` },
        { level: "info", message: `Included extra file "${dir}/./conf.d/../conf.d/b.ini" during parsing` },
        { level: "info", message: `Included extra file "${dir}/conf.d/b.ini" during parsing` }
      ])
    })))

  it.effect("fails with every issue, located, across included files, including missing directories", () =>
    run(Effect.gen(function*() {
      const dir = yield* tempFiles({
        "main.conf": "[supervisord]\nchildlogdir=/no/such/dir\n[include]\nfiles=x.ini\n[program:a]\ncommand=a\nautostart=maybe\n",
        "x.ini": "[program:b]\nstdout_logfile=/no/such/dir/b.log\n"
      })
      const err = yield* Effect.flip(load(`${dir}/main.conf`, env, "/"))
      expect(err).toBeInstanceOf(ConfigError)
      expect(err.message.split("\n")).toEqual([
        `${dir}/main.conf:2: [supervisord] childlogdir: /no/such/dir is not an existing directory`,
        `${dir}/main.conf:7: [program:a] autostart: not a valid boolean value: 'maybe'`,
        `${dir}/x.ini:1: [program:b] program section program:b does not specify a command`
      ])
      expect(err.issues).toHaveLength(3)
    })))

  it.effect("[include] needs files=", () =>
    run(Effect.gen(function*() {
      const dir = yield* tempFiles({ "m.conf": "[supervisord]\n[include]\n" })
      const err = yield* Effect.flip(load("m.conf", env, dir))
      expect(err.message).toBe(`${dir}/m.conf:2: [include] .ini file has [include] section, but no files setting`)
    })))

  it.effect("reports a missing explicit file and an empty search path", () =>
    run(Effect.gen(function*() {
      const dir = yield* tempFiles({})
      expect((yield* Effect.flip(load("nope.conf", env, dir))).message).toBe(`${dir}/nope.conf: could not find config file nope.conf`)
      const none = yield* Effect.flip(load(undefined, env, dir, { searchPaths: ["a.conf", "etc/a.conf"] }))
      expect(none.message).toBe("No config file found at default paths (a.conf, etc/a.conf); use the -c option to specify a config file at a different path")
    })))

  it.effect("finds a config on the search path (<here>/etc first, then the CWD)", () =>
    run(Effect.gen(function*() {
      const dir = yield* tempFiles({ "prefix/etc/supervisord.conf": "[supervisord]\nidentifier=prefix\n", "cwd/supervisord.conf": "[supervisord]\nidentifier=cwd\n" })
      const paths = searchPaths(`${dir}/prefix`).filter((p) => !p.startsWith("/etc"))
      expect(paths[0]).toBe(`${dir}/prefix/etc/supervisord.conf`)
      expect((yield* load(undefined, env, `${dir}/cwd`, { searchPaths: paths })).supervisord.identifier).toBe("prefix")
      expect((yield* load(undefined, env, `${dir}/cwd`, { searchPaths: paths.slice(2) })).supervisord.identifier).toBe("cwd")
      expect(searchPaths(undefined).slice(-2)).toEqual(["/etc/supervisord.conf", "/etc/supervisor/supervisord.conf"])
    })))

  it.effect("loads examples/basic.conf", () =>
    run(Effect.gen(function*() {
      const root = new URL("../../", import.meta.url).pathname.replace(/\/$/, "")
      const c = yield* load(`${root}/examples/basic.conf`, env, root)
      expect(c.groups.map((g) => g.name)).toEqual(["workers", "crasher", "oneshot", "ticker"])
      expect(c.groups[0]!.processes.map((p) => p.name)).toEqual(["worker_00", "worker_01"])
      expect(c.unixHttpServer?.file).toBe("/tmp/effsup-basic.sock")
      expect(c.supervisorctl?.serverurl).toBe("unix:///tmp/effsup-basic.sock")
    })))
})

describe("loadCtl", () => {
  it.effect("needs only [supervisorctl]; without serverurl, supervisorctl's default, not a guess from the servers", () =>
    run(Effect.gen(function*() {
      const dir = yield* tempFiles({
        "a.conf": "[inet_http_server]\nport=*:9111\n[supervisorctl]\nusername=u\npassword=p\n",
        "b.conf": "[unix_http_server]\nfile=%(here)s/s.sock\n",
        "c.conf": "[supervisorctl]\n[ctlplugin:x]\nsupervisor.ctl_factory = my.plugin:make\n"
      })
      const a = yield* loadCtl("a.conf", env, dir)
      expect(a.supervisorctl).toEqual({ serverurl: "http://localhost:9001", username: "u", password: "p", prompt: "supervisor", historyFile: undefined })
      expect((yield* Effect.flip(loadCtl("b.conf", env, dir))).message).toContain(".ini file does not include supervisorctl section")
      const none = yield* loadCtl(undefined, env, dir, { searchPaths: ["nothing.conf"] })
      expect([none.file, none.supervisorctl.serverurl]).toEqual([undefined, "http://localhost:9001"])
      expect((yield* Effect.flip(loadCtl("c.conf", env, dir))).message).toContain("my.plugin:make cannot be resolved within [ctlplugin:x]")
    })))
})
