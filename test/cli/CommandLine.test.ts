/**
 * The command lines of `effsup run` and `effsup ctl`: getopt against Python's own getopt (the
 * module supervisord uses), supervisord's option semantics (order, conflicts, value checks), ctl's,
 * and which program a command line routes to.
 * @since 0.1.0
 */
import { describe, expect, it } from "@effect/vitest"
import * as Cp from "node:child_process"
import { isUrl, parseCtlArgv } from "../../src/cli/ctl/Argv.ts"
import { readReport } from "../../src/cli/Daemonize.ts"
import { getopt, type OptionTable } from "../../src/cli/Getopt.ts"
import { route } from "../../src/cli/Main.ts"
import { parseRunArgv, type PathFacts } from "../../src/cli/RunOptions.ts"

const SUPERVISORD: OptionTable = {
  short: "h?c:vnu:m:d:l:y:z:e:j:i:q:a:kts",
  long: [
    "help", "configuration=", "version", "nodaemon", "user=", "umask=", "directory=", "logfile=", "logfile_maxbytes=",
    "logfile_backups=", "loglevel=", "pidfile=", "identifier=", "childlogdir=", "minfds=", "minprocs=", "nocleanup",
    "strip_ansi", "profile_options=", "silent"
  ]
}

const CASES: ReadonlyArray<ReadonlyArray<string>> = [
  [], ["-n"], ["-nc", "x.conf"], ["-ncx.conf", "-k"], ["-c"], ["-x"], ["--bogus"], ["--no"], ["--nod"], ["--nodaemon=1"],
  ["--config=a", "rest", "-n"], ["--configuration", "a"], ["--configuration"], ["--log", "x"], ["--logfile", "x"],
  ["--logfile_m=5"], ["--m", "5"], ["--mi", "5"], ["--minp", "5"], ["-", "-n"], ["--", "-n"], ["-c", "-n"], ["-?"],
  ["-c", "a", "b", "-n"], ["--prof=cumulative"]
]

const pythonGetopt = (cases: ReadonlyArray<ReadonlyArray<string>>, table: OptionTable): ReadonlyArray<unknown> => {
  const script = `
import getopt, json, sys
cases, short, long = json.load(sys.stdin)
out = []
for args in cases:
    try:
        opts, rest = getopt.getopt(args, short, long)
        out.append({"options": [{"name": o, "value": v} for o, v in opts], "args": rest})
    except getopt.GetoptError as e:
        out.append({"_tag": "GetoptError", "message": str(e)})
print(json.dumps(out))`
  const run = Cp.spawnSync("python3", ["-c", script], { input: JSON.stringify([cases, table.short, table.long]), encoding: "utf8" })
  return JSON.parse(run.stdout) as ReadonlyArray<unknown>
}

const facts: PathFacts = { cwd: "/work", home: "/home/ann", isDirectory: (p) => ["/", "/tmp", "/work", "/home/ann"].includes(p) }

describe("getopt", () => {
  it("reads every case as Python's getopt does (supervisord's option table)", () => {
    expect(CASES.map((c) => getopt(c, SUPERVISORD))).toEqual(pythonGetopt(CASES, SUPERVISORD))
  })

  it("collects the words that are not options when permuting", () => {
    expect(getopt(["a.conf", "-n", "--", "-k"], SUPERVISORD, true)).toEqual({
      options: [{ name: "-n", value: "" }],
      args: ["a.conf", "-k"]
    })
  })
})

