/**
 * The errors the public `Supervisor` service fails with. Each one maps to exactly one
 * supervisord fault (rpc/Faults.ts); `detail` is the text supervisord puts after
 * `FAULT_NAME: ` in the faultString.
 * See shared/reference/supervisord-4.2.5.md §5.2-5.3.
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/** No process or group by that name (BAD_NAME). */
export class BadName extends Schema.TaggedError<BadName>()("BadName", { detail: Schema.String }) {}

/** The program's command cannot be found, or a log file is missing (NO_FILE). */
export class NoFile extends Schema.TaggedError<NoFile>()("NoFile", { detail: Schema.String }) {}

/** The program's command exists but cannot be executed (NOT_EXECUTABLE). */
export class NotExecutable extends Schema.TaggedError<NotExecutable>()("NotExecutable", { detail: Schema.String }) {}

/** Start was asked of a process in STARTING, RUNNING or BACKOFF (ALREADY_STARTED). */
export class AlreadyStarted extends Schema.TaggedError<AlreadyStarted>()("AlreadyStarted", { detail: Schema.String }) {}

/** Stop or signal was asked of a process that is not running (NOT_RUNNING). */
export class NotRunning extends Schema.TaggedError<NotRunning>()("NotRunning", { detail: Schema.String }) {}

/** The process could not be brought to RUNNING: it exited too quickly or went FATAL (SPAWN_ERROR). */
export class SpawnError extends Schema.TaggedError<SpawnError>()("SpawnError", { detail: Schema.String }) {}

/** A start that was waiting ended without RUNNING and without a spawn error, e.g. stopped meanwhile (ABNORMAL_TERMINATION). */
export class AbnormalTermination extends Schema.TaggedError<AbnormalTermination>()("AbnormalTermination", {
  detail: Schema.String
}) {}

/** Any other failure (FAILED). */
export class Failed extends Schema.TaggedError<Failed>()("Failed", { detail: Schema.String }) {}

/** The signal name or number is not valid (BAD_SIGNAL). */
export class BadSignal extends Schema.TaggedError<BadSignal>()("BadSignal", { detail: Schema.String }) {}

/** Arguments out of range, e.g. a negative log length (BAD_ARGUMENTS). */
export class BadArguments extends Schema.TaggedError<BadArguments>()("BadArguments", { detail: Schema.String }) {}

/** The supervisor is shutting down or restarting (SHUTDOWN_STATE). */
export class ShutdownState extends Schema.TaggedError<ShutdownState>()("ShutdownState", { detail: Schema.String }) {}

/** addProcessGroup for a group that is already active (ALREADY_ADDED). */
export class AlreadyAdded extends Schema.TaggedError<AlreadyAdded>()("AlreadyAdded", { detail: Schema.String }) {}

/** removeProcessGroup while a process of the group is still running (STILL_RUNNING). */
export class StillRunning extends Schema.TaggedError<StillRunning>()("StillRunning", { detail: Schema.String }) {}

/** The config file could not be re-read (CANT_REREAD); `detail` lists every problem. */
export class CantReread extends Schema.TaggedError<CantReread>()("CantReread", { detail: Schema.String }) {}

/** Every error the Supervisor service can fail with. */
export type SupervisorError =
  | BadName
  | NoFile
  | NotExecutable
  | AlreadyStarted
  | NotRunning
  | SpawnError
  | AbnormalTermination
  | Failed
  | BadSignal
  | BadArguments
  | ShutdownState
  | AlreadyAdded
  | StillRunning
  | CantReread
