/**
 * The file lane at real sizes: past EXACT_EXTENTS_LIMIT extents in view, the folio row comes from
 * the LOD summary (one rect per run of MIN_RECT_WIDTH columns, most severe state wins), so a
 * single poisoned page stays visible zoomed out; zoomed in, it is drawn extent by extent.
 */
import { describe, expect, it } from 'vitest'
import { variantDef } from '../../../src/engine'
import { folioExtents, runFrame } from '../../../src/engine/selectors'
import { EXACT_EXTENTS_LIMIT, FOLIO_FILL } from '../../../src/ui/viz/layout/fileLane'
import { layoutMemory } from '../../../src/ui/viz/layout/memory'
import { extentRects, MIN_RECT_WIDTH } from '../../../src/ui/viz/layout/rects'
import { FILL_PRIORITY } from '../../../src/ui/viz/palette'
import { INODE, mixedFolioState } from '../../../bench/fixture'

const PAGES = 1 << 14
const state = mixedFolioState(PAGES, 12, 5)
const constants = variantDef('gunyah-v17').constants
const frame = runFrame([state], constants)
const poisoned = state.inodes[INODE]!.folios.filter((f) => f.value.hwpoison).map((f) => f.start)

describe('file lane from the LOD summary', () => {
  it('the fixture has more extents than the exact path takes', () => {
    expect(PAGES).toBeGreaterThan(EXACT_EXTENTS_LIMIT)
  })

  it('at full-file zoom: at most one rect per column, and every poisoned page in a poisoned rect', () => {
    const lane = layoutMemory(state, constants, 900, frame).fileLanes[0]!
    const row = lane.rows[0]!
    const rects = lane.rects.filter((r) => r.y === row.y)
    expect(rects.length).toBeLessThanOrEqual(Math.floor((lane.x1 - lane.x0) / MIN_RECT_WIDTH))
    for (const r of rects) {
      expect(r.x).toBeGreaterThanOrEqual(lane.x0)
      expect(r.x + r.w).toBeLessThanOrEqual(lane.x1 + 1e-9)
    }
    for (const p of poisoned) {
      const x = lane.scale(p + 0.5)
      expect(rects.some((r) => r.fill === 'poisoned' && x >= r.x - 1e-9 && x <= r.x + r.w + 1e-9), `page ${p}`).toBe(true)
    }
  })

  it('each column shows the most severe state of the pages under it', () => {
    const lane = layoutMemory(state, constants, 900, frame, { k: 3, x: -600 }).fileLanes[0]!
    const row = lane.rows[0]!
    const got = lane.rects.filter((r) => r.y === row.y)
    const extents = folioExtents(state, INODE)
    const columns = Math.floor((lane.x1 - lane.x0) / MIN_RECT_WIDTH)
    const p0 = lane.scale.invert(lane.x0)
    const w = (lane.scale.invert(lane.x0 + columns * MIN_RECT_WIDTH) - p0) / columns
    for (let c = 0; c < columns; c++) {
      const a = Math.floor(p0 + c * w)
      const b = Math.max(a + 1, Math.ceil(p0 + (c + 1) * w))
      let want = 0
      for (const e of extents) if (e.end > a && e.start < b) want = Math.max(want, FILL_PRIORITY[FOLIO_FILL[e.state]])
      const x = lane.x0 + (c + 0.5) * MIN_RECT_WIDTH
      const r = got.find((g) => x >= g.x && x < g.x + g.w)
      expect(r ? FILL_PRIORITY[r.fill] : 0, `column ${c}`).toBe(want)
    }
  })

  it('zoomed in far enough, the folio row is drawn extent by extent, as before', () => {
    const zoom = { k: 2 ** 12, x: -(2 ** 12) * 400 + 400 }
    const lane = layoutMemory(state, constants, 900, frame, zoom).fileLanes[0]!
    const row = lane.rows[0]!
    const [v0, v1] = [Math.floor(lane.scale.invert(lane.x0)), Math.ceil(lane.scale.invert(lane.x1))]
    const exact = extentRects(
      folioExtents(state, INODE, { start: v0, end: v1 }).map((e) => ({ start: e.start, end: e.end, fill: FOLIO_FILL[e.state] })),
      lane.scale,
      row.y,
      row.h,
      [lane.x0, lane.x1],
    )
    expect(lane.rects.filter((r) => r.y === row.y)).toEqual(exact)
  })
})
