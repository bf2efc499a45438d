import { describe, expect, it } from "@effect/vitest"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { parseIni } from "../../src/config/Ini.ts"
import { formatIssue, parseConfigText, pathIssues } from "../../src/config/Load.ts"
import { resolveCtl } from "../../src/config/Sections.ts"
import type { Host } from "../../src/config/Host.ts"
import type { Config, GroupConfig } from "../../src/config/Types.ts"

const host: Host = {
  env: { HOME: "/home/ann", PATH: "/bin" },
  cwd: "/work",
  hostname: "box",
  users: [{ name: "root", uid: 0, gid: 0, home: "/root" }, { name: "ann", uid: 1000, gid: 1000, home: "/home/ann" }],
  groups: [{ name: "root", gid: 0 }, { name: "ann", gid: 1000 }]
}
const FILE = "/etc/sv/main.conf"
const HEAD = "[supervisord]\n"

const resolve = (text: string, h: Host = host) => parseConfigText(text, FILE, h)
const config = (text: string, h: Host = host): Config => {
  const r = resolve(text, h)
  expect(r.issues.map(formatIssue)).toEqual([])
  return r.value
}
const errors = (text: string) => resolve(text).issues.map(formatIssue)
const group = (c: Config, name: string): GroupConfig => c.groups.find((g) => g.name === name)!

describe("[supervisord]", () => {
  it("has supervisord's defaults, with relative paths made absolute against the CWD", () => {
    const s = config(HEAD).supervisord
    expect(s).toMatchObject({
      logfile: "/work/supervisord.log", logfileMaxbytes: 50 * 1024 * 1024, logfileBackups: 10, loglevel: "info",
      pidfile: "/work/supervisord.pid", umask: 0o22, nodaemon: false, silent: false, minfds: 1024, minprocs: 200,
      nocleanup: false, childlogdir: "/tmp", user: undefined, directory: undefined, stripAnsi: false, environment: {},
      identifier: "supervisor"
    })
  })

  it("refuses an empty childlogdir= or directory= (supervisord's os.path.isdir('') is false)", () => {
    const r = resolve(`${HEAD}childlogdir=\ndirectory=\n`)
    expect(pathIssues(r.checks, (dir) => dir !== "")).toEqual([
      { file: FILE, line: 2, section: "supervisord", option: "childlogdir", message: " is not an existing directory" },
      { file: FILE, line: 3, section: "supervisord", option: "directory", message: " is not an existing directory" }
    ])
  })

  it("is required", () => {
    expect(errors("[program:x]\ncommand=a\n")).toEqual([`${FILE}:1: .ini file does not include supervisord section`])
  })

  it("expands ~ and %(here)s in paths, keeps 'syslog', and defers directory checks", () => {
    const r = resolve(`${HEAD}logfile=~/sd.log\npidfile=%(here)s/run/sd.pid\nchildlogdir=logs\n`)
    expect(r.value.supervisord.logfile).toBe("/home/ann/sd.log")
    expect(r.value.supervisord.pidfile).toBe("/etc/sv/run/sd.pid")
    expect(r.value.supervisord.childlogdir).toBe("/work/logs")
    const failed = pathIssues(r.checks, (dir) => dir === "/home/ann")
    expect(failed.map(formatIssue)).toEqual([
      `${FILE}:3: [supervisord] pidfile: The directory named as part of the path /etc/sv/run/sd.pid does not exist`,
      `${FILE}:4: [supervisord] childlogdir: logs is not an existing directory`
    ])
    expect(config(`${HEAD}logfile=syslog\n`).supervisord.logfile).toBe("syslog")
  })

  it("expands environment twice (Q28): %%%% gives %, host_node_name is not available", () => {
    const c = config(`${HEAD}environment=A="100%%%%",B=%(ENV_HOME)s\n`)
    expect(c.supervisord.environment).toEqual({ A: "100%", B: "/home/ann" })
    expect(errors(`${HEAD}environment=H=%(host_node_name)s\n`)[0]).toContain("contains names ('host_node_name')")
  })

  it("validates user= against passwd", () => {
    expect(errors(`${HEAD}user=nosuch\n`)).toEqual([`${FILE}:2: [supervisord] user: Invalid user name nosuch`])
    expect(config(`${HEAD}user=1000\n`).supervisord.user).toBe("1000")
  })
})

