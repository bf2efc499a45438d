/**
 * The platform services of the fast `effsup ctl` path (cli/Main.ts): effect's portable POSIX `Path`, and a
 * `FileSystem` with only what ctl uses — `exists` and `readFileString` (the config file, /etc/passwd,
 * /etc/group, the hostname) and `writeFileString` (the shell's history) — over node:fs.
 * Not @effect/platform-node's NodeFileSystem: loading it (with its ESM imports of node:crypto, node:fs
 * and node:os) cost ~15 ms of every ctl start, and ctl reads a few small files.
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
import * as PlatformError from "effect/PlatformError"

// getBuiltinModule, not `import * as Fs from "node:fs"`: the ESM facade of node:fs costs ~4 ms to build.
const Fs = process.getBuiltinModule("node:fs")

const systemError = (method: string, path: string, error: NodeJS.ErrnoException): PlatformError.PlatformError =>
  PlatformError.systemError({
    _tag: error.code === "ENOENT" ? "NotFound" : error.code === "EACCES" || error.code === "EPERM" ? "PermissionDenied" : "Unknown",
    module: "FileSystem",
    method,
    pathOrDescriptor: path,
    syscall: error.syscall,
    cause: error
  })

const exists = (path: string): Effect.Effect<boolean, PlatformError.PlatformError> =>
  Effect.callback((resume) =>
    Fs.access(path, (error) =>
      resume(
        error === null ? Effect.succeed(true) : error.code === "ENOENT" ? Effect.succeed(false) : Effect.fail(systemError("access", path, error))
      ))
  )

const readFileString = (path: string): Effect.Effect<string, PlatformError.PlatformError> =>
  Effect.callback((resume) =>
    Fs.readFile(path, (error, data) =>
      resume(error === null ? Effect.succeed(new TextDecoder().decode(data)) : Effect.fail(systemError("readFile", path, error))))
  )

const writeFileString = (path: string, data: string): Effect.Effect<void, PlatformError.PlatformError> =>
  Effect.callback((resume) =>
    Fs.writeFile(path, new TextEncoder().encode(data), (error) =>
      resume(error === null ? Effect.void : Effect.fail(systemError("writeFile", path, error))))
  )

/** `FileSystem` (exists, readFileString, writeFileString) and `Path` for the fast ctl path. */
export const layer: Layer.Layer<FileSystem.FileSystem | Path.Path> = Layer.merge(
  FileSystem.layerNoop({ exists, readFileString, writeFileString }),
  Path.layer
)
