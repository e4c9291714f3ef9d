import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { buildLod, columnRuns, lodColumns, lodMax, SEVERITY, STATE_OF_SEVERITY } from '../../src/engine/selectors/lod'
import type { FolioState } from '../../src/engine/selectors'

type Ext = { start: number; end: number; state: FolioState }

/** Per-page reference: severity of every page. */
function perPage(extents: readonly Ext[], pages: number): Uint8Array {
  const out = new Uint8Array(pages)
  for (const e of extents) for (let p = e.start; p < e.end; p++) out[p] = SEVERITY[e.state]
  return out
}

function bruteMax(pp: Uint8Array, a: number, b: number): number {
  let m = 0
  for (let p = Math.max(0, Math.floor(a)); p < Math.min(pp.length, Math.ceil(b)); p++) m = Math.max(m, pp[p]!)
  return m
}

/** Random sorted, disjoint extents over [0, pages). */
const extentsArb = (pages: number) =>
  fc.array(fc.tuple(fc.integer({ min: 0, max: pages - 1 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 6 })), { maxLength: 60 }).map((xs) => {
    const sorted = [...xs].sort((a, b) => a[0] - b[0])
    const out: Ext[] = []
    let at = 0
    for (const [s, len, sev] of sorted) {
      const start = Math.max(s, at)
      const end = Math.min(pages, start + len)
      if (end <= start) continue
      out.push({ start, end, state: STATE_OF_SEVERITY[sev]! })
      at = end
    }
    return out
  })

describe('level-of-detail summary', () => {
  it('severity order: poisoned > lent > shared > reclaimed > host-mapped > allocated > absent', () => {
    expect([...STATE_OF_SEVERITY].reverse()).toEqual(['poisoned', 'lent', 'shared', 'reclaimed', 'host-mapped', 'allocated', 'absent'])
    STATE_OF_SEVERITY.forEach((s, i) => expect(SEVERITY[s]).toBe(i))
  })

  it('lodMax equals the per-page maximum over any range, at any bucket size', () => {
    const pages = 1000
    fc.assert(
      fc.property(extentsArb(pages), fc.integer({ min: 1, max: 2048 }), fc.integer({ min: 0, max: pages }), fc.integer({ min: 0, max: pages }), (ext, maxBuckets, x, y) => {
        const lod = buildLod(ext, pages, maxBuckets)
        const pp = perPage(ext, pages)
        const [a, b] = x <= y ? [x, y] : [y, x]
        expect(lodMax(lod, a, b)).toBe(bruteMax(pp, a, b))
      }),
      { numRuns: 400 },
    )
  })

  it('lodColumns equals the per-page maximum of every column, zoomed in or out', () => {
    const pages = 777
    fc.assert(
      fc.property(
        extentsArb(pages),
        fc.integer({ min: 1, max: 64 }),
        fc.double({ min: 0, max: pages, noNaN: true }),
        fc.double({ min: 0.5, max: pages, noNaN: true }),
        fc.integer({ min: 1, max: 300 }),
        (ext, maxBuckets, p0, span, columns) => {
          const lod = buildLod(ext, pages, maxBuckets)
          const pp = perPage(ext, pages)
          const p1 = Math.min(pages, p0 + span)
          if (p1 <= p0) return
          const cols = lodColumns(lod, p0, p1, columns)
          const w = (p1 - p0) / columns
          for (let c = 0; c < columns; c++) {
            const a = p0 + c * w
            expect(cols[c]).toBe(bruteMax(pp, Math.floor(a), Math.max(Math.floor(a) + 1, Math.ceil(a + w))))
          }
        },
      ),
      { numRuns: 300 },
    )
  })

  it('a single poisoned page in 64 GiB of allocated folios shows when the whole file fits 600 columns', () => {
    const pages = 16 * 1024 * 1024
    const poisoned = 12_345_678
    const ext: Ext[] = [
      { start: 0, end: poisoned, state: 'allocated' },
      { start: poisoned, end: poisoned + 1, state: 'poisoned' },
      { start: poisoned + 1, end: pages, state: 'lent' },
    ]
    const lod = buildLod(ext, pages)
    expect(lod.levels[0]!.length).toBeLessThanOrEqual(1 << 20)
    const cols = lodColumns(lod, 0, pages, 600)
    const runs = columnRuns(cols)
    const red = runs.filter(([, , s]) => s === SEVERITY.poisoned)
    expect(red).toHaveLength(1)
    const col = Math.floor((poisoned / pages) * 600)
    expect(red[0]![0]).toBe(col)
    expect(red[0]![1]).toBe(col + 1)
    expect(runs[0]).toEqual([0, col, SEVERITY.allocated])
    expect(runs[runs.length - 1]).toEqual([col + 1, 600, SEVERITY.lent])
  })

  it('merges adjacent extents of one severity and drops absent ones', () => {
    const lod = buildLod(
      [
        { start: 0, end: 4, state: 'lent' },
        { start: 4, end: 9, state: 'lent' },
        { start: 9, end: 12, state: 'absent' },
        { start: 12, end: 13, state: 'poisoned' },
      ],
      16,
    )
    expect([...lod.starts]).toEqual([0, 12])
    expect([...lod.ends]).toEqual([9, 13])
    expect([...lod.sev]).toEqual([SEVERITY.lent, SEVERITY.poisoned])
  })

  it('columnRuns run-length encodes and skips severity 0', () => {
    expect(columnRuns(Uint8Array.from([0, 1, 1, 6, 0, 0, 5]))).toEqual([
      [1, 3, 1],
      [3, 4, 6],
      [6, 7, 5],
    ])
  })
})
