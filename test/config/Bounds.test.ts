/**
 * What a config may ask for (config/Limits.ts), and how a file that is not UTF-8 is refused: each
 * case is an input of a few bytes that made the loader run out of memory, hang or accept what can
 * never run, and each must now end within a second in one located error.
 */
import { NodeServices } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, FileSystem, type Path, Result, type Scope } from "effect"
import * as Cp from "node:child_process"
import { type ConfigError, formatIssue, load, loadCtl, parseConfigText } from "../../src/config/Load.ts"
import { MAX_CONFIG_BYTES, MAX_EXPANDED_CHARS, MAX_INCLUDED_FILES, MAX_PROCESSES, MAX_VALUE_CHARS } from "../../src/config/Limits.ts"
import { decodeConfigText, firstInvalidUtf8 } from "../../src/config/Text.ts"
import { testHost } from "../support/Configs.ts"

const FILE = "/etc/sv/main.conf"
const HEAD = "[supervisord]\n"
const env = { HOME: "/root", PATH: "/bin" }

/** The located issues of a config text, and how long resolving it took. */
const timed = (text: string) => {
  const started = performance.now()
  const issues = parseConfigText(text, FILE, testHost).issues.map(formatIssue)
  return { issues, ms: performance.now() - started }
}

/** A temp dir with these files (bytes or text); removed with the test's scope. */
const tempFiles = (files: Record<string, string | Uint8Array>) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const dir = yield* fs.makeTempDirectoryScoped()
    for (const [name, content] of Object.entries(files)) {
      yield* fs.makeDirectory(`${dir}/${name}`.replace(/\/[^/]*$/, ""), { recursive: true })
      yield* typeof content === "string" ? fs.writeFileString(`${dir}/${name}`, content) : fs.writeFile(`${dir}/${name}`, content)
    }
    return dir
  })

const run = <A, E>(eff: Effect.Effect<A, E, FileSystem.FileSystem | Path.Path | Scope.Scope>) =>
  eff.pipe(Effect.scoped, Effect.provide(NodeServices.layer))

/** The error lines of loading `file` in `dir`, and how long it took. */
const loadErrors = (file: string, dir: string) =>
  Effect.gen(function*() {
    const started = performance.now()
    const error: ConfigError = yield* Effect.flip(load(file, env, dir))
    return { lines: error.message.split("\n"), ms: performance.now() - started }
  })

const bytes = (...parts: ReadonlyArray<string | ReadonlyArray<number>>): Uint8Array =>
  Uint8Array.from(parts.flatMap((p) => typeof p === "string" ? [...new TextEncoder().encode(p)] : [...p]))

describe("UTF-8", () => {
  it("finds the first byte that does not decode, with Python's reason", () => {
    const at = (...b: ReadonlyArray<number>) => firstInvalidUtf8(Uint8Array.from([0x61, 0x62, ...b]))
    expect(at(0xe9, 0x20)).toEqual({ offset: 2, byte: 0xe9, reason: "invalid continuation byte" })
    expect(at(0x80)).toEqual({ offset: 2, byte: 0x80, reason: "invalid start byte" })
    expect(at(0xc0, 0x80)).toEqual({ offset: 2, byte: 0xc0, reason: "invalid start byte" })
    expect(at(0xe0, 0x80, 0x80)).toEqual({ offset: 2, byte: 0xe0, reason: "invalid continuation byte" })
    expect(at(0xed, 0xa0, 0x80)).toEqual({ offset: 2, byte: 0xed, reason: "invalid continuation byte" })
    expect(at(0xf0, 0x9f, 0x98)).toEqual({ offset: 2, byte: 0xf0, reason: "unexpected end of data" })
    expect(at(0xf4, 0x90, 0x80, 0x80)).toEqual({ offset: 2, byte: 0xf4, reason: "invalid continuation byte" })
    expect(at(0xff)).toEqual({ offset: 2, byte: 0xff, reason: "invalid start byte" })
    expect(at(0xc3, 0xa9, 0xf0, 0x9f, 0x98, 0x80)).toBeUndefined()
  })

  it("decodes valid text as it is, a byte order mark inside it too", () => {
    expect(decodeConfigText(bytes("[a]\nx=café", [0xef, 0xbb, 0xbf], "\n"), FILE)).toEqual(Result.succeed("[a]\nx=café\ufeff\n"))
  })

  it("refuses a leading byte order mark at line 1, as supervisord 4.2.5 does (it reads it as text: 'File contains no section headers')", () => {
    expect(decodeConfigText(bytes([0xef, 0xbb, 0xbf], "[a]\nx=1\n"), FILE)).toEqual(Result.fail({
      file: FILE, line: 1, section: undefined, option: undefined,
      message: "File contains no section headers: the file starts with a byte order mark (U+FEFF), which supervisord reads as text; save it without one"
    }))
  })

  it.effect("refuses the file at once, at the bad byte's line and offset, whatever else it asks for (the OOM input)", () =>
    run(Effect.gen(function*() {
      const dir = yield* tempFiles({
        "bad.conf": bytes("[supervisord]\nlogfile=/tmp/x.log\n; caf", [0xe9, 0x20, 0xff], "\n[program:a]\ncommand=sleep 1\nnumprocs = 99999999999999999999\n")
      })
      const { lines, ms } = yield* loadErrors("bad.conf", dir)
      expect(lines).toEqual([`${dir}/bad.conf:3: the file is not valid UTF-8: byte 0xe9 at offset 38 cannot be decoded (invalid continuation byte)`])
      expect(ms).toBeLessThan(1000)
    })))

  it.effect("refuses an included file at its own line, and a client's config too", () =>
    run(Effect.gen(function*() {
      const dir = yield* tempFiles({
        "main.conf": "[supervisord]\n[include]\nfiles=*.ini\n",
        "x.ini": bytes("[program:x]\ncommand=", [0x80], "\n"),
        "ctl.conf": bytes([0xc3])
      })
      expect((yield* loadErrors("main.conf", dir)).lines).toEqual([
        `${dir}/x.ini:2: the file is not valid UTF-8: byte 0x80 at offset 20 cannot be decoded (invalid start byte)`
      ])
      expect((yield* Effect.flip(loadCtl("ctl.conf", env, dir))).message).toBe(
        `${dir}/ctl.conf:1: the file is not valid UTF-8: byte 0xc3 at offset 0 cannot be decoded (unexpected end of data)`
      )
    })))
})

