import { useLayoutEffect, useMemo, useRef, useState, type RefObject } from 'react'
import { selectConstants, selectCurrentState, useAppStore } from '../../store'
import { RectCanvas } from './canvas/RectCanvas'
import type { Lane } from './layout/lanes'
import { layoutMemory } from './layout/memory'

const DEFAULT_WIDTH = 720

/** Tracks an element's content width (ResizeObserver when the browser has it). */
function useWidth(): [RefObject<HTMLDivElement | null>, number] {
  const ref = useRef<HTMLDivElement>(null)
  const [width, setWidth] = useState(DEFAULT_WIDTH)
  useLayoutEffect(() => {
    const el = ref.current
    if (!el) return
    const measure = () => {
      const w = Math.floor(el.clientWidth)
      if (w > 0) setWidth(w)
    }
    measure()
    if (typeof ResizeObserver === 'undefined') return
    const ro = new ResizeObserver(measure)
    ro.observe(el)
    return () => ro.disconnect()
  }, [])
  return [ref, width]
}

function LaneOverlay({ lane }: { lane: Lane }) {
  return (
    <g className={`lane lane-${lane.kind}`} data-lane={lane.id}>
      <text className="lane-title" x={4} y={lane.y + 13}>
        {lane.title}
        {lane.status && <tspan className="lane-status"> — {lane.status}</tspan>}
      </text>
      <line className="axis" x1={lane.x0} x2={lane.x1} y1={lane.axisY} y2={lane.axisY} />
      {lane.ticks.map((t) => (
        <g key={t.x} className="tick" transform={`translate(${t.x},${lane.axisY})`}>
          <line y1={lane.kind === 'gpa' ? -4 : 0} y2={lane.kind === 'gpa' ? 0 : 4} />
          <text y={lane.kind === 'gpa' ? -6 : 14} textAnchor={t.x > lane.x1 - 30 ? 'end' : 'middle'}>
            <title>{t.title}</title>
            {t.label}
          </text>
        </g>
      ))}
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
          {b.w > 40 && (
            <text x={b.x + 4} y={b.y + b.h - 3}>
              {b.label}
            </text>
          )}
        </g>
      ))}
    </g>
  )
}

/** GPA lanes, file lanes and binding ribbons for the state at the cursor. */
export function MemoryView() {
  const state = useAppStore(selectCurrentState)
  const constants = useAppStore(selectConstants)
  const [ref, width] = useWidth()
  const layout = useMemo(() => (state ? layoutMemory(state, constants, width) : null), [state, constants, width])
  const rects = useMemo(() => (layout ? [...layout.gpaLanes, ...layout.fileLanes].flatMap((l) => l.rects) : []), [layout])
  const empty = !layout || (layout.gpaLanes.length === 0 && layout.fileLanes.length === 0)
  return (
    <section className="memory-view" aria-label="Memory view" ref={ref}>
      {empty ? (
        <p className="empty">No VM or guest_memfd yet: step forward to create them.</p>
      ) : (
        <div className="memory-canvas" style={{ height: layout.height }}>
          <RectCanvas rects={rects} width={layout.width} height={layout.height} />
          <svg
            className="memory-overlay"
            width={layout.width}
            height={layout.height}
            role="img"
            aria-label={`${layout.gpaLanes.length} VM address spaces, ${layout.fileLanes.length} guest_memfd files, ${layout.ribbons.length} bindings`}
          >
            {layout.ribbons.map((r) => (
              <path key={r.id} className={r.stale ? 'ribbon stale' : 'ribbon'} d={r.path}>
                <title>{r.label}</title>
              </path>
            ))}
            {[...layout.gpaLanes, ...layout.fileLanes].map((l) => (
              <LaneOverlay key={`${l.kind}:${l.id}`} lane={l} />
            ))}
          </svg>
        </div>
      )}
    </section>
  )
}
