import { describe, expect, it } from "@effect/vitest"
import * as Fs from "node:fs"
import { type FileFacts, resolveCommand, searchPath, shlexSplit } from "../../src/process/Command.ts"

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

const realStat = (file: string): FileFacts | undefined => {
  try {
    const info = Fs.statSync(file)
    return { directory: info.isDirectory(), mode: info.mode }
  } catch {
    return undefined
  }
}

describe("resolveCommand", () => {
  it("searches PATH and keeps argv[0] as written", () => {
    const r = resolveCommand("sleep 1", "/nonexistent:/bin:/usr/bin", "/", realStat)
    expect(r._tag).toBe("Success")
    if (r._tag === "Success") {
      expect(r.success.argv).toEqual(["sleep", "1"])
      expect(r.success.file.endsWith("/sleep")).toBe(true)
    }
  })
  it("reports supervisord's spawn errors", () => {
    const message = (command: string) => {
      const r = resolveCommand(command, "/bin", "/", realStat)
      return r._tag === "Failure" ? `${r.failure.fault}: ${r.failure.message}` : "ok"
    }
    expect(message("nosuchprogram")).toBe("NoFile: can't find command 'nosuchprogram'")
    expect(message("/tmp")).toBe("NotExecutable: command at '/tmp' is a directory")
    expect(message("/etc/passwd")).toBe("NotExecutable: command at '/etc/passwd' is not executable")
    expect(message("'unbalanced")).toBe("NotExecutable: can't parse command ''unbalanced': No closing quotation")
    expect(message("   ")).toBe("NotExecutable: command is empty")
    expect(searchPath({ PATH: "/x" }, "/y")).toBe("/x")
    expect(searchPath({}, undefined)).toBe("/bin:/usr/bin:/usr/local/bin")
  })
})
