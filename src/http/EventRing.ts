/**
 * The replay buffer behind `Last-Event-ID`: the most recent events as sent (name and JSON data),
 * numbered 1, 2, 3… in publication order, bounded both in count and in bytes. A reader asks for
 * everything after the last number it saw and gets either exactly those entries or "expired"
 * when some of them have already been evicted. Pure and synchronous (no Effect), so the SSE
 * transport can check and read it in one step without racing a publisher.
 * @since 0.1.0
 */

/** One buffered event. */
export interface RingEntry {
  readonly seq: number
  /** The SSE event name. */
  readonly event: string
  /** The SSE data (JSON text). */
  readonly data: string
}

/** What `since` finds: the entries after the given number, or that some of them are gone. */
export type Since =
  | { readonly _tag: "Entries"; readonly entries: ReadonlyArray<RingEntry> }
  | { readonly _tag: "Expired"; readonly missed: number }
  | { readonly _tag: "Unknown" }

/** Bounds of a ring. */
export interface RingLimits {
  /** Most entries kept. */
  readonly entries: number
  /** Most data kept, in characters of the JSON text (the newest entry is always kept, whatever its size). */
  readonly bytes: number
}

/** The default bounds: 2048 events or 4 Mi characters of data, whichever is reached first. */
export const DEFAULT_LIMITS: RingLimits = { entries: 2048, bytes: 4 * 1024 * 1024 }

/** A bounded, numbered buffer of recent events. */
export class EventRing {
  private readonly buffer: Array<RingEntry> = []
  private head = 0
  private bytes = 0
  private lastSeq = 0
  private readonly limits: RingLimits

  constructor(limits: RingLimits = DEFAULT_LIMITS) {
    this.limits = limits
  }

  /** The number of the newest entry (0 before the first). */
  get last(): number {
    return this.lastSeq
  }

  /** Append an event; evicts the oldest entries beyond the bounds. */
  push(event: string, data: string): RingEntry {
    const entry = { seq: ++this.lastSeq, event, data }
    this.buffer.push(entry)
    this.bytes += data.length
    while (this.buffer.length - this.head > 1 &&
      (this.buffer.length - this.head > this.limits.entries || this.bytes > this.limits.bytes)) {
      this.bytes -= this.buffer[this.head]!.data.length
      this.head++
    }
    // compact now and then, so eviction stays O(1) amortised
    if (this.head > 1024 && this.head * 2 > this.buffer.length) {
      this.buffer.splice(0, this.head)
      this.head = 0
    }
    return entry
  }

  /** The entries after number `seq`: all of them, or Expired when the oldest are gone, or Unknown for a future number. */
  since(seq: number): Since {
    if (!Number.isSafeInteger(seq) || seq < 0 || seq > this.lastSeq) return { _tag: "Unknown" }
    const oldest = this.head < this.buffer.length ? this.buffer[this.head]!.seq : this.lastSeq + 1
    if (seq + 1 < oldest) return { _tag: "Expired", missed: oldest - seq - 1 }
    return { _tag: "Entries", entries: this.buffer.slice(this.head + (seq + 1 - oldest)) }
  }
}
