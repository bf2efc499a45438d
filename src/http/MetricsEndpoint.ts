/**
 * `GET /metrics`: the Prometheus text format (0.0.4) of the daemon's metrics (Metrics.ts).
 * At each scrape the gauges that describe the present — each process's state, running flag,
 * uptime and last exit status, the count of processes per state, the daemon's uptime — are set
 * from the Supervisor's snapshot; the series of processes that no longer exist are removed; and
 * the registry is rendered by effect's Prometheus formatter. Counters of a process that has not
 * started yet are present with 0, so rates work from the first scrape.
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as PrometheusMetrics from "effect/observability/PrometheusMetrics"
import { ProcessStateCode } from "../domain/ProcessState.ts"
import type { Supervisor } from "../supervisor/Supervisor.ts"
import { forProcess, metrics, type ProcessLabels, type Recorder } from "./Metrics.ts"

/** The content type Prometheus expects for the text format. */
export const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

/** Refreshes the snapshot gauges and renders every metric in the Prometheus text format. */
export const scrape = (supervisor: Supervisor["Service"], recorder: Recorder): Effect.Effect<string> =>
  Effect.gen(function*() {
    const { context } = recorder
    recorder.flush()
    const infos = yield* supervisor.allProcessInfo
    const now = yield* Clock.currentTimeMillis
    const present = new Set<ProcessLabels>()
    const byState = new Map<string, number>(Object.keys(ProcessStateCode).map((s) => [s, 0]))
    for (const info of infos) {
      const labels = recorder.track(info.group, info.name)
      present.add(labels)
      byState.set(info.state, byState.get(info.state)! + 1)
      const running = info.state === "RUNNING"
      forProcess(metrics.processState, labels).updateUnsafe(ProcessStateCode[info.state], context)
      forProcess(metrics.processRunning, labels).updateUnsafe(running ? 1 : 0, context)
      forProcess(metrics.processUptime, labels).updateUnsafe(running ? Math.max(0, info.now - info.start) : 0, context)
      forProcess(metrics.processExitStatus, labels).updateUnsafe(info.exitstatus, context)
      // present from the first scrape, without changing a value already counted
      forProcess(metrics.processStarts, labels).modifyUnsafe(0, context)
      forProcess(metrics.processRestarts, labels).modifyUnsafe(0, context)
      forProcess(metrics.processBackoffTries, labels).modifyUnsafe(0, context)
    }
    for (const labels of recorder.tracked()) if (!present.has(labels)) recorder.forgetProcess(labels)
    for (const [state, count] of byState) Metric.withAttributes(metrics.processesByState, { state }).updateUnsafe(count, context)
    metrics.uptime.updateUnsafe((now - recorder.startedAt) / 1000, context)
    metrics.startTime.updateUnsafe(recorder.startedAt / 1000, context)
    return PrometheusMetrics.formatUnsafe(context)
  })

/** The `/metrics` response. */
export const respond = (supervisor: Supervisor["Service"], recorder: Recorder) =>
  Effect.map(scrape(supervisor, recorder), (body) => HttpServerResponse.text(body, { contentType: CONTENT_TYPE }))