describe("numprocs and names", () => {
  it("refuses numprocs outside 1..MAX_PROCESSES, at the option", () => {
    const program = (n: string) => `${HEAD}[program:a]\ncommand=x\nprocess_name=%(process_num)s\nnumprocs=${n}\n`
    expect(timed(program("0")).issues).toEqual([`${FILE}:5: [program:a] numprocs: 0 is below lower bound (1)`])
    expect(timed(program("-3")).issues).toEqual([`${FILE}:5: [program:a] numprocs: -3 is below lower bound (1)`])
    expect(timed(program(String(MAX_PROCESSES + 1))).issues).toEqual([
      `${FILE}:5: [program:a] numprocs: ${MAX_PROCESSES + 1} is above upper bound (${MAX_PROCESSES})`
    ])
    const huge = timed(program("99999999999999999999"))
    expect(huge.issues).toEqual([`${FILE}:5: [program:a] numprocs: 99999999999999999999 is above upper bound (${MAX_PROCESSES})`])
    expect(huge.ms).toBeLessThan(1000)
  })

  it("bounds the processes of the whole config, a program counted for each group that names it", () => {
    const half = MAX_PROCESSES / 2
    const { issues, ms } = timed(
      `${HEAD}[program:a]\ncommand=x\nprocess_name=%(process_num)s\nnumprocs=${half}\n[group:g]\nprograms=a,a,a\n`
    )
    expect(issues).toEqual([`${FILE}:5: [program:a] numprocs: the config defines more than ${MAX_PROCESSES} processes in all (effsup's limit)`])
    expect(ms).toBeLessThan(1000)
  })

  it("ends the process loop whatever numprocs_start is, and refuses integers beyond 2^53", () => {
    const start = Number.MAX_SAFE_INTEGER - 1
    expect(timed(`${HEAD}[program:a]\ncommand=x\nprocess_name=%(process_num)s\nnumprocs_start=${start}\nnumprocs=4\n`).issues).toEqual([])
    expect(timed(`${HEAD}[program:a]\ncommand=x\npriority=9007199254740993\n`).issues).toEqual([
      `${FILE}:4: [program:a] priority: 9007199254740993 is out of range (effsup's integers are at most 9007199254740991 in size)`
    ])
  })

  it("refuses a name with a control character (supervisord accepts it; it cannot be addressed)", () => {
    expect(timed(`${HEAD}[program:a\u0001b]\ncommand=x\n`).issues).toEqual([
      `${FILE}:2: [program:a\\x01b] Invalid name: 'a\\x01b' because of character: '\\x01'`
    ])
    expect(timed(`${HEAD}[program:a]\ncommand=x\nprocess_name=a\tb\n`).issues).toEqual([
      `${FILE}:4: [program:a] process_name: Invalid name: 'a\\tb' because of character: '\\t'`
    ])
    expect(timed(`${HEAD}[program:a]\ncommand=x\n[group:g\u007f]\nprograms=a\n`).issues).toEqual([
      `${FILE}:4: [group:g\\x7f] Invalid name: 'g\\x7f' because of character: '\\x7f'`
    ])
  })
})

