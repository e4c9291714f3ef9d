import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { initialState, type KernelState } from '../../../src/engine'
import { parseScenario, runScenario } from '../../../src/engine/scenario'
import { variantDef } from '../../../src/engine'
import { folioExtents, runFrame } from '../../../src/engine/selectors'
import { layoutMemory } from '../../../src/ui/viz/layout/memory'
import { extentRects, withHoles } from '../../../src/ui/viz/layout/rects'
import { hexTicks, pageScale, pageToHexAddress } from '../../../src/ui/viz/layout/scale'
import { ribbonPath } from '../../../src/ui/viz/layout/ribbons'

function tourStates(): readonly KernelState[] {
  const parsed = parseScenario(readFileSync(new URL('../../../scenarios/kvm-v11-tour.json', import.meta.url), 'utf8'))
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'))
  return runScenario(parsed.scenario, { keepStates: true }).states
}

const constants = variantDef('kvm-v11').constants

describe('scale', () => {
  it('hexTicks() picks power-of-two steps inside the domain', () => {
    expect(hexTicks([0x100, 0x300], 4)).toEqual([0x100, 0x180, 0x200, 0x280, 0x300])
    expect(hexTicks([0, 512], 2)).toEqual([0, 256, 512])
    expect(hexTicks([5, 5], 4)).toEqual([5])
  })

  it('pageToHexAddress() shifts a page index to a byte address without losing bits', () => {
    expect(pageToHexAddress(0x100)).toBe('0x100000')
    expect(pageToHexAddress(2 ** 40)).toBe('0x10000000000000')
  })
})

describe('extentRects', () => {
  const scale = pageScale([0, 100], [0, 100])

  it('extentRects() maps extents to rects and merges touching ones of one fill', () => {
    const rects = extentRects(
      [
        { start: 0, end: 10, fill: 'allocated' },
        { start: 10, end: 20, fill: 'allocated' },
        { start: 30, end: 40, fill: 'lent' },
      ],
      scale,
      5,
      8,
    )
    expect(rects).toEqual([
      { x: 0, y: 5, w: 20, h: 8, fill: 'allocated' },
      { x: 30, y: 5, w: 10, h: 8, fill: 'lent' },
    ])
  })

  it('extentRects() keeps a one-page extent of a 64 GiB file visible and bounded by the width', () => {
    const huge = pageScale([0, 16 * 2 ** 20], [0, 1000])
    const many = Array.from({ length: 100_000 }, (_, i) => ({ start: i * 160, end: i * 160 + 1, fill: 'allocated' as const }))
    const rects = extentRects([...many, { start: 16 * 2 ** 20 - 1, end: 16 * 2 ** 20, fill: 'poisoned' }], huge, 0, 10)
    expect(rects.length).toBeLessThanOrEqual(1001)
    expect(rects[rects.length - 1]).toMatchObject({ fill: 'poisoned' })
    expect(rects[rects.length - 1]!.w).toBeGreaterThan(0)
  })

  it('extentRects() lets a poisoned page win a pixel shared with allocated pages', () => {
    const huge = pageScale([0, 1_000_000], [0, 100])
    const rects = extentRects(
      [
        { start: 0, end: 10, fill: 'allocated' },
        { start: 10, end: 11, fill: 'poisoned' },
      ],
      huge,
      0,
      10,
    )
    expect(rects).toEqual([{ x: 0, y: 0, w: 2, h: 10, fill: 'poisoned' }])
  })

  it('withHoles() fills the gaps of a domain', () => {
    expect(withHoles([{ start: 2, end: 4, fill: 'attr-private' }], 0, 6, 'attr-shared')).toEqual([
      { start: 0, end: 2, fill: 'attr-shared' },
      { start: 2, end: 4, fill: 'attr-private' },
      { start: 4, end: 6, fill: 'attr-shared' },
    ])
  })
})

