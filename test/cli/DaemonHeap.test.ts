/**
 * The daemon's own memory reducer: when it compacts the heap after a burst (DaemonHeap.ts), decided
 * from a probe the test controls; that the V8 setting it replaces is one V8 reads at run time; and
 * that a real compaction gives malloc's free pages back to the kernel.
 * @since 0.1.0
 */
import { describe, expect, it } from "@effect/vitest"
import { BUSY_SHARE, DAEMON_HEAP_FLAGS, type HeapProbe, heapGrown, makeHeapReducer, nodeHeapProbe } from "../../src/cli/DaemonHeap.ts"
import { releaseFreedMemory } from "../../src/supervisor/Layers.ts"

const MiB = 1024 * 1024

/** A probe whose heap size and busy share the test sets; it counts compactions, each leaving `after` bytes. */
const fakeProbe = (start: number) => {
  const state = { committed: start, busy: 0, after: start, compactions: 0 }
  const probe: HeapProbe = {
    committed: () => state.committed,
    busyShare: () => state.busy,
    compact: () => {
      state.compactions++
      state.committed = state.after
    }
  }
  return { state, probe }
}

describe("DaemonHeap", () => {
  it("counts a heap as grown from 10 % and 4 MiB more than it was compacted at", () => {
    expect(heapGrown(20 * MiB, 20 * MiB)).toBe(false)
    expect(heapGrown(24 * MiB - 1, 20 * MiB)).toBe(false) // 4 MiB is the larger bound here
    expect(heapGrown(24 * MiB, 20 * MiB)).toBe(true)
    expect(heapGrown(109 * MiB, 100 * MiB)).toBe(false) // 10 % is the larger bound here
    expect(heapGrown(110 * MiB, 100 * MiB)).toBe(true)
  })

  it("compacts at a look only when the heap grew and the loop was idle since the previous look", () => {
    const { probe, state } = fakeProbe(20 * MiB)
    const reducer = makeHeapReducer(probe)
    reducer.look()
    expect(state.compactions).toBe(0) // nothing grew
    state.committed = 40 * MiB
    state.busy = BUSY_SHARE
    reducer.look()
    expect(state.compactions).toBe(0) // still busy
    state.busy = 0.001
    state.after = 26 * MiB
    reducer.look()
    expect(state.compactions).toBe(1)
    reducer.look()
    expect(state.compactions).toBe(1) // 26 MiB is the new mark: nothing grew since
    state.committed = 29 * MiB
    reducer.look()
    expect(state.compactions).toBe(1)
    state.committed = 31 * MiB
    state.after = 31 * MiB // live data grew: the compaction frees nothing, and the mark moves up
    reducer.look()
    reducer.look()
    expect(state.compactions).toBe(2)
  })

  it("counts an explicit compaction's result as the new mark", () => {
    const { probe, state } = fakeProbe(10 * MiB)
    const reducer = makeHeapReducer(probe)
    state.committed = 40 * MiB
    state.after = 30 * MiB
    reducer.compact()
    state.committed = 33 * MiB
    reducer.look()
    expect(state.compactions).toBe(1) // 33 MiB is not 10 % and 4 MiB over 30 MiB
  })

  it("turns V8's memory reducer off with a setting V8 reads at run time", () => {
    // --memory-reducer itself is read once, when the heap is set up; the GC count is read each time
    expect(DAEMON_HEAP_FLAGS).toContain("--memory-reducer-gc-count=0")
    expect(DAEMON_HEAP_FLAGS.some((flag) => flag.startsWith("--memory-reducer="))).toBe(false)
  })

  it("a compaction gives what malloc holds free back to the kernel (RSS falls back to where it was)", () => {
    const rssMiB = () => process.memoryUsage.rss() / MiB
    // 64 MiB in small buffers: malloc'd from an arena (large ones would be mmap'd and unmapped on free)
    const before = rssMiB()
    let buffers: Array<Buffer> | undefined = Array.from({ length: 16384 }, () => Buffer.allocUnsafeSlow(4000))
    buffers = undefined
    nodeHeapProbe(releaseFreedMemory).compact()
    expect(buffers).toBeUndefined()
    // what was freed is back with the kernel: without the trim, RSS stayed ~25 MiB above `before`
    expect(rssMiB()).toBeLessThan(before + 8)
  })
})

