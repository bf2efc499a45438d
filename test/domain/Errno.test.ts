/** node:fs errors become the PlatformError effect's FileSystem raises. */
import { assert, describe, it } from "@effect/vitest"
import type { PlatformError } from "effect"
import * as Fs from "node:fs"
import { fromErrno } from "../../src/domain/Errno.ts"

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
})
