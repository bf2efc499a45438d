/**
 * The loader is total, located and fast on hostile input: real configs (effsup's `echo-config`
 * sample and the examples) are mutated at random — bytes flipped or made invalid UTF-8, lines
 * deleted, doubled, swapped, uncommented or indented, options and section headers inserted with
 * hostile values (huge and negative numbers, broken `%(x)s`, control characters, long
 * expansions, includes of /dev/zero, a directory or a FIFO nobody writes) — and each mutant is loaded from disk with `[include]`. Every load must end in a
 * config or a ConfigError (never a defect), within a second, and every issue of an error must
 * carry `file:line`. The mutations come from a seeded generator, so a failure names the seed and
 * replays exactly. (test/fuzz holds the INI dialect's own property tests; this one is about the
 * loader's errors and bounds.)
 */
import { NodeServices } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, FileSystem } from "effect"
import * as Cp from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { formatIssue, load } from "../../src/config/Load.ts"
import {
  CTL_OPTIONS, GROUP_OPTIONS, INCLUDE_OPTIONS, INET_SERVER_OPTIONS, LISTENER_OPTIONS, PROGRAM_OPTIONS, SUPERVISORD_OPTIONS,
  UNIX_SERVER_OPTIONS
} from "../../src/config/Options.ts"
import { sampleConfig } from "../../src/config/Sample.ts"
import { optionNames } from "../../src/config/Table.ts"

const EXAMPLES = Path.resolve(import.meta.dirname, "../../examples")

/** The real configs the mutants start from, with the sample's sections turned on. */
const SEEDS: ReadonlyArray<string> = [
  sampleConfig,
  sampleConfig.replace(/^;(\[[^\]]+\])/gm, "$1").replace(/^;(\w+=)/gm, "$1"),
  ...Fs.readdirSync(EXAMPLES).filter((f) => f.endsWith(".conf")).map((f) => Fs.readFileSync(Path.join(EXAMPLES, f), "utf8"))
]

const OPTION_NAMES = [
  ...optionNames(
    SUPERVISORD_OPTIONS, PROGRAM_OPTIONS, LISTENER_OPTIONS, GROUP_OPTIONS, UNIX_SERVER_OPTIONS, INET_SERVER_OPTIONS, CTL_OPTIONS,
    INCLUDE_OPTIONS
  ),
  "command", "port", "file", "events", "programs", "files", "serverurl", "supervisor.rpcinterface_factory", "nosuchoption"
]

const VALUES = [
  "", "0", "-3", "1", "2", "99999999999999999999", "9007199254740993", "-99999999999999999999", "1e3", "0x10", "1_000",
  "yes", "maybe", "AUTO", "NONE", "syslog", "%", "%(", "%(nope)s", "%(here)s", "%(program_name)s", "%(process_num)02d",
  "%(ENV_HOME)s", "%%", "%(process_num)x", "%(process_num", "%(numprocs)d", "a b", "a:b", "a/b", "\u0001x", "x\u007f", "\t",
  "/no/such/dir/x.log", "~nobody/x", "~", "SIGTERM", "SIGNOPE", "KILL", "65536", "*:0", "host:", "unix:///tmp/x.sock",
  "{SHA}abc", "A=1,B", "A=\"unterminated", "A=%(ENV_HOME)s", "PROCESS_STATE", "NOPE_EVENT", "x.y:z", "1KB", "1.5MB",
  "10GB", "0o777", "999", "nobody", "root", "no-such-user", "x".repeat(3000), "%(here)s".repeat(300),
  "%(ENV_PATH)s".repeat(200), "*.conf", "/dev/zero", "sub/*.fifo", "sub", "sub/*.ini", "%(host_node_name)s"
]

const HEADERS = [
  "[program:x]", "[program:]", "[program:a b]", "[program:\u0001]", "[program:a\u0007b]", "[group:g]", "[group:]",
  "[eventlistener:e]", "[fcgi-program:f]", "[include]", "[unix_http_server]", "[inet_http_server]", "[supervisorctl]",
  "[rpcinterface:x]", "[ctlplugin:y]", "[DEFAULT]", "[supervisord]", "[", "[]", "[nosuch]"
]

/** mulberry32: a small seeded generator, so that a failing mutant can be replayed from its seed. */
const generator = (seed: number) => {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (n: number) => Math.floor(next() * n)
  const pick = <A>(xs: ReadonlyArray<A>): A => xs[int(xs.length)]!
  return { int, pick }
}

type Rng = ReturnType<typeof generator>

const encoder = new TextEncoder()

