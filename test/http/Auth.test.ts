import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { createHash } from "node:crypto"
import { check, credentials } from "../../src/http/Auth.ts"

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`
const sha = (s: string) => `{SHA}${createHash("sha1").update(s).digest("hex")}`

describe("Auth", () => {
  it.effect("accepts the right plain credentials only", () =>
    Effect.gen(function*() {
      const creds = { username: "user", password: "123" }
      assert.strictEqual(yield* check(basic("user", "123"), creds), "Ok")
      assert.strictEqual(yield* check(basic("user", "1234"), creds), "Unauthorized")
      assert.strictEqual(yield* check(basic("usr", "123"), creds), "Unauthorized")
      assert.strictEqual(yield* check(undefined, creds), "Unauthorized")
      assert.strictEqual(yield* check("Bearer abc", creds), "Unauthorized")
      assert.strictEqual(yield* check(`Basic ${Buffer.from("user123").toString("base64")}`, creds), "Unauthorized")
      assert.strictEqual(yield* check("Basic !!!", creds), "Malformed")
      assert.strictEqual(yield* check(basic("user", "pass:with:colons"), { username: "user", password: "pass:with:colons" }), "Ok")
    }))

  it.effect("accepts {SHA} passwords (lowercase hex, as supervisord)", () =>
    Effect.gen(function*() {
      const creds = { username: "user", password: sha("secret") }
      assert.strictEqual(yield* check(basic("user", "secret"), creds), "Ok")
      assert.strictEqual(yield* check(basic("user", sha("secret")), creds), "Unauthorized")
      assert.strictEqual(yield* check(basic("user", "secret"), { username: "user", password: creds.password.toUpperCase().replace("{SHA}", "{SHA}") }), "Unauthorized")
    }))

  it("treats an absent or empty username as no auth", () => {
    assert.isUndefined(credentials({ username: undefined, password: "x" }))
    assert.isUndefined(credentials({ username: "", password: "x" }))
    assert.deepStrictEqual(credentials({ username: "u", password: undefined }), { username: "u", password: "" })
  })
})