describe("[program:x]", () => {
  it("has supervisord's defaults", () => {
    const c = config(`${HEAD}[program:cat]\ncommand=/bin/cat\n`)
    expect(c.groups).toHaveLength(1)
    const g = group(c, "cat")
    expect([g.kind, g.priority, g.listener]).toEqual(["program", 999, undefined])
    const channel = { logfile: { _tag: "Auto" }, logfileMaxbytes: 52428800, logfileBackups: 10, captureMaxbytes: 0, eventsEnabled: false, syslog: false }
    expect(g.processes).toMatchObject([{
      name: "cat", group: "cat", section: "program:cat", command: "/bin/cat", priority: 999, autostart: true, startsecs: 1,
      startretries: 3, autorestart: "unexpected", exitcodes: [0], stopsignal: "SIGTERM", stopwaitsecs: 10, stopasgroup: false,
      killasgroup: false, user: undefined, redirectStderr: false, stdout: channel, stderr: channel, environment: {},
      directory: undefined, umask: undefined, serverurl: "AUTO"
    }])
  })

  it("decodes every option", () => {
    const p = config(`${HEAD}[program:w]
command=/bin/w
priority=5
autostart=no
startsecs=0
startretries=9
autorestart=true
exitcodes=0,2
stopsignal=int
stopwaitsecs=3
stopasgroup=true
user=ann
redirect_stderr=true
stdout_logfile=/var/log/w.log
stdout_logfile_maxbytes=1KB
stdout_logfile_backups=0
stdout_capture_maxbytes=1MB
stdout_events_enabled=1
stderr_syslog=on
directory=/srv
umask=002
serverurl=http://h:1
`).groups[0]!.processes[0]!
    expect(p).toMatchObject({
      priority: 5, autostart: false, startsecs: 0, startretries: 9, autorestart: "true", exitcodes: [0, 2], stopsignal: "SIGINT",
      stopwaitsecs: 3, stopasgroup: true, killasgroup: true, user: "ann", redirectStderr: true, directory: "/srv", umask: 0o2,
      serverurl: "http://h:1",
      stdout: { logfile: { _tag: "Path", path: "/var/log/w.log" }, logfileMaxbytes: 1024, logfileBackups: 0, captureMaxbytes: 1048576, eventsEnabled: true },
      stderr: { logfile: { _tag: "None" }, syslog: true }
    })
  })

  it("requires a command", () => {
    expect(errors(`${HEAD}[program:x]\nautostart=true\n`)).toEqual([`${FILE}:2: [program:x] program section program:x does not specify a command`])
  })

  it("forbids stopasgroup=true with killasgroup=false", () => {
    expect(errors(`${HEAD}[program:x]\ncommand=a\nstopasgroup=true\nkillasgroup=false\n`)).toEqual([
      `${FILE}:5: [program:x] killasgroup: Cannot set stopasgroup=true and killasgroup=false`
    ])
  })

  it("expands numprocs into processes named from process_name (sorted by name, as supervisord)", () => {
    const c = config(`${HEAD}[program:w]\ncommand=/bin/w --id %(process_num)d of %(numprocs)d\nnumprocs=3\nnumprocs_start=9\nprocess_name=%(program_name)s_%(process_num)02d\nstdout_logfile=/l/%(program_name)s-%(process_num)s.log\n`)
    const ps = group(c, "w").processes
    expect(ps.map((p) => [p.name, p.command, p.stdout.logfile])).toEqual([
      ["w_09", "/bin/w --id 9 of 3", { _tag: "Path", path: "/l/w-9.log" }],
      ["w_10", "/bin/w --id 10 of 3", { _tag: "Path", path: "/l/w-10.log" }],
      ["w_11", "/bin/w --id 11 of 3", { _tag: "Path", path: "/l/w-11.log" }]
    ])
  })

  it("requires %(process_num) in process_name when numprocs > 1", () => {
    expect(errors(`${HEAD}[program:w]\ncommand=a\nnumprocs=2\n`)).toEqual([
      `${FILE}:2: [program:w] process_name: %(process_num) must be present within process_name when numprocs > 1`
    ])
  })

  it("substitutes %(here)s textually only when the file has [include] (supervisord's expand_here), else expands it", () => {
    const command = (text: string) => config(`${HEAD}${text}[program:x]\ncommand=echo %%(here)s %(here)s\n`).groups[0]!.processes[0]!.command
    expect(command("")).toBe("echo %(here)s /etc/sv")
    expect(errors(`${HEAD}[include]\nfiles=none.conf\n[program:x]\ncommand=echo %%(here)s\n`)).toEqual([
      `${FILE}:5: [program:x] command: Format string 'echo %/etc/sv' for 'program:x.command' is badly formatted: unsupported format character '/' (0x2f) at index 6`
    ])
    expect(errors(`${HEAD}environment=X="%(here)s%(nope)s"\n`)[0]).toContain(`Format string 'X="%(here)s%(nope)s"' for 'supervisord.environment'`)
  })

  it("offers each option the variables of §1.3", () => {
    const p = config(`${HEAD}environment=G=1\n[program:x]\ncommand=%(program_name)s %(group_name)s %(host_node_name)s %(here)s %(ENV_G)s %(ENV_L)s %(ENV_PATH)s\nenvironment=L=%(process_num)s\n`).groups[0]!.processes[0]!
    expect(p.command).toBe("x x box /etc/sv 1 0 /bin")
    expect(p.environment).toEqual({ G: "1", L: "0" })
    // priority is read at group level: only here and ENV_* (Q22)
    expect(errors(`${HEAD}[program:x]\ncommand=a\npriority=%(program_name)s\n`)[0]).toContain("contains names ('program_name')")
    // the program's environment cannot refer to itself, nor use process_name
    expect(errors(`${HEAD}[program:x]\ncommand=a\nenvironment=A=1,B=%(ENV_A)s\n`)[0]).toContain("for 'environment' contains names ('ENV_A')")
  })

  it("merges [supervisord] environment under the program's", () => {
    const p = config(`${HEAD}environment=A=1,B=2\n[program:x]\ncommand=a\nenvironment=B=3,C="x y"\n`).groups[0]!.processes[0]!
    expect(p.environment).toEqual({ A: "1", B: "3", C: "x y" })
  })

  it("expands a logfile twice (a literal % needs %%%%), checks its directory, keeps a relative one relative (as supervisord shows it)", () => {
    const r = resolve(`${HEAD}[program:x]\ncommand=a\nstdout_logfile=/l/100%%%%.log\nstderr_logfile=rel.log\n`)
    expect(r.issues).toEqual([])
    expect(r.value.groups[0]!.processes[0]!.stdout.logfile).toEqual({ _tag: "Path", path: "/l/100%.log" })
    expect(r.value.groups[0]!.processes[0]!.stderr.logfile).toEqual({ _tag: "Path", path: "rel.log" })
    expect(r.checks.filter((c) => c.kind === "parent").map((c) => c.path)).toEqual(["/l/100%.log"])
  })

  it("checks a logfile's directory as written: 'a/../x.log' needs a (os.path.isdir does not normalize)", () => {
    const r = resolve(`${HEAD}logfile=./gone/../sd.log\n[program:x]\ncommand=a\nstdout_logfile=logs/../x.log\n`)
    expect(r.checks.filter((c) => c.kind === "parent").map((c) => c.path)).toEqual(["/work/./gone/../sd.log", "/work/logs/../x.log"])
    expect(r.value.supervisord.logfile).toBe("/work/sd.log")
    expect(pathIssues(r.checks, (dir) => dir === "/work" || dir === "/tmp")).toEqual([
      { file: FILE, line: 2, section: "supervisord", option: "logfile", message: "The directory named as part of the path ./gone/../sd.log does not exist" },
      { file: FILE, line: 5, section: "program:x", option: "stdout_logfile", message: "The directory named as part of the path logs/../x.log does not exist" }
    ])
  })

  it("keeps an empty logfile as written, with no directory check (supervisord shows '' and opens no log)", () => {
    const r = resolve(`${HEAD}[program:x]\ncommand=a\nstdout_logfile=\nstderr_logfile=  \n`)
    expect(r.issues).toEqual([])
    const p = r.value.groups[0]!.processes[0]!
    expect([p.stdout.logfile, p.stderr.logfile]).toEqual([{ _tag: "Path", path: "" }, { _tag: "Path", path: "" }])
    expect(r.checks.filter((c) => c.kind === "parent")).toEqual([])
  })

  it("turns stdout_logfile=syslog into stdout_syslog with a warning, and warns about AUTO without rollover", () => {
    const r = resolve(`${HEAD}[program:x]\ncommand=a\nstdout_logfile=syslog\nstderr_logfile_maxbytes=0\n`)
    const p = r.value.groups[0]!.processes[0]!
    expect([p.stdout.logfile, p.stdout.syslog]).toEqual([{ _tag: "None" }, true])
    expect(r.notices.map((n) => n.message)).toEqual([
      "For [program:x], stdout_logfile=syslog but this is deprecated and will be removed.  Use stdout_syslog=true to enable syslog instead.",
      "For [program:x], AUTO logging used for stderr_logfile without rollover, set maxbytes > 0 to avoid filling up filesystem unintentionally"
    ])
  })

  it("drops the stderr log when redirect_stderr=true (warning if one was named)", () => {
    const r = resolve(`${HEAD}[program:x]\ncommand=a\nredirect_stderr=true\nstderr_logfile=/l/e.log\n`)
    expect(r.value.groups[0]!.processes[0]!.stderr.logfile).toEqual({ _tag: "None" })
    expect(r.notices[0]!.message).toContain("redirect_stderr=true but stderr_logfile has also been set")
  })

  it("rejects bad names", () => {
    expect(errors(`${HEAD}[program:a b]\ncommand=a\n`)).toEqual([`${FILE}:2: [program:a b] Invalid name: 'a b' because of character: ' '`])
  })
})

