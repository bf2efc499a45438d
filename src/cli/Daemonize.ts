/**
 * Daemon mode (`nodaemon=false`, supervisord's default): `effsup run` starts itself again in the
 * background — the same node, flags and command line, in a new session (no controlling terminal),
 * stdin/stdout/stderr on /dev/null — and waits for it: it exits 0 once the daemon serves (servers
 * listening, pidfile written), or prints the daemon's startup error (as supervisord prints it) and
 * exits with its status. The daemon then applies `[supervisord] directory` and `umask`
 * (supervisord applies both only when it daemonizes).
 *
 * How they talk: the foreground passes a socket as fd 3 and names it in EFFSUP_DAEMON_STATUS_FD. The
 * daemon takes the variable out of its environment at once (programs never see it), writes `ready`,
 * or `exit N` and the text to print, and closes the socket. Node marks an inherited fd 3 close-on-exec
 * at startup, so no program or helper the daemon starts meanwhile holds it (the e2e test checks).
 * supervisord forks instead (options.py daemonize); a Node process cannot fork, hence the re-exec.
 * @since 0.1.0
 */
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Effect from "effect/Effect"
import { strRepr } from "../domain/PyRepr.ts"
import type { ConfigNotice } from "../config/Types.ts"

const STATUS_FD = "EFFSUP_DAEMON_STATUS_FD"

/** Where `effsup run` reports how its startup went. */
export interface StartupReport {
  /** This process is the background daemon (started by {@link detach}). */
  readonly background: boolean
  /** Startup is done: the daemon serves. */
  readonly ready: () => void
  /** Startup failed: `text` for the terminal `effsup run` was started from, and the exit status. */
  readonly failed: (text: string, code: number) => void
}

/** The report of a process in the foreground: errors go to its stderr. */
const foreground: StartupReport = {
  background: false,
  ready: () => {},
  failed: (text) => {
    process.stderr.write(text)
  }
}

/**
 * How this process reports its startup. In the background daemon this takes the status channel out of
 * the environment (call it once, before anything is spawned).
 */
export const startupReport = (): StartupReport => {
  const fd = process.env[STATUS_FD]
  if (fd === undefined) return foreground
  delete process.env[STATUS_FD]
  let channel: number | undefined = Number(fd)
  const send = (text: string) => {
    if (channel === undefined) return
    try {
      Fs.writeSync(channel, text)
    } catch {
      // the foreground is gone (killed): nobody to tell
    } finally {
      Fs.closeSync(channel)
    }
    channel = undefined
  }
  return {
    background: true,
    ready: () => send("ready\n"),
    failed: (text, code) => send(`exit ${code}\n${text}`)
  }
}

/** The exit status and the text a daemon's report asks the foreground for, or undefined when incomplete. */
export const readReport = (report: string): { readonly code: number; readonly text: string } | undefined => {
  if (report === "ready\n") return { code: 0, text: "" }
  const status = /^exit (\d+)\n/.exec(report)
  return status === null ? undefined : { code: Number(status[1]), text: report.slice(status[0].length) }
}

/**
 * Start this same command line again as the background daemon and wait for its report; gives the
 * exit status of `effsup run`. Interrupted (Ctrl-C) before the report, it stops the daemon.
 */
export const detach: Effect.Effect<number> = Effect.callback<number>((resume) => {
  const child = ChildProcess.spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    detached: true,
    stdio: ["ignore", "ignore", "ignore", "pipe"],
    env: { ...process.env, [STATUS_FD]: "3" }
  })
  const channel = child.stdio[3]!
  const chunks: Array<Buffer> = []
  let done = false
  const finish = (code: number, text: string) => {
    if (done) return
    done = true
    channel.destroy()
    child.unref()
    process.stderr.write(text)
    resume(Effect.succeed(code))
  }
  channel.on("data", (chunk: Buffer) => chunks.push(chunk))
  channel.on("end", () => {
    const report = readReport(Buffer.concat(chunks).toString("utf8"))
    if (report !== undefined) finish(report.code, report.text)
  })
  child.on("error", (error) => finish(1, `Error: could not start the daemon: ${error.message}\n`))
  child.on("close", (code, signal) =>
    finish(1, `Error: the daemon exited before it was ready (${signal === null ? `exit status ${code}` : `terminated by ${signal}`})\n`))
  return Effect.sync(() => {
    if (done) return
    done = true
    child.kill("SIGTERM")
  })
})

/** Python's text for an OSError: `[Errno 2] No such file or directory: '/x'`. */
const osErrorText = (error: NodeJS.ErrnoException, path: string): string => {
  const reason = /^[A-Z]+: ([^,]+)/.exec(error.message)?.[1] ?? error.message
  return `[Errno ${Math.abs(error.errno ?? 0)}] ${reason.charAt(0).toUpperCase()}${reason.slice(1)}: ${strRepr(path)}`
}

/**
 * What the daemon does once in the background: change to `directory` (if set) and take `umask`.
 * Returns supervisord's activity-log lines about it, for the caller to log once the log exists.
 */
export const enterBackground = (directory: string | undefined, umask: number): ReadonlyArray<ConfigNotice> => {
  const notices: Array<ConfigNotice> = [{ level: "info", message: "daemonizing the supervisord process" }]
  if (directory !== undefined) {
    try {
      process.chdir(directory)
      notices.push({ level: "info", message: `set current directory: ${strRepr(directory)}` })
    } catch (error) {
      notices.push({ level: "crit", message: `can't chdir into ${strRepr(directory)}: ${osErrorText(error as NodeJS.ErrnoException, directory)}` })
    }
  }
  process.umask(umask)
  return notices
}
