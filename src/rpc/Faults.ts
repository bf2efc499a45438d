/**
 * supervisord's XML-RPC fault codes, verbatim, and the one mapping from every domain error
 * (domain/Errors.ts) to its `{ faultCode, faultString }`.
 * Invariant: faultString is `NAME`, or `NAME: detail` when the detail is non-empty.
 * See shared/reference/supervisord-4.2.5.md §5.2.
 * @since 0.1.0
 */
import type { SupervisorError } from "../domain/Errors.ts"
import type { Fault } from "./XmlRpc.ts"

/** Every fault code supervisord 4.2.5 defines (`xmlrpc.Faults`). */
export const Faults = {
  UNKNOWN_METHOD: 1,
  INCORRECT_PARAMETERS: 2,
  BAD_ARGUMENTS: 3,
  SIGNATURE_UNSUPPORTED: 4,
  SHUTDOWN_STATE: 6,
  BAD_NAME: 10,
  BAD_SIGNAL: 11,
  NO_FILE: 20,
  NOT_EXECUTABLE: 21,
  FAILED: 30,
  ABNORMAL_TERMINATION: 40,
  SPAWN_ERROR: 50,
  ALREADY_STARTED: 60,
  NOT_RUNNING: 70,
  SUCCESS: 80,
  ALREADY_ADDED: 90,
  STILL_RUNNING: 91,
  CANT_REREAD: 92
} as const

/** A fault name as supervisord spells it. */
export type FaultName = keyof typeof Faults

/** The fault name of each domain error. */
export const faultNameOf: { readonly [Tag in SupervisorError["_tag"]]: FaultName } = {
  BadName: "BAD_NAME",
  NoFile: "NO_FILE",
  NotExecutable: "NOT_EXECUTABLE",
  AlreadyStarted: "ALREADY_STARTED",
  NotRunning: "NOT_RUNNING",
  SpawnError: "SPAWN_ERROR",
  AbnormalTermination: "ABNORMAL_TERMINATION",
  Failed: "FAILED",
  BadSignal: "BAD_SIGNAL",
  BadArguments: "BAD_ARGUMENTS",
  ShutdownState: "SHUTDOWN_STATE",
  AlreadyAdded: "ALREADY_ADDED",
  StillRunning: "STILL_RUNNING",
  CantReread: "CANT_REREAD"
}

/** `{ faultCode, faultString }` for a fault name and an optional detail (empty detail → just the name). */
export const makeFault = (name: FaultName, detail = ""): Fault => ({
  faultCode: Faults[name],
  faultString: detail === "" ? name : `${name}: ${detail}`
})

/** Errors whose supervisord fault always names what was given, an empty name too (`BAD_NAME: `, `BAD_SIGNAL: `). */
const NAMES_WHAT_WAS_GIVEN: ReadonlySet<SupervisorError["_tag"]> = new Set(["BadName", "BadSignal"])

/** The fault a domain error travels as. */
export const faultFromError = (error: SupervisorError): Fault =>
  NAMES_WHAT_WAS_GIVEN.has(error._tag)
    ? { faultCode: Faults[faultNameOf[error._tag]], faultString: `${faultNameOf[error._tag]}: ${error.detail}` }
    : makeFault(faultNameOf[error._tag], error.detail)
