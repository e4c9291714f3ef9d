import { scaleLinear } from 'd3'
import { selectLifetimes, selectStepCount, useAppStore, useAppStoreApi } from '../../store'

const ROW = 16
const LABEL = 150

/** Lifetime lanes: when each VM, file, inode and memslot exists, with its reference count, and the cursor. */
export function Lifetimes({ width = 640 }: { width?: number }) {
  const store = useAppStoreApi()
  const rows = useAppStore(selectLifetimes)
  const count = useAppStore(selectStepCount)
  const cursor = useAppStore((s) => s.cursor)
  if (!rows || !rows.length) return null
  const x = scaleLinear().domain([0, count + 1]).range([LABEL, width - 8])
  const height = rows.length * ROW + 18
  return (
    <figure className="lifetimes">
      <figcaption>Lifetimes (objects × steps; the number is the reference count)</figcaption>
      <svg width={width} height={height} role="img" aria-label={`Lifetimes of ${rows.length} objects`} onClick={(e) => {
        const box = e.currentTarget.getBoundingClientRect()
        const step = Math.floor(x.invert(e.clientX - box.left))
        if (step >= 0) store.getState().jumpTo(step)
      }}>
        {rows.map((r, i) => (
          <g key={r.id} transform={`translate(0,${i * ROW})`} className={`life life-${r.kind}`}>
            <text x={4} y={12}>
              {r.kind} {r.label}
            </text>
            {r.spans.map((sp) => (
              <g key={sp.from} className={sp.dead ? 'dead' : 'alive'}>
                <rect x={x(sp.from)} y={3} width={Math.max(2, x(sp.to + 1) - x(sp.from) - 1)} height={ROW - 6}>
                  <title>
                    {r.label}: steps {sp.from}–{sp.to} {sp.dead ? '(gone)' : ''} {sp.refs !== null ? `${r.refName} ${sp.refs}` : ''}
                  </title>
                </rect>
                {sp.refs !== null && x(sp.to + 1) - x(sp.from) > 14 && (
                  <text x={x(sp.from) + 3} y={12} className="refs">
                    {sp.refs}
                  </text>
                )}
              </g>
            ))}
          </g>
        ))}
        <line className="cursor" x1={x(cursor + 0.5)} x2={x(cursor + 0.5)} y1={0} y2={height - 14} />
        <text x={x(cursor + 0.5)} y={height - 3} textAnchor="middle" className="cursor-label">
          step {cursor}
        </text>
      </svg>
    </figure>
  )
}
