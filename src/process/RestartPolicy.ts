/**
 * Pure restart decisions: whether an exit was expected, whether it came too quickly
 * (before startsecs), and whether autorestart starts the process again.
 * supervisord: process.py Subprocess.finish / transition. Gotcha (Q21): startretries only
 * applies to exits before startsecs, whatever autorestart says; with startsecs=0 no exit is
 * ever "too quick".
 * @since 0.1.0
 */
import type { AutoRestart } from "../config/Types.ts"
import { type ExitInfo, exitStatus } from "../domain/ExitInfo.ts"

/** An exit is expected when its status (-1 for a signal) is one of exitcodes. */
export const isExpected = (exit: ExitInfo, exitcodes: ReadonlyArray<number>): boolean =>
  exitcodes.includes(exitStatus(exit))

/** The child exited less than `startsecs` seconds after it was spawned. */
export const exitedTooQuickly = (startedAtMs: number, exitedAtMs: number, startsecs: number): boolean =>
  exitedAtMs >= startedAtMs && exitedAtMs - startedAtMs < startsecs * 1000

/** Whether a process that just entered EXITED is started again. */
export const shouldRestart = (autorestart: AutoRestart, expected: boolean): boolean =>
  autorestart === "true" || (autorestart === "unexpected" && !expected)
