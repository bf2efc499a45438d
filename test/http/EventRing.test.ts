import { describe, expect, it } from "vitest"
import { EventRing } from "../../src/http/EventRing.ts"

const fill = (ring: EventRing, n: number, data = "x") => {
  for (let i = 0; i < n; i++) ring.push(`E${ring.last + 1}`, data)
}

describe("http/EventRing", () => {
  it("numbers entries from 1 and returns exactly those after a number", () => {
    const ring = new EventRing({ entries: 10, bytes: 1000 })
    expect(ring.last).toBe(0)
    expect(ring.since(0)).toEqual({ _tag: "Entries", entries: [] })
    fill(ring, 3)
    expect(ring.last).toBe(3)
    expect(ring.since(1)).toEqual({
      _tag: "Entries",
      entries: [{ seq: 2, event: "E2", data: "x" }, { seq: 3, event: "E3", data: "x" }]
    })
    expect(ring.since(3)).toEqual({ _tag: "Entries", entries: [] })
  })

  it("evicts beyond its entry bound and says how many a reader missed", () => {
    const ring = new EventRing({ entries: 3, bytes: 1000 })
    fill(ring, 5) // keeps 3, 4, 5
    expect(ring.since(2)).toEqual({ _tag: "Entries", entries: [3, 4, 5].map((seq) => ({ seq, event: `E${seq}`, data: "x" })) })
    expect(ring.since(1)).toEqual({ _tag: "Expired", missed: 1 })
    expect(ring.since(0)).toEqual({ _tag: "Expired", missed: 2 })
  })

  it("evicts beyond its byte bound but always keeps the newest entry", () => {
    const ring = new EventRing({ entries: 100, bytes: 10 })
    fill(ring, 3, "abcd") // 12 bytes: the first goes
    expect(ring.since(0)).toEqual({ _tag: "Expired", missed: 1 })
    expect(ring.since(1)._tag).toBe("Entries")
    ring.push("big", "y".repeat(50))
    expect(ring.since(3)).toEqual({ _tag: "Entries", entries: [{ seq: 4, event: "big", data: "y".repeat(50) }] })
    expect(ring.since(2)).toEqual({ _tag: "Expired", missed: 1 })
  })

  it("calls numbers it never gave out unknown", () => {
    const ring = new EventRing({ entries: 3, bytes: 1000 })
    fill(ring, 2)
    expect(ring.since(3)).toEqual({ _tag: "Unknown" })
    expect(ring.since(-1)).toEqual({ _tag: "Unknown" })
    expect(ring.since(1.5)).toEqual({ _tag: "Unknown" })
  })

  it("stays correct across its internal compaction", () => {
    const ring = new EventRing({ entries: 5, bytes: 1_000_000 })
    fill(ring, 5000)
    expect(ring.since(4995)).toEqual({ _tag: "Entries", entries: [4996, 4997, 4998, 4999, 5000].map((seq) => ({ seq, event: `E${seq}`, data: "x" })) })
    expect(ring.since(4994)).toEqual({ _tag: "Expired", missed: 1 })
    expect(ring.since(5000)).toEqual({ _tag: "Entries", entries: [] })
  })
})
