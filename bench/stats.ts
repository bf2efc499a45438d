/**
 * Pure statistics for the benchmark: order statistics over raw samples (median, p90, p99 by the
 * nearest-rank method) and the effsup/supervisord ratio. No I/O, no clocks: the smoke test
 * (test/bench/smoke.test.ts) checks these directly.
 *
 * Invariant: a `Summary` is only built from at least one finite sample; an empty sample set is
 * a bug in the scenario (it throws), never a silent zero in the table.
 * @since 0.1.0
 */

/** The order statistics of one metric for one contender. */
export interface Summary {
  /** Number of samples. */
  readonly n: number
  readonly median: number
  readonly p90: number
  readonly p99: number
  readonly min: number
  readonly max: number
}

/** The nearest-rank percentile `p` (0–100) of already sorted, non-empty samples. */
export const percentileSorted = (sorted: ReadonlyArray<number>, p: number): number => {
  if (sorted.length === 0) throw new Error("percentile of no samples")
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!
}

/** The median: the middle sample, or the mean of the two middle ones for an even count. */
export const median = (samples: ReadonlyArray<number>): number => {
  if (samples.length === 0) throw new Error("median of no samples")
  const sorted = [...samples].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** Summarizes raw samples; throws on an empty or non-finite sample set. */
export const summarize = (samples: ReadonlyArray<number>): Summary => {
  if (samples.length === 0) throw new Error("no samples")
  if (samples.some((x) => !Number.isFinite(x))) throw new Error(`non-finite sample in ${samples.join(",")}`)
  const sorted = [...samples].sort((a, b) => a - b)
  return {
    n: sorted.length,
    median: median(sorted),
    p90: percentileSorted(sorted, 90),
    p99: percentileSorted(sorted, 99),
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!
  }
}

/** effsup's median over supervisord's median; undefined when supervisord's is 0. */
export const ratio = (effsup: Summary, supervisord: Summary): number | undefined =>
  supervisord.median === 0 ? undefined : effsup.median / supervisord.median

/** Nanoseconds (from `process.hrtime.bigint()` differences) to milliseconds. */
export const nsToMs = (ns: bigint): number => Number(ns) / 1e6
