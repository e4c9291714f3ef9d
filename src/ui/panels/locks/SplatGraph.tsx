import { useMemo } from 'react'
import type { ParsedSplat } from '../../../engine/lockdep/splat/types'
import { layoutLockGraph } from './graphLayout'
import { splatToGraph } from './splatGraph'

/** An imported splat's classes and dependencies, laid out like the run's lock graph. */
export function SplatGraph({ splat, index }: { splat: ParsedSplat; index: number }) {
  const graph = useMemo(() => splatToGraph(splat), [splat])
  const layout = useMemo(() => layoutLockGraph(graph, 0), [graph])
  if (!layout.nodes.length) return <p className="none">This report names no lock classes.</p>
  const marker = `splat-arrow-${index}`
  return (
    <figure className="lock-graph splat-graph">
      <svg
        width={layout.width}
        height={layout.height}
        viewBox={`0 0 ${layout.width} ${layout.height}`}
        role="img"
        aria-label={`Imported ${splat.type} report: ${layout.nodes.length} classes, ${layout.edges.length} dependencies${graph.cycle.length ? ', cycle' : ''}`}
      >
        <defs>
          <marker id={marker} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M0,0 L10,5 L0,10 z" fill="currentColor" />
          </marker>
        </defs>
        {layout.edges.map((e) => (
          <g key={e.key} className={`dep${e.inCycle ? ' cycle' : ''}${e.closing ? ' closing' : ''}`}>
            <path d={e.path} markerEnd={`url(#${marker})`}>
              <title>{e.closing ? `${e.from} → ${e.to}: the new dependency that closes the cycle` : `${e.from} → ${e.to}${e.op ? ` (${e.op})` : ''}`}</title>
            </path>
          </g>
        ))}
        {layout.nodes.map((n) => (
          <g key={n.id} className="lock-node cycle" transform={`translate(${n.x - n.w / 2},${n.y - n.h / 2})`}>
            <rect width={n.w} height={n.h} rx={4} />
            <text x={8} y={17}>
              {n.label}
            </text>
          </g>
        ))}
      </svg>
      <figcaption>Arrows point from the held lock to the lock taken under it; the dashed one is the dependency the report refused.</figcaption>
    </figure>
  )
}
