/**
 * The command lines of supervisord and supervisorctl 4.2.5 against `effsup run` and `effsup ctl`:
 * the same arguments, and the same exit code, stdout and stderr once the program's name is masked.
 * Every case ends before a daemon would start (a usage error, -h, -v, or a config that fails).
 * Also: the -h texts have supervisord's layout and options, and effsup answers to the names
 * supervisord and supervisorctl.
 */
import * as Cp from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { VERSION } from "../../src/domain/Version.ts"
import { haveSupervisord, canRunAsNobody } from "./harness.ts"
import { tempDir } from "../support/TempDir.ts"

const ROOT = Path.resolve(import.meta.dirname, "../..")
const BIN = Path.join(ROOT, "src/bin.ts")
const dir = tempDir("cmdline")

const file = (name: string, text: string) => {
  Fs.writeFileSync(Path.join(dir, name), text)
  return Path.join(dir, name)
}
const ok = file("ok.conf", `[supervisord]\nlogfile=${dir}/main.log\npidfile=${dir}/x.pid\n[supervisorctl]\nserverurl=unix://${dir}/none.sock\n`)
const noSection = file("nosec.conf", "[supervisord]\n")
const noSupervisord = file("nosupervisord.conf", "[supervisorctl]\n")
const noUrl = file("nourl.conf", "[unix_http_server]\nfile=/tmp/x.sock\n[supervisorctl]\n")
const missing = Path.join(dir, "missing.conf")
// supervisorctl takes a username without a password (and sends no credentials); supervisord does not read the section
const userOnly = file("useronly.conf", `[supervisord]\nlogfile=${dir}/useronly.log\npidfile=${dir}/useronly.pid\n[unix_http_server]\nfile=${dir}/nodir/sock\n[supervisorctl]\nserverurl=unix://${dir}/none.sock\nusername=admin\n`)

interface Outcome {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

const exec = (cmd: string, args: ReadonlyArray<string>): Promise<Outcome> =>
  new Promise((resolve) => {
    const child = Cp.execFile(cmd, [...args], { cwd: dir, timeout: 20_000 }, (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : null, stdout, stderr }))
    child.stdin?.end()
  })

const masked = (o: Outcome): Outcome => {
  // effsup locates a problem of a whole file at its line 1, where supervisord names no file (deliberate)
  const mask = (t: string) =>
    t.replace(/\/usr\/bin\/supervisor(d|ctl)|effsup (run|ctl)/g, "PROG").replace(/^Error: \S+\.conf:1: \.ini file/m, "Error: .ini file")
  return { code: o.code, stdout: mask(o.stdout), stderr: mask(o.stderr) }
}

const same = async (real: string, ours: string, args: ReadonlyArray<string>) => {
  const [a, b] = await Promise.all([exec(real, args), exec(process.execPath, [BIN, ours, ...args])])
  expect(masked(b), args.join(" ")).toEqual(masked(a))
}

/** Compare every case, a few at a time. */
const allSame = async (real: string, ours: string, cases: ReadonlyArray<ReadonlyArray<string>>) => {
  for (let i = 0; i < cases.length; i += 3) await Promise.all(cases.slice(i, i + 3).map((args) => same(real, ours, args)))
}

const RUN_CASES: ReadonlyArray<ReadonlyArray<string>> = [
  ["--bogus"], ["-x"], ["-c"], ["--configuration"], ["--no"], ["--nodaemon=1"], ["--m", "5"], ["-nc"], ["a", "b"],
  ["-m", "999"], ["-y", "10xb"], ["-z", "abc"], ["-e", "verbose"], ["-a", "x"], ["--minprocs", "x"], ["--minf=x"],
  ["-d", "/nonexist"], ["-q", "/nonexist"], ["-l", "/nonexist/x.log"], ["-j", "/nonexist/x.pid"],
  ["-c", "a", "-c", "b"], ["-n", "-n"], ["-c", ok, "--configuration", ok], ["-m", "999", "-h"], ["-h", "--bogus"],
  ["-m", "999", "-v"], ["-c", missing], ["-c", "missing.conf"], ["-c", noSupervisord], ["-u", "nosuchuser", "-c", ok], ["-u", "54321", "-c", ok]
]

const CTL_CASES: ReadonlyArray<ReadonlyArray<string>> = [
  ["--bogus"], ["-v"], ["-c"], ["-u"], ["--interactive=1"], ["--history-file", "x"], ["-h", "--bogus"],
  ["-s", "notaurl", "status"], ["--serverurl=http://", "status"], ["-s", "http://[::1:9001", "status"], ["-s", "unix://x]", "status"], ["-c", "a", "-c", "b", "status"],
  ["-c", missing, "status"], ["-c", "./sub/../missing.conf", "status"], ["-c", noSection, "status"], ["-c", ok, "status"], ["-c", ok, "-s", `unix://${dir}/other.sock`, "pid"],
  // no serverurl: supervisorctl's default http://localhost:9001 (whatever answers there, both see the same)
  ["-c", noUrl, "version"], ["-c", userOnly, "status"]
]

/** The option column of a usage text: each option line's part before ` -- `. */
const optionColumn = (text: string) => text.split("\n").filter((l) => l.startsWith("-")).map((l) => l.split(" -- ")[0]!.trimEnd())

