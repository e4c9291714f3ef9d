/** The GPA lane of one VM: regions (memslots or bindings), memory attributes and stage 2, by gfn. */
import type { AddressSpace } from '../../../engine/selectors'
import type { FillKind } from '../palette'
import { extentRects, withHoles, type FillExtent } from './rects'
import { METRICS, spanBoxes, type Band, type Lane, type LaneRow } from './lanes'
import { hex, hexTicks, pageToHexAddress, segmentScale, visiblePages, zoomScale } from './scale'

const MAPPING_FILL: Readonly<Record<string, FillKind>> = { private: 's2-private', shared: 's2-shared', hva: 's2-hva' }

export interface GpaLaneInput {
  readonly id: string
  readonly space: AddressSpace | null
  readonly domain: readonly [number, number]
  readonly segments: readonly (readonly [number, number])[]
  readonly y: number
  readonly width: number
  readonly zoom: { k: number; x: number }
  readonly changed: readonly { start: number; end: number }[]
}

export function layoutGpaLane({ id, space, domain, segments, y, width, zoom, changed }: GpaLaneInput): Lane {
  const { gutter, right, header, axis, row, rowGap } = METRICS
  const x0 = gutter
  const x1 = Math.max(gutter + 1, width - right)
  const scale = zoomScale(segmentScale(segments, x0, x1), zoom)
  const clip: [number, number] = [x0, x1]
  const [v0, v1] = visiblePages(scale, x0, x1, domain)
  const axisY = y + header + axis
  const rowY = (i: number) => axisY + rowGap + i * (row + rowGap)
  const family = space?.family ?? 'kvm'
  const labels = family === 'gunyah' ? ['bindings', 'stage-2 (mm)'] : ['memslots', 'attributes', 'stage-2']
  const rows: LaneRow[] = labels.map((label, i) => ({ label, y: rowY(i), h: row }))
  const regions = space?.regions ?? []
  const regionExtents: FillExtent[] = regions.map((r) => ({ start: r.start, end: r.end, fill: r.private ? 'slot-private' : 'slot' }))
  const s2Row = rows[rows.length - 1]!
  const rects = [...extentRects(regionExtents, scale, rows[0]!.y, row, clip)]
  if (space?.hasAttributes) {
    const attr = withHoles(
      space.privateAttr.filter((e) => e.end > v0 && e.start < v1).map((e) => ({ start: e.start, end: e.end, fill: 'attr-private' as const })),
      v0,
      v1,
      'attr-shared',
    )
    rects.push(...extentRects(attr, scale, rows[1]!.y, row, clip))
  }
  const s2 = (space?.mappings ?? []).filter((m) => m.end > v0 && m.start < v1).map((m) => ({ start: m.start, end: m.end, fill: MAPPING_FILL[m.kind]! }))
  rects.push(...extentRects(s2, scale, s2Row.y, row, clip))
  const bands: Band[] = regions.flatMap((r) => {
    const a = Math.max(x0, scale(r.start))
    const b = Math.min(x1, scale(r.end))
    if (b < x0 || a > x1) return []
    return [{ id: r.id, x: a, y: rows[0]!.y, w: Math.max(1, b - a), h: row, label: r.label, title: `${r.label} gfn ${hex(r.start)}–${hex(r.end)} flags ${r.flags}` }]
  })
  const ticks: { x: number; label: string; title: string }[] = []
  for (const [a, b] of segments) {
    const s0 = Math.max(a, v0)
    const s1 = Math.min(b, v1)
    if (s1 <= s0) continue
    const px = Math.max(0, scale(s1) - scale(s0))
    for (const t of hexTicks([s0, s1], Math.max(1, Math.floor(px / 110)))) {
      const x = scale(t)
      if (ticks.length && x - ticks[ticks.length - 1]!.x < 70) continue
      ticks.push({ x, label: pageToHexAddress(t), title: `gfn ${hex(t)}` })
    }
  }
  const breaks = segments.slice(1).flatMap(([a], i) => {
    const prevEnd = segments[i]![1]
    const x = (scale(prevEnd) + scale(a)) / 2
    return x > x0 && x < x1 ? [{ x, label: `hole of ${hex(a - prevEnd)} pages` }] : []
  })
  const bottom = rowY(rows.length)
  const kind = family === 'gunyah' ? 'Gunyah VM' : 'VM'
  return {
    kind: 'gpa',
    id,
    title: `${space?.label ?? id} · ${kind} guest physical addresses (gfn ${hex(domain[0])}–${hex(domain[1])})`,
    status: space ? space.status : 'not created yet',
    y,
    height: bottom - y,
    domain,
    x0,
    x1,
    rows,
    ticks,
    axisY,
    rects,
    bands,
    scale,
    changed: spanBoxes(changed, scale, x0, x1, s2Row.y, row),
    breaks,
  }
}
