/**
 * The import rules of shared/STYLE.md, checked on every src file: dependencies point inward,
 * the core never imports a transport, only the platform seams import `node:*` or
 * `@effect/platform-node`, `src/` has no import cycle, and the transports (rpc/, http/, cli/ctl/)
 * cannot reach the Node spawner even indirectly.
 * Imports are read with TypeScript's parser, so multi-line imports, `export … from`, dynamic
 * `import()` and `process.getBuiltinModule()` all count; `import type` / `export type` are kept
 * apart because they load nothing at run time (`import { type X }` does load its module).
 */
import * as Fs from "node:fs"
import { isBuiltin } from "node:module"
import * as Path from "node:path"
import ts from "typescript"
import { describe, expect, it } from "vitest"

const SRC = Path.resolve(import.meta.dirname, "../src")
const files = (dir: string): ReadonlyArray<string> =>
  Fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(Path.join(dir, e.name)) : e.name.endsWith(".ts") ? [Path.join(dir, e.name)] : []
  )

/** One import of a file: relative ones as src-relative paths ("process/Spawner.ts"), others as written. */
interface Import {
  readonly spec: string
  /** False for `import type` / `export type`: erased, nothing is loaded. */
  readonly runtime: boolean
}

/** Every import of a source text (of the file at src-relative `rel`). */
const importsIn = (rel: string, text: string): ReadonlyArray<Import> => {
  const found: Array<Import> = []
  const add = (specifier: ts.Expression | undefined, runtime: boolean) => {
    if (specifier === undefined || !ts.isStringLiteralLike(specifier)) return
    const spec = specifier.text
    found.push({
      spec: spec.startsWith(".") ? Path.relative(SRC, Path.resolve(SRC, Path.dirname(rel), spec)) : spec,
      runtime
    })
  }
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      add(node.moduleSpecifier, node.importClause?.phaseModifier !== ts.SyntaxKind.TypeKeyword)
    } else if (ts.isExportDeclaration(node)) {
      add(node.moduleSpecifier, !node.isTypeOnly)
    } else if (ts.isCallExpression(node)) {
      const callee = node.expression
      const dynamicImport = callee.kind === ts.SyntaxKind.ImportKeyword
      const builtin = ts.isPropertyAccessExpression(callee) && callee.name.text === "getBuiltinModule"
      if (dynamicImport || builtin) add(node.arguments[0], true)
    }
    ts.forEachChild(node, visit)
  }
  visit(ts.createSourceFile(rel, text, ts.ScriptTarget.Latest, true))
  return found
}

/** The import graph of src/: src-relative file → its imports. */
const graph: ReadonlyMap<string, ReadonlyArray<Import>> = new Map(
  files(SRC).map((file) => {
    const rel = Path.relative(SRC, file)
    return [rel, importsIn(rel, Fs.readFileSync(file, "utf8"))]
  })
)

const folderOf = (rel: string) => (rel.includes("/") ? rel.split("/")[0]! : rel)

/**
 * Every import cycle of a graph (given as file → the files it imports), one per strongly connected
 * component, as the path `a.ts → b.ts → a.ts`. Tarjan's algorithm finds the components; a
 * breadth-first search inside each gives a shortest cycle through its first file.
 */
const cyclesOf = (edges: ReadonlyMap<string, ReadonlyArray<string>>): ReadonlyArray<string> => {
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: Array<string> = []
  const onStack = new Set<string>()
  const components: Array<ReadonlyArray<string>> = []
  const connect = (v: string): void => {
    index.set(v, index.size)
    low.set(v, index.get(v)!)
    stack.push(v)
    onStack.add(v)
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w)
        low.set(v, Math.min(low.get(v)!, low.get(w)!))
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!))
    }
    if (low.get(v) === index.get(v)) {
      const component: Array<string> = []
      let w: string
      do {
        w = stack.pop()!
        onStack.delete(w)
        component.push(w)
      } while (w !== v)
      if (component.length > 1 || (edges.get(v) ?? []).includes(v)) components.push(component)
    }
  }
  for (const v of [...edges.keys()].sort()) if (!index.has(v)) connect(v)
  return components.map((component) => {
    const members = new Set(component)
    const start = [...component].sort()[0]!
    const parent = new Map<string, string>()
    const queue = [start]
    while (queue.length > 0) {
      const v = queue.shift()!
      for (const w of edges.get(v) ?? []) {
        if (!members.has(w)) continue
        if (w === start) {
          const path = [start]
          for (let at: string | undefined = v; at !== start && at !== undefined; at = parent.get(at)) path.splice(1, 0, at)
          return [...path, start].join(" → ")
        }
        if (!parent.has(w)) {
          parent.set(w, v)
          queue.push(w)
        }
      }
    }
    return component.join(" → ")
  })
}

