/**
 * The windowed folio-state merge (src/engine/selectors/folioLayers.ts) and the view's change
 * detection (viewChanges.ts) give the answers of folios.ts and changes.ts: on every state of every
 * built-in scenario (as written and fixed), the long bench scenario, and the render bench's file.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { variantDef, type KernelState, type Variant } from '../../src/engine'
import { parseScenario, runScenario } from '../../src/engine/scenario'
import { changedSpans, folioExtents, inodeExtent } from '../../src/engine/selectors'
import { extentsInWindow, inodeLayers, inodeLod, stateRuns } from '../../src/engine/selectors/folioLayers'
import { changedFileSpans } from '../../src/engine/selectors/fileChanges'
import { buildLod, lodMax } from '../../src/engine/selectors/lod'
import { viewChanges } from '../../src/engine/selectors/viewChanges'
import { INODE, mixedFolioState } from '../../bench/fixture'
import { longScenario } from '../../scripts/bench_scenario'
import { FIXTURE_EXTENTS } from './fixtureExtents'

const DIR = join(__dirname, '../../scenarios')

function runs(): { name: string; states: readonly KernelState[]; variant: Variant }[] {
  const out: { name: string; states: readonly KernelState[]; variant: Variant }[] = []
  for (const name of readdirSync(DIR).filter((f) => f.endsWith('.json'))) {
    const parsed = parseScenario(readFileSync(join(DIR, name), 'utf8'))
    if (!parsed.ok) continue
    for (const fixes of [false, true]) out.push({ name: `${name}${fixes ? ' (fixed)' : ''}`, states: runScenario(parsed.scenario, { keepStates: true, fixes }).states, variant: parsed.scenario.variant as Variant })
  }
  return out
}

/** folioExtents merged by state only (what the folio row draws). */
function byState(state: KernelState, inode: string, lo?: number, hi?: number) {
  const out: { start: number; end: number; state: string }[] = []
  for (const e of folioExtents(state, inode, { start: lo, end: hi })) {
    const last = out[out.length - 1]
    if (last && last.end === e.start && last.state === e.state) last.end = e.end
    else out.push({ start: e.start, end: e.end, state: e.state })
  }
  return out
}

const ALL = runs()

describe('folio layers match folios.ts and changes.ts', () => {
  it('finds the built-in scenarios', () => {
    expect(ALL.length).toBeGreaterThan(20)
  })

  it.each(ALL.map((r) => [r.name, r] as const))('%s: state runs, windows, LOD and changes on every step', (_name, r) => {
    const constants = variantDef(r.variant).constants
    r.states.forEach((s, i) => {
      for (const id of Object.keys(s.inodes)) {
        const layers = inodeLayers(s, id)
        const ext = inodeExtent(s, id)
        expect(stateRuns(layers, 0, ext)).toEqual(byState(s, id))
        // a window in the middle
        const lo = Math.floor(ext / 3)
        const hi = Math.ceil((2 * ext) / 3) + 1
        expect(stateRuns(layers, lo, hi)).toEqual(byState(s, id, lo, hi))
        expect(extentsInWindow(layers, 0, ext)).toBeGreaterThanOrEqual(0)
        const lod = inodeLod(s, id)
        const ref = buildLod(folioExtents(s, id), Math.max(1, ext))
        expect(lodMax(lod, 0, ext)).toBe(lodMax(ref, 0, ext))
        expect([...lod.sev]).toEqual([...ref.sev])
        expect([...lod.starts]).toEqual([...ref.starts])
        expect([...lod.ends]).toEqual([...ref.ends])
      }
      const prev = i > 0 ? r.states[i - 1]! : null
      const want = changedSpans(prev, s, constants)
      expect(viewChanges(prev, s)).toEqual(want)
      if (prev) for (const id of Object.keys(s.inodes)) expect(changedFileSpans(prev, s, id)).toEqual(want.files[id] ?? [])
    })
  })

  it('matches on the long bench scenario (1,000 steps, 64 GiB file)', () => {
    const scenario = longScenario(16 * 2 ** 20, 1000)
    const states = runScenario(scenario, { keepStates: true }).states
    const constants = variantDef(scenario.variant as Variant).constants
    for (let i = 1; i < states.length; i += 7) {
      expect(viewChanges(states[i - 1]!, states[i]!)).toEqual(changedSpans(states[i - 1]!, states[i]!, constants))
    }
    const last = states[states.length - 1]!
    for (const id of Object.keys(last.inodes)) expect(stateRuns(inodeLayers(last, id), 0, inodeExtent(last, id))).toEqual(byState(last, id))
  })

  it('matches on the render bench file (1 Mi folios in mixed states), and a poisoned page wins its column', () => {
    const s = mixedFolioState(FIXTURE_EXTENTS, 16, 3)
    const layers = inodeLayers(s, INODE)
    expect(stateRuns(layers, 0, FIXTURE_EXTENTS)).toEqual(byState(s, INODE))
    const lod = inodeLod(s, INODE)
    for (const p of s.inodes[INODE]!.folios.filter((f) => f.value.hwpoison).map((f) => f.start)) expect(lodMax(lod, Math.max(0, p - 100), p + 100)).toBe(6)
    // the summary is memoised per layers: a state sharing them reuses it
    expect(inodeLod({ ...s, fixes: !s.fixes }, INODE)).toBe(lod)
  })
})
