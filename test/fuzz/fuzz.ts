/**
 * Shared settings of the property-based fuzz tests (fast-check). In CI every property runs a
 * fixed number of cases from a fixed seed, so a run is reproducible and bounded (a few tens of
 * seconds for all of test/fuzz). To fuzz longer:
 *
 *   FUZZ_RUNS=20000 npx vitest run test/fuzz          # a random seed, printed on failure
 *   FUZZ_RUNS=20000 FUZZ_SEED=42 npx vitest run test/fuzz
 *
 * fast-check shrinks a failing input and prints its seed and path, so a failure found in a long
 * run can be replayed.
 */
import fc from "fast-check"

const SEED = 0x5eed14
const longRuns = process.env["FUZZ_RUNS"] === undefined ? undefined : Number(process.env["FUZZ_RUNS"])
const seed = process.env["FUZZ_SEED"] !== undefined
  ? Number(process.env["FUZZ_SEED"])
  : longRuns === undefined
  ? SEED
  : Date.now() ^ (Math.random() * 0x100000000)

/** fast-check parameters: `ciRuns` cases (or FUZZ_RUNS), from the fixed seed (or FUZZ_SEED / a random one). */
export const params = <T>(ciRuns: number): fc.Parameters<T> => ({
  numRuns: longRuns ?? ciRuns,
  seed,
  endOnFailure: false
})

/** A vitest timeout fitting `ciRuns` cases of at most `perRunMs` each (scaled when FUZZ_RUNS is set). */
export const timeoutFor = (ciRuns: number, perRunMs: number): number =>
  Math.max(30_000, (longRuns ?? ciRuns) * perRunMs)

/** How long one input may take to be handled: "no input of a few KB takes more than a second". */
export const DEADLINE_MS = 1000

/** Runs `f` on one input and fails when it took longer than the deadline (a hang fails the test's timeout). */
export const withinDeadline = <A>(what: string, f: () => A, deadlineMs = DEADLINE_MS): A => {
  const started = performance.now()
  const result = f()
  const took = performance.now() - started
  if (took > deadlineMs) throw new Error(`${what} took ${took.toFixed(0)} ms (deadline ${deadlineMs} ms)`)
  return result
}

/**
 * Random edits of a valid input: deleting, duplicating or replacing a slice, or inserting one
 * of `fragments` (tokens of the format that tend to reach the parser's corners).
 */
export const mutated = (valid: fc.Arbitrary<string>, fragments: ReadonlyArray<string>): fc.Arbitrary<string> => {
  const edit = fc.tuple(
    fc.constantFrom("delete", "duplicate", "insert", "replace", "truncate"),
    fc.double({ min: 0, max: 1, noNaN: true }),
    fc.double({ min: 0, max: 1, noNaN: true }),
    fc.oneof(fc.constantFrom(...fragments), fc.string({ maxLength: 8, unit: "binary" }))
  )
  return fc.tuple(valid, fc.array(edit, { minLength: 1, maxLength: 6 })).map(([text, edits]) =>
    edits.reduce((s, [kind, a, b, fragment]) => {
      const i = Math.floor(a * s.length)
      const j = Math.min(s.length, i + Math.floor(b * 32))
      switch (kind) {
        case "delete":
          return s.slice(0, i) + s.slice(j)
        case "duplicate":
          return s.slice(0, j) + s.slice(i, j) + s.slice(j)
        case "insert":
          return s.slice(0, i) + fragment + s.slice(i)
        case "replace":
          return s.slice(0, i) + fragment + s.slice(j)
        default:
          return s.slice(0, i)
      }
    }, text)
  )
}