describe("effsup run's command line", () => {
  const run = (...words: ReadonlyArray<string>) => parseRunArgv(words, facts)

  it("answers -h, -? and -v in order, after the values before them", () => {
    expect(run("-h")._tag).toBe("Help")
    expect(run("-?", "--bogus")).toEqual({ _tag: "Usage", message: "option --bogus not recognized" })
    expect(run("-n", "-v", "-m", "999")._tag).toBe("Version")
    expect(run("-m", "999", "-h")).toEqual({ _tag: "Usage", message: "invalid value for -m '999': 999 can not be converted to an octal type" })
  })

  it("checks values with supervisord's messages and maps every option", () => {
    expect(run("-d", "/nonexist")).toEqual({ _tag: "Usage", message: "invalid value for -d '/nonexist': /nonexist is not an existing directory" })
    expect(run("--logfile=/no/x.log")).toEqual({
      _tag: "Usage",
      message: "invalid value for --logfile '/no/x.log': The directory named as part of the path /no/x.log does not exist"
    })
    expect(run("-e", "verbose")).toEqual({ _tag: "Usage", message: "invalid value for -e 'verbose': bad logging level name 'verbose'" })
    expect(run("--minprocs", "x")).toEqual({ _tag: "Usage", message: "invalid value for --minprocs 'x': invalid literal for int() with base 10: 'x'" })
    const all = run(
      "-c", "a.conf", "-n", "-s", "-u", "nobody", "-m", "027", "-d", "~", "-l", "main.log", "-y", "1MB", "-z", "3", "-e", "debug",
      "-j", "/tmp/x.pid", "-i", "me", "-q", "/tmp", "-k", "-a", "2048", "--minprocs", "300", "-t", "--profile_options", "calls"
    )
    expect(all).toEqual({
      _tag: "Run",
      options: {
        configuration: "a.conf",
        profileOptions: "calls",
        overrides: {
          nodaemon: true, silent: true, user: "nobody", umask: 0o27, directory: "/home/ann", logfile: "/work/main.log",
          logfileMaxbytes: 1048576, logfileBackups: 3, loglevel: "debug", pidfile: "/tmp/x.pid", identifier: "me",
          childlogdir: "/tmp", nocleanup: true, minfds: 2048, minprocs: 300, stripAnsi: true
        }
      }
    })
    expect(run("-l", "syslog")).toEqual({ _tag: "Run", options: { configuration: undefined, profileOptions: undefined, overrides: { logfile: "syslog" } } })
  })

  it("refuses an option given twice and more than one positional word", () => {
    expect(run("-c", "a", "--configuration", "b")).toEqual({ _tag: "Usage", message: "conflicting command line option '--configuration'" })
    expect(run("-n", "--nodaemon")).toEqual({ _tag: "Usage", message: "conflicting command line option '--nodaemon'" })
    expect(run("a.conf", "b.conf")).toEqual({ _tag: "Usage", message: "positional arguments are not supported: ['a.conf', 'b.conf']" })
    expect(run("a.conf", "-c", "b.conf")).toEqual({ _tag: "Usage", message: "conflicting command line option '-c'" })
    expect(run("a.conf", "-n")).toEqual({ _tag: "Run", options: { configuration: "a.conf", profileOptions: undefined, overrides: { nodaemon: true } } })
  })
})

describe("effsup ctl's command line", () => {
  it("reads supervisorctl's options, stops at the action, and honours -r and --json", () => {
    expect(parseCtlArgv(["-c", "x.conf", "-i", "--serv=unix:///s", "-r", "h", "--json", "tail", "-f", "web"])).toEqual({
      _tag: "Run",
      flags: {
        configuration: "x.conf",
        serverurl: "unix:///s",
        username: undefined,
        password: undefined,
        historyFile: "h",
        interactive: true,
        json: true,
        action: ["tail", "-f", "web"]
      }
    })
    expect(parseCtlArgv(["-h", "--bogus"])).toEqual({ _tag: "Usage", message: "option --bogus not recognized" })
    expect(parseCtlArgv(["-?", "status"])).toEqual({ _tag: "Help" })
    expect(parseCtlArgv(["-v"])).toEqual({ _tag: "Usage", message: "option -v not recognized" })
    expect(parseCtlArgv(["--history-file", "x"])).toEqual({ _tag: "Usage", message: "option --history-file not recognized" })
    expect(parseCtlArgv(["-s", "notaurl"])).toEqual({ _tag: "Usage", message: "invalid value for -s 'notaurl': value 'notaurl' is not a URL" })
    expect(parseCtlArgv(["-u", "a", "-u", "b"])).toEqual({ _tag: "Usage", message: "conflicting command line option '-u'" })
  })

  it("checks URLs as Python's urlparse does", () => {
    expect(["unix:///tmp/s.sock", "http://127.0.0.1:9001", "localhost:9001", "http://h"].every(isUrl)).toBe(true)
    expect(["notaurl", "http://", "unix://", "foo:", "9001", ""].some(isUrl)).toBe(false)
  })
})

describe("routing", () => {
  it("runs ctl and run on their own, the rest on effect/cli, and answers to supervisord's names", () => {
    expect(route(["ctl", "status"], "/usr/bin/effsup")).toEqual({ _tag: "Ctl", argv: ["status"], progname: "effsup ctl" })
    expect(route(["run", "-n"], "/usr/bin/effsup")).toEqual({ _tag: "Run", argv: ["-n"], progname: "effsup run" })
    expect(route(["check", "x"], "/usr/bin/effsup")).toEqual({ _tag: "Cli", argv: ["check", "x"] })
    expect(route(["-c", "x"], "/usr/local/bin/supervisord")).toEqual({ _tag: "Run", argv: ["-c", "x"], progname: "/usr/local/bin/supervisord" })
    expect(route(["status"], "/usr/local/bin/supervisorctl")).toEqual({ _tag: "Ctl", argv: ["status"], progname: "/usr/local/bin/supervisorctl" })
  })
})

describe("the daemon's startup report", () => {
  it("reads ready, an exit status with its text, or nothing yet", () => {
    expect(readReport("ready\n")).toEqual({ code: 0, text: "" })
    expect(readReport("exit 2\nError: x\nFor help, use effsup run -h\n")).toEqual({ code: 2, text: "Error: x\nFor help, use effsup run -h\n" })
    expect(readReport("")).toBeUndefined()
    expect(readReport("rea")).toBeUndefined()
  })
})
