/** node:fs errors become the PlatformError effect's FileSystem raises. */
import { assert, describe, it } from "@effect/vitest"
import { NodeServices } from "@effect/platform-node"
import { Effect, FileSystem, type PlatformError } from "effect"
import * as Fs from "node:fs"
import { describeErrno, fromErrno, systemErrorText } from "../../src/domain/Errno.ts"

const thrown = (f: () => unknown): unknown => {
  try {
    f()
  } catch (error) {
    return error
  }
  throw new Error("did not throw")
}

describe("Errno", () => {
  it("maps the errno code to the reason NodeFileSystem gives it", () => {
    const reason = (code: string | undefined) => fromErrno("open", "/x", Object.assign(new Error(code), { code })).reason._tag
    assert.deepStrictEqual(
      ["ENOENT", "EACCES", "EPERM", "EEXIST", "EISDIR", "ENOTDIR", "ELOOP", "EBUSY", "EIO", undefined].map(reason),
      ["NotFound", "PermissionDenied", "PermissionDenied", "AlreadyExists", "BadResource", "BadResource", "BadResource", "Busy", "Unknown", "Unknown"]
    )
  })

  it("names the call and path, keeps the cause, and adds a description only when given", () => {
    const cause = thrown(() => Fs.readFileSync("/nonexistent/effsup"))
    const plain = fromErrno("readFile", "/nonexistent/effsup", cause)
    assert.strictEqual(plain.message, "NotFound: FileSystem.readFile (/nonexistent/effsup)")
    assert.strictEqual(plain.cause, cause)
    assert.strictEqual((plain.reason as PlatformError.SystemError).syscall, "open")
    const described = fromErrno("readFile", "/nonexistent/effsup", cause, "no such file")
    assert.strictEqual(described.message, "NotFound: FileSystem.readFile (/nonexistent/effsup): no such file")
  })

  it("describes an errno code with the system's text, whoever raised it", () =>
    Effect.gen(function*() {
      assert.strictEqual(describeErrno("EACCES"), "EACCES (Permission denied)")
      assert.strictEqual(describeErrno("ENOSPC"), "ENOSPC (No space left on device)")
      assert.strictEqual(describeErrno("EWHATEVER"), "EWHATEVER")
      // node:fs thrown, node:fs wrapped by fromErrno, and the FileSystem service's own PlatformError
      const thrownByNode = thrown(() => Fs.readFileSync("/"))
      assert.strictEqual(systemErrorText(thrownByNode), "EISDIR (Is a directory)")
      assert.strictEqual(systemErrorText(fromErrno("write", "/x", Object.assign(new Error("x"), { code: "ENOSPC" }))), "ENOSPC (No space left on device)")
      const fs = yield* FileSystem.FileSystem
      const failed = yield* Effect.flip(fs.readFileString("/nonexistent/effsup"))
      assert.strictEqual(systemErrorText(failed), "ENOENT (No such file or directory)")
      assert.strictEqual(systemErrorText(new Error("plain")), "plain")
      // Node's own code, the system's in its info
      assert.strictEqual(systemErrorText(Object.assign(new Error("x"), { code: "ERR_FS_EISDIR", info: { code: "EISDIR" } })), "EISDIR (Is a directory)")
    }).pipe(Effect.provide(NodeServices.layer), Effect.runPromise))
})
