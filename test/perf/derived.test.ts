/** The store's memoised jump-time selectors give the answers of the engine's whole-state ones. */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseScenario } from '../../src/engine/scenario'
import { changedSpans, folioAt, lastChangeStep } from '../../src/engine/selectors'
import type { KernelState } from '../../src/engine'
import { createAppStore } from '../../src/store/createAppStore'
import { selectChanges, selectLastChange } from '../../src/store/derived'
import { selectConstants, selectCurrentState, selectPreviousState } from '../../src/store/selectors'

function store() {
  const parsed = parseScenario(readFileSync(new URL('../../scenarios/kvm-v11-tour.json', import.meta.url), 'utf8'))
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'))
  return createAppStore({ scenario: parsed.scenario })
}

describe('derived jump-time selectors', () => {
  it('selectChanges equals changedSpans at every cursor, and is memoised per state', () => {
    const st = store()
    const n = st.getState().run!.records.length
    for (let c = 0; c <= n; c++) {
      st.getState().jumpTo(c)
      const s = st.getState()
      const got = selectChanges(s)
      expect(got).toEqual(changedSpans(selectPreviousState(s), selectCurrentState(s)!, selectConstants(s)))
      expect(selectChanges(s)).toBe(got)
    }
  })

  it('selectLastChange equals lastChangeStep for any cursor order', () => {
    const st = store()
    const run = st.getState().run!
    const inode = Object.keys(run.final.inodes)[0] ?? Object.keys(run.states.find((x) => Object.keys(x.inodes).length)!.inodes)[0]!
    for (const page of [0, 1, 2, 300]) {
      const key = (s: KernelState) => JSON.stringify(folioAt(s, inode, page))
      for (const c of [run.states.length - 1, 3, 0, 7, run.states.length - 2, 5]) {
        st.getState().jumpTo(c)
        expect(selectLastChange(st.getState(), `page ${page}`, key)).toBe(lastChangeStep(run.states, st.getState().cursor, key))
      }
    }
  })
})
