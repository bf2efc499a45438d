/**
 * minfds / minprocs: reading /proc/<pid>/limits and deciding what to raise, as supervisord's
 * set_rlimits_or_exit does (the raise itself is tested end to end against supervisord).
 * @since 0.1.0
 */
import { describe, expect, it } from "@effect/vitest"
import { parseLimits, plan } from "../../src/cli/Rlimits.ts"

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max processes             96367                unlimited            processes
Max open files            1024                 4096                 files
Max locked memory         8388608              8388608              bytes
`

describe("Rlimits", () => {
  it("reads the file and process limits; unlimited is Infinity", () => {
    expect(parseLimits(LIMITS)).toEqual({ files: { soft: 1024, hard: 4096 }, processes: { soft: 96367, hard: Infinity } })
  })

  it("raises a soft limit below the minimum, and the hard one with it when that is lower too", () => {
    const limits = { files: { soft: 1024, hard: 4096 }, processes: { soft: 100, hard: 150 } }
    expect(plan(limits, 1024, 100)).toEqual([])
    const raises = plan(limits, 2048, 200)
    expect(raises.map(({ failure: _, ...r }) => r)).toEqual([
      { name: "RLIMIT_NOFILE", option: "--nofile", minimum: 2048, hard: 4096 },
      { name: "RLIMIT_NPROC", option: "--nproc", minimum: 200, hard: 200 }
    ])
    // supervisord names the raised hard limit (here the minimum itself) as what the environment allows
    expect(raises[1]!.failure).toContain("is 200 as per the \"minprocs\" command-line argument or config file setting. The current environment will only allow you to open 200 processes.")
    expect(plan({ files: { soft: Infinity, hard: Infinity }, processes: { soft: Infinity, hard: Infinity } }, 1e6, 1e6)).toEqual([])
  })
})
