/**
 * The state of one `effsup ctl` run (supervisorctl's Controller): connection options (mutable:
 * `open` and the interactive 401 prompt change them), the exit status the commands update, the
 * output mode (text or `--json`, colour) and the terminal I/O. Also the pieces every command shares:
 * the upcheck, typed reads of XML-RPC structs, and the `error: <class ...>, msg` rendering of
 * unexpected failures.
 * Invariant: commands only print through `emit` / `io`, so `--json` and tests see every line.
 * See shared/reference/supervisord-4.2.5.md §6.1, §6.3.
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { errnoText } from "../../domain/Errno.ts"
import { RpcClient, type RpcFault, type RpcTransportError } from "../../rpc/Client.ts"
import type { XmlRpcValue } from "../../rpc/XmlRpc.ts"
import { Exit, Fault } from "./Output.ts"

/** Terminal I/O: raw writes to stdout / stderr and line input (undefined at end of input). */
export interface CtlIO {
  readonly out: (text: string) => void
  readonly err: (text: string) => void
  readonly ask: (question: string, options?: { readonly hidden?: boolean }) => Effect.Effect<string | undefined>
}

/** Connection and shell options (the `[supervisorctl]` section merged with the flags). */
export interface CtlOptions {
  serverurl: string
  username: string | undefined
  password: string | undefined
  interactive: boolean
  readonly prompt: string
  readonly historyFile: string | undefined
}

/** One ctl run: options, exit status, output mode. */
export interface Session {
  readonly options: CtlOptions
  readonly io: CtlIO
  readonly json: boolean
  readonly colour: boolean
  exitStatus: number
  /** JSON records collected by `emit` for the current command (printed once at its end). */
  records: Array<unknown>
}

/** What a command can fail with: the server's fault, the transport, a result ctl cannot render, or the end of input at a question. */
export type CtlFailure = RpcFault | RpcTransportError | UnexpectedValue | EndOfInput

/** A result the client cannot interpret (supervisorctl raises ValueError). */
export class UnexpectedValue {
  readonly _tag = "UnexpectedValue"
  readonly message: string
  constructor(message: string) {
    this.message = message
  }
}

/**
 * The input ended where a question wanted an answer (supervisorctl raises Python's EOFError, which its
 * shell prints like any other failure). `message` is Python's: `EOF when reading a line` from `input()`
 * (a y/N question, `Username:`), empty from `getpass` (`Password:` on a pipe).
 */
export class EndOfInput {
  readonly _tag = "EndOfInput"
  readonly message: string
  constructor(message: string) {
    this.message = message
  }
}

/** Print `line` (text mode) or collect `data` (JSON mode; defaults to `{ message: line }`). */
export const emit = (s: Session, line: string, data?: unknown): void => {
  if (s.json) s.records.push(data === undefined ? { message: line } : data)
  else s.io.out(`${line}\n`)
}

/** Set the exit status. */
export const setExit = (s: Session, code: number): void => {
  s.exitStatus = code
}

/** Call `supervisor.<method>` on the session's server. */
export const call = (
  method: string,
  ...params: ReadonlyArray<XmlRpcValue>
): Effect.Effect<XmlRpcValue, RpcFault | RpcTransportError, RpcClient> =>
  RpcClient.use((client) => client.call(method, params))

/** Read an XML-RPC array of structs as `A` (trusted server data: the shape is not re-validated). */
export const structs = <A>(value: XmlRpcValue): ReadonlyArray<A> =>
  Array.isArray(value) ? (value as unknown as ReadonlyArray<A>) : []

/** Read an XML-RPC struct as `A`. */
export const struct = <A>(value: XmlRpcValue): A => value as unknown as A

/**
 * Check the server speaks API 3.0 (supervisor.getVersion). False (with the message printed and the
 * exit status set) for a version mismatch, UNKNOWN_METHOD, ECONNREFUSED and ENOENT; other errors propagate.
 */
