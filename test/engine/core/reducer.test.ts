/**
 * The reducer `step(state, action)`: pure (never mutates its input), deterministic, and its states
 * survive a JSON round trip.
 */
import { describe, it, expect } from 'vitest'
import { step, initialState, type Action, type KernelState } from '../../../src/engine'
import { kvm, boundVm, mapMemory, punch, close, poison, inject, createGmem, alloc, access, PAGE, MiB } from '../../helpers/kvm'

function deepFreeze<T>(x: T): T {
  if (x && typeof x === 'object' && !Object.isFrozen(x)) {
    Object.freeze(x)
    for (const v of Object.values(x as Record<string, unknown>)) deepFreeze(v)
  }
  return x
}

/** A long scenario touching every op kind, as written and fixed. */
const tourSteps = [
  ...boundVm({ gmemSize: 2 * MiB, slotSize: 64 * PAGE }),
  mapMemory('vm', 0x100, 16),
  access('vm', 0x120000, { write: true }),
  alloc('g', 0, 128 * PAGE),
  punch('g', 4 * PAGE, 8 * PAGE),
  poison('g', 20 * PAGE),
  inject('failslab'),
  createGmem('vm', 2 * MiB, 'g2'),
  close('g2'),
  close('g'),
  close('vm'),
]

function actionsOf(fixes: boolean): { states: readonly KernelState[]; actions: Action[] } {
  const run = kvm(tourSteps, { fixes })
  return { states: run.states, actions: run.records.map((r) => r.action) }
}

describe('step: purity and determinism', () => {
  for (const fixes of [false, true]) {
    it(`step never mutates its input state or action (deep-frozen input, ${fixes ? 'fixed' : 'as written'})`, () => {
      const { states, actions } = actionsOf(fixes)
      actions.forEach((a, i) => {
        const input = JSON.parse(JSON.stringify(states[i])) as KernelState
        const snapshot = JSON.stringify(input)
        const frozen = deepFreeze(JSON.parse(snapshot) as KernelState)
        const frozenAction = deepFreeze(JSON.parse(JSON.stringify(a)) as Action)
        expect(() => step(frozen, frozenAction)).not.toThrow()
        expect(JSON.stringify(frozen)).toBe(snapshot)
        // and an unfrozen input is left untouched too
        step(input, a)
        expect(JSON.stringify(input)).toBe(snapshot)
      })
    })

    it(`same input → same output (${fixes ? 'fixed' : 'as written'})`, () => {
      const { states, actions } = actionsOf(fixes)
      actions.forEach((a, i) => {
        const s = states[i]!
        const o1 = step(s, a)
        const o2 = step(JSON.parse(JSON.stringify(s)) as KernelState, JSON.parse(JSON.stringify(a)) as Action)
        expect(JSON.stringify(o2)).toBe(JSON.stringify(o1))
        expect(o1.state).toEqual(states[i + 1])
      })
    })

    it(`every state survives a JSON round trip, and stepping a round-tripped state gives the same result (${fixes ? 'fixed' : 'as written'})`, () => {
      const { states, actions } = actionsOf(fixes)
      for (const s of states) expect(JSON.parse(JSON.stringify(s))).toEqual(s)
      actions.forEach((a, i) => {
        const rt = JSON.parse(JSON.stringify(states[i])) as KernelState
        expect(step(rt, a).state).toEqual(states[i + 1])
      })
    })
  }

  it('two whole runs are identical', () => {
    const a = kvm(tourSteps)
    const b = kvm(tourSteps)
    expect(JSON.stringify(b.records)).toBe(JSON.stringify(a.records))
    expect(b.final).toEqual(a.final)
  })

  it('a step returns a new state object (structural sharing allowed) and bumps tick', () => {
    const s0 = initialState('kvm-v11')
    const { state } = step(s0, { op: 'KVM_CREATE_VM', type: 1 })
    expect(state).not.toBe(s0)
    expect(state.tick).toBe(1)
    expect(s0.tick).toBe(0)
    expect(s0.vms).toEqual({})
  })

  it('initialState is plain data with the fixes flag', () => {
    expect(initialState('kvm-v11', true).fixes).toBe(true)
    expect(JSON.parse(JSON.stringify(initialState('kvm-v11')))).toEqual(initialState('kvm-v11'))
  })

  it('an oops keeps the state consistent: the step reports SIGKILL and the state is still serialisable', () => {
    const run = kvm([...boundVm(), inject('fail_page_alloc'), alloc('g', 0, PAGE)])
    expect(run.last.signal).toBe('SIGKILL')
    expect(JSON.parse(JSON.stringify(run.final))).toEqual(run.final)
  })

  it('an unknown op → ENOTTY, not an exception', () => {
    const out = step(initialState('kvm-v11'), { op: 'no_such_op' } as unknown as Action)
    expect(out.result.errno).toBe('ENOTTY')
  })
})
