/**
 * The daemon's metrics, kept with effect's `Metric` in a registry of their own (so two daemons
 * in one process, as in tests, never mix their series). This module is loaded with the servers
 * because what it counts starts at start-up: per-process starts, restarts and backoff tries are
 * derived from the event bus (never from the process actor), XML-RPC and API requests are
 * counted and timed as they are served, and the bus's drops are counted per subscriber (the
 * recorder itself observes the bus synchronously and loses none). The snapshot-derived gauges (state, uptime, exit status) and the Prometheus rendering are done at
 * scrape time by the lazily loaded MetricsEndpoint.ts.
 *
 * Invariant: every series of a process carries `group` and `process` labels, and the series of
 * a removed group are removed with it, so the registry stays as large as the running config.
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import type * as Scope from "effect/Scope"
import type * as HttpServerResponse from "effect/http/HttpServerResponse"
import type { SupervisorEvent } from "../events/Event.ts"
import type { Supervisor } from "../supervisor/Supervisor.ts"

const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

/** Every metric effsup exports, by what it measures. */
export const metrics = {
  processStarts: Metric.counter("effsup_process_starts_total", {
    description: "Times the process entered STARTING (every spawn attempt) since the daemon started.",
    incremental: true
  }),
  processRestarts: Metric.counter("effsup_process_restarts_total", {
    description: "Starts after a failed start or an exit (BACKOFF or EXITED to STARTING): retries, autorestarts, " +
      "and starts of an exited process.",
    incremental: true
  }),
  processBackoffTries: Metric.gauge("effsup_process_backoff_tries", {
    description: "Failed start attempts in the current run of start attempts (0 once RUNNING)."
  }),
  processState: Metric.gauge("effsup_process_state", {
    description: "The process state as supervisord's code: 0 STOPPED, 10 STARTING, 20 RUNNING, 30 BACKOFF, " +
      "40 STOPPING, 100 EXITED, 200 FATAL, 1000 UNKNOWN."
  }),
  processRunning: Metric.gauge("effsup_process_running", { description: "1 while the process is RUNNING, else 0." }),
  processUptime: Metric.gauge("effsup_process_uptime_seconds", {
    description: "Seconds since the process was started, while it is RUNNING; 0 otherwise."
  }),
  processExitStatus: Metric.gauge("effsup_process_exit_status", {
    description: "The process's last exit code; -1 when a signal ended it; 0 before any exit."
  }),
  processesByState: Metric.gauge("effsup_processes", { description: "Number of processes in each state." }),
  uptime: Metric.gauge("effsup_uptime_seconds", { description: "Seconds since the daemon started serving." }),
  startTime: Metric.gauge("effsup_start_time_seconds", { description: "When the daemon started serving, in epoch seconds." }),
  rpcRequests: Metric.counter("effsup_rpc_requests_total", {
    description: "XML-RPC requests answered on /RPC2, by HTTP status.",
    incremental: true
  }),
  rpcDuration: Metric.histogram("effsup_rpc_request_duration_seconds", {
    description: "Time to answer an XML-RPC request (deferred calls such as start with wait included).",
    boundaries: DURATION_BUCKETS
  }),
  apiRequests: Metric.counter("effsup_api_requests_total", {
    description: "Requests answered by the console, /api/v1 and /metrics, by method and HTTP status.",
    incremental: true
  }),
  apiDuration: Metric.histogram("effsup_api_request_duration_seconds", {
    description: "Time to answer a console, API or metrics request (until the headers of a stream).",
    boundaries: DURATION_BUCKETS
  }),
  busDrops: Metric.counter("effsup_event_bus_dropped_events_total", {
    description: "Events a subscriber of the event bus lost because it fell behind, by subscriber.",
    incremental: true
  })
} as const

/** The labels of a process's series. */
export interface ProcessLabels {
  readonly group: string
  readonly process: string
}

/** The metric registry of one daemon and the recorders that feed it. */
export interface Recorder {
  /** The context holding this daemon's registry: pass it to `*Unsafe` metric calls and formatting. */
  readonly context: Context.Context<never>
  /** When the daemon started serving (epoch milliseconds). */
  readonly startedAt: number
  /** Time and count one request; `kind` picks the XML-RPC or the API series. */
  readonly observe: (
    kind: "rpc" | "api",
    method: string
  ) => <E, R>(handler: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>) => Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
  /** Count `count` events lost by a bus subscriber. */
  readonly recordDrops: (subscriber: string, count: number) => void
  /** The labels of a process, which from now on counts as having series. */
  readonly track: (group: string, process: string) => ProcessLabels
  /** Every process that has series. */
  readonly tracked: () => ReadonlyArray<ProcessLabels>
  /** Remove every series of one process. */
  readonly forgetProcess: (labels: ProcessLabels) => void
  /** Write what the bus has counted since the last flush into the registry (before a scrape). */
  readonly flush: () => void
}

/** The series of `metric` for one process. */
export const forProcess = <I, S>(metric: Metric.Metric<I, S>, labels: ProcessLabels): Metric.Metric<I, S> =>
  Metric.withAttributes(metric, { group: labels.group, process: labels.process })

/** The series of one process that the event bus updates. */
interface BusSeries {
  readonly starts: Metric.Metric<number, unknown>
  readonly restarts: Metric.Metric<number, unknown>
  readonly backoffTries: Metric.Metric<number, unknown>
}

