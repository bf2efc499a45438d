/**
 * The building blocks of the option tables (Options.ts). A table is a record `field → row`, one row
 * per INI option: its name, codec, default, doc line and scope. From one table come the section's
 * known-option list (unknown-option warnings with "did you mean"), its decoding (Reader.readOptions),
 * its lines in the `echo-config` sample (Sample.ts), and through {@link Values} the type of the record
 * it decodes to (Types.ts), so that an option cannot be declared in one place and forgotten in another.
 *
 * Two kinds of row:
 * - {@link Decoded}: read by the generic reader: absent → default, invalid → located issue and default,
 *   then an optional check (e.g. `user=` must exist).
 * - {@link Custom}: declared here (name, doc, sample, type) but read by the section's resolver, for the
 *   options supervisord treats specially (`command` is required, `stdout_logfile` is expanded twice, …).
 *   A custom row may group sub-rows into a nested record (a channel's options).
 *
 * Invariant: a default is valid for its codec (checked when the table is built, so a bad default fails
 * at import, not at run time).
 * @since 0.1.0
 */
import * as Result from "effect/Result"
import type { Codec } from "./Codecs.ts"
import type { Host } from "./Host.ts"

/**
 * When a `[program:x]` option is read, which decides the variables it sees (§1.3): once per section
 * before the per-process loop (`section`), or per process, with `process_num` and the program's own
 * `environment` (`process`). Every other section reads all its options once (`section`).
 */
export type Scope = "section" | "process"

/** What a row's check may consult. */
export interface CheckContext {
  readonly host: Host
  /** The section's name, e.g. `eventlistener:x`. */
  readonly section: string
}

interface RowBase<S extends Scope> {
  /** The option's name in the INI file, e.g. `startsecs`, `stdout_logfile`. */
  readonly name: string
  /** One line for the sample: what the option does. */
  readonly doc: string
  /** What the sample shows: the default as written, or an example when {@link sampleIsDefault} is false. */
  readonly sample: string
  readonly sampleIsDefault: boolean
  readonly scope: S
}

/** A row the generic reader decodes into a `V` (`A`, or `A | undefined` for an option without default). */
export interface Decoded<A, V, S extends Scope = Scope> extends RowBase<S> {
  readonly _tag: "Decoded"
  readonly codec: Codec<A>
  /** The value when the option is absent (or invalid, after the issue is recorded). */
  readonly absent: V
  /** When absent, take the value of this earlier field (same table and scope) instead of {@link absent}. */
  readonly defaultFrom: string | undefined
  /** A check of a written value; the message is recorded at the option and the value kept. */
  readonly check: ((value: A, where: CheckContext) => string | undefined) | undefined
}

/** A row the section's resolver reads itself; it still declares the option's name, doc, sample and type `V`. */
export interface Custom<V, S extends Scope = Scope> extends RowBase<S> {
  readonly _tag: "Custom"
  /** The rows of a nested record (whose own `name` is then no option), e.g. a channel's `stdout_*` options. */
  readonly rows: Table | undefined
  /** The field's type (phantom: never set). */
  readonly "~value"?: V
}

/** Any row. */
export type Row = Decoded<any, any> | Custom<any>

/** An option table: record field → row, in the order of the sample. */
export type Table = { readonly [field: string]: Row }

/** The type a row decodes to. */
export type ValueOf<R> = R extends Decoded<infer _A, infer V> ? V : R extends Custom<infer V> ? V : never

/** The record a table decodes to: one field per row. */
export type Values<T extends Table> = { readonly [K in keyof T]: ValueOf<T[K]> }

type DecodedKeys<T extends Table, S extends Scope> = {
  [K in keyof T]: T[K] extends Decoded<infer _A, infer _V, S> ? K : never
}[keyof T]

/** The fields of a table that the generic reader produces for one scope (custom rows left out). */
export type DecodedValues<T extends Table, S extends Scope> = Pick<Values<T>, DecodedKeys<T, S>>

/** Optional parts of a decoded row. */
export interface DecodedExtra<A, S extends Scope> {
  /** `process` for the `[program:x]` options read per process (default `section`). */
  readonly scope?: S
  /**
   * Show this in the sample instead of the default: when the default says nothing (an empty list), or when
   * writing the default is not the same as leaving the option out.
   */
  readonly example?: string
  /** See {@link Decoded.defaultFrom} (e.g. `killasgroup` defaults to `stopasgroup`). */
  readonly defaultFrom?: string
  /** See {@link Decoded.check}. */
  readonly check?: (value: A, where: CheckContext) => string | undefined
}

const decodedDefault = <A>(name: string, codec: Codec<A>, text: string): A => {
  const decoded = codec(text)
  if (Result.isFailure(decoded)) throw new Error(`option table: the default of ${name} (${text}) is invalid: ${decoded.failure}`)
  return decoded.success
}

/** An option with a default (`dflt` is written as in a config file and decoded by `codec`). */
export const option = <A, S extends Scope = "section">(
  name: string,
  codec: Codec<A>,
  dflt: string,
  doc: string,
  extra: DecodedExtra<A, S> = {}
): Decoded<A, A, S> => ({
  _tag: "Decoded",
  name,
  doc,
  sample: extra.example ?? dflt,
  sampleIsDefault: extra.example === undefined,
  scope: extra.scope ?? "section" as S,
  codec,
  absent: decodedDefault(name, codec, dflt),
  defaultFrom: extra.defaultFrom,
  check: extra.check
})

/** An option without a default: `undefined` when absent; the sample shows `example`. */
export const optional = <A, S extends Scope = "section">(
  name: string,
  codec: Codec<A>,
  example: string,
  doc: string,
  extra: Omit<DecodedExtra<A, S>, "example" | "defaultFrom"> = {}
): Decoded<A, A | undefined, S> => ({
  _tag: "Decoded",
  name,
  doc,
  sample: example,
  sampleIsDefault: false,
  scope: extra.scope ?? "section" as S,
  codec,
  absent: undefined,
  defaultFrom: undefined,
  check: extra.check
})

/** What the sample shows for a custom row: its default, or an example. */
export type Sample = { readonly default: string } | { readonly example: string }

/** A custom row of type `V` (written `custom<V>()(…)` so that the scope is still inferred). */
export const custom = <V>() =>
<S extends Scope = "section">(name: string, sample: Sample, doc: string, extra: { readonly scope?: S } = {}): Custom<V, S> => ({
  _tag: "Custom",
  name,
  doc,
  sample: "default" in sample ? sample.default : sample.example,
  sampleIsDefault: "default" in sample,
  scope: extra.scope ?? "section" as S,
  rows: undefined
})

/** A custom row whose value is a record decoded from `rows` (its own `name` is no option). */
export interface Nested<T extends Table> extends Custom<Values<T>> {
  readonly rows: T
}

/** A nested record, e.g. a channel's `stdout_*` options; the section's resolver decodes it from `rows`. */
export const nested = <T extends Table>(rows: T): Nested<T> => ({
  _tag: "Custom",
  name: "",
  doc: "",
  sample: "",
  sampleIsDefault: false,
  scope: "section",
  rows
})

/** The option rows of a table in order, nested records' rows in place of the record. */
export const optionRows = (table: Table): ReadonlyArray<Row> =>
  Object.values(table).flatMap((row) => row._tag === "Custom" && row.rows !== undefined ? optionRows(row.rows) : [row])

/** The option names a table knows, in order (without duplicates, for tables that share rows). */
export const optionNames = (...tables: ReadonlyArray<Table>): ReadonlyArray<string> =>
  [...new Set(tables.flatMap((t) => optionRows(t).map((row) => row.name)))]
