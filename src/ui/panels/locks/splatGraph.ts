/**
 * A parsed lockdep splat as a dependency graph, in the shape the run's own lock graph uses, so
 * an imported report is drawn the same way. Circular: each class of the path was taken while the
 * one before it was held (#0 → #1 → … → #N), and the new dependency #N → #0 closes the cycle.
 * Recursive: one class taken again under itself. Other reports: the classes they name, in order.
 */
import type { LockdepGraph } from '../../../engine/lockdep'
import type { ParsedSplat } from '../../../engine/lockdep/splat/types'

/** The usage bits the report printed for a class, if any. */
function usageOf(splat: ParsedSplat, cls: string): string {
  const fromChain = splat.chain.find((c) => c.class === cls)?.usage
  const fromLock = [splat.acquiring, splat.alreadyHolding].find((l) => l?.class === cls)?.usage
  const bits = fromChain ?? fromLock ?? ''
  return bits ? `{${bits.replace(/[{}]/g, '')}}` : ''
}

export function splatToGraph(splat: ParsedSplat): LockdepGraph {
  const classes = [...new Set(splat.classes)]
  const nodes = classes.map((cls) => ({ id: cls, name: cls, usage: usageOf(splat, cls), wait: '', beyondLockdep: false }))
  const edge = (from: string, to: string, frames: readonly string[]) => ({
    from,
    to,
    types: [] as string[],
    step: 0,
    op: frames[0] ?? '',
    task: splat.task ? `${splat.task.comm}/${splat.task.pid}` : '',
    cpu: splat.cpu ?? 0,
    trace: [...frames],
    inCycle: splat.type === 'circular' || splat.type === 'recursive',
  })
  if (splat.type === 'recursive' && classes[0]) {
    return { nodes, edges: [], cycle: [{ from: classes[0], to: classes[0], closing: true }] }
  }
  const edges = classes.slice(1).map((cls, i) => edge(classes[i]!, cls, splat.chain.find((c) => c.class === cls)?.frames ?? []))
  const cycle =
    splat.type === 'circular' && classes.length > 1
      ? [...edges.map((e) => ({ from: e.from, to: e.to, closing: false })), { from: classes[classes.length - 1]!, to: classes[0]!, closing: true }]
      : []
  return { nodes, edges, cycle }
}