export const upcheck = (s: Session): Effect.Effect<boolean, CtlFailure, RpcClient> =>
  call("supervisor.getVersion").pipe(
    Effect.map((api) => {
      if (api === "3.0") return true
      emit(
        s,
        `Sorry, this version of supervisorctl expects to talk to a server with API version 3.0, but the remote version is ${
          String(api)
        }.`
      )
      setExit(s, Exit.NOT_INSTALLED)
      return false
    }),
    Effect.catchTags({
      RpcFault: (fault) => {
        if (fault.faultCode !== Fault.UNKNOWN_METHOD) {
          setExit(s, Exit.GENERIC)
          return Effect.fail(fault)
        }
        emit(
          s,
          "Sorry, supervisord responded but did not recognize the supervisor namespace commands that supervisorctl uses to control it.  Please check that the [rpcinterface:supervisor] section is enabled in the configuration file (see sample.conf)."
        )
        setExit(s, Exit.UNIMPLEMENTED_FEATURE)
        return Effect.succeed(false)
      },
      RpcTransportError: (error) => {
        if (error.reason === "ConnectionRefused") {
          emit(s, `${s.options.serverurl} refused connection`)
          setExit(s, Exit.INSUFFICIENT_PRIVILEGES)
          return Effect.succeed(false)
        }
        if (error.reason === "NoSuchFile") {
          emit(s, `${s.options.serverurl} no such file`)
          setExit(s, Exit.NOT_RUNNING)
          return Effect.succeed(false)
        }
        // a 401 leaves the exit status alone: the shell asks for credentials and runs the line again
        if (error.reason !== "Unauthorized") setExit(s, Exit.GENERIC)
        return Effect.fail(error)
      }
    })
  )

/** The OSError subclass Python raises for an errno code (PEP 3151); plain OSError for the others. */
const OS_ERROR_CLASS: Readonly<Record<string, string>> = {
  EAGAIN: "BlockingIOError",
  EALREADY: "BlockingIOError",
  EINPROGRESS: "BlockingIOError",
  EWOULDBLOCK: "BlockingIOError",
  ECHILD: "ChildProcessError",
  EPIPE: "BrokenPipeError",
  ESHUTDOWN: "BrokenPipeError",
  ECONNABORTED: "ConnectionAbortedError",
  ECONNREFUSED: "ConnectionRefusedError",
  ECONNRESET: "ConnectionResetError",
  EEXIST: "FileExistsError",
  ENOENT: "FileNotFoundError",
  EINTR: "InterruptedError",
  EISDIR: "IsADirectoryError",
  ENOTDIR: "NotADirectoryError",
  EACCES: "PermissionError",
  EPERM: "PermissionError",
  ESRCH: "ProcessLookupError",
  ETIMEDOUT: "TimeoutError"
}

/**
 * A failed system call as Python prints its exception: `<class 'ConnectionResetError'>, [Errno 104]
 * Connection reset by peer`; a host without an address is socket.gaierror (`[Errno -2] Name or service
 * not known`, `[Errno -3] Temporary failure in name resolution`). Undefined without an errno code.
 */
const pythonSystemError = (code: string | undefined, errno: number | undefined): string | undefined => {
  if (code === "ENOTFOUND") return "<class 'socket.gaierror'>, [Errno -2] Name or service not known"
  if (code === "EAI_AGAIN") return "<class 'socket.gaierror'>, [Errno -3] Temporary failure in name resolution"
  if (code === undefined || errno === undefined || !/^E[A-Z0-9]+$/.test(code)) return undefined
  const text = errnoText(code)
  return text === undefined ? undefined : `<class '${OS_ERROR_CLASS[code] ?? "OSError"}'>, [Errno ${errno}] ${text}`
}

/**
 * supervisorctl's line for an unhandled failure: `error: <class 'X'>, message` (without Python's
 * `: file: ... line: N` suffix, which names Python source lines).
 */
export const describeFailure = (failure: CtlFailure): string => {
  switch (failure._tag) {
    case "RpcFault":
      return `error: <class 'xmlrpc.client.Fault'>, ${failure.message}`
    case "UnexpectedValue":
      return `error: <class 'ValueError'>, ${failure.message}`
    case "EndOfInput":
      return `error: <class 'EOFError'>, ${failure.message}`
    case "RpcTransportError":
      switch (failure.reason) {
        case "ConnectionRefused":
          return "error: <class 'ConnectionRefusedError'>, [Errno 111] Connection refused"
        case "NoSuchFile":
          return "error: <class 'FileNotFoundError'>, [Errno 2] No such file or directory"
        case "BadUrl":
          return `error: <class 'ValueError'>, ${failure.detail}`
        case "NoHost":
          return "error: <class 'TypeError'>, expected string or bytes-like object, got 'NoneType'"
        case "Unauthorized":
        case "HttpStatus":
          // Python's repr of the ProtocolError: the status and the status line's phrase, as the server sent it
          return `error: <class 'xmlrpc.client.ProtocolError'>, <ProtocolError for 127.0.0.1/RPC2: ${failure.status} ${failure.statusText ?? ""}>`
        default:
          return `error: ${pythonSystemError(failure.code, failure.errno) ?? `<class 'OSError'>, ${failure.detail}`}`
      }
  }
}
