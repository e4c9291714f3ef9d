/**
 * Level of detail for the file lane: where one pixel covers many folios, it shows the most severe
 * state among them (poisoned > lent > shared > reclaimed > host-mapped > allocated), so a single
 * poisoned page never disappears when zoomed out.
 *
 * `buildLod` summarises a file's folio extents once per state: the extents as typed arrays, plus
 * a pyramid of per-bucket maxima over power-of-two page buckets (a segment tree). `lodColumns`
 * then answers "the most severe state in each of N columns of [p0, p1)" exactly, in
 * O(N · log pages) whatever the number of folios — no walk over pages or extents per frame.
 * Everything is typed arrays, so a summary built in a worker transfers without copying.
 */
import type { FolioState } from './folios'

/** Severity of each drawn state; 0 (absent) draws nothing. */
export const SEVERITY: Readonly<Record<FolioState, number>> = {
  absent: 0,
  allocated: 1,
  'host-mapped': 2,
  reclaimed: 3,
  shared: 4,
  lent: 5,
  poisoned: 6,
}

/** The state of each severity (index = severity). */
export const STATE_OF_SEVERITY: readonly FolioState[] = ['absent', 'allocated', 'host-mapped', 'reclaimed', 'shared', 'lent', 'poisoned']

export interface LodSummary {
  /** the page domain [0, pages) */
  readonly pages: number
  /** sorted, disjoint, non-absent extents; adjacent ones of one severity merged */
  readonly starts: Float64Array
  readonly ends: Float64Array
  readonly sev: Uint8Array
  /** level i holds the maximum severity of each bucket of 2^(shift0 + i) pages */
  readonly shift0: number
  readonly levels: readonly Uint8Array[]
}

/** Most buckets in the finest level (its bucket size grows with the file to stay under it). */
export const DEFAULT_MAX_BUCKETS = 1 << 20

/** Summarises sorted, disjoint extents (folioExtents output) over the page domain [0, pages). */
export function buildLod(
  extents: readonly { readonly start: number; readonly end: number; readonly state: FolioState }[],
  pages: number,
  maxBuckets = DEFAULT_MAX_BUCKETS,
): LodSummary {
  const starts: number[] = []
  const ends: number[] = []
  const sev: number[] = []
  for (const e of extents) {
    const s = SEVERITY[e.state]
    const a = Math.max(0, e.start)
    const b = Math.min(pages, e.end)
    if (!s || b <= a) continue
    const n = sev.length
    if (n && sev[n - 1] === s && ends[n - 1] === a) ends[n - 1] = b
    else {
      starts.push(a)
      ends.push(b)
      sev.push(s)
    }
  }
  return lodFromArrays(pages, Float64Array.from(starts), Float64Array.from(ends), Uint8Array.from(sev), maxBuckets)
}

/** Builds the pyramid over extents already in typed arrays. */
export function lodFromArrays(pages: number, starts: Float64Array, ends: Float64Array, sev: Uint8Array, maxBuckets = DEFAULT_MAX_BUCKETS): LodSummary {
  let shift0 = 0
  while (Math.ceil(pages / 2 ** shift0) > maxBuckets) shift0++
  const size0 = 2 ** shift0
  const base = new Uint8Array(Math.max(1, Math.ceil(pages / size0)))
  for (let i = 0; i < sev.length; i++) {
    const s = sev[i]!
    const last = Math.floor((ends[i]! - 1) / size0)
    for (let k = Math.floor(starts[i]! / size0); k <= last; k++) if (base[k]! < s) base[k] = s
  }
  const levels: Uint8Array[] = [base]
  for (let prev = base; prev.length > 1; ) {
    const next = new Uint8Array(Math.ceil(prev.length / 2))
    for (let k = 0; k < next.length; k++) {
      const a = prev[2 * k]!
      const b = prev[2 * k + 1] ?? 0
      next[k] = a > b ? a : b
    }
    levels.push(next)
    prev = next
  }
  return { pages, starts, ends, sev, shift0, levels }
}

/** Index of the first extent ending after `page`. */
function firstEndingAfter(ends: Float64Array, page: number): number {
  let lo = 0
  let hi = ends.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (ends[mid]! <= page) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** Maximum severity over pages [a, b) read from the extents (for spans under one bucket). */
function extentMax(lod: LodSummary, a: number, b: number): number {
  let m = 0
  for (let i = firstEndingAfter(lod.ends, a); i < lod.starts.length && lod.starts[i]! < b; i++) if (lod.sev[i]! > m) m = lod.sev[i]!
  return m
}

/** Maximum severity over the pages [a, b), exact. */
export function lodMax(lod: LodSummary, a: number, b: number): number {
  a = Math.max(0, Math.floor(a))
  b = Math.min(lod.pages, Math.ceil(b))
  if (b <= a) return 0
  const size0 = 2 ** lod.shift0
  let l = Math.ceil(a / size0)
  let r = Math.floor(b / size0)
  if (l >= r) return extentMax(lod, a, b)
  // the partial buckets at either edge, from the extents
  let m = Math.max(extentMax(lod, a, l * size0), extentMax(lod, r * size0, b))
  // whole buckets [l, r): a bottom-up segment-tree query
  for (let lv = 0; l < r && lv < lod.levels.length; lv++) {
    const level = lod.levels[lv]!
    if (l & 1) m = Math.max(m, level[l++]!)
    if (r & 1) m = Math.max(m, level[--r]!)
    l >>= 1
    r >>= 1
  }
  return m
}

/**
 * The most severe state in each of `columns` equal columns of the pages [p0, p1) (fractional
 * bounds allowed): column c covers every page that overlaps [p0 + c·w, p0 + (c+1)·w).
 */
export function lodColumns(lod: LodSummary, p0: number, p1: number, columns: number, out = new Uint8Array(columns)): Uint8Array {
  const w = (p1 - p0) / columns
  for (let c = 0; c < columns; c++) {
    const a = p0 + c * w
    out[c] = lodMax(lod, Math.floor(a), Math.max(Math.floor(a) + 1, Math.ceil(a + w)))
  }
  return out
}

/** Runs of equal non-zero severity in a column array: [first column, end column, severity]. */
export function columnRuns(cols: Uint8Array): [number, number, number][] {
  const out: [number, number, number][] = []
  for (let c = 0; c < cols.length; ) {
    const s = cols[c]!
    let d = c + 1
    while (d < cols.length && cols[d] === s) d++
    if (s) out.push([c, d, s])
    c = d
  }
  return out
}