/** The src files a graph's imports name (imports of packages and built-ins are left out). */
const srcEdges = (
  imports: ReadonlyMap<string, ReadonlyArray<Import>>,
  keep: (i: Import) => boolean
): ReadonlyMap<string, ReadonlyArray<string>> =>
  new Map([...imports].map(([file, is]) => [file, is.filter((i) => keep(i) && imports.has(i.spec)).map((i) => i.spec)]))

/**
 * The first forbidden module a file reaches through run-time imports, as the import path that gets
 * there (`rpc/Methods.ts → supervisor/Supervisor.ts → … → node:child_process`), or undefined.
 */
const reaches = (
  imports: ReadonlyMap<string, ReadonlyArray<Import>>,
  from: string,
  forbidden: ReadonlySet<string>
): string | undefined => {
  const parent = new Map<string, string>([[from, ""]])
  const queue = [from]
  while (queue.length > 0) {
    const v = queue.shift()!
    if (forbidden.has(v)) {
      const path = [v]
      for (let at = parent.get(v)!; at !== ""; at = parent.get(at)!) path.unshift(at)
      return path.join(" → ")
    }
    for (const i of imports.get(v) ?? []) {
      if (i.runtime && !parent.has(i.spec)) {
        parent.set(i.spec, v)
        queue.push(i.spec)
      }
    }
  }
  return undefined
}

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
  "process/Datagram.ts",
  "process/NativeSpawner.ts",
  "process/Orphans.ts",
  "process/ResolveCommand.ts",
  "process/Signals.ts",
  "process/NodeNetwork.ts",
  "supervisor/Layers.ts",
  "http/Server.ts",
  "http/Connections.ts",
  "http/Tail.ts",
  "http/MedusaLines.ts",
  "rpc/Client.ts",
  "cli/Pidproxy.ts",
  "cli/Run.ts",
  "cli/Daemonize.ts",
  "cli/Rlimits.ts",
  "cli/DaemonHeap.ts",
  "cli/Pidfile.ts",
  "cli/ctl/Session.ts",
  "cli/ctl/Terminal.ts",
  "cli/ctl/Platform.ts",
  "logs/RotatingFile.ts",
  "logs/FdReserve.ts"
])

/** The transports: they see the Supervisor contract only, never the platform that runs children. */
const TRANSPORTS = ["rpc/", "http/", "cli/ctl/"]
/** What a transport must not load, however indirectly. */
const SPAWNING = new Set(["process/NodeSpawner.ts", "node:child_process", "child_process"])