/** One line-level mutation of a text. */
const mutateLines = (text: string, rng: Rng): string => {
  const lines = text.split("\n")
  const at = rng.int(lines.length + 1)
  switch (rng.int(8)) {
    case 0:
      lines.splice(at, 1)
      break
    case 1:
      lines.splice(at, 0, lines[rng.int(lines.length)] ?? "")
      break
    case 2: {
      const other = rng.int(lines.length)
      ;[lines[at], lines[other]] = [lines[other] ?? "", lines[at] ?? ""]
      break
    }
    case 3:
      lines[at] = (lines[at] ?? "").replace(/^;\s?/, "")
      break
    case 4:
      lines[at] = `  ${lines[at] ?? ""}`
      break
    case 5:
      lines.splice(at, 0, `${rng.pick(OPTION_NAMES)} = ${rng.pick(VALUES)}`)
      break
    case 6:
      lines.splice(at, 0, rng.pick(HEADERS))
      break
    default: {
      const i = lines.findIndex((l, n) => n >= at && /^\w[\w.]*\s*[=:]/.test(l))
      if (i >= 0) lines[i] = `${lines[i]!.split(/[=:]/)[0]}= ${rng.pick(VALUES)}`
    }
  }
  return lines.join("\n")
}

/** One byte-level mutation: an invalid UTF-8 byte, a flipped byte, a NUL, a CR, or the text cut short. */
const mutateBytes = (bytes: Uint8Array, rng: Rng): Uint8Array => {
  const at = rng.int(bytes.length + 1)
  const splice = (insert: ReadonlyArray<number>, remove = 0) =>
    Uint8Array.from([...bytes.subarray(0, at), ...insert, ...bytes.subarray(at + remove)])
  switch (rng.int(5)) {
    case 0:
      return splice([0x80 + rng.int(0x80)])
    case 1:
      return splice([rng.int(256)], 1)
    case 2:
      return splice([0])
    case 3:
      return splice([13])
    default:
      return bytes.subarray(0, at)
  }
}

/** A mutant of a seed: a few line-level mutations, sometimes a byte-level one. */
const mutant = (seed: number): { readonly main: Uint8Array; readonly included: string } => {
  const rng = generator(seed)
  let text = rng.pick(SEEDS)
  for (let n = 1 + rng.int(4); n > 0; n--) text = mutateLines(text, rng)
  const included = mutateLines(`[program:inc]\ncommand=/bin/cat\nnumprocs=${rng.pick(VALUES)}\n`, rng)
  if (rng.int(3) === 0) text += `\n[include]\nfiles = ${rng.pick(["sub/*.ini", "sub/*.ini sub/*.ini", rng.pick(VALUES)])}\n`
  const bytes = encoder.encode(text)
  return { main: rng.int(3) === 0 ? mutateBytes(bytes, rng) : bytes, included }
}

/** Mutants per run; `EFFSUP_FUZZ_RUNS=20000` for a longer search. */
const RUNS = Number(process.env["EFFSUP_FUZZ_RUNS"] ?? 600)
const env = { HOME: "/root", PATH: "/usr/bin:/bin" }

describe("load on mutated real configs", () => {
  it.effect(`ends within a second in a config or a ConfigError whose every issue is located (${RUNS} mutants)`, () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      yield* fs.makeDirectory(`${dir}/sub`)
      Cp.execFileSync("mkfifo", [`${dir}/sub/nobody-writes.fifo`])
      const unlocated = new Map<string, number>()
      const slow: Array<string> = []
      const defects: Array<string> = []
      for (let seed = 1; seed <= RUNS; seed++) {
        const { main, included } = mutant(seed)
        yield* fs.writeFile(`${dir}/main.conf`, main)
        yield* fs.writeFileString(`${dir}/sub/inc.ini`, included)
        const started = performance.now()
        const exit = yield* Effect.exit(load("main.conf", env, dir))
        const ms = performance.now() - started
        if (ms > 1000) slow.push(`seed ${seed}: ${Math.round(ms)} ms`)
        if (Exit.isSuccess(exit)) continue
        const error = Cause.findErrorOption(exit.cause)
        if (error._tag === "None") {
          defects.push(`seed ${seed}: ${Cause.pretty(exit.cause)}`)
          continue
        }
        for (const issue of error.value.issues) {
          if (issue.file !== "" && issue.line > 0) continue
          const shape = formatIssue(issue).replaceAll(dir, "DIR").replace(/\d+/g, "N").slice(0, 160)
          if (!unlocated.has(shape)) unlocated.set(shape, seed)
        }
      }
      expect(defects).toEqual([])
      expect(slow).toEqual([])
      expect([...unlocated].map(([shape, seed]) => `seed ${seed}: ${shape}`)).toEqual([])
    }).pipe(Effect.provide(NodeServices.layer)), 120_000)
})
