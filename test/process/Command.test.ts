import { NodeServices } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { resolveCommand, searchPath, shlexSplit } from "../../src/process/Command.ts"

describe("shlexSplit", () => {
  it("splits like POSIX shlex", () => {
    expect(shlexSplit("a b  c")).toEqual(["a", "b", "c"])
    expect(shlexSplit(`sh -c 'echo "hi there"; exit 1'`)).toEqual(["sh", "-c", `echo "hi there"; exit 1`])
    expect(shlexSplit(`echo "a \\"b\\" c" d\\ e`)).toEqual(["echo", `a "b" c`, "d e"])
    expect(shlexSplit(`x''y ""`)).toEqual(["xy", ""])
    expect(shlexSplit("")).toEqual([])
    expect(shlexSplit("'open")).toBe("No closing quotation")
  })
})

describe("resolveCommand", () => {
  const run = <A, E>(e: Effect.Effect<A, E, NodeServices.NodeServices>) => Effect.runPromise(Effect.result(e.pipe(Effect.provide(NodeServices.layer))))
  it("searches PATH and keeps argv[0] as written", async () => {
    const r = await run(resolveCommand("sleep 1", "/nonexistent:/bin:/usr/bin", "/"))
    expect(r._tag).toBe("Success")
    if (r._tag === "Success") {
      expect(r.success.argv).toEqual(["sleep", "1"])
      expect(r.success.file.endsWith("/sleep")).toBe(true)
    }
  })
  it("reports supervisord's spawn errors", async () => {
    const missing = await run(resolveCommand("nosuchprogram", "/bin", "/"))
    expect(missing._tag === "Failure" && missing.failure.message).toBe("can't find command 'nosuchprogram'")
    const dir = await run(resolveCommand("/tmp", "/bin", "/"))
    expect(dir._tag === "Failure" && dir.failure.message).toBe("command at '/tmp' is a directory")
    const noexec = await run(resolveCommand("/etc/passwd", "/bin", "/"))
    expect(noexec._tag === "Failure" && noexec.failure.message).toBe("command at '/etc/passwd' is not executable")
    expect(searchPath({ PATH: "/x" }, "/y")).toBe("/x")
    expect(searchPath({}, undefined)).toBe("/bin:/usr/bin:/usr/local/bin")
  })
})
