import { useEffect, useLayoutEffect, useMemo, useRef, useState, type RefObject } from 'react'
import { select, zoom as d3zoom, zoomIdentity, type ZoomBehavior } from 'd3'
import { bindingViews } from '../../engine/selectors'
import { selectChanges, selectConstants, selectCurrentState, selectFrame, selectPreviousState, useAppStore, useAppStoreApi, type Selection } from '../../store'
import { RectCanvas } from './canvas/RectCanvas'
import { LaneOverlay, laneTicks, SelectionBox } from './LaneOverlay'
import { layoutMemory, type MemoryLayout } from './layout/memory'
import { METRICS } from './layout/lanes'
import { clampZoom, MAX_ZOOM } from './zoomMath'

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

/** What is under the pointer: a file page or a gfn. */
export function hitTest(layout: MemoryLayout, px: number, py: number): Selection | null {
  for (const lane of layout.fileLanes) {
    const r = lane.rows[0]!
    if (py >= r.y && py <= r.y + r.h && px >= lane.x0 && px <= lane.x1) return { kind: 'folio', inode: lane.id, page: Math.floor(lane.scale.invert(px)) }
  }
  for (const lane of layout.gpaLanes) {
    if (py >= lane.rows[0]!.y && py <= lane.y + lane.height && px >= lane.x0 && px <= lane.x1) return { kind: 'gfn', vm: lane.id, gfn: Math.floor(lane.scale.invert(px)) }
  }
  return null
}

/** d3.zoom on the overlay, horizontal only, kept in step with the store's zoom. */
function useD3Zoom(svg: RefObject<SVGSVGElement | null>, layout: MemoryLayout | null) {
  const store = useAppStoreApi()
  const zoom = useAppStore((s) => s.zoom)
  const behavior = useRef<ZoomBehavior<SVGSVGElement, unknown> | null>(null)
  const x0 = METRICS.gutter
  const x1 = layout ? Math.max(x0 + 1, layout.width - METRICS.right) : x0 + 1
  const height = layout?.height ?? 0
  useEffect(() => {
    const el = svg.current
    if (!el) return
    const b = d3zoom<SVGSVGElement, unknown>()
      .scaleExtent([1, MAX_ZOOM])
      .extent([
        [x0, 0],
        [x1, Math.max(1, height)],
      ])
      .translateExtent([
        [x0, -Infinity],
        [x1, Infinity],
      ])
      .filter((e: Event) => (e.type === 'wheel' ? (e as WheelEvent).ctrlKey || (e as WheelEvent).shiftKey : !(e as MouseEvent).button))
      .on('zoom', (e: { transform: { k: number; x: number } }) => {
        const next = clampZoom({ k: e.transform.k, x: e.transform.x }, x0, x1)
        const cur = store.getState().zoom
        if (Math.abs(cur.k - next.k) > 1e-9 || Math.abs(cur.x - next.x) > 1e-6) store.getState().setView({ zoom: next })
      })
    behavior.current = b
    select(el).call(b).on('dblclick.zoom', null)
    return () => {
      select(el).on('.zoom', null)
    }
  }, [svg, store, x0, x1, height])
  useEffect(() => {
    const el = svg.current
    if (!el || !behavior.current) return
    behavior.current.transform(select(el), zoomIdentity.translate(zoom.x, 0).scale(zoom.k))
  }, [svg, zoom, layout])
}

/** GPA lanes, file lanes and binding ribbons for the state at the cursor. */
export function MemoryView() {
  const store = useAppStoreApi()
  const state = useAppStore(selectCurrentState)
  const prev = useAppStore(selectPreviousState)
  const constants = useAppStore(selectConstants)
  const frame = useAppStore(selectFrame)
  const zoom = useAppStore((s) => s.zoom)
  const selection = useAppStore((s) => s.selection)
  const [ref, width] = useWidth()
  const svg = useRef<SVGSVGElement>(null)
  // memoised per state in the store's derived selectors: compares only what the step replaced
  const changes = useAppStore(selectChanges)
  const layout = useMemo(() => (state && frame ? layoutMemory(state, constants, width, frame, zoom, changes) : null), [state, constants, width, frame, zoom, changes])
  const newRibbons = useMemo(() => {
    if (!state || !prev) return new Set<string>()
    const before = new Set(bindingViews(prev, constants).map((b) => b.label))
    return new Set(bindingViews(state, constants).filter((b) => !before.has(b.label)).map((b) => b.id))
  }, [state, prev, constants])
  const rects = useMemo(() => (layout ? [...layout.gpaLanes, ...layout.fileLanes].flatMap((l) => l.rects) : []), [layout])
  const ticks = useMemo(() => (layout ? laneTicks([...layout.gpaLanes, ...layout.fileLanes]) : []), [layout])
  useD3Zoom(svg, layout)
  const empty = !layout || (layout.gpaLanes.length === 0 && layout.fileLanes.length === 0)
  const pointer = (e: React.MouseEvent<SVGSVGElement>): Selection | null => {
    if (!layout) return null
    const box = e.currentTarget.getBoundingClientRect()
    return hitTest(layout, e.clientX - box.left, e.clientY - box.top)
  }
  return (
    <section className="memory-view" aria-label="Memory view" ref={ref}>
      {empty ? (
        <p className="empty">No VM or guest memory file yet: step forward to create them.</p>
      ) : (
        // contain: strict — what changes on a zoom frame (canvas, overlay attributes) is laid out
        // and painted within this box, never the page around it
        <div className="memory-canvas" style={{ height: layout.height, contain: 'strict' }}>
          <RectCanvas rects={rects} ticks={ticks} width={layout.width} height={layout.height} />
          <svg
            ref={svg}
            className="memory-overlay"
            width={layout.width}
            height={layout.height}
            role="img"
            // no zoom in the label: an attribute that changes on every zoom frame (the zoom buttons show it)
            aria-label={`${layout.gpaLanes.length} VM address spaces, ${layout.fileLanes.length} guest memory files, ${layout.ribbons.length} bindings.`}
            onMouseMove={(e) => store.getState().hover(pointer(e))}
            onMouseLeave={() => store.getState().hover(null)}
            onClick={(e) => {
              const hit = pointer(e)
              if (hit) store.getState().select(hit)
            }}
          >
            {layout.ribbons.map((r) => (
              <g key={r.id} className={`ribbon-group ${r.access}`}>
                <path
                  className={`ribbon ${r.access}${r.stale ? ' stale' : ''}${newRibbons.has(r.id) ? ' changed' : ''}${selection?.kind === 'binding' && selection.id === r.id ? ' selected' : ''}`}
                  d={r.path}
                  onMouseEnter={() => store.getState().hover({ kind: 'binding', id: r.id })}
                  onClick={(e) => {
                    e.stopPropagation()
                    store.getState().select({ kind: 'binding', id: r.id })
                  }}
                >
                  <title>{r.label}</title>
                </path>
                <text className="ribbon-tag" x={r.tagX} y={r.tagY + 4} textAnchor="middle">
                  {r.tag}
                </text>
              </g>
            ))}
            {[...layout.gpaLanes, ...layout.fileLanes].map((l) => (
              <LaneOverlay key={`${l.kind}:${l.id}`} lane={l} />
            ))}
            <SelectionBox layout={layout} selection={selection} />
          </svg>
        </div>
      )}
    </section>
  )
}
