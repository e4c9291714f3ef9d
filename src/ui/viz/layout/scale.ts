/** Page-index scales (gfns, file pages) and hex axis ticks. Pure: no DOM. */
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
