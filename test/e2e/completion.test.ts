/**
 * Tab completion in the interactive shell, through a pseudo-terminal: the real supervisorctl and
 * `effsup ctl` get the same keystrokes against the same supervisord 4.2.5, and must run the same
 * completed command lines (both write them to `[supervisorctl] history_file`) and list the same
 * candidates on a second Tab. What is readline's own is not compared: the layout of the list (GNU
 * readline fills columns first, Node's rows first), the bell on an ambiguous Tab, and the Tab right
 * after one that completed part of a word (Node's lists, GNU's rings the bell and lists on the next).
 */
import * as Cp from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { haveSupervisord } from "./harness.ts"
import { tempDir } from "../support/TempDir.ts"

const ROOT = Path.resolve(import.meta.dirname, "../..")
const BIN = Path.join(ROOT, "src/bin.ts")

/** Type each key into a program on an 80x24 pty, reading its output until it is quiet; prints the output after each key. */
const DRIVER = `
import fcntl, json, os, pty, select, struct, sys, termios, time
keys = json.loads(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    os.environ["TERM"] = "xterm"
    os.execvp(sys.argv[2], sys.argv[2:])
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
def pump(until, quiet=0.4, limit=20.0):
    out = b""
    start = last = time.time()
    while time.time() - start < limit:
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try:
                data = os.read(fd, 4096)
            except OSError:
                break
            if not data:
                break
            out += data
            last = time.time()
        elif until.encode() in out and time.time() - last > quiet:
            break
    return out.decode(errors="replace")
chunks = [pump("supervisor> ")]
for key in keys:
    os.write(fd, key.encode())
    chunks.append(pump(""))
os.waitpid(pid, 0)
print(json.dumps(chunks))
`

const dir = tempDir("complete")
const conf = Path.join(dir, "sup.conf")
let daemon: Cp.ChildProcess | undefined

beforeAll(async () => {
  if (!haveSupervisord()) return
  Fs.writeFileSync(conf, `[supervisord]
logfile=%(here)s/main.log
pidfile=%(here)s/daemon.pid
childlogdir=%(here)s

[unix_http_server]
file=%(here)s/sock

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://%(here)s/sock
history_file=%(here)s/history.%(ENV_CLIENT)s

[program:sleeper]
command=sleep 1000.${process.pid}
startsecs=0

[program:multi]
command=sleep 1000.${process.pid}
process_name=multi_%(process_num)d
numprocs=2
startsecs=0
`)
  daemon = Cp.spawn("supervisord", ["-n", "-c", conf], { stdio: "ignore" })
  const end = Date.now() + 20_000
  while (!/multi_1\s+RUNNING/.test(Cp.spawnSync("supervisorctl", ["-c", conf, "status"], { encoding: "utf8", env: { ...process.env, CLIENT: "probe" } }).stdout)) {
    if (Date.now() > end) throw new Error("supervisord did not start its programs")
    await new Promise((r) => setTimeout(r, 100))
  }
}, 30_000)

afterAll(async () => {
  if (daemon !== undefined && daemon.exitCode === null) {
    const exited = new Promise((r) => daemon!.once("exit", r))
    daemon.kill("SIGTERM")
    await exited
  }
}, 30_000)

type Client = "supervisorctl" | "effsup"

/** Type `keys` into the client's shell; its output after each key, and the command lines it ran. */
const session = (client: Client, keys: ReadonlyArray<string>) => {
  const program = client === "effsup" ? [process.execPath, BIN, "ctl", "-c", conf] : ["supervisorctl", "-c", conf]
  const run = Cp.spawnSync("python3", ["-c", DRIVER, JSON.stringify(keys), ...program], {
    encoding: "utf8",
    timeout: 120_000,
    env: { ...process.env, CLIENT: client }
  })
  if (run.status !== 0) throw new Error(run.stderr)
  return {
    chunks: JSON.parse(run.stdout) as ReadonlyArray<string>,
    history: Fs.readFileSync(Path.join(dir, `history.${client}`), "utf8").split("\n").filter((l) => l !== "")
  }
}

/** The candidates a listing shows: its words, without the prompt and the line being typed. */
const listed = (chunk: string, typed: string): ReadonlyArray<string> => {
  const text = chunk.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "").replace(/[\x07\r]/g, "")
  const line = new Set(["supervisor>", ...typed.split(/\s+/)])
  return [...new Set(text.split(/\s+/).filter((w) => w !== "" && !line.has(w)))].sort()
}

const TAB = "\t"
const CLEAR_LINE = "\u0015"

describe.skipIf(!haveSupervisord())("Tab completion in ctl's shell, as supervisorctl", () => {
  it("completes actions, process names, group:* forms and groups into the same command lines, and lists the same candidates", () => {
    const keys = [
      TAB, TAB, CLEAR_LINE, // every action
      "sta", TAB, TAB, CLEAR_LINE, // start, status
      "stat", TAB, "sl", TAB, "\r", // status sleeper
      "pid multi:m", TAB, "1\r", // pid multi:multi_1 (the common prefix, then typed)
      "stop multi:", TAB, TAB, CLEAR_LINE, // multi:* and both processes
      "signal CONT sl", TAB, "\r", // names anywhere after a process action
      "help sh", TAB, "\r", // help completes actions
      "add mu", TAB, "\r", // add completes groups
      "avail x", TAB, "\r", // avail completes nothing
      "quit\r"
    ]
    const [real, ours] = (["supervisorctl", "effsup"] as const).map((client) => session(client, keys))
    expect(ours!.history).toEqual(real!.history)
    expect(ours!.history).toEqual(["status sleeper ", "pid multi:multi_1", "signal CONT sleeper ", "help shutdown ", "add multi ", "avail x", "quit"])
    // chunks[i + 1] is the output after keys[i]
    const lists = (s: typeof real) => ({
      actions: listed(s!.chunks[2]!, ""),
      sta: listed(s!.chunks[6]!, "sta"),
      multi: listed(s!.chunks[18]!, "stop multi:")
    })
    expect(lists(ours)).toEqual(lists(real))
    expect(lists(ours)).toEqual({
      actions: [
        "add", "avail", "clear", "exit", "fg", "help", "maintail", "open", "pid", "quit", "reload", "remove", "reread", "restart",
        "shutdown", "signal", "start", "status", "stop", "tail", "update", "version"
      ],
      sta: ["start", "status"],
      multi: ["multi:*", "multi:multi_0", "multi:multi_1"]
    })
  }, 240_000)
})
