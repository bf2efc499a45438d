/**
 * `effsup pidproxy PIDFILE COMMAND [ARGS...]`: supervisord's pidproxy, for programs that fork a
 * daemon and record its pid in a file (mysqld_safe style). Spawns COMMAND, forwards TERM HUP INT
 * USR1 USR2 QUIT to the pid read from PIDFILE, and exits when the spawned child exits.
 *
 * Differences from supervisord's (on purpose): the child's exit is event-driven (no 5 s waitpid
 * poll), and a forwarded TERM/INT/QUIT does not exit at once: we exit with the child, which is what
 * supervisord then observes anyway. As supervisord's, pidproxy exits 0 whatever the child's exit
 * status; a COMMAND that cannot be started is said on stderr and exits 127 (supervisord's forked
 * child exits 127 silently, and pidproxy 0 after its next 5 s poll). Like supervisord, COMMAND is not searched in PATH (it is taken
 * relative to the current directory); an unreadable pidfile prints `Can't read child pidfile <f>!`.
 * This is the only cli module that may import node:child_process.
 * See shared/reference/supervisord-4.2.5.md §8.
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Option from "effect/Option"
import { Argument, Command } from "effect/cli"
import * as ChildProcess from "node:child_process"
import * as Path from "node:path"
import { ExitCode } from "./Exit.ts"

/** The signals forwarded to the pid in the pidfile. */
export const FORWARDED: ReadonlyArray<NodeJS.Signals> = ["SIGTERM", "SIGHUP", "SIGINT", "SIGUSR1", "SIGUSR2", "SIGQUIT"]

/** Parse a pidfile's content as supervisord does (`int(read().strip())`); undefined when not a pid. */
export const parsePid = (text: string): number | undefined => {
  const t = text.trim()
  return /^[+-]?\d+$/.test(t) && Number(t) > 0 ? Number(t) : undefined
}

/** supervisord's usage text (its module docstring, printed with a blank line after it); our program name. */
const USAGE = [
  "pidproxy -- run command and proxy signals to it via its pidfile.",
  "",
  "This executable runs a command and then monitors a pidfile.  When this",
  "executable receives a signal, it sends the same signal to the pid",
  "in the pidfile.",
  "",
  "Usage: effsup pidproxy <pidfile name> <command> [<cmdarg1> ...]",
  "",
  ""
].join("\n")

/** pidproxy's status when COMMAND cannot be started (a shell's "command not found"). */
const SPAWN_FAILED = 127

/** Run `command` and forward signals to the pid in `pidfile` until the child exits; the child's exit status. */
export const pidproxy = (pidfile: string, command: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const context = yield* Effect.context<FileSystem.FileSystem>()
    const forward = (signal: NodeJS.Signals) =>
      fs.readFileString(pidfile).pipe(
        Effect.map(parsePid),
        Effect.orElseSucceed(() => undefined),
        Effect.flatMap((pid) =>
          Effect.sync(() => {
            if (pid === undefined) process.stdout.write(`Can't read child pidfile ${pidfile}!\n`)
            else {
              try {
                process.kill(pid, signal)
              } catch {
                // the daemon is already gone: nothing to forward to
              }
            }
          })
        )
      )
    return yield* Effect.callback<number>((resume) => {
      const handlers = FORWARDED.map((signal) => {
        const handler = () => Effect.runForkWith(context)(forward(signal))
        process.on(signal, handler)
        return [signal, handler] as const
      })
      const release = () => {
        for (const [signal, handler] of handlers) process.off(signal, handler)
      }
      const child = ChildProcess.spawn(Path.resolve(command[0]!), command.slice(1), { stdio: "inherit" })
      child.once("error", (error) => {
        release()
        process.stderr.write(`pidproxy: ${error.message}\n`)
        resume(Effect.succeed(SPAWN_FAILED))
      })
      child.once("exit", (code, signal) => {
        release()
        resume(Effect.succeed(code ?? (signal === null ? 0 : 128)))
      })
      return Effect.sync(release)
    })
  })

/** The `pidproxy` subcommand: exits 1 with the usage text when arguments are missing. */
export const pidproxyCommand = Command.make("pidproxy", {
  pidfile: Argument.String("pidfile").pipe(Argument.withDescription("File the daemon writes its pid to"), Argument.optional),
  command: Argument.String("command").pipe(Argument.withDescription("The command and its arguments"), Argument.variadic())
}, ({ command, pidfile }) =>
  Effect.gen(function*() {
    if (Option.isNone(pidfile) || command.length === 0) {
      process.stdout.write(USAGE)
      return yield* new ExitCode({ code: 1 })
    }
    // supervisord's pidproxy returns once its child is reaped, so it exits 0 whatever the child's status
    const code = yield* pidproxy(pidfile.value, command)
    if (code === SPAWN_FAILED) return yield* new ExitCode({ code })
  })).pipe(
    Command.withDescription("Run a command and proxy TERM HUP INT USR1 USR2 QUIT to the pid in its pidfile (supervisord's pidproxy)")
  )
