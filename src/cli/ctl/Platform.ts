/**
 * The platform services of the fast `effsup ctl` path (ctl/Bin.ts): effect's portable POSIX `Path`, and a
 * `FileSystem` with only what ctl uses — `exists` and `readFileString` (the config file, /etc/passwd,
 * /etc/group, the hostname) and `writeFileString` (the shell's history) — over node:fs.
 * Not @effect/platform-node's NodeFileSystem: loading it (with its ESM imports of node:crypto, node:fs
 * and node:os) cost ~15 ms of every ctl start, and ctl reads a few small files.
 * The calls are synchronous: ctl reads these files before it does anything else, and each
 * asynchronous read is four trips through libuv's thread pool (~0.5 ms each on a fresh process).
 *
 * Gotchas: every other FileSystem method is `FileSystem.makeNoop`'s (fails or dies), so ctl code must not
 * need one. Text is decoded and encoded as NodeFileSystem does (TextDecoder: invalid UTF-8 becomes U+FFFD,
 * a leading BOM is dropped), so a config reads the same on both paths.
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as Path from "effect/Path"
import type * as PlatformError from "effect/PlatformError"
import { fromErrno } from "../../domain/Errno.ts"

// getBuiltinModule, not `import * as Fs from "node:fs"`: the ESM facade of node:fs costs ~4 ms to build.
const Fs = process.getBuiltinModule("node:fs")

/** Runs a synchronous node:fs call; its errno error becomes a PlatformError. */
const attempt = <A>(method: string, path: string, f: () => A): Effect.Effect<A, PlatformError.PlatformError> =>
  Effect.try({ try: f, catch: (error) => fromErrno(method, path, error) })

const exists = (path: string): Effect.Effect<boolean, PlatformError.PlatformError> =>
  attempt("access", path, () => Fs.accessSync(path)).pipe(
    Effect.as(true),
    Effect.catchIf((e) => e.reason._tag === "NotFound", () => Effect.succeed(false))
  )

const readFileString = (path: string): Effect.Effect<string, PlatformError.PlatformError> =>
  attempt("readFile", path, () => new TextDecoder().decode(Fs.readFileSync(path)))

const writeFileString = (path: string, data: string): Effect.Effect<void, PlatformError.PlatformError> =>
  attempt("writeFile", path, () => Fs.writeFileSync(path, new TextEncoder().encode(data)))

/** `FileSystem` (exists, readFileString, writeFileString) and `Path` for the fast ctl path. */
export const layer: Layer.Layer<FileSystem.FileSystem | Path.Path> = Layer.merge(
  FileSystem.layerNoop({ exists, readFileString, writeFileString }),
  Path.layer
)
