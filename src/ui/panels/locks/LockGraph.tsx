import { useMemo } from 'react'
import type { RunAnalysis } from '../../../engine/lockdep'
import { useAppStore, useAppStoreApi } from '../../../store'
import { layoutLockGraph } from './graphLayout'

/** The class dependency graph: each edge appears at the step that created it; the cycle turns red when reported. */
export function LockGraph({ analysis }: { analysis: RunAnalysis }) {
  const store = useAppStoreApi()
  const cursor = useAppStore((s) => s.cursor)
  const selection = useAppStore((s) => s.selection)
  const report = analysis.reports.find((r) => r.type === 'circular') ?? null
  const layout = useMemo(() => layoutLockGraph(analysis.graph, report?.step ?? null), [analysis, report])
  const reported = report !== null && cursor >= report.step
  const selectedCls = selection?.kind === 'lock' ? selection.cls : null
  if (!layout.nodes.length) return <p className="none">No lock dependencies in this run.</p>
  const visible = layout.edges.filter((e) => e.step <= cursor)
  return (
    <figure className="lock-graph" tabIndex={0} aria-label="Lock dependency graph (scrolls)">
      <svg width={layout.width} height={layout.height} viewBox={`0 0 ${layout.width} ${layout.height}`} role="img" aria-label={`Lock dependency graph: ${layout.nodes.length} classes, ${visible.length} dependencies so far${reported ? ', cycle reported' : ''}`}>
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M0,0 L10,5 L0,10 z" fill="currentColor" />
          </marker>
        </defs>
        {visible.map((e) => (
          <g key={e.key} className={`dep${reported && e.inCycle ? ' cycle' : ''}${e.closing ? ' closing' : ''}${e.step === cursor ? ' new' : ''}`} data-step={e.step}>
            <path d={e.path} markerEnd="url(#arrow)">
              <title>
                {e.closing ? `closing dependency (refused by lockdep) at step ${e.step}` : `${e.from} → ${e.to}: step ${e.step} ${e.op} [${e.types.join(',')}]`}
              </title>
            </path>
            <text x={e.labelX} y={e.labelY - 3} textAnchor="middle">
              #{e.step}
            </text>
          </g>
        ))}
        {layout.nodes.map((n) => (
          <g
            key={n.id}
            className={`lock-node${selectedCls === n.id ? ' selected' : ''}${reported && report?.cycle.some((c) => c.from === n.id || c.to === n.id) ? ' cycle' : ''}`}
            transform={`translate(${n.x - n.w / 2},${n.y - n.h / 2})`}
            onClick={() => store.getState().select({ kind: 'lock', cls: n.id })}
          >
            <rect width={n.w} height={n.h} rx={4} />
            <text x={8} y={17}>
              {n.label}
            </text>
          </g>
        ))}
      </svg>
      <figcaption>
        {visible.length} of {layout.edges.length} dependencies exist at step {cursor}. Arrows point from the held lock to the lock taken under it; #n is the step that created it.
      </figcaption>
    </figure>
  )
}
