/**
 * The JSON API's views of the Supervisor service's values: process info with supervisord's
 * getProcessInfo keys plus `namespec` (and effsup's readiness, health and dependency waits where
 * they apply), and result structs with `code`. One function per shape,
 * shared by the API handlers and the event stream.
 * See shared/reference/supervisord-4.2.5.md §5.4.
 * @since 0.1.0
 */
import { DEFAULT_SUPERVISION } from "../config/Programs.ts"
import type { SupervisorError } from "../domain/Errors.ts"
import { namespec } from "../domain/Names.ts"
import { faultFromError, faultNameOf, Faults } from "../rpc/Faults.ts"
import type { GroupStatus, ProcessInfo, ProcessResult } from "../supervisor/Api.ts"
import { supervisordInfoFields } from "../supervisor/Api.ts"
import type * as Api from "./Api.ts"

/** getProcessInfo's struct as JSON, plus `namespec`. */
export const processInfoJson = (info: ProcessInfo): typeof Api.ProcessInfo.Type => ({
  namespec: namespec(info.group, info.name),
  ...supervisordInfoFields(info),
  ...(info.readiness === undefined ? {} : { readiness: info.readiness }),
  ...(info.health === undefined ? {} : { health: info.health }),
  ...(info.waitingFor === undefined ? {} : { waitingFor: info.waitingFor })
})

/** A group: its processes' namespecs, and its priority, strategy and restarts (undefined status: the defaults, none yet). */
export const groupInfoJson = (
  name: string,
  processes: ReadonlyArray<string>,
  status: GroupStatus | undefined
): typeof Api.GroupInfo.Type => {
  const { strategy, maxRestarts, maxRestartsPeriod, onExhausted } = status?.supervision ?? DEFAULT_SUPERVISION
  return {
    name,
    priority: status?.priority ?? 999,
    processes,
    supervision: { strategy, ...(maxRestarts === undefined ? {} : { maxRestarts }), maxRestartsPeriod, onExhausted },
    restarts: status?.restarts ?? 0,
    recentRestarts: status?.recentRestarts ?? 0
  }
}

/** One result struct: SUCCESS / OK, or the error's fault. */
export const resultJson = (
  group: string,
  name: string,
  error: SupervisorError | undefined
): typeof Api.ProcessResult.Type => {
  const fault = error === undefined ? undefined : faultFromError(error)
  return {
    namespec: namespec(group, name),
    name,
    group,
    status: fault?.faultCode ?? Faults.SUCCESS,
    code: error === undefined ? "SUCCESS" : faultNameOf[error._tag],
    description: fault?.faultString ?? "OK"
  }
}

/** Result structs of a group or all-processes action. */
export const resultsJson = (results: ReadonlyArray<ProcessResult>): ReadonlyArray<typeof Api.ProcessResult.Type> =>
  results.map((r) => resultJson(r.group, r.name, r.error))
