/** Lays out the lock dependency graph with dagre (once per run, so nothing moves between steps). */
import dagre from '@dagrejs/dagre'
import type { LockdepGraph } from '../../../engine/lockdep'

export interface PlacedNode {
  readonly id: string
  readonly name: string
  readonly label: string
  readonly x: number
  readonly y: number
  readonly w: number
  readonly h: number
}

export interface PlacedEdge {
  readonly key: string
  readonly from: string
  readonly to: string
  /** the step that created it (the closing edge: the report's step) */
  readonly step: number
  readonly op: string
  readonly types: readonly string[]
  readonly inCycle: boolean
  /** the new dependency lockdep refused: it closes the cycle */
  readonly closing: boolean
  readonly path: string
  readonly labelX: number
  readonly labelY: number
}

export interface GraphLayout {
  readonly width: number
  readonly height: number
  readonly nodes: readonly PlacedNode[]
  readonly edges: readonly PlacedEdge[]
}

const CHAR = 6.6

export function layoutLockGraph(graph: LockdepGraph, closingStep: number | null): GraphLayout {
  const g = new dagre.graphlib.Graph({ multigraph: true })
  g.setGraph({ rankdir: 'TB', nodesep: 24, ranksep: 46, marginx: 8, marginy: 8 })
  g.setDefaultEdgeLabel(() => ({}))
  for (const n of graph.nodes) g.setNode(n.id, { width: Math.max(60, (n.name.length + n.usage.length + 1) * CHAR + 16), height: 26 })
  const edges = [
    ...graph.edges.map((e) => ({ from: e.from, to: e.to, step: e.step, op: e.op, types: e.types, inCycle: e.inCycle, closing: false })),
    ...graph.cycle.filter((c) => c.closing).map((c) => ({ from: c.from, to: c.to, step: closingStep ?? 0, op: '', types: [] as string[], inCycle: true, closing: true })),
  ].filter((e) => g.hasNode(e.from) && g.hasNode(e.to))
  edges.forEach((e, i) => g.setEdge(e.from, e.to, { width: 40, height: 12 }, `e${i}`))
  dagre.layout(g)
  const nodes: PlacedNode[] = graph.nodes.map((n) => {
    const p = g.node(n.id) as { x: number; y: number; width: number; height: number }
    return { id: n.id, name: n.name, label: `${n.name} ${n.usage}`, x: p.x, y: p.y, w: p.width, h: p.height }
  })
  const placed: PlacedEdge[] = edges.map((e, i) => {
    const lab = g.edge({ v: e.from, w: e.to, name: `e${i}` }) as { points: { x: number; y: number }[]; x?: number; y?: number }
    const pts = lab.points ?? []
    const path = pts.map((p, j) => `${j ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ')
    const mid = pts[Math.floor(pts.length / 2)] ?? { x: 0, y: 0 }
    return { key: `e${i}`, ...e, path, labelX: lab.x ?? mid.x, labelY: lab.y ?? mid.y }
  })
  const gl = g.graph() as { width?: number; height?: number }
  return { width: Math.max(100, gl.width ?? 100), height: Math.max(40, gl.height ?? 40), nodes, edges: placed }
}
