/**
 * The daemon's own memory reducer: when it compacts the heap after a burst (DaemonHeap.ts), decided
 * from a probe the test controls; that the V8 setting it replaces is one V8 reads at run time; that
 * a real compaction gives malloc's free pages back to the kernel; and that the optimizing compilers
 * are off from the start to the settling, in a real Node process, unless the user chose otherwise.
 * @since 0.1.0
 */
import { describe, expect, it } from "@effect/vitest"
import * as Cp from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import {
  BUSY_SHARE,
  compilerFlags,
  DAEMON_HEAP_FLAGS,
  flagName,
  type HeapProbe,
  heapGrown,
  makeHeapReducer,
  nodeHeapProbe
} from "../../src/cli/DaemonHeap.ts"
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

  it("names a flag without its value, underscores or `no-`", () => {
    expect(flagName("--heap_growing_percent=20")).toBe("--heap-growing-percent")
    expect(flagName("--no-turbofan")).toBe("--turbofan")
    expect(flagName("--maglev")).toBe("--maglev")
  })

  it("turns the optimizing compilers off and on, Maglev only where there is one, and not at all once the user chose", () => {
    expect(compilerFlags(false, [], true)).toEqual(["--no-maglev", "--no-turbofan"])
    expect(compilerFlags(true, [], true)).toEqual(["--maglev", "--turbofan"])
    expect(compilerFlags(false, [], false)).toEqual(["--no-turbofan"])
    for (const choice of ["--jitless", "--max-opt=2", "--no-maglev", "--turbofan"]) {
      expect(compilerFlags(false, [flagName(choice)], true), choice).toEqual([])
    }
  })

  it("in a real Node, a hot function stays unoptimized from tuneDaemonHeap to settleDaemonHeap, and is optimized after", () => {
    const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "effsup-jit-"))
    try {
      // %GetOptimizationStatus: bit 4 is "has optimized code" (Maglev or Turbofan)
      const script = Path.join(dir, "jit.mjs")
      Fs.writeFileSync(script, `
        import { settleDaemonHeap, tuneDaemonHeap } from ${JSON.stringify(Path.resolve(import.meta.dirname, "../../src/cli/DaemonHeap.ts"))}
        tuneDaemonHeap()
        function hot(x) { let s = 0; for (let i = 0; i < 100; i++) s += (x * i) % 7; return s }
        const run = () => { let t = 0; for (let i = 0; i < 100000; i++) t += hot(i); return t }
        const optimized = () => (%GetOptimizationStatus(hot) & 16) !== 0
        // hot for long enough that V8 would have optimized it, its compile threads given time to finish
        const heat = async () => { for (let i = 0; i < 25 && !optimized(); i++) { run(); await new Promise((r) => setTimeout(r, 20)) } }
        await heat()
        const before = optimized()
        settleDaemonHeap()
        await heat()
        console.log(JSON.stringify({ before, after: optimized() }))
      `)
      const status = (extra: ReadonlyArray<string>) =>
        JSON.parse(Cp.execFileSync(process.execPath, ["--allow-natives-syntax", ...extra, script], { encoding: "utf8", timeout: 60_000 }))
      expect(status([])).toEqual({ before: false, after: true })
      // a choice on Node's command line is left alone: Turbofan stays on from the start
      expect(status(["--turbofan"])).toEqual({ before: true, after: true })
    } finally {
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
