import { describe, expect, it } from "@effect/vitest"
import { diffGroups } from "../../src/config/Diff.ts"
import { parseConfigText } from "../../src/config/Load.ts"
import type { Host } from "../../src/config/Host.ts"

const host: Host = { env: {}, cwd: "/", hostname: "h", users: undefined, groups: undefined }
const groups = (text: string) => parseConfigText(`[supervisord]\n${text}`, "/c.conf", host).value.groups

describe("diffGroups", () => {
  it("reports added and changed groups in the new config's order (priority, name), removed in the old one's", () => {
    const before = groups("[program:keep]\ncommand=k\n[program:edit]\ncommand=e\n[program:gone]\ncommand=g\n[program:zprio]\ncommand=z\n")
    const after = groups("[program:keep]\ncommand=k\n[program:edit]\ncommand=e2\n[program:new]\ncommand=n\n[program:zprio]\ncommand=z\npriority=1\n[program:another]\ncommand=a\n")
    expect(diffGroups(before, after)).toEqual({ added: ["another", "new"], changed: ["zprio", "edit"], removed: ["gone"] })
    const late = groups("[program:b]\ncommand=b\n[program:a]\ncommand=a\npriority=1000\n[program:c]\ncommand=c\npriority=-1\n")
    expect(diffGroups([], late).added).toEqual(["c", "b", "a"])
    expect(diffGroups([...late].reverse(), []).removed).toEqual(["a", "b", "c"])
  })

  it("sees changes inside a group's process list and listener options", () => {
    const g1 = groups("[program:a]\ncommand=a\n[group:g]\nprograms=a\n[eventlistener:l]\ncommand=l\nevents=TICK_5\n")
    const g2 = groups("[program:a]\ncommand=a\nnumprocs=2\nprocess_name=a%(process_num)s\n[group:g]\nprograms=a\n[eventlistener:l]\ncommand=l\nevents=TICK_60\n")
    expect(diffGroups(g1, g2)).toEqual({ added: [], changed: ["l", "g"], removed: [] })
    expect(diffGroups(g1, groups("[program:a]\ncommand=a\n[group:g]\nprograms=a\n[eventlistener:l]\ncommand=l\nevents=TICK_5\n"))).toEqual({ added: [], changed: [], removed: [] })
  })
})
