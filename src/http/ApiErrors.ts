/**
 * The JSON API's errors: `{ "code": "BAD_NAME", "message": "BAD_NAME: foo" }`, where `code` is
 * supervisord's fault name (or one of the API's own: INCORRECT_PARAMETERS, NOT_FOUND, FORBIDDEN) and
 * `message` is supervisord's faultString. Each HTTP status has one schema whose `code` literals
 * are exactly the faults sent with that status, so encoding an error picks its status, and the
 * OpenAPI document lists which codes each status can carry.
 *
 * Statuses: unknown names and missing log files → 404; bad arguments/signals → 400; the process
 * is already in (or not in) the asked state, or a group is still running/already added → 409;
 * the config cannot be re-read → 422; the supervisor is shutting down → 503; a spawn that failed
 * → 500. See shared/reference/supervisord-4.2.5.md §5.2.
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { HttpApiSchema } from "effect/http-api"
import type { SupervisorError } from "../domain/Errors.ts"
import { faultFromError, faultNameOf } from "../rpc/Faults.ts"

/** The error codes of each HTTP status. */
export const CODES_BY_STATUS = {
  400: ["BAD_ARGUMENTS", "BAD_SIGNAL", "INCORRECT_PARAMETERS"],
  403: ["FORBIDDEN"],
  404: ["BAD_NAME", "NO_FILE", "NOT_FOUND"],
  409: ["ALREADY_STARTED", "NOT_RUNNING", "ALREADY_ADDED", "STILL_RUNNING"],
  422: ["CANT_REREAD"],
  500: ["FAILED", "SPAWN_ERROR", "ABNORMAL_TERMINATION", "NOT_EXECUTABLE"],
  503: ["SHUTDOWN_STATE"]
} as const

/** An HTTP status the API answers errors with. */
export type ErrorStatus = keyof typeof CODES_BY_STATUS

/** Every error code the API sends. */
export type ErrorCode = (typeof CODES_BY_STATUS)[ErrorStatus][number]

/** An error body: a code and the status it is sent with, by construction. */
export type ApiError = {
  readonly [S in ErrorStatus]: { readonly code: (typeof CODES_BY_STATUS)[S][number]; readonly message: string }
}[ErrorStatus]

const errorSchema = <S extends ErrorStatus>(status: S) =>
  Schema.Struct({
    code: Schema.Literals(CODES_BY_STATUS[status]),
    message: Schema.String
  }).pipe(
    Schema.annotate({ identifier: `Error${status}` }),
    HttpApiSchema.status(status)
  )

/** The error schemas of every endpoint, one per status (403: a POST refused from another site). */
export const ApiErrors = [
  errorSchema(400),
  errorSchema(403),
  errorSchema(404),
  errorSchema(409),
  errorSchema(422),
  errorSchema(500),
  errorSchema(503)
] as const

const statusOf = new Map<string, ErrorStatus>(
  (Object.entries(CODES_BY_STATUS) as ReadonlyArray<[string, ReadonlyArray<string>]>)
    .flatMap(([status, codes]) => codes.map((code) => [code, Number(status) as ErrorStatus] as const))
)

/** The HTTP status an error code is sent with. */
export const statusOfCode = (code: ErrorCode): ErrorStatus => statusOf.get(code)!

/** The API error for a Supervisor error: its fault name and supervisord's faultString. */
export const fromSupervisorError = (error: SupervisorError): ApiError =>
  ({ code: faultNameOf[error._tag], message: faultFromError(error).faultString }) as ApiError

/** An error body as JSON text (for answers made outside the HttpApi routes). */
export const errorJson = (code: ErrorCode, message: string): string => JSON.stringify({ code, message })
