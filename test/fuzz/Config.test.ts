/**
 * Fuzzing the config reader: supervisord's INI dialect (Ini.ts), `%(name)s` expansion
 * (Expand.ts), resolution of a whole file (parseConfigText) and `load` with `[include]`s from
 * disk. Whatever the text: located issues or a config, never a throw or a defect, and no input
 * of a few KB takes more than a second.
 *
 * Two defects the fuzzer found are pinned by regression tests below: a `%` conversion's width
 * (`%(x)600000000s` threw a RangeError) and an unbounded `numprocs` (99999999999999999999 ran out
 * of memory); both are now located errors (config/Limits.ts).
 */
import { NodeServices } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, FileSystem, Result } from "effect"
import fc from "fast-check"
import { spawnSync } from "node:child_process"
import * as Path from "node:path"
import { expand } from "../../src/config/Expand.ts"
import { parseIni } from "../../src/config/Ini.ts"
import { load, parseConfigText } from "../../src/config/Load.ts"
import type { Host } from "../../src/config/Host.ts"
import { mutated, params, timeoutFor, withinDeadline } from "./fuzz.ts"

const FILE = "/etc/fuzz/supervisord.conf"
const host: Host = {
  env: { HOME: "/root", PATH: "/bin", X: "1" },
  cwd: "/tmp",
  hostname: "fuzzhost",
  users: [{ name: "root", uid: 0, gid: 0, home: "/root" }, { name: "nobody", uid: 65534, gid: 65534, home: "/" }],
  groups: [{ name: "root", gid: 0 }, { name: "nogroup", gid: 65534 }]
}

const SECTIONS = [
  "supervisord", "supervisorctl", "unix_http_server", "inet_http_server", "include", "rpcinterface:supervisor",
  "program:web", "program:cat", "program:x y", "program:", "group:g", "eventlistener:ev", "fcgi-program:f", "DEFAULT", "nope"
]
const OPTIONS = [
  "command", "process_name", "numprocs", "numprocs_start", "priority", "autostart", "startsecs", "startretries",
  "autorestart", "exitcodes", "stopsignal", "stopwaitsecs", "stopasgroup", "killasgroup", "user", "redirect_stderr",
  "stdout_logfile", "stdout_logfile_maxbytes", "stdout_logfile_backups", "stdout_capture_maxbytes", "stdout_events_enabled",
  "stderr_logfile", "stderr_syslog", "environment", "directory", "umask", "serverurl", "events", "buffer_size",
  "result_handler", "programs", "files", "file", "chmod", "chown", "username", "password", "port", "logfile", "loglevel",
  "pidfile", "minfds", "minprocs", "nodaemon", "silent", "childlogdir", "identifier", "nocleanup", "strip_ansi",
  "logfile_maxbytes", "logfile_backups", "prompt", "history_file", "supervisor.rpcinterface_factory", "bogus_option"
]
const VALUES = [
  "", "0", "1", "3", "-1", "+2", "007", "1.5", "true", "false", "unexpected", "yes", "off", "10MB", "1KB", "5GB", "50",
  "TERM", "sigkill", "HUP", "99", "0,2", "0, 2,", "022", "0o777", "root", "nobody", "nobody:nogroup", "ghost:ghost",
  "/bin/cat", "sleep 1000", "%(program_name)s_%(process_num)02d", "%(here)s/log", "%(ENV_HOME)s", "%(ENV_NOPE)s",
  "%%", "%(", "%(x", "%(bogus)s", "%(process_num)x", "%(program_name)r", "%(group_name)-8s|", "%(host_node_name)s",
  "%s", "%d", "%(numprocs)d", "AUTO", "NONE", "syslog", "127.0.0.1:9001", "*:9001", ":9001", "localhost:0", "unix:///tmp/s",
  "PROCESS_STATE,TICK_5", "A=\"1\",B='2',C=3", "A=\"unterminated", "KEY", "web,cat", "missing", "*.conf conf.d/*.ini",
  "\u00e9\u0000\u001b[31m", "x ; inline comment", "x;not a comment", "a # b"
]

const line = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(...SECTIONS).map((s) => `[${s}]`) },
  {
    weight: 8,
    arbitrary: fc.tuple(fc.constantFrom(...OPTIONS), fc.constantFrom(" = ", "=", ": ", " =  "), fc.constantFrom(...VALUES))
      .map(([o, sep, v]) => `${o}${sep}${v}`)
  },
  { weight: 1, arbitrary: fc.constantFrom("", "; comment", "# comment", "   continued value", "\tmore", "[broken", "no separator", "=value", "   ") }
)
const configText = fc.array(line, { minLength: 1, maxLength: 30 }).map((ls) => `[supervisord]\n${ls.join("\n")}\n`)
const FRAGMENTS = ["\n", "[", "]", "=", ":", ";", "#", "%", "%(", ")s", "%%", "\t", "  ", "\r\n", "\u0000", "\uFEFF", "\uD800", "[program:", "numprocs=2\n"]
const anyConfig = fc.oneof(configText, mutated(configText, FRAGMENTS), fc.string({ unit: "binary", maxLength: 300 }))

