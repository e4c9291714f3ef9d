/** Shared shapes and metrics of the memory view's lanes. */
import type { Rect } from './rects'
import type { PageScale } from './scale'

export const METRICS = {
  /** left gutter for lane and row labels */
  gutter: 128,
  right: 16,
  header: 18,
  axis: 16,
  row: 14,
  rowGap: 3,
  folioRow: 26,
  laneGap: 14,
  /** vertical room for binding ribbons between the GPA lanes and the file lanes */
  ribbonGap: 44,
} as const

export interface Tick {
  readonly x: number
  /** hex byte address (GPA or file offset) */
  readonly label: string
  /** the page index, for a tooltip */
  readonly title: string
}

export interface LaneRow {
  readonly label: string
  readonly y: number
  readonly h: number
}

/** A labelled band over one row (a memslot). */
export interface Band {
  readonly id: string
  readonly x: number
  readonly y: number
  readonly w: number
  readonly h: number
  readonly label: string
  readonly title: string
}

export interface Lane {
  readonly kind: 'gpa' | 'file'
  /** the VM id (gpa) or the inode id (file) */
  readonly id: string
  readonly title: string
  /** "destroyed", "evicted", ... or '' */
  readonly status: string
  readonly y: number
  readonly height: number
  /** the page domain drawn between x0 and x1 */
  readonly domain: readonly [number, number]
  readonly x0: number
  readonly x1: number
  readonly rows: readonly LaneRow[]
  readonly ticks: readonly Tick[]
  /** y of the axis line */
  readonly axisY: number
  readonly rects: readonly Rect[]
  readonly bands: readonly Band[]
  /** the zoomed page → pixel scale of this lane */
  readonly scale: PageScale
  /** outlines of what the current step changed */
  readonly changed: readonly { x: number; y: number; w: number; h: number }[]
  /** where a large hole of the domain is left out (compacted GPA lanes) */
  readonly breaks: readonly { x: number; label: string }[]
}

/** Outline boxes for page spans on one row, clipped to [x0, x1]; sub-pixel spans stay 3 px wide. */
export function spanBoxes(spans: readonly { start: number; end: number }[], scale: PageScale, x0: number, x1: number, y: number, h: number) {
  const out: { x: number; y: number; w: number; h: number }[] = []
  for (const s of spans) {
    const a = Math.max(x0, scale(s.start))
    const b = Math.min(x1, scale(s.end))
    if (b < x0 || a > x1) continue
    const w = Math.max(3, b - a)
    out.push({ x: Math.min(a, x1 - w), y, w, h })
  }
  return out
}
