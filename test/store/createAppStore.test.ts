import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseScenario, type Scenario } from '../../src/engine/scenario'
import {
  createAppStore,
  selectCanStepBack,
  selectCanStepForward,
  selectCurrentRecord,
  selectCurrentState,
  selectPreviousState,
  selectStepCount,
} from '../../src/store'

function tour(): Scenario {
  const parsed = parseScenario(readFileSync(new URL('../../scenarios/kvm-v11-tour.json', import.meta.url), 'utf8'))
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'))
  return parsed.scenario
}

describe('createAppStore', () => {
  it('createAppStore() without a scenario has an empty timeline', () => {
    const store = createAppStore()
    const s = store.getState()
    expect(s.scenario).toBeNull()
    expect(s.run).toBeNull()
    expect(s.cursor).toBe(0)
    expect(selectStepCount(s)).toBe(0)
    expect(selectCurrentState(s)).toBeNull()
    s.stepForward()
    expect(store.getState().cursor).toBe(0)
  })

  it('createAppStore({ scenario }) runs it and starts at the initial state', () => {
    const store = createAppStore({ scenario: tour(), source: 'kvm-v11-tour' })
    const s = store.getState()
    expect(s.source).toBe('kvm-v11-tour')
    expect(selectStepCount(s)).toBe(15)
    expect(s.run?.states).toHaveLength(16)
    expect(s.cursor).toBe(0)
    expect(selectCurrentRecord(s)).toBeNull()
    expect(selectCurrentState(s)?.tick).toBe(0)
    expect(selectCanStepBack(s)).toBe(false)
    expect(selectCanStepForward(s)).toBe(true)
  })

  it('stepForward / stepBack move the cursor by one and stop at both ends', () => {
    const store = createAppStore({ scenario: tour() })
    store.getState().stepBack()
    expect(store.getState().cursor).toBe(0)
    store.getState().stepForward()
    store.getState().stepForward()
    expect(store.getState().cursor).toBe(2)
    expect(selectCurrentRecord(store.getState())?.step.op).toBe('KVM_CREATE_GUEST_MEMFD')
    expect(selectPreviousState(store.getState())).toBe(store.getState().run?.states[1])
    store.getState().stepBack()
    expect(store.getState().cursor).toBe(1)
    store.getState().last()
    store.getState().stepForward()
    expect(store.getState().cursor).toBe(15)
    expect(selectCanStepForward(store.getState())).toBe(false)
  })

  it('first / last / jumpTo clamp to [0, steps]', () => {
    const store = createAppStore({ scenario: tour() })
    store.getState().last()
    expect(store.getState().cursor).toBe(15)
    store.getState().first()
    expect(store.getState().cursor).toBe(0)
    store.getState().jumpTo(7)
    expect(selectCurrentRecord(store.getState())?.result.errno).toBe('EINVAL')
    store.getState().jumpTo(99)
    expect(store.getState().cursor).toBe(15)
    store.getState().jumpTo(-3)
    expect(store.getState().cursor).toBe(0)
    store.getState().jumpTo(2.7)
    expect(store.getState().cursor).toBe(2)
  })

  it('the state at cursor n is the state after step n', () => {
    const store = createAppStore({ scenario: tour(), cursor: 6 })
    const inodes = Object.values(selectCurrentState(store.getState())!.inodes)
    expect(inodes).toHaveLength(1)
    expect(inodes[0]!.folios.map((e) => [e.start, e.end])).toEqual([
      [0, 1],
      [1, 2],
      [2, 256],
    ])
  })

  it('setFixes(true) re-runs the scenario with fixes and keeps the cursor', () => {
    const store = createAppStore({ scenario: tour(), cursor: 13 })
    const asWritten = selectCurrentRecord(store.getState())!
    expect(asWritten.result.locks[0]?.cls).toBe('mapping.invalidate_lock')
    store.getState().setFixes(true)
    const s = store.getState()
    expect(s.fixes).toBe(true)
    expect(s.run?.fixes).toBe(true)
    expect(s.cursor).toBe(13)
    expect(selectCurrentState(s)?.fixes).toBe(true)
    expect(selectCurrentRecord(s)!.result.locks[0]?.cls).toBe('&kvm->slots_lock')
  })

  it('loadScenario() replaces the run, takes the scenario fixes flag and rewinds', () => {
    const store = createAppStore({ scenario: tour(), cursor: 5, fixes: true })
    const short: Scenario = { ...tour(), title: 'short', fixes: false, steps: tour().steps.slice(0, 2) }
    store.getState().loadScenario(short, 'short')
    const s = store.getState()
    expect(s.scenario?.title).toBe('short')
    expect(s.source).toBe('short')
    expect(s.fixes).toBe(false)
    expect(s.cursor).toBe(0)
    expect(selectStepCount(s)).toBe(2)
  })

  it('each store is independent', () => {
    const a = createAppStore({ scenario: tour() })
    const b = createAppStore({ scenario: tour() })
    a.getState().last()
    expect(b.getState().cursor).toBe(0)
  })
})