describe('folioExtents (tour)', () => {
  it('a folio the guest maps is private to it (lent), the rest allocated (tour, after step 6)', () => {
    const s = tourStates()[6]!
    const inode = Object.keys(s.inodes)[0]!
    expect(folioExtents(s, inode, { holes: true }).map((e) => [e.start, e.end, e.state])).toEqual([
      [0, 1, 'allocated'],
      [1, 2, 'lent'],
      [2, 256, 'allocated'],
      [256, 512, 'absent'],
    ])
  })

  it('extentRects() skips extents entirely outside a zoomed view', () => {
    const zoomed = pageScale([0, 100], [-900, 100])
    const rects = extentRects([{ start: 0, end: 50, fill: 'allocated' }, { start: 95, end: 100, fill: 'lent' }], zoomed, 0, 10, [0, 100])
    expect(rects.map((r) => [Math.round(r.x), Math.round(r.w), r.fill])).toEqual([[50, 50, 'lent']])
  })
})

describe('layoutMemory', () => {
  it('layoutMemory() of the initial state has no lanes', () => {
    const l = layoutMemory(initialState('kvm-v11'), constants, 800, { vms: [], inodes: [] })
    expect(l.gpaLanes).toHaveLength(0)
    expect(l.fileLanes).toHaveLength(0)
    expect(l.ribbons).toHaveLength(0)
  })

  it('layoutMemory() after the bind has a GPA lane, a file lane and one ribbon between them', () => {
    const l = layoutMemory(tourStates()[3]!, constants, 800, runFrame(tourStates(), constants))
    expect(l.gpaLanes.map((g) => g.domain)).toEqual([[0x100, 0x300]])
    expect(l.gpaLanes[0]!.bands.map((b) => b.label)).toEqual(['slot 0'])
    expect(l.fileLanes.map((f) => f.domain)).toEqual([[0, 512]])
    expect(l.ribbons).toHaveLength(1)
    expect(l.ribbons[0]).toMatchObject({ stale: false, access: 'private' })
    const gpa = l.gpaLanes[0]!
    const file = l.fileLanes[0]!
    expect(file.y).toBeGreaterThan(gpa.y + gpa.height)
    for (const r of [...gpa.rects, ...file.rects]) {
      expect(r.x).toBeGreaterThanOrEqual(gpa.x0)
      expect(r.x + r.w).toBeLessThanOrEqual(800)
    }
  })

  it('layoutMemory() after step 6 draws allocated and mapped folios, and stage 2', () => {
    // 2000 px: a page is wider than MIN_RECT_WIDTH, so no extents collapse.
    const l = layoutMemory(tourStates()[6]!, constants, 2000, runFrame(tourStates(), constants))
    const fills = l.fileLanes[0]!.rects.map((r) => r.fill)
    expect(fills).toEqual(['allocated', 'lent', 'allocated'])
    // 800 px: pages 0 and 1 share a column, and the guest mapping wins it.
    expect(layoutMemory(tourStates()[6]!, constants, 800, runFrame(tourStates(), constants)).fileLanes[0]!.rects.map((r) => r.fill)).toEqual(['lent', 'allocated'])
    expect(l.gpaLanes[0]!.rects.filter((r) => r.fill === 's2-private')).toHaveLength(1)
    expect(l.gpaLanes[0]!.rects.filter((r) => r.fill === 'attr-private')).toHaveLength(1)
  })

  it('layoutMemory() drops the ribbon once the file is closed and marks the slot', () => {
    const l = layoutMemory(tourStates()[13]!, constants, 800, runFrame(tourStates(), constants))
    expect(l.ribbons).toHaveLength(0)
    expect(l.fileLanes[0]!.status).toBe('evicted')
    expect(l.gpaLanes[0]!.bands[0]!.label).toBe('slot 0 · no file')
  })

  it('ribbonPath() is a closed path through both ranges', () => {
    expect(ribbonPath(0, 10, 0, 20, 30, 100)).toBe('M0,0 C0,50 20,50 20,100 L30,100 C30,50 10,50 10,0 Z')
  })
})