describe.skipIf(!haveSupervisord())("command lines, as supervisord and supervisorctl", () => {
  it("effsup run: usage errors, value checks, conflicts and config errors", async () => {
    await allSame("supervisord", "run", RUN_CASES)
    expect(Fs.existsSync(Path.join(dir, "x.pid"))).toBe(false)
    // -v prints the version of what runs: effsup's (getSupervisorVersion answers the same)
    for (const flag of ["-v", "--version", "--vers"]) {
      expect(await exec(process.execPath, [BIN, "run", "-n", flag])).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: "" })
    }
  }, 120_000)

  it("effsup ctl: usage errors, URL checks, conflicts, config errors and the default server", async () => {
    await allSame("supervisorctl", "ctl", CTL_CASES)
  }, 120_000)

  it("-h and -? print supervisord's layout with its options (ctl adds --json; -r is spelled as it is read)", async () => {
    for (const [real, ours] of [["supervisord", "run"], ["supervisorctl", "ctl"]] as const) {
      for (const flag of ["-h", "-?", "--help", "--he"]) {
        const [a, b] = await Promise.all([exec(real, [flag]), exec(process.execPath, [BIN, ours, flag])])
        expect([b.code, b.stderr], `${ours} ${flag}`).toEqual([0, ""])
        const layout = (t: string) => t.split("\n").map((l) => l === "" ? "" : l.startsWith("Usage:") ? "Usage:" : l.startsWith("-") ? "-" : "text")
        const head = (t: string) => layout(t).slice(0, 5)
        expect(head(masked(b).stdout)).toEqual(head(masked(a).stdout))
        expect([b.stdout.endsWith("\n\n"), b.stdout.endsWith("\n\n\n")]).toEqual([true, false])
        const expected = optionColumn(a.stdout).map((o) => o === "-r/--history-file" ? "-r/--history_file FILENAME" : o)
        expect(optionColumn(b.stdout)).toEqual(ours === "ctl" ? [...expected, "--json"] : expected)
      }
    }
  }, 60_000)

  // root runs both as nobody
  it.skipIf(!canRunAsNobody())("user= that a non-root user cannot become is supervisord's usage error, in front and in daemon mode", async () => {
    Fs.chmodSync(dir, 0o755)
    const conf = file("user.conf", `[supervisord]\nlogfile=${dir}/user.log\npidfile=${dir}/user.pid\nuser=root\n`)
    Fs.chmodSync(conf, 0o644)
    const asNobody = ["--reuid", "nobody", "--regid", "nogroup", "--clear-groups", "--"]
    for (const mode of [["-n"], []]) {
      const [a, b] = await Promise.all([
        exec("setpriv", [...asNobody, "supervisord", ...mode, "-c", conf]),
        exec("setpriv", [...asNobody, process.execPath, BIN, "run", ...mode, "-c", conf])
      ])
      expect(masked(b), mode.join("")).toEqual(masked(a))
      expect(masked(b)).toEqual({ code: 2, stdout: "", stderr: "Error: Can't drop privilege as nonroot user\nFor help, use PROG -h\n" })
    }
    expect(Fs.existsSync(Path.join(dir, "user.pid"))).toBe(false)
  }, 60_000)

  it("a control socket that cannot be made is supervisord's usage error with the errno and its number", async () => {
    const conf = file("nosockdir.conf", `[supervisord]\nlogfile=${dir}/nosock.log\npidfile=${dir}/nosock.pid\n[unix_http_server]\nfile=${dir}/nodir/sock\n`)
    const [a, b] = await Promise.all([exec("supervisord", ["-n", "-c", conf]), exec(process.execPath, [BIN, "run", "-n", "-c", conf])])
    expect([masked(b).code, masked(b).stderr]).toEqual([masked(a).code, masked(a).stderr])
    expect(masked(b).stderr).toBe("Error: Cannot open an HTTP server: socket.error reported errno.ENOENT (2)\nFor help, use PROG -h\n")
    // the same with a [supervisorctl] username and no password: the daemon does not read that section
    const [c, d] = await Promise.all([exec("supervisord", ["-n", "-c", userOnly]), exec(process.execPath, [BIN, "run", "-n", "-c", userOnly])])
    expect([masked(d).code, masked(d).stderr]).toEqual([masked(c).code, masked(c).stderr])
    expect(masked(d).stderr).toBe("Error: Cannot open an HTTP server: socket.error reported errno.ENOENT (2)\nFor help, use PROG -h\n")
  }, 60_000)

  it("answers to the names supervisord and supervisorctl (a symlink to the executable)", async () => {
    const links = tempDir("links")
    for (const name of ["supervisord", "supervisorctl"]) Fs.symlinkSync(BIN, Path.join(links, name))
    const d = await exec(process.execPath, [Path.join(links, "supervisord"), "--bogus"])
    expect(d).toEqual({ code: 2, stdout: "", stderr: `Error: option --bogus not recognized\nFor help, use ${links}/supervisord -h\n` })
    const c = await exec(process.execPath, [Path.join(links, "supervisorctl"), "-c", ok, "pid"])
    expect(c).toEqual({ code: 7, stdout: `unix://${dir}/none.sock no such file\n`, stderr: "" })
    expect((await exec(process.execPath, [Path.join(links, "supervisorctl"), "-h"])).stdout).toContain(`Usage: ${links}/supervisorctl [options]`)
  }, 60_000)
})
