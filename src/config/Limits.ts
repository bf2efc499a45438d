/**
 * What a config may ask for. supervisord has no such bounds: a file of a few bytes can make it
 * (and made effsup) read `/dev/zero` forever or expand `numprocs = 99999999999999999999`
 * processes. Each bound is far above any real config and is enforced with a located error, so
 * loading is total and takes well under a second for any input of a few kilobytes.
 *
 * Expansion needs no depth bound: `%(x)s` is expanded in one pass (twice for the options
 * supervisord expands twice), never recursively; includes are one level deep, as in supervisord.
 * @since 0.1.0
 */

/** Bytes of config text read in all: the main file and every file it includes. */
export const MAX_CONFIG_BYTES = 16 * 1024 * 1024

/** Files an `[include] files=` may name in all. */
export const MAX_INCLUDED_FILES = 1000

/** Processes a config may define in all (`numprocs` of every section, a program counted once per group that names it). */
export const MAX_PROCESSES = 10_000

/** Rotated copies a log file may keep (a rotation renames each, one system call apiece). */
export const MAX_LOG_BACKUPS = 1000

/** Characters of one expanded value: Linux's longest single argument or environment string (MAX_ARG_STRLEN). */
export const MAX_VALUE_CHARS = 128 * 1024

/** Characters of expanded text in all, over every option of every process. */
export const MAX_EXPANDED_CHARS = 16 * 1024 * 1024