describe("fuzz: config", () => {
  it("parses any text into located sections and issues", () => {
    fc.assert(
      fc.property(anyConfig, (text) => {
        const parsed = withinDeadline("parseIni", () => parseIni(text, FILE))
        const lines = text.split(/\r\n|\r|\n/).length
        for (const issue of parsed.issues) {
          expect(issue.file).toBe(FILE)
          expect(issue.line).toBeGreaterThanOrEqual(1)
          expect(issue.line).toBeLessThanOrEqual(lines)
          expect(issue.message.length).toBeGreaterThan(0)
        }
        for (const section of parsed.document.sections.values()) {
          expect(section.line).toBeGreaterThanOrEqual(1)
          for (const value of section.options.values()) expect(value.line).toBeLessThanOrEqual(lines)
        }
      }),
      params(1500)
    )
  }, timeoutFor(1500, 10))

  it("expands any template to a value or supervisord's error text", () => {
    const vars = { program_name: "web", process_num: 3, numprocs: 4, here: "/etc", ENV_HOME: "/root" }
    const template = fc.oneof(
      fc.string({ unit: fc.constantFrom("%", "(", ")", "s", "d", "x", "r", "-", "0", "5", ".", "#", "+", " ", "program_name", "process_num", "a"), maxLength: 30 }),
      fc.string({ unit: "binary", maxLength: 60 })
    )
    fc.assert(
      fc.property(template, (t) => {
        const r = withinDeadline("expand", () => expand(t, vars, "program:web.command"))
        if (Result.isFailure(r)) expect(r.failure).toMatch(/^Format string .* for 'program:web.command' /)
        else expect(r.success.length).toBeLessThanOrEqual(20 * t.length + 100)
      }),
      params(3000)
    )
  }, timeoutFor(3000, 5))

  it("resolves any config text to a config or located issues", () => {
    fc.assert(
      fc.property(anyConfig, (text) => {
        const r = withinDeadline("parseConfigText", () => parseConfigText(text, FILE, host))
        for (const issue of r.issues) {
          expect(issue.file).toBe(FILE)
          expect(issue.message.length).toBeGreaterThan(0)
        }
      }),
      params(1500)
    )
  }, timeoutFor(1500, 20))

  it("loads any files with [include]s from disk to a Config or a ConfigError, never a defect", async () => {
    const tree = fc.tuple(anyConfig, fc.array(anyConfig, { maxLength: 2 }), fc.constantFrom("conf.d/*.conf", "conf.d/a.conf missing/*", "../*", "*"))
    await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const root = yield* fs.makeTempDirectoryScoped()
      let round = 0
      yield* Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(tree, async ([main, included, pattern]) => {
            // each case in its own parent, so `../*` sees only this case's files
            const dir = Path.join(root, String(round++), "etc")
            const write = Effect.gen(function*() {
              yield* fs.makeDirectory(Path.join(dir, "conf.d"), { recursive: true })
              yield* fs.writeFileString(Path.join(dir, "main.conf"), `${main}\n[include]\nfiles = ${pattern}\n`)
              for (const [i, text] of included.entries()) yield* fs.writeFileString(Path.join(dir, "conf.d", `${"ab"[i]}.conf`), text)
            })
            await Effect.runPromise(write)
            const started = performance.now()
            const exit = await Effect.runPromiseExit(load("main.conf", host.env, dir).pipe(Effect.provide(NodeServices.layer)))
            // disk-bound: a looser bound than the pure parsers' second
            expect(performance.now() - started).toBeLessThan(3000)
            await Effect.runPromise(fs.remove(Path.dirname(dir), { recursive: true }))
            if (Exit.isFailure(exit)) {
              expect(Cause.hasDies(exit.cause), Cause.pretty(exit.cause)).toBe(false)
              expect(Cause.hasInterrupts(exit.cause)).toBe(false)
            }
          }),
          params(150)
        )
      )
    })).pipe(Effect.provide(NodeServices.layer)))
  }, timeoutFor(150, 100))
})

describe("config: defects the fuzzer found stay fixed", () => {
  it("K1: a huge width in a % conversion is a located error, not a RangeError", () => {
    const r = parseConfigText("[supervisord]\n[program:x]\ncommand=%(program_name)600000000s\n", FILE, host)
    expect(r.issues.map((i) => i.line)).toEqual([3])
  })

  it("K2: numprocs = 99999999999999999999 is a located error within a second", () => {
    const script = `import { parseConfigText } from ${JSON.stringify(Path.resolve(import.meta.dirname, "../../src/config/Load.ts"))}
      const r = parseConfigText("[supervisord]\\n[program:x]\\ncommand=cat\\nnumprocs=99999999999999999999\\nprocess_name=%(process_num)s\\n", "f", ${JSON.stringify(host)})
      console.log(JSON.stringify(r.issues.map((i) => i.line)))`
    const child = spawnSync(process.execPath, ["--max-old-space-size=256", "--input-type=module", "-e", script], { encoding: "utf8", timeout: 3000 })
    expect(child.stdout.trim()).toBe("[4]")
  }, 10_000)
})
