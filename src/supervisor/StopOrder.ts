/**
 * The order processes stop in when some depend on others: every process stops before what it
 * depends on; otherwise the given order (reverse priority) holds. The order is cut into waves:
 * a wave's processes are signalled together, and the next wave starts once all of them are
 * stopped. A wave ends where `sameWave` says so (the shutdown stops one group at a time) or where
 * the next process is a dependency of one in the wave.
 * Without dependencies the waves are exactly the runs of `sameWave` in the given order.
 * Invariant: pure; a cycle (only possible in a config that was not validated) cannot block the
 * order: its processes follow in the given order.
 * @since 0.1.0
 */

/** `ordered` cut into waves that respect `dependsOn` (the direct dependencies of each, among `ordered`). */
export const stopWaves = <A>(
  ordered: ReadonlyArray<A>,
  dependsOn: (a: A) => ReadonlyArray<A>,
  sameWave: (a: A, b: A) => boolean
): ReadonlyArray<ReadonlyArray<A>> => {
  const members = new Set(ordered)
  const dependencies = new Map(ordered.map((a) => [a, dependsOn(a).filter((d) => d !== a && members.has(d))]))
  // How many dependents of each process are still running: it may stop once that is 0.
  const dependents = new Map<A, number>(ordered.map((a) => [a, 0]))
  for (const deps of dependencies.values()) for (const d of new Set(deps)) dependents.set(d, dependents.get(d)! + 1)
  const remaining = [...ordered]
  const order: Array<A> = []
  while (remaining.length > 0) {
    const free = remaining.findIndex((a) => dependents.get(a) === 0)
    const [next] = remaining.splice(free < 0 ? 0 : free, 1)
    order.push(next!)
    for (const d of new Set(dependencies.get(next!))) dependents.set(d, dependents.get(d)! - 1)
  }
  const waves: Array<Array<A>> = []
  let needed = new Set<A>() // what the processes of the last wave depend on
  for (const a of order) {
    const wave = waves[waves.length - 1]
    if (wave !== undefined && sameWave(wave[wave.length - 1]!, a) && !needed.has(a)) {
      wave.push(a)
    } else {
      waves.push([a])
      needed = new Set()
    }
    for (const d of dependencies.get(a)!) needed.add(d)
  }
  return waves
}
