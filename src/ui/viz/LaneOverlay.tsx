import type { Selection } from '../../store'
import type { CanvasTick } from './canvas/drawRects'
import type { Lane } from './layout/lanes'
import type { MemoryLayout } from './layout/memory'

/**
 * Titles, axes, row frames, region bands and "changed" outlines of one lane (SVG over the canvas).
 * Every element is keyed by identity or index, never by position, so a zoom frame only updates
 * attributes; the axis ticks, whose labels change on every zoom frame, are drawn on the canvas
 * (laneTicks).
 */
export function LaneOverlay({ lane }: { lane: Lane }) {
  return (
    <g className={`lane lane-${lane.kind}`} data-lane={lane.id}>
      <text className="lane-title" x={4} y={lane.y + 13}>
        {lane.title}
        {lane.status && <tspan className="lane-status"> — {lane.status}</tspan>}
      </text>
      <line className="axis" x1={lane.x0} x2={lane.x1} y1={lane.axisY} y2={lane.axisY} />
      {lane.rows.map((r) => (
        <g key={r.label}>
          <text className="row-label" x={lane.x0 - 6} y={r.y + r.h / 2 + 4} textAnchor="end">
            {r.label}
          </text>
          <rect className="row-frame" x={lane.x0} y={r.y} width={lane.x1 - lane.x0} height={r.h} />
        </g>
      ))}
      {lane.bands.map((b) => (
        <g key={b.id} className="band">
          <title>{b.title}</title>
          <rect x={b.x} y={b.y} width={b.w} height={b.h} />
          {b.w > 60 && (
            <text x={b.x + 4} y={b.y + b.h - 3}>
              {b.label}
            </text>
          )}
        </g>
      ))}
      {lane.breaks.map((b, i) => (
        <g key={i} className="break" transform={`translate(${b.x},${lane.rows[0]!.y})`}>
          <title>{b.label} left out</title>
          <path d={`M0,0 L0,${lane.rows[lane.rows.length - 1]!.y + lane.rows[lane.rows.length - 1]!.h - lane.rows[0]!.y}`} />
          <text y={-4} textAnchor="middle">
            ≈
          </text>
        </g>
      ))}
      {lane.changed.map((c, i) => (
        <rect key={i} className="changed" x={c.x} y={c.y - 1} width={c.w} height={c.h + 2}>
          <title>changed by this step</title>
        </rect>
      ))}
    </g>
  )
}

/** The axis ticks of lanes, for the canvas (GPA lanes label above their axis, file lanes below). */
export function laneTicks(lanes: readonly Lane[]): CanvasTick[] {
  const out: CanvasTick[] = []
  for (const lane of lanes) {
    const above = lane.kind === 'gpa'
    for (const t of lane.ticks) out.push({ x: t.x, axisY: lane.axisY, above, label: t.label, align: t.x > lane.x1 - 30 ? 'right' : t.x < lane.x0 + 30 ? 'left' : 'center' })
  }
  return out
}

/** The double outline around the selected page or gfn. */
export function SelectionBox({ layout, selection }: { layout: MemoryLayout; selection: Selection | null }) {
  if (!selection || (selection.kind !== 'folio' && selection.kind !== 'gfn')) return null
  const lane = selection.kind === 'folio' ? layout.fileLanes.find((l) => l.id === selection.inode) : layout.gpaLanes.find((l) => l.id === selection.vm)
  if (!lane) return null
  const page = selection.kind === 'folio' ? selection.page : selection.gfn
  const row = selection.kind === 'folio' ? lane.rows[0]! : lane.rows[lane.rows.length - 1]!
  const a = lane.scale(page)
  const w = Math.max(4, lane.scale(page + 1) - a)
  if (a + w < lane.x0 || a > lane.x1) return null
  return <rect className="selected" x={a} y={row.y - 2} width={w} height={row.h + 4} pointerEvents="none" />
}
