/**
 * effsup's version: what `effsup --version` prints and `getSupervisorVersion` answers.
 * Kept equal to package.json's version (checked in test/rpc/Methods.test.ts).
 * @since 0.1.0
 */

/** The package version. */
export const VERSION = "0.1.0"
