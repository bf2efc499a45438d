/**
 * How a command asks for a process exit code: it fails with `ExitCode`, Root.ts turns that into
 * the status and cli/RunMain.ts sets it (no other module touches `process.exitCode`).
 * @since 0.1.0
 */
import * as Data from "effect/Data"

/** End the program with this exit status (after the command's output has been written). */
export class ExitCode extends Data.TaggedError("ExitCode")<{ readonly code: number }> {}
