/**
 * The import rules of shared/STYLE.md, checked on every src file: dependencies point inward,
 * the core never imports a transport, and only the platform seams import `node:*` or
 * `@effect/platform-node`.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"

const SRC = Path.resolve(import.meta.dirname, "../src")
const files = (dir: string): ReadonlyArray<string> =>
  Fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(Path.join(dir, e.name)) : e.name.endsWith(".ts") ? [Path.join(dir, e.name)] : []
  )

/**
 * Every import of a file: relative ones as src-relative paths ("process/Spawner.ts"), others as written.
 * `process.getBuiltinModule("node:x")` counts as an import of `node:x`.
 */
const importsOf = (file: string): ReadonlyArray<string> => {
  const text = Fs.readFileSync(file, "utf8")
  return [
    ...text.matchAll(/(?:^|\n)\s*(?:import|export)[^"'\n]*?from\s+["']([^"']+)["']/g),
    ...text.matchAll(/getBuiltinModule\(\s*["']([^"']+)["']/g)
  ].map((m) => {
    const spec = m[1]!
    return spec.startsWith(".") ? Path.relative(SRC, Path.resolve(Path.dirname(file), spec)) : spec
  })
}

const folderOf = (rel: string) => (rel.includes("/") ? rel.split("/")[0]! : rel)

/** Which src folders each folder may import (besides itself). */
const ALLOWED: Record<string, ReadonlyArray<string>> = {
  domain: [],
  config: ["domain"],
  events: ["domain", "config"],
  logs: ["domain", "config", "events"],
  process: ["domain", "config", "events", "logs"],
  supervisor: ["domain", "config", "events", "logs", "process"],
  rpc: ["domain", "config", "events", "supervisor"],
  http: ["domain", "config", "events", "logs", "rpc", "supervisor"],
  cli: ["domain", "config", "rpc", "supervisor", "logs", "http"]
}

/** The only files that may import node built-ins or the Node platform package. */
const PLATFORM_SEAMS = new Set([
  "bin.ts",
  "cli/RunMain.ts",
  "process/ChildProcessSpawner.ts",
  "process/ChildPipe.ts",
  "process/NativeAddon.ts",
  "process/NativeSpawner.ts",
  "process/ResolveCommand.ts",
  "process/Signals.ts",
  "supervisor/Layers.ts",
  "http/Server.ts",
  "http/Tail.ts",
  "rpc/Client.ts",
  "cli/Pidproxy.ts",
  "cli/ctl/Session.ts",
  "cli/ctl/Terminal.ts",
  "cli/ctl/Platform.ts",
  "logs/RotatingFile.ts"
])

describe("architecture", () => {
  for (const file of files(SRC)) {
    const rel = Path.relative(SRC, file)
    it(rel, () => {
      const folder = folderOf(rel)
      for (const spec of importsOf(file)) {
        if (spec.startsWith("node:") || spec.startsWith("@effect/platform-node")) {
          expect(PLATFORM_SEAMS.has(rel), `${rel} imports ${spec}`).toBe(true)
        } else if (spec.endsWith(".ts")) {
          const target = folderOf(spec)
          if (rel === "index.ts") {
            expect(["rpc", "http", "cli"].includes(target), `index.ts re-exports transport ${spec}`).toBe(false)
          } else if (rel === "bin.ts") {
            expect(spec, "bin.ts only imports the CLI").toBe("cli/Main.ts")
          } else if (target !== folder) {
            expect(ALLOWED[folder] ?? [], `${rel} imports ${spec}`).toContain(target)
          }
        }
      }
    })
  }
  it("transports only use the Supervisor contract, not its implementation", () => {
    for (const file of files(SRC)) {
      const rel = Path.relative(SRC, file)
      if (!["rpc", "http"].includes(folderOf(rel))) continue
      for (const spec of importsOf(file)) {
        if (folderOf(spec) === "supervisor") expect(["supervisor/Supervisor.ts", "supervisor/Api.ts"], `${rel} → ${spec}`).toContain(spec)
      }
    }
  })
})
