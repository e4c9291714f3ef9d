/**
 * A sweep over several sorted, disjoint extent lists at once: the pieces between every boundary
 * of any list, each with the value every list has there. Costs O(extents), never O(pages).
 */

export interface Span<V> {
  readonly start: number
  readonly end: number
  readonly value: V
}

/** The pieces of [lo, hi) cut at every boundary of `layers`; `at[i]` is layer i's value or null. */
export function sweep<V>(layers: readonly (readonly Span<V>[])[], lo: number, hi: number): { start: number; end: number; at: (V | null)[] }[] {
  const cuts = new Set<number>([lo, hi])
  for (const layer of layers) {
    for (const e of layer) {
      if (e.start > lo && e.start < hi) cuts.add(e.start)
      if (e.end > lo && e.end < hi) cuts.add(e.end)
    }
  }
  const points = [...cuts].sort((a, b) => a - b)
  const idx = layers.map(() => 0)
  const out: { start: number; end: number; at: (V | null)[] }[] = []
  for (let i = 0; i + 1 < points.length; i++) {
    const s = points[i]!
    const e = points[i + 1]!
    const at = layers.map((layer, li) => {
      let j = idx[li]!
      while (j < layer.length && layer[j]!.end <= s) j++
      idx[li] = j
      const x = layer[j]
      return x && x.start <= s ? x.value : null
    })
    out.push({ start: s, end: e, at })
  }
  return out
}

/** Sorts spans and merges overlapping ones whose values are equal by `key` (overlaps of different keys: first wins). */
export function normalizeSpans<V>(spans: readonly Span<V>[], key: (v: V) => string): Span<V>[] {
  const sorted = [...spans].filter((s) => s.end > s.start).sort((a, b) => a.start - b.start)
  const out: { start: number; end: number; value: V }[] = []
  for (const s of sorted) {
    const last = out[out.length - 1]
    if (last && s.start < last.end) {
      if (key(last.value) === key(s.value)) last.end = Math.max(last.end, s.end)
      else if (s.end > last.end) out.push({ start: last.end, end: s.end, value: s.value })
      continue
    }
    if (last && s.start === last.end && key(last.value) === key(s.value)) last.end = s.end
    else out.push({ start: s.start, end: s.end, value: s.value })
  }
  return out
}