/**
 * A process's bus-fed series as metrics of their own, with the labels fixed: they address the same
 * series as `forProcess` does, but compute their series key once instead of at every flush.
 */
const makeBusSeries = ({ group, process }: ProcessLabels): BusSeries => {
  const attributes = { group, process }
  const counter = (shared: Metric.Metric<number, unknown>) =>
    Metric.counter(shared.id, { description: shared.description, incremental: true, attributes })
  return {
    starts: counter(metrics.processStarts),
    restarts: counter(metrics.processRestarts),
    backoffTries: Metric.gauge(metrics.processBackoffTries.id, { description: metrics.processBackoffTries.description, attributes })
  }
}

const PROCESS_METRICS: ReadonlyArray<Metric.Metric<number, unknown>> = [
  metrics.processStarts,
  metrics.processRestarts,
  metrics.processBackoffTries,
  metrics.processState,
  metrics.processRunning,
  metrics.processUptime,
  metrics.processExitStatus
]

/**
 * What the bus has counted for one process: plain numbers, written into its series at a scrape.
 * An event costs a field update (making a process's series in the registry at its first event cost
 * 86 ms of a start of 500 programs, profiled: each series' key is a sorted JSON of its labels).
 */
interface BusCounts {
  /** Starts and restarts since the last flush. */
  starts: number
  restarts: number
  backoffTries: number
  /** Made at the first flush. */
  series: BusSeries | undefined
}

/**
 * A recorder with a fresh registry, counting from now; its event collector runs until `scope`
 * closes. Per-process counters come from the bus's PROCESS_STATE events, observed as they are
 * published, and reach the registry at the next `flush`.
 */
export const make = (supervisor: Supervisor["Service"]): Effect.Effect<Recorder, never, Scope.Scope> =>
  Effect.gen(function*() {
    const context = Context.make(Metric.MetricRegistry, new Map())
    const startedAt = yield* Clock.currentTimeMillis
    const byGroup = new Map<string, Map<string, ProcessLabels>>()

    /** The bus-fed counts of each tracked process: a crash loop updates them hundreds of times a second. */
    const busCounts = new Map<ProcessLabels, BusCounts>()
    const track = (group: string, process: string): ProcessLabels => {
      let processes = byGroup.get(group)
      if (processes === undefined) byGroup.set(group, processes = new Map())
      let labels = processes.get(process)
      if (labels === undefined) processes.set(process, labels = { group, process })
      return labels
    }
    const countsOf = (group: string, process: string): BusCounts => {
      const labels = track(group, process)
      let counts = busCounts.get(labels)
      if (counts === undefined) {
        busCounts.set(labels, counts = { starts: 0, restarts: 0, backoffTries: 0, series: undefined })
      }
      return counts
    }
    const flush = () => {
      for (const [labels, counts] of busCounts) {
        const series = counts.series ??= makeBusSeries(labels)
        if (counts.starts > 0) series.starts.updateUnsafe(counts.starts, context)
        if (counts.restarts > 0) series.restarts.updateUnsafe(counts.restarts, context)
        series.backoffTries.updateUnsafe(counts.backoffTries, context)
        counts.starts = 0
        counts.restarts = 0
      }
    }
    const forgetProcess = (labels: ProcessLabels) => {
      for (const metric of PROCESS_METRICS) Metric.removeUnsafe(forProcess(metric, labels), context)
      busCounts.delete(labels)
      const processes = byGroup.get(labels.group)
      processes?.delete(labels.process)
      if (processes?.size === 0) byGroup.delete(labels.group)
    }
    const recordDrops = (subscriber: string, count: number) =>
      Metric.withAttributes(metrics.busDrops, { subscriber }).updateUnsafe(count, context)

    const onEvent = (item: SupervisorEvent) => {
      switch (item._tag) {
        case "PROCESS_GROUP_REMOVED":
          for (const labels of [...(byGroup.get(item.groupName)?.values() ?? [])]) forgetProcess(labels)
          return
        case "PROCESS_STATE_STARTING": {
          const counts = countsOf(item.groupName, item.processName)
          counts.starts++
          if (item.fromState === "BACKOFF" || item.fromState === "EXITED") counts.restarts++
          counts.backoffTries = item.tries
          return
        }
        case "PROCESS_STATE_BACKOFF":
          countsOf(item.groupName, item.processName).backoffTries = item.tries
          return
        case "PROCESS_STATE_RUNNING":
          countsOf(item.groupName, item.processName).backoffTries = 0
          return
      }
    }
    // counted in the publisher's step: no event is lost, and no fiber wakes per event
    yield* supervisor.observe(onEvent)

    const observe = (kind: "rpc" | "api", method: string) =>
    <E, R>(handler: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>) =>
      Effect.suspend(() => {
        const started = performance.now()
        return Effect.tap(handler, (response) =>
          Effect.sync(() => {
            const seconds = (performance.now() - started) / 1000
            const status = String(response.status)
            if (kind === "rpc") {
              Metric.withAttributes(metrics.rpcRequests, { status }).updateUnsafe(1, context)
              metrics.rpcDuration.updateUnsafe(seconds, context)
            } else {
              Metric.withAttributes(metrics.apiRequests, { method, status }).updateUnsafe(1, context)
              metrics.apiDuration.updateUnsafe(seconds, context)
            }
          }))
      })

    const tracked = () => [...byGroup.values()].flatMap((processes) => [...processes.values()])
    return { context, startedAt, observe, recordDrops, track, tracked, forgetProcess, flush }
  })
