/** Shared shapes and metrics of the memory view's lanes. */
import type { Rect } from './rects'

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
}