describe("expansion", () => {
  const x = "x".repeat(2000)

  it("bounds one value's expansion", () => {
    const { issues, ms } = timed(`${HEAD}[program:a]\nenvironment=X="${x}"\ncommand=${"%(ENV_X)s".repeat(100)}\n`)
    expect(issues).toEqual([`${FILE}:4: [program:a] command: 'program:a.command' expands to more than ${MAX_VALUE_CHARS} characters (effsup's limit)`])
    expect(ms).toBeLessThan(1000)
  })

  it("bounds what all values expand to, once, within a second", () => {
    // 60 references to 2000 characters is under the bound of one value; 10 000 processes of it are not
    const { issues, ms } = timed(
      `${HEAD}[program:a]\nenvironment=X="${x}"\ncommand=${"%(ENV_X)s".repeat(60)}\nprocess_name=%(process_num)s\nnumprocs=${MAX_PROCESSES}\n` +
        `stdout_logfile=${"%(ENV_X)s".repeat(60)}\n`
    )
    expect(issues).toHaveLength(1)
    expect(issues[0]).toMatch(
      new RegExp(`^${FILE}:\\d+: \\[program:a\\] \\w+: the config's values expand to more than ${MAX_EXPANDED_CHARS} characters in all \\(effsup's limit\\)$`)
    )
    expect(ms).toBeLessThan(1000)
  })
})

describe("[include]", () => {
  it.effect("refuses what is not a regular file (a directory, /dev/zero, a FIFO nobody writes), at the files= line", () =>
    run(Effect.gen(function*() {
      const dir = yield* tempFiles({ "main.conf": "[supervisord]\n[include]\nfiles=sub /dev/zero *.fifo\n", "sub/keep": "" })
      Cp.execFileSync("mkfifo", [`${dir}/nobody-writes.fifo`])
      const { lines, ms } = yield* loadErrors("main.conf", dir)
      expect(lines).toEqual([
        `${dir}/main.conf:3: [include] files: could not read config file ${dir}/sub: it is a directory`,
        `${dir}/main.conf:3: [include] files: could not read config file /dev/zero: it is not a regular file (CharacterDevice)`,
        `${dir}/main.conf:3: [include] files: could not read config file ${dir}/nobody-writes.fifo: it is not a regular file (FIFO)`
      ])
      expect(ms).toBeLessThan(1000)
    })))

  it.effect("bounds the files included and the bytes read in all", () =>
    run(Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const many = Object.fromEntries(Array.from({ length: MAX_INCLUDED_FILES + 1 }, (_, i) => [`d/${i}.ini`, ""]))
      const dir = yield* tempFiles({ ...many, "many.conf": "[supervisord]\n[include]\nfiles=d/*.ini\n", "big.conf": "[supervisord]\n[include]\nfiles=big.ini\n" })
      expect((yield* loadErrors("many.conf", dir)).lines).toEqual([
        `${dir}/many.conf:3: [include] files: the patterns match more than ${MAX_INCLUDED_FILES} files (effsup's limit)`
      ])
      yield* fs.writeFileString(`${dir}/big.ini`, "")
      yield* fs.truncate(`${dir}/big.ini`, MAX_CONFIG_BYTES + 1)
      const { lines, ms } = yield* loadErrors("big.conf", dir)
      expect(lines).toEqual([
        `${dir}/big.conf:3: [include] files: could not read config file ${dir}/big.ini: the config files are larger than 16 MiB in all (effsup's limit)`
      ])
      expect(ms).toBeLessThan(1000)
    })))

  it.effect("reads ** as one path segment, as Python's glob does for supervisord", () =>
    run(Effect.gen(function*() {
      const dir = yield* tempFiles({
        "main.conf": "[supervisord]\n[include]\nfiles=conf.d/**/*.ini\n",
        "conf.d/a/one.ini": "[program:one]\ncommand=x\n",
        "conf.d/a/b/two.ini": "[program:two]\ncommand=x\n"
      })
      expect((yield* load("main.conf", env, dir)).groups.map((g) => g.name)).toEqual(["one"])
    })))

  it.effect("names the system's reason when an included file cannot be read", () =>
    run(Effect.gen(function*() {
      const dir = yield* tempFiles({ "main.conf": "[supervisord]\n[include]\nfiles=*.ini\n", "dangling.ini": "" })
      const fs = yield* FileSystem.FileSystem
      yield* fs.remove(`${dir}/dangling.ini`)
      yield* fs.symlink(`${dir}/nowhere`, `${dir}/dangling.ini`)
      expect((yield* loadErrors("main.conf", dir)).lines).toEqual([
        `${dir}/main.conf:3: [include] files: could not read config file ${dir}/dangling.ini: ENOENT (No such file or directory)`
      ])
    })))
})