describe("[group:x], [eventlistener:x], [fcgi-program:x]", () => {
  it("moves programs into a [group:x] with the group's priority; groups sort by (priority, name)", () => {
    const c = config(`${HEAD}[program:a]\ncommand=a\npriority=1\n[program:b]\ncommand=b\n[program:c]\ncommand=c\npriority=50\n[group:g]\nprograms=b,a\npriority=100\n`)
    expect(c.groups.map((g) => [g.name, g.kind, g.priority])).toEqual([["c", "program", 50], ["g", "group", 100]])
    expect(group(c, "g").processes.map((p) => [p.name, p.group, p.priority])).toEqual([["b", "g", 999], ["a", "g", 1]])
  })

  it("rejects unknown group members", () => {
    expect(errors(`${HEAD}[group:g]\nprograms=nope\n`)).toEqual([`${FILE}:3: [group:g] programs: [group:g] names unknown program or fcgi-program nope`])
  })

  it("names the member before an unknown or ambiguous one as supervisord does (its loop variable is reused)", () => {
    const before = `${HEAD}[program:a]\ncommand=a\n[program:b]\ncommand=b\n[fcgi-program:b]\ncommand=b\nsocket=tcp://127.0.0.1:9\n`
    expect(errors(`${before}[group:g]\nprograms=a,zz\n`)).toEqual([`${FILE}:10: [group:g] programs: [program:a] names unknown program or fcgi-program zz`])
    expect(errors(`${before}[group:g]\nprograms=a,b\n`)).toEqual([`${FILE}:10: [group:g] programs: [program:a] name b is ambiguous (exists as program and fcgi-program)`])
  })

  it("builds listener pools: priority -1, events upper-cased and validated, buffer_size", () => {
    const c = config(`${HEAD}[eventlistener:l]\ncommand=l\nevents=process_state,TICK_60\n`)
    const g = group(c, "l")
    expect([g.kind, g.priority, g.listener, g.processes[0]!.priority]).toEqual([
      "eventlistener", -1, { events: ["PROCESS_STATE", "TICK_60"], bufferSize: 10, resultHandler: "supervisor.dispatchers:default_handler" }, 999
    ])
    expect(errors(`${HEAD}[eventlistener:l]\ncommand=l\nevents=FOO\nbuffer_size=0\nredirect_stderr=true\nresult_handler=my:handler\n`)).toEqual([
      `${FILE}:4: [eventlistener:l] events: Unknown event type FOO in [eventlistener:l] events`,
      `${FILE}:5: [eventlistener:l] buffer_size: [eventlistener:l] section sets invalid buffer_size (0)`,
      `${FILE}:6: [eventlistener:l] redirect_stderr: [eventlistener:l] section sets redirect_stderr=true but this is not allowed because it will interfere with the eventlistener protocol`,
      `${FILE}:7: [eventlistener:l] result_handler: my:handler cannot be resolved within [eventlistener:l]: effsup cannot load Python plugins (only supervisor.dispatchers:default_handler is available)`
    ])
    expect(errors(`${HEAD}[eventlistener:l]\ncommand=l\n`)).toEqual([`${FILE}:2: [eventlistener:l] events: [eventlistener:l] section requires an "events" line`])
  })

  it("[fcgi-program:x]: a group of its own with its socket; %(program_name)s and %(here)s in socket=", () => {
    const c = config(`${HEAD}[fcgi-program:php]\ncommand=php-cgi\nnumprocs=2\nprocess_name=%(program_name)s_%(process_num)s\npriority=5\nsocket=unix://%(here)s/../run/%(program_name)s.sock\nsocket_mode=0660\nsocket_backlog=64\n`)
    const g = group(c, "php")
    expect([g.kind, g.priority, g.processes.map((p) => [p.name, p.group, p.section])]).toEqual([
      "fcgi-program", 5, [["php_0", "php", "fcgi-program:php"], ["php_1", "php", "fcgi-program:php"]]
    ])
    expect(g.socket).toEqual({ _tag: "Unix", url: "unix:///etc/run/php.sock", path: "/etc/run/php.sock", mode: 0o660, owner: undefined, backlog: 64 })
    const tcp = group(config(`${HEAD}[fcgi-program:f]\ncommand=f\nsocket=tcp://LocalHost:9000\n`), "f")
    expect(tcp.socket).toEqual({ _tag: "Tcp", url: "tcp://localhost:9000", host: "localhost", port: 9000, backlog: undefined })
  })

  it("[fcgi-program:x]: a unix socket is owned by the program's user= (its primary group) unless socket_owner says otherwise", () => {
    const owner = (more: string) => group(config(`${HEAD}[fcgi-program:f]\ncommand=f\nsocket=unix:///run/f.sock\n${more}`), "f").socket
    expect(owner("user=ann\n")).toMatchObject({ owner: { user: "ann", group: "1000" }, mode: 0o700 })
    expect(owner("user=ann\nsocket_owner=root\n")).toMatchObject({ owner: { user: "root", group: undefined } })
    expect(owner("socket_owner=ann:root\n")).toMatchObject({ owner: { user: "ann", group: "root" } })
  })

  it("[fcgi-program:x]: supervisord's errors, located", () => {
    const fcgi = (lines: string) => errors(`${HEAD}[fcgi-program:f]\ncommand=f\n${lines}`)
    expect(fcgi("")).toEqual([`${FILE}:2: [fcgi-program:f] [fcgi-program:f] section requires a "socket" line`])
    expect(fcgi("socket=unix:///run/%(process_num)s.sock\n")).toMatchObject([
      expect.stringMatching(/^\/etc\/sv\/main\.conf:4: \[fcgi-program:f\] socket: Format string .* contains names \('process_num'\)/)
    ])
    expect(fcgi("socket=foo://bar\n")).toEqual([`${FILE}:4: [fcgi-program:f] socket: Bad socket format foo://bar in [fcgi-program:f] socket`])
    expect(fcgi("socket=unix://relative/path\n")).toEqual([
      `${FILE}:4: [fcgi-program:f] socket: Unix socket path relative/path is not an absolute path in [fcgi-program:f] socket`
    ])
    expect(fcgi("socket=tcp://localhost:9000\nsocket_mode=0666\n")).toEqual([
      `${FILE}:4: [fcgi-program:f] socket: socket_owner and socket_mode params should only be used with a Unix domain socket in [fcgi-program:f] socket`
    ])
    expect(fcgi("socket=tcp://localhost:70000\n")).toEqual([`${FILE}:4: [fcgi-program:f] socket: 70000 is not a valid port number in [fcgi-program:f] socket`])
    expect(fcgi("socket=unix:///run/f.sock\nsocket_backlog=0\n")).toEqual([`${FILE}:5: [fcgi-program:f] socket_backlog: Invalid socket_backlog value 0`])
    expect(fcgi("socket=unix:///run/f.sock\nsocket_owner=nobody-here\n")).toEqual([`${FILE}:5: [fcgi-program:f] socket_owner: Invalid socket_owner value nobody-here`])
    expect(fcgi("socket=unix:///run/f.sock\nsocket_mode=999\n")).toEqual([`${FILE}:5: [fcgi-program:f] socket_mode: Invalid socket_mode value 999`])
  })

  it("loads the shape of a public config: a group of twelve programs and an fcgi-program", () => {
    const fixture = Fs.readFileSync(Path.resolve(import.meta.dirname, "../fixtures/fds/group-and-fcgi.conf"), "utf8")
    const c = config(`${HEAD}${fixture}`, { ...host, env: { ...host.env, EFFSUP_ACCEPTOR: "/opt/acceptor.py" } })
    expect(c.groups.map((g) => [g.name, g.kind, g.processes.length])).toEqual([["app", "group", 12], ["php", "fcgi-program", 3]])
    const php = group(c, "php")
    expect(php.processes.map((p) => [p.name, p.command])).toEqual(["php-00", "php-01", "php-02"].map((n) => [n, "python3 /opt/acceptor.py"]))
    expect(php.socket).toEqual({
      _tag: "Unix", url: "unix:///etc/sv/php.sock", path: "/etc/sv/php.sock", mode: 0o660, owner: { user: "root", group: "root" }, backlog: 128
    })
  })

  it("an fcgi-program in a [group:x] is a plain member without a socket (supervisord's quirk); one named twice is ambiguous", () => {
    const c = config(`${HEAD}[fcgi-program:f]\ncommand=f\nsocket=tcp://localhost:9000\n[group:g]\nprograms=f\n`)
    expect(c.groups.map((g) => [g.name, g.kind, g.socket])).toEqual([["g", "group", undefined]])
    expect(errors(`${HEAD}[program:f]\ncommand=f\n[fcgi-program:f]\ncommand=f\nsocket=tcp://localhost:9000\n[group:g]\nprograms=f\n`)).toEqual([
      `${FILE}:8: [group:g] programs: [group:g] name f is ambiguous (exists as program and fcgi-program)`
    ])
  })
})

