/**
 * The dependency graph: edges between classes with their DEP_* type bits, and the strong-path
 * BFS of check_noncircular() (kernel/locking/lockdep.c __bfs / hlock_conflict).
 */
import { printedName, usageChars, waitChars } from './classes'
import {
  DEP_EN,
  DEP_ER,
  DEP_SN,
  DEP_SR,
  type CycleEdge,
  type Edge,
  type GraphEdge,
  type LockdepGraph,
  type LockdepState,
  type ReadMode,
} from './types'

/** calc_dep(): one DEP_* bit from prev's and next's read modes. */
export function calcDep(prevRead: ReadMode, nextRead: ReadMode): number {
  const bit = (prevRead === 0 ? 1 : 0) + (nextRead !== 2 ? 2 : 0)
  return 1 << bit
}

export function depNames(dep: number): string[] {
  const out: string[] = []
  if (dep & DEP_SR) out.push('SR')
  if (dep & DEP_ER) out.push('ER')
  if (dep & DEP_SN) out.push('SN')
  if (dep & DEP_EN) out.push('EN')
  return out
}

/** A BFS entry: the class reached, the edge taken into it, and whether every way in was *R. */
export interface PathEntry {
  readonly cls: string
  readonly edge: Edge | null
  readonly parent: PathEntry | null
  readonly onlyXr: boolean
}

/**
 * BFS forward from `root` (the lock being acquired, read mode `rootRead`) over strong paths,
 * looking for `target` (the held lock, read mode `targetRead`). Returns the matching entry
 * (follow .parent to the root) or null.
 *
 * As the kernel: a class is visited once (marked when dequeued, even if the edge into it is
 * then masked out); `-(*R)->` followed by `-(S*)->` is not followed; the root's only_xr is
 * (next is a recursive read); a match needs the held lock exclusive or the path's last edge *N.
 */
export function findStrongPath(
  after: LockdepState['after'],
  root: string,
  rootRead: ReadMode,
  target: string,
  targetRead: ReadMode,
): PathEntry | null {
  const visited = new Set<string>()
  const queue: PathEntry[] = [{ cls: root, edge: null, parent: null, onlyXr: rootRead === 2 }]
  for (let qi = 0; qi < queue.length; qi++) {
    let entry = queue[qi]!
    if (visited.has(entry.cls)) continue
    visited.add(entry.cls)
    if (entry.parent && entry.edge) {
      let dep = entry.edge.dep
      if (entry.parent.onlyXr) dep &= ~(DEP_SR | DEP_SN)
      if (!dep) continue
      entry = { ...entry, onlyXr: (dep & (DEP_SN | DEP_EN)) === 0 }
    }
    if (entry.cls === target && (targetRead === 0 || !entry.onlyXr)) return entry
    for (const e of after[entry.cls] ?? []) {
      queue.push({ cls: e.to, edge: e, parent: entry, onlyXr: false })
    }
  }
  return null
}

/** The path from the root to `entry`, root first. */
export function pathOf(entry: PathEntry): PathEntry[] {
  const out: PathEntry[] = []
  for (let e: PathEntry | null = entry; e; e = e.parent) out.unshift(e)
  return out
}

/** The serialisable graph for the app: nodes are classes, edges carry step, op and trace. */
export function exportGraph(s: LockdepState, cycle: readonly CycleEdge[]): LockdepGraph {
  const onCycle = new Set(cycle.filter((c) => !c.closing).map((c) => `${c.from}\u0000${c.to}`))
  const nodes = Object.values(s.classes)
    .filter((c) => c.check)
    .sort((a, b) => a.order - b.order)
    .map((c) => ({ id: c.id, name: printedName(c), usage: `{${usageChars(c)}}`, wait: waitChars(c), beyondLockdep: c.beyondLockdep }))
  const edges: GraphEdge[] = []
  for (const list of Object.values(s.after)) {
    for (const e of list) {
      edges.push({
        from: e.from,
        to: e.to,
        types: depNames(e.dep),
        step: e.step,
        op: e.op,
        task: e.task,
        cpu: e.cpu,
        trace: e.trace,
        inCycle: onCycle.has(`${e.from}\u0000${e.to}`),
      })
    }
  }
  edges.sort((a, b) => a.step - b.step)
  return { nodes, edges, cycle }
}

