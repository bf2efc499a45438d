/**
 * effsup's supervision options checked across sections, once every group is resolved: each
 * `depends_on` must name programs that exist, with a condition they can meet, and the
 * dependencies must form a DAG. `auto_shutdown` with no significant program is warned about.
 * Also the one resolution of a dependency's target to processes, which the tree reuses at run time.
 *
 * Names: a dependency names a program (`db`: every process of `[program:db]`, whatever its group
 * and numprocs), one process (`group:process`, supervisorctl's form) or a whole group (`group:*`).
 * Event listener pools cannot be depended on.
 *
 * Invariant: pure; every problem is recorded at the `depends_on` line of the program that has it.
 * @since 0.1.0
 */
import type { IniDocument } from "./Ini.ts"
import { type Context, reader, type Reader, suggest } from "./Reader.ts"
import type { Dependency, GroupConfig, ProcessConfig, SupervisordConfig } from "./Types.ts"

/** The processes `target` names among `groups` (none when it names nothing; listener pools are left out). */
export const dependencyTargets = (target: string, groups: ReadonlyArray<GroupConfig>): ReadonlyArray<ProcessConfig> => {
  const candidates = groups.filter((g) => g.kind !== "eventlistener")
  const colon = target.indexOf(":")
  if (colon < 0) return candidates.flatMap((g) => g.processes.filter((p) => p.section === `program:${target}`))
  const group = candidates.find((g) => g.name === target.slice(0, colon))
  const process = target.slice(colon + 1)
  return group === undefined ? [] : group.processes.filter((p) => process === "*" || p.name === process)
}

/** A dependency problem of one process, not yet located. */
export interface DependencyProblem {
  readonly process: ProcessConfig
  readonly message: string
}

const keyOf = (p: ProcessConfig) => `${p.group}:${p.name}`
const specOf = (p: ProcessConfig) => (p.group === p.name ? p.name : `${p.group}:${p.name}`)

/** Why `dependency` can never be met by `target`, if it cannot. */
const impossible = (dependency: Dependency, target: ProcessConfig): string | undefined => {
  if (dependency.condition !== "completed") return undefined
  if (target.autorestart === "true") return `${specOf(target)} can never complete: it has autorestart=true`
  if (target.exitcodes.length === 0) return `${specOf(target)} can never complete: no exit code is expected (exitcodes is empty)`
  return undefined
}

/** The dependency cycles among `processes` (edges: process → its targets), each as the path that closes it. */
const cycles = (
  processes: ReadonlyArray<ProcessConfig>,
  targetsOf: (p: ProcessConfig) => ReadonlyArray<ProcessConfig>
): ReadonlyArray<ReadonlyArray<ProcessConfig>> => {
  const found: Array<ReadonlyArray<ProcessConfig>> = []
  const done = new Set<string>()
  const path: Array<ProcessConfig> = []
  const onPath = new Set<string>()
  const visit = (p: ProcessConfig): void => {
    path.push(p)
    onPath.add(keyOf(p))
    for (const t of targetsOf(p)) {
      if (onPath.has(keyOf(t))) found.push([...path.slice(path.findIndex((q) => keyOf(q) === keyOf(t))), t])
      else if (!done.has(keyOf(t))) visit(t)
    }
    path.pop()
    onPath.delete(keyOf(p))
    done.add(keyOf(p))
  }
  for (const p of processes) if (!done.has(keyOf(p))) visit(p)
  return found
}

/** Every problem of the dependencies among `groups`: unknown targets, conditions that cannot be met, cycles. */
export const dependencyProblems = (groups: ReadonlyArray<GroupConfig>): ReadonlyArray<DependencyProblem> => {
  const processes = groups.flatMap((g) => g.processes)
  const programs = [...new Set(processes.filter((p) => p.section.startsWith("program:")).map((p) => p.section.slice("program:".length)))]
  const problems: Array<DependencyProblem> = []
  const targets = new Map<ProcessConfig, ReadonlyArray<ProcessConfig>>()
  for (const process of processes) {
    const all: Array<ProcessConfig> = []
    for (const dependency of process.dependsOn) {
      const found = dependencyTargets(dependency.target, groups)
      if (found.length === 0) {
        const hint = dependency.target.includes(":") ? undefined : suggest(dependency.target, programs)
        problems.push({
          process,
          message: `depends on ${dependency.target}, which names no program or process${hint === undefined ? "" : ` (did you mean '${hint}'?)`}`
        })
      }
      for (const target of found) {
        const why = impossible(dependency, target)
        if (why !== undefined) problems.push({ process, message: `depends on ${dependency.target}:completed, but ${why}` })
      }
      all.push(...found)
    }
    targets.set(process, all)
  }
  // One cycle per program is enough to point at (numprocs copies would repeat it).
  const cyclic = new Set<string>()
  for (const cycle of cycles(processes, (p) => targets.get(p) ?? [])) {
    if (cyclic.has(cycle[0]!.section)) continue
    cyclic.add(cycle[0]!.section)
    problems.push({ process: cycle[0]!, message: `dependency cycle: ${cycle.map(specOf).join(" -> ")}` })
  }
  return problems
}

/**
 * Record every dependency problem at the `depends_on` line of the program that has it, and warn
 * when `auto_shutdown` is set but no program is significant (`main` reads `[supervisord]`).
 */
export const checkSupervision = (
  ctx: Context,
  doc: IniDocument,
  groups: ReadonlyArray<GroupConfig>,
  supervisord: SupervisordConfig,
  main: Reader
): void => {
  for (const problem of dependencyProblems(groups)) {
    const section = doc.sections.get(problem.process.section)
    if (section !== undefined) reader(ctx, section).fail("depends_on", problem.message)
  }
  const significant = groups.some((g) => g.processes.some((p) => p.significant))
  if (supervisord.autoShutdown !== "never" && !significant) {
    const at = main.at("auto_shutdown")
    ctx.notices.push({
      level: "warn",
      message: `${at.file}:${at.line}: [supervisord] auto_shutdown=${supervisord.autoShutdown} has no effect: no program sets significant=true`
    })
  }
}