describe("architecture", () => {
  for (const [rel, imports] of graph) {
    it(rel, () => {
      const folder = folderOf(rel)
      for (const { spec } of imports) {
        if (isBuiltin(spec) || spec.startsWith("@effect/platform-node")) {
          expect(PLATFORM_SEAMS.has(rel), `${rel} imports ${spec}`).toBe(true)
        } else if (spec.endsWith(".ts")) {
          const target = folderOf(spec)
          if (rel === "index.ts") {
            expect(["rpc", "http", "cli"].includes(target), `index.ts re-exports transport ${spec}`).toBe(false)
          } else if (rel === "bin.ts") {
            expect(folderOf(spec), `bin.ts only imports the CLI, not ${spec}`).toBe("cli")
          } else if (target !== folder) {
            expect(ALLOWED[folder] ?? [], `${rel} imports ${spec}`).toContain(target)
          }
        }
      }
    })
  }

  it("transports only use the Supervisor contract, not its implementation", () => {
    for (const [rel, imports] of graph) {
      if (!["rpc", "http"].includes(folderOf(rel))) continue
      for (const { spec } of imports) {
        if (folderOf(spec) === "supervisor") expect(["supervisor/Supervisor.ts", "supervisor/Api.ts"], `${rel} → ${spec}`).toContain(spec)
      }
    }
  })

  it("src/ has no import cycle (type-only imports included)", () => {
    const cycles = cyclesOf(srcEdges(graph, () => true))
    expect(cycles, `import cycles:\n${cycles.join("\n")}`).toEqual([])
  })

  it("no transport reaches the Node spawner or node:child_process, however indirectly", () => {
    const leaks = [...graph.keys()]
      .filter((rel) => TRANSPORTS.some((t) => rel.startsWith(t)))
      .flatMap((rel) => reaches(graph, rel, SPAWNING) ?? [])
    expect(leaks, `transports loading the spawner:\n${leaks.join("\n")}`).toEqual([])
  })

  describe("the checks themselves", () => {
    it("read multi-line, type-only, re-exported, dynamic and built-in imports", () => {
      const text = [
        `import {\n  a,\n  type B\n} from "./A.ts"`,
        `import type { C } from "../domain/C.ts"`,
        `export type { D } from "./D.ts"`,
        `export * as E from "./E.ts"`,
        `const f = await import("./F.ts")`,
        `const G = process.getBuiltinModule("node:fs")`,
        `// import { H } from "./H.ts"`
      ].join("\n")
      expect(importsIn("rpc/X.ts", text)).toEqual([
        { spec: "rpc/A.ts", runtime: true },
        { spec: "domain/C.ts", runtime: false },
        { spec: "rpc/D.ts", runtime: false },
        { spec: "rpc/E.ts", runtime: true },
        { spec: "rpc/F.ts", runtime: true },
        { spec: "node:fs", runtime: true }
      ])
    })

    it("find a cycle anywhere, with its path", () => {
      const edges = new Map([["a.ts", ["b.ts"]], ["b.ts", ["c.ts"]], ["c.ts", ["a.ts", "d.ts"]], ["d.ts", []], ["e.ts", ["e.ts"]]])
      expect(cyclesOf(edges).toSorted()).toEqual(["a.ts → b.ts → c.ts → a.ts", "e.ts → e.ts"])
      expect(cyclesOf(new Map([["a.ts", ["b.ts"]], ["b.ts", []]]))).toEqual([])
    })

    it("find a planted cycle in src/", () => {
      const planted = new Map(graph)
      planted.set("domain/Names.ts", [...graph.get("domain/Names.ts")!, { spec: "supervisor/Tree.ts", runtime: false }])
      expect(cyclesOf(srcEdges(planted, () => true)).join("\n")).toMatch(/domain\/Names\.ts → .*supervisor\/Tree\.ts → /)
    })

    it("follow run-time imports only to a planted spawner import", () => {
      const planted = new Map(graph)
      const plant = (spec: string, runtime: boolean) =>
        planted.set("domain/ProcessState.ts", [...graph.get("domain/ProcessState.ts")!, { spec, runtime }])
      plant("process/NodeSpawner.ts", false)
      expect(reaches(planted, "rpc/Methods.ts", SPAWNING)).toBeUndefined()
      plant("process/NodeSpawner.ts", true)
      expect(reaches(planted, "rpc/Methods.ts", SPAWNING)).toMatch(/^rpc\/Methods\.ts → (.+ → )?domain\/ProcessState\.ts → process\/NodeSpawner\.ts$/)
      plant("node:child_process", true)
      expect(reaches(planted, "cli/ctl/Main.ts", SPAWNING)).toMatch(/^cli\/ctl\/Main\.ts → .+ → domain\/ProcessState\.ts → node:child_process$/)
    })
  })
})
