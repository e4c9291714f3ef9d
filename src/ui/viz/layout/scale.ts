/** Page-index scales (gfns, file pages), zoom, and hex axis ticks. Pure: no DOM. */
import { scaleLinear, type ScaleLinear } from 'd3'

export const PAGE_SHIFT = 12

export type PageScale = ScaleLinear<number, number>

/** Maps page indices [d0, d1] to pixels [x0, x1]. */
export function pageScale(domain: readonly [number, number], range: readonly [number, number]): PageScale {
  const [d0, d1] = domain
  return scaleLinear()
    .domain([d0, d1 > d0 ? d1 : d0 + 1])
    .range([range[0], range[1]])
}

/** Pixels left for a hole between two segments of a compacted lane. */
export const BREAK_PX = 22

/**
 * A piecewise scale over segments of a sparse domain: each segment gets width in proportion to
 * its pages (at least 24 px), and each hole between segments a fixed BREAK_PX.
 */
export function segmentScale(segments: readonly (readonly [number, number])[], x0: number, x1: number): PageScale {
  if (segments.length <= 1) return pageScale(segments[0] ?? [0, 1], [x0, x1])
  const total = segments.reduce((n, [a, b]) => n + (b - a), 0)
  const avail = Math.max(1, x1 - x0 - BREAK_PX * (segments.length - 1))
  const widths = segments.map(([a, b]) => Math.max(24, ((b - a) / total) * avail))
  const k = avail / widths.reduce((n, w) => n + w, 0)
  const domain: number[] = []
  const range: number[] = []
  let x = x0
  segments.forEach(([a, b], i) => {
    if (i) x += BREAK_PX
    domain.push(a, b)
    range.push(x, x + widths[i]! * k)
    x += widths[i]! * k
  })
  return scaleLinear().domain(domain).range(range)
}

/** The same scale under a horizontal zoom (pixel' = k * pixel + x). */
export function zoomScale(base: PageScale, zoom: { k: number; x: number }): PageScale {
  return base.copy().range(base.range().map((r) => r * zoom.k + zoom.x))
}

/** The lane's scale under a horizontal zoom (pixel' = k * pixel + x), as d3.zoom's rescaleX. */
export function zoomedScale(domain: readonly [number, number], x0: number, x1: number, zoom: { k: number; x: number }): PageScale {
  return pageScale(domain, [x0 * zoom.k + zoom.x, x1 * zoom.k + zoom.x])
}

/** The page range visible between x0 and x1 (for querying extents only where they are seen). */
export function visiblePages(scale: PageScale, x0: number, x1: number, domain: readonly [number, number]): [number, number] {
  const a = Math.max(domain[0], Math.floor(scale.invert(x0)))
  const b = Math.min(domain[1], Math.ceil(scale.invert(x1)))
  return [a, Math.max(a, b)]
}

export function hex(n: number): string {
  return `0x${Math.max(0, Math.trunc(n)).toString(16)}`
}

/** The byte address of a page index, in hex (gfn → GPA, file page → file offset). */
export function pageToHexAddress(page: number): string {
  return `0x${(BigInt(Math.trunc(page)) << BigInt(PAGE_SHIFT)).toString(16)}`
}

/**
 * Tick positions for a page domain: multiples of a power of two, so hex labels stay round.
 * Returns about `count` ticks, always including none outside the domain.
 */
export function hexTicks(domain: readonly [number, number], count = 4): number[] {
  const [d0, d1] = domain
  const span = d1 - d0
  if (!(span > 0) || count < 1) return [d0]
  let step = 1
  while (step * count < span) step *= 2
  const first = Math.ceil(d0 / step) * step
  const out: number[] = []
  for (let t = first; t <= d1 && out.length <= count * 2; t += step) out.push(t)
  return out
}
