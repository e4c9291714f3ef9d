import { describe, it, expect } from 'vitest'
import {
  emptyRangeMap, rangeStore, rangeLoad, rangeQuery, rangeFind, rangeCount, rangeTotal, rangeUpdate, rangeHoles, shiftValue,
  type RangeMap,
} from '../../../src/engine/rangemap'

type V = { slot: string }
type P = { pfn: number; tag: string }
const LIN = ['pfn'] as const

/** Reference model: one entry per index. */
function expand<T extends Record<string, string | number | boolean | null>>(m: RangeMap<T>, lin: readonly (keyof T & string)[] = []): Map<number, T> {
  const out = new Map<number, T>()
  for (const e of m) for (let i = e.start; i < e.end; i++) out.set(i, shiftValue(e.value, i - e.start, lin))
  return out
}

function wellFormed<T extends Record<string, string | number | boolean | null>>(m: RangeMap<T>, lin: readonly (keyof T & string)[] = []): void {
  for (let i = 0; i < m.length; i++) {
    expect(m[i]!.end).toBeGreaterThan(m[i]!.start)
    if (i > 0) {
      const prev = m[i - 1]!
      expect(m[i]!.start).toBeGreaterThanOrEqual(prev.end)
      if (prev.end === m[i]!.start) {
        // canonical: adjacent continuing extents must have been merged
        expect(shiftValue(prev.value, prev.end - prev.start, lin)).not.toEqual(m[i]!.value)
      }
    }
  }
}

