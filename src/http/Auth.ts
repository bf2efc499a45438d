/**
 * HTTP Basic authentication for the control servers, as supervisord does it: one
 * username/password per server, the password plain or `{SHA}` + 40 lowercase hex SHA-1.
 * Improvement over supervisord: comparisons are constant-time (no early exit on the first
 * differing byte, and lengths are hidden by comparing digests).
 * Outcomes: `Ok`; `Unauthorized` (missing/wrong credentials or a non-Basic scheme: 401 with
 * `WWW-Authenticate: Basic realm="default"`); `Malformed` (bad base64: 400).
 * See shared/reference/supervisord-4.2.5.md §9.
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"

/** A server's configured credentials (both set, or the server has no auth). */
export interface Credentials {
  readonly username: string
  /** Plain text, or `{SHA}` followed by the lowercase hex SHA-1 of the password. */
  readonly password: string
}

/** The verdict on one request's `Authorization` header. */
export type AuthResult = "Ok" | "Unauthorized" | "Malformed"

/** The challenge header sent with every 401. */
export const challenge: Readonly<Record<string, string>> = { "www-authenticate": "Basic realm=\"default\"" }

/** Credentials from a server section: undefined (no auth) when the username is absent or empty, as in supervisord. */
export const credentials = (
  section: { readonly username: string | undefined; readonly password: string | undefined }
): Credentials | undefined =>
  section.username === undefined || section.username === "" ? undefined : { username: section.username, password: section.password ?? "" }

const utf8 = new TextEncoder()

const digest = (algorithm: "SHA-1" | "SHA-256", text: string) =>
  Effect.promise(() => crypto.subtle.digest(algorithm, utf8.encode(text))).pipe(Effect.map((b) => new Uint8Array(b)))

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")

/** Constant-time equality of two strings: both are hashed first, so the time depends on neither content nor length. */
const safeEqual = (a: string, b: string) =>
  Effect.map(Effect.all([digest("SHA-256", a), digest("SHA-256", b)]), ([x, y]) => {
    let diff = 0
    for (let i = 0; i < x.length; i++) diff |= x[i]! ^ y[i]!
    return diff === 0
  })

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

/** Checks an `Authorization` header value against a server's credentials. */
export const check = (header: string | undefined, creds: Credentials): Effect.Effect<AuthResult> =>
  Effect.gen(function*() {
    if (header === undefined) return "Unauthorized"
    const [scheme = "", encoded = ""] = header.trim().split(/\s+/, 2)
    if (scheme.toLowerCase() !== "basic") return "Unauthorized"
    if (encoded.length % 4 !== 0 || !BASE64.test(encoded)) return "Malformed"
    const decoded = new TextDecoder().decode(Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0)))
    const colon = decoded.indexOf(":")
    if (colon < 0) return "Unauthorized"
    const user = decoded.slice(0, colon)
    const password = decoded.slice(colon + 1)
    const expected = creds.password.startsWith("{SHA}") ? creds.password.slice(5) : creds.password
    const given = creds.password.startsWith("{SHA}") ? hex(yield* digest("SHA-1", password)) : password
    // evaluate both comparisons, whatever the first one says
    const [userOk, passwordOk] = yield* Effect.all([safeEqual(user, creds.username), safeEqual(given, expected)])
    return userOk && passwordOk ? "Ok" : "Unauthorized"
  })
