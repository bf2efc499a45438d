/**
 * Temporary directories for tests that are not Effect programs (an Effect test uses
 * `fs.makeTempDirectoryScoped()`). Each is made under the system temp dir and removed when its
 * test file ends: also after a failed or timed-out test, which never reaches its own `finally`.
 *
 * The removal is this module's file-level `afterAll`. vitest runs `afterAll` hooks in reverse order
 * of registration (`sequence.hooks: "stack"`, the default), and this module is evaluated before any
 * module that imports it (the e2e harness, a test file) registers its own hooks: so the directories
 * go last, after the harness has stopped the file's daemons and after every test has read the logs
 * they left. A directory a daemon or child writes into must only be removed once that writer is gone.
 */
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { afterAll } from "vitest"

const made = new Set<string>()

/** Remove a directory made by `tempDir` now, with everything in it (a directory already gone is fine). */
export const removeTempDir = (dir: string): void => {
  Fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 })
  made.delete(dir)
}

afterAll(() => {
  for (const dir of made) removeTempDir(dir)
})

/** A fresh directory `<temp dir>/effsup-<name>-XXXXXX`, removed when this test file ends (or before, by `removeTempDir`). */
export const tempDir = (name: string): string => {
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), `effsup-${name}-`))
  made.add(dir)
  return dir
}