/** A cycle in the class graph that lockdep does not report, and why. */
export interface WeakCycle {
  /** class ids around the cycle, first repeated at the end */
  readonly classes: readonly string[]
  /** edge types along it, e.g. ['ER', 'SN'] */
  readonly types: readonly string[]
  readonly reason: string
}

/** Every edge's dep bit as (root read of `to`, read of `from`) for the strong-cycle test. */
function bitModes(bit: number): { toRead: ReadMode; fromRead: ReadMode } {
  // SR: from shared, to recursive; ER: from exclusive, to recursive; SN; EN
  const toRead: ReadMode = bit === DEP_SR || bit === DEP_ER ? 2 : 1
  const fromRead: ReadMode = bit === DEP_SR || bit === DEP_SN ? 1 : 0
  return { toRead, fromRead }
}

/** Plain reachability path from `from` to `to` (any edge types), as a list of edges. */
function anyPath(after: LockdepState['after'], from: string, to: string): Edge[] | null {
  const prev = new Map<string, Edge | null>([[from, null]])
  const queue = [from]
  for (let i = 0; i < queue.length; i++) {
    const cur = queue[i]!
    if (cur === to && i > 0) break
    for (const e of after[cur] ?? []) {
      if (prev.has(e.to)) continue
      prev.set(e.to, e)
      queue.push(e.to)
    }
  }
  if (!prev.has(to)) return null
  const path: Edge[] = []
  for (let e = prev.get(to); e; e = prev.get(e.from)) path.unshift(e)
  return path
}

/**
 * Cycles of the class graph that are not strong: lockdep stays silent on them because some
 * lock on the cycle is reached as a recursive reader and left while held shared, and recursive
 * readers never wait for each other.
 */
export function weakCycles(s: Pick<LockdepState, 'after' | 'classes'>): WeakCycle[] {
  const out: WeakCycle[] = []
  const seen = new Set<string>()
  for (const list of Object.values(s.after)) {
    for (const e of list) {
      const back = e.from === e.to ? [] : anyPath(s.after, e.to, e.from)
      if (!back) continue
      const strong = [DEP_SR, DEP_ER, DEP_SN, DEP_EN].some((bit) => {
        if (!(e.dep & bit)) return false
        const { toRead, fromRead } = bitModes(bit)
        return e.from === e.to ? fromRead === 0 || toRead !== 2 : findStrongPath(s.after, e.to, toRead, e.from, fromRead) !== null
      })
      if (strong) continue
      const edges = [e, ...back]
      const ids = edges.map((x) => x.from)
      const key = [...ids].sort().join('\u0000')
      if (seen.has(key)) continue
      seen.add(key)
      const name = (id: string): string => {
        const c = s.classes[id]
        return c ? printedName(c) : id
      }
      const junctions: string[] = []
      edges.forEach((x, i) => {
        const nx = edges[(i + 1) % edges.length]!
        if ((x.dep & (DEP_SR | DEP_ER)) && !(x.dep & (DEP_SN | DEP_EN)) && (nx.dep & (DEP_SR | DEP_SN))) junctions.push(name(x.to))
      })
      out.push({
        classes: [...ids.map(name), name(e.from)],
        types: edges.map((x) => depNames(x.dep).join('|')),
        reason:
          `not a strong cycle: ${junctions.length ? junctions.join(', ') : 'a lock on it'} is reached only as a recursive reader (-(*R)->) and left while held shared (-(S*)->); ` +
          'recursive readers never wait for each other, so no task can block there and the cycle cannot deadlock (lockdep-design.rst, "Recursive read locks")',
      })
    }
  }
  return out
}
