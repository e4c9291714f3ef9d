/** Extents → pixel rectangles, merging sub-pixel extents so the rect count stays ≤ the width. */
import { FILL_PRIORITY, type FillKind } from '../palette'
import type { PageScale } from './scale'

export interface Rect {
  readonly x: number
  readonly y: number
  readonly w: number
  readonly h: number
  readonly fill: FillKind
}

export interface FillExtent {
  readonly start: number
  readonly end: number
  readonly fill: FillKind
}

/** The narrowest a non-empty extent is drawn, so a single page in a 64 GiB file stays visible. */
export const MIN_RECT_WIDTH = 2

/**
 * Rectangles for sorted, disjoint extents in one row. Adjacent extents of the same fill merge;
 * extents sharing a pixel collapse into one rect of the highest-priority fill.
 */
export function extentRects(extents: readonly FillExtent[], scale: PageScale, y: number, h: number, clip?: readonly [number, number]): Rect[] {
  const out: { x: number; w: number; fill: FillKind }[] = []
  const [r0, r1] = clip ?? (scale.range() as [number, number])
  for (const e of extents) {
    if (e.end <= e.start || scale(e.end) < r0 || scale(e.start) > r1) continue
    let x0 = Math.max(r0, scale(e.start))
    let x1 = Math.min(r1, scale(e.end))
    if (x1 - x0 < MIN_RECT_WIDTH) {
      // Narrower than MIN_RECT_WIDTH: snap to a column of that width, so extents sharing it collapse.
      x0 = Math.max(r0, Math.min(r0 + Math.floor((x0 - r0) / MIN_RECT_WIDTH) * MIN_RECT_WIDTH, r1 - MIN_RECT_WIDTH))
      x1 = x0 + MIN_RECT_WIDTH
    }
    if (x1 <= x0) continue
    const last = out[out.length - 1]
    if (last && x0 <= last.x + last.w) {
      // Touching rects of one fill merge; only a widened (sub-pixel) rect overlaps the next.
      const lastEnd = last.x + last.w
      if (last.fill === e.fill) {
        last.w = Math.max(lastEnd, x1) - last.x
        continue
      }
      if (x1 <= lastEnd) {
        if (FILL_PRIORITY[e.fill] > FILL_PRIORITY[last.fill]) last.fill = e.fill
        continue
      }
      x0 = lastEnd
    }
    out.push({ x: x0, w: x1 - x0, fill: e.fill })
  }
  return out.map((r) => ({ x: r.x, y, w: r.w, h, fill: r.fill }))
}

/** Fills the gaps of sorted extents within [d0, d1) with `fill`. */
export function withHoles(extents: readonly FillExtent[], d0: number, d1: number, fill: FillKind): FillExtent[] {
  const out: FillExtent[] = []
  let at = d0
  for (const e of extents) {
    const s = Math.max(e.start, d0)
    const t = Math.min(e.end, d1)
    if (t <= s) continue
    if (s > at) out.push({ start: at, end: s, fill })
    out.push({ start: s, end: t, fill: e.fill })
    at = t
  }
  if (at < d1) out.push({ start: at, end: d1, fill })
  return out
}