describe('rangemap', () => {
  it('empty map: loads, queries, counts, holes', () => {
    const m = emptyRangeMap<V>()
    expect(rangeLoad(m, 0)).toBeUndefined()
    expect(rangeQuery(m, 0, 100)).toEqual([])
    expect(rangeFind(m, 0, 100)).toBeUndefined()
    expect(rangeCount(m, 0, 100)).toBe(0)
    expect(rangeTotal(m)).toBe(0)
    expect(rangeHoles(m, 0, 100)).toEqual([{ start: 0, end: 100 }])
    expect(rangeHoles(m, 5, 5)).toEqual([])
  })

  it('store and load with half-open bounds', () => {
    const m = rangeStore(emptyRangeMap<V>(), 10, 20, { slot: 'a' })
    expect(m).toEqual([{ start: 10, end: 20, value: { slot: 'a' } }])
    expect(rangeLoad(m, 9)).toBeUndefined()
    expect(rangeLoad(m, 10)).toEqual({ slot: 'a' })
    expect(rangeLoad(m, 19)).toEqual({ slot: 'a' })
    expect(rangeLoad(m, 20)).toBeUndefined()
  })

  it('an empty or inverted range is a no-op', () => {
    const m = rangeStore(emptyRangeMap<V>(), 10, 20, { slot: 'a' })
    expect(rangeStore(m, 5, 5, { slot: 'b' })).toBe(m)
    expect(rangeStore(m, 15, 12, null)).toBe(m)
    expect(rangeQuery(m, 15, 12)).toEqual([])
    expect(rangeFind(m, 15, 15)).toBeUndefined()
  })

  it('store does not mutate its input', () => {
    const m = rangeStore(emptyRangeMap<V>(), 10, 20, { slot: 'a' })
    const snap = JSON.stringify(m)
    rangeStore(m, 12, 14, { slot: 'b' })
    rangeStore(m, 0, 100, null)
    expect(JSON.stringify(m)).toBe(snap)
  })

  it('overwrite in the middle splits into three', () => {
    let m = rangeStore(emptyRangeMap<V>(), 0, 10, { slot: 'a' })
    m = rangeStore(m, 3, 6, { slot: 'b' })
    expect(m).toEqual([
      { start: 0, end: 3, value: { slot: 'a' } },
      { start: 3, end: 6, value: { slot: 'b' } },
      { start: 6, end: 10, value: { slot: 'a' } },
    ])
  })

  it('erase (null) in the middle leaves a hole; erase across several extents', () => {
    let m = rangeStore(emptyRangeMap<V>(), 0, 10, { slot: 'a' })
    m = rangeStore(m, 20, 30, { slot: 'b' })
    m = rangeStore(m, 40, 50, { slot: 'c' })
    const e1 = rangeStore(m, 4, 6, null)
    expect(rangeHoles(e1, 0, 10)).toEqual([{ start: 4, end: 6 }])
    const e2 = rangeStore(m, 5, 45, null)
    expect(e2).toEqual([
      { start: 0, end: 5, value: { slot: 'a' } },
      { start: 45, end: 50, value: { slot: 'c' } },
    ])
    expect(rangeStore(m, 0, 100, null)).toEqual([])
  })

  it('adjacent equal values merge; different values do not', () => {
    let m = rangeStore(emptyRangeMap<V>(), 0, 10, { slot: 'a' })
    m = rangeStore(m, 10, 20, { slot: 'a' })
    expect(m).toEqual([{ start: 0, end: 20, value: { slot: 'a' } }])
    m = rangeStore(m, 20, 30, { slot: 'b' })
    expect(m).toHaveLength(2)
    // filling a gap between two equal extents merges all three
    let g = rangeStore(emptyRangeMap<V>(), 0, 10, { slot: 'a' })
    g = rangeStore(g, 20, 30, { slot: 'a' })
    g = rangeStore(g, 10, 20, { slot: 'a' })
    expect(g).toEqual([{ start: 0, end: 30, value: { slot: 'a' } }])
  })

  it('linear fields: split adjusts them, load shifts them', () => {
    let m = rangeStore(emptyRangeMap<P>(), 100, 110, { pfn: 1000, tag: 'x' }, LIN)
    expect(rangeLoad(m, 105, LIN)).toEqual({ pfn: 1005, tag: 'x' })
    m = rangeStore(m, 103, 105, null, LIN)
    expect(m).toEqual([
      { start: 100, end: 103, value: { pfn: 1000, tag: 'x' } },
      { start: 105, end: 110, value: { pfn: 1005, tag: 'x' } },
    ])
    expect(rangeLoad(m, 109, LIN)).toEqual({ pfn: 1009, tag: 'x' })
  })

  it('linear fields: continuing extents merge, non-continuing ones do not', () => {
    let m = rangeStore(emptyRangeMap<P>(), 0, 4, { pfn: 10, tag: 'x' }, LIN)
    m = rangeStore(m, 4, 8, { pfn: 14, tag: 'x' }, LIN)
    expect(m).toEqual([{ start: 0, end: 8, value: { pfn: 10, tag: 'x' } }])
    const n = rangeStore(m, 8, 12, { pfn: 100, tag: 'x' }, LIN)
    expect(n).toHaveLength(2)
    // restoring a split piece with its original linear value re-merges
    const cut = rangeStore(m, 2, 3, null, LIN)
    expect(cut).toHaveLength(2)
    expect(rangeStore(cut, 2, 3, { pfn: 12, tag: 'x' }, LIN)).toEqual(m)
  })

  it('query clips to the range and shifts linear fields; find returns the first overlap', () => {
    let m = rangeStore(emptyRangeMap<P>(), 10, 20, { pfn: 0, tag: 'a' }, LIN)
    m = rangeStore(m, 30, 40, { pfn: 500, tag: 'b' }, LIN)
    expect(rangeQuery(m, 15, 35, LIN)).toEqual([
      { start: 15, end: 20, value: { pfn: 5, tag: 'a' } },
      { start: 30, end: 35, value: { pfn: 500, tag: 'b' } },
    ])
    expect(rangeFind(m, 20, 100, LIN)).toEqual({ start: 30, end: 40, value: { pfn: 500, tag: 'b' } })
    expect(rangeFind(m, 20, 30)).toBeUndefined()
    expect(rangeFind(m, 19, 20, LIN)).toEqual({ start: 19, end: 20, value: { pfn: 9, tag: 'a' } })
    expect(rangeCount(m, 15, 35)).toBe(10)
    expect(rangeTotal(m)).toBe(20)
    expect(rangeHoles(m, 0, 50)).toEqual([
      { start: 0, end: 10 },
      { start: 20, end: 30 },
      { start: 40, end: 50 },
    ])
    expect(rangeHoles(m, 12, 18)).toEqual([])
  })

  it('update applies fn to a sub-range, splitting at the edges and re-merging when unchanged', () => {
    const m = rangeStore(emptyRangeMap<P>(), 0, 10, { pfn: 0, tag: 'a' }, LIN)
    const u = rangeUpdate(m, 3, 5, (v) => ({ ...v, tag: 'b' }), LIN)
    expect(u).toEqual([
      { start: 0, end: 3, value: { pfn: 0, tag: 'a' } },
      { start: 3, end: 5, value: { pfn: 3, tag: 'b' } },
      { start: 5, end: 10, value: { pfn: 5, tag: 'a' } },
    ])
    expect(rangeUpdate(m, 3, 5, (v) => v, LIN)).toEqual(m)
    expect(rangeUpdate(m, 20, 30, (v) => ({ ...v, tag: 'z' }), LIN)).toEqual(m)
  })

  it('large indices (2^40 pages) stay exact and cheap', () => {
    const big = 2 ** 40
    const m = rangeStore(emptyRangeMap<V>(), 0, big, { slot: 'a' })
    expect(m).toHaveLength(1)
    expect(rangeCount(m, 0, big)).toBe(big)
    const cut = rangeStore(m, big - 1, big, null)
    expect(rangeLoad(cut, big - 2)).toEqual({ slot: 'a' })
    expect(rangeLoad(cut, big - 1)).toBeUndefined()
  })

  it('random operations agree with a per-index model and stay canonical', () => {
    let seed = 12345
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed % n
    }
    let m = emptyRangeMap<P>()
    const model = new Map<number, P>()
    for (let k = 0; k < 400; k++) {
      const a = rnd(64)
      const b = a + rnd(16)
      const op = rnd(3)
      if (op === 0) {
        m = rangeStore(m, a, b, null, LIN)
        for (let i = a; i < b; i++) model.delete(i)
      } else {
        const v = { pfn: rnd(4) * 100, tag: rnd(2) ? 'x' : 'y' }
        m = rangeStore(m, a, b, v, LIN)
        for (let i = a; i < b; i++) model.set(i, { ...v, pfn: v.pfn + (i - a) })
      }
      wellFormed(m, LIN)
      expect(expand(m, LIN)).toEqual(model)
    }
  })
})