describe("servers, supervisorctl, plugins", () => {
  it("reads [unix_http_server] and every inet_http_server* section (Q13)", () => {
    const c = config(`${HEAD}[unix_http_server]\nfile=%(here)s/s.sock\nchmod=0770\nchown=ann:root\n[inet_http_server]\nport=*:9001\nusername=u\npassword=p\n[inet_http_server:two]\nport=LocalHost:9002\n`)
    expect(c.unixHttpServer).toEqual({ file: "/etc/sv/s.sock", chmod: 0o770, chown: "ann:root", username: undefined, password: undefined })
    expect(c.inetHttpServers).toEqual([
      { section: "inet_http_server", host: "", port: 9001, username: "u", password: "p" },
      { section: "inet_http_server:two", host: "localhost", port: 9002, username: undefined, password: undefined }
    ])
  })

  it("reports server errors", () => {
    expect(errors(`${HEAD}[unix_http_server]\nchmod=999\nchown=nosuch\nusername=u\n[inet_http_server]\n[inet_http_server:b]\nport=:99999\n`)).toEqual([
      `${FILE}:2: [unix_http_server] section [unix_http_server] has no file value`,
      `${FILE}:3: [unix_http_server] chmod: Invalid chmod value 999`,
      `${FILE}:4: [unix_http_server] chown: Invalid sockchown value nosuch`,
      `${FILE}:5: [unix_http_server] username: Section [unix_http_server] contains incomplete authentication: If a username or a password is specified, both the username and password must be specified`,
      `${FILE}:6: [inet_http_server] section [inet_http_server] has no port value`,
      `${FILE}:8: [inet_http_server:b] port: 99999 is above upper bound (65535)`
    ])
  })

  it("reads [supervisorctl]; without serverurl, supervisorctl's default (not the unix socket)", () => {
    const c = config(`${HEAD}[unix_http_server]\nfile=/run/s.sock\n[supervisorctl]\nhistory_file=~/.h\n`)
    expect(c.supervisorctl).toEqual({ serverurl: "http://localhost:9001", username: undefined, password: undefined, prompt: "supervisor", historyFile: "/home/ann/.h" })
  })

  it("takes a [supervisorctl] username without a password (supervisorctl then sends no credentials; supervisord ignores the section)", () => {
    const c = config(`${HEAD}[supervisorctl]\nusername=ann\n`)
    expect(c.supervisorctl).toMatchObject({ username: "ann", password: undefined })
    expect(config(`${HEAD}[supervisorctl]\npassword=x\n`).supervisorctl).toMatchObject({ username: undefined, password: "x" })
  })

  it("lets the daemon ignore [supervisorctl]'s problems, as supervisord (which never reads it) does", () => {
    const c = config(`${HEAD}[supervisorctl]\nusername=u\nprompt=%(nope)s\nhistory_file=%(x\n`)
    expect(c.supervisorctl?.username).toBe("u")
  })

  it("ctl's own reading takes a [supervisorctl] username without a password, as supervisorctl does", () => {
    const r = resolveCtl(parseIni("[supervisorctl]\nserverurl=unix:///run/s.sock\nusername=u\n", FILE).document, FILE, host)
    expect([r.issues, r.value.username, r.value.password]).toEqual([[], "u", undefined])
  })

  it("accepts the main rpcinterface only", () => {
    config(`${HEAD}[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n`)
    expect(errors(`${HEAD}[rpcinterface:x]\nsupervisor.rpcinterface_factory = my.mod:make\n[rpcinterface:y]\nfoo=1\n`)).toEqual([
      `${FILE}:3: [rpcinterface:x] supervisor.rpcinterface_factory: my.mod:make cannot be resolved within [rpcinterface:x]: effsup cannot load Python plugins (only supervisor.rpcinterface:make_main_rpcinterface is built in)`,
      `${FILE}:4: [rpcinterface:y] section [rpcinterface:y] does not specify a supervisor.rpcinterface_factory`
    ])
  })
})

describe("collecting problems", () => {
  it("reports every problem at once, in file order, each with file:line", () => {
    expect(errors(`${HEAD}loglevel=verbose\numask=999\n[program:a]\ncommand=echo 100%\nautostart=maybe\nexitcodes=0,256\nenvironment=A=1,B\n[program:b]\ncommand=b\nstopsignal=FOO\nstartsecs=x\nstdout_logfile_maxbytes=10xb\nautorestart=sometimes\nthis is not ini\n`)).toEqual([
      `${FILE}:2: [supervisord] loglevel: bad logging level name 'verbose'`,
      `${FILE}:3: [supervisord] umask: 999 can not be converted to an octal type`,
      `${FILE}:5: [program:a] command: Format string 'echo 100%' for 'program:a.command' is badly formatted: incomplete format`,
      `${FILE}:6: [program:a] autostart: not a valid boolean value: 'maybe'`,
      `${FILE}:7: [program:a] exitcodes: not a valid list of exit codes: '0,256'`,
      `${FILE}:8: [program:a] environment: Unexpected end of key/value pairs in value 'A=1,B'`,
      `${FILE}:11: [program:b] stopsignal: value 'FOO' is not a valid signal name`,
      `${FILE}:12: [program:b] startsecs: invalid literal for int() with base 10: 'x'`,
      `${FILE}:13: [program:b] stdout_logfile_maxbytes: invalid literal for int() with base 10: '10xb'`,
      `${FILE}:14: [program:b] autorestart: invalid 'autorestart' value 'sometimes'`,
      `${FILE}:15: [program:b] expected 'name = value', a [section] header or a comment (got 'this is not ini')`
    ])
  })

  it("warns about unknown options and sections with a suggestion", () => {
    const r = resolve(`${HEAD}logfil=x\n[program:x]\ncommand=a\nautorestrat=true\nzzzzzzzz=1\n[supervisorctl]\n[unix_http_serve]\n`)
    expect(r.issues).toEqual([])
    expect(r.notices.map((n) => [n.level, n.message])).toEqual([
      ["warn", `${FILE}:2: [supervisord] unknown option 'logfil' is ignored (did you mean 'logfile'?)`],
      ["warn", `${FILE}:8: unknown section [unix_http_serve] is ignored (did you mean 'unix_http_server'?)`],
      ["warn", `${FILE}:5: [program:x] unknown option 'autorestrat' is ignored (did you mean 'autorestart'?)`],
      ["warn", `${FILE}:6: [program:x] unknown option 'zzzzzzzz' is ignored`]
    ])
  })

  it("falls back to [DEFAULT] like RawConfigParser", () => {
    expect(config(`[DEFAULT]\nstartsecs=7\n${HEAD}[program:x]\ncommand=a\n`).groups[0]!.processes[0]!.startsecs).toBe(7)
  })

  it("skips user validation when the host has no passwd", () => {
    expect(resolve(`${HEAD}[program:x]\ncommand=a\nuser=whoever\n`, { ...host, users: undefined }).issues).toEqual([])
  })
})
