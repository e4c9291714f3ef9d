/** checkInvariants / checkStep themselves: what they report on known states. */
import { describe, expect, it } from 'vitest'
import { checkInvariants, checkStep, INVARIANTS, KNOWN_BREAKERS } from '../../src/engine/invariants'
import { initialState, type KernelState } from '../../src/engine/state'
import { step } from '../../src/engine/step'
import { registeredVariants, variantDef } from '../../src/engine/variants/registry'
import { checkSequence } from './harness'

describe('checkInvariants', () => {
  it('finds nothing in a fresh kernel of any variant, either mode', () => {
    for (const v of registeredVariants()) {
      expect(checkInvariants(initialState(v, false))).toEqual([])
      expect(checkInvariants(initialState(v, true))).toEqual([])
    }
  })

  it('names only seed bugs the variant has', () => {
    for (const inv of INVARIANTS) {
      for (const [variant, bugs] of Object.entries(KNOWN_BREAKERS[inv])) {
        const known = variantDef(variant as never).bugs
        for (const b of bugs ?? []) expect(known, `${inv}: ${variant} ${b}`).toContain(b)
      }
    }
  })

  it('reports a negative or unbalanced f_count, with no seed bug once fixes are on', () => {
    const s0 = step(initialState('kvm-upstream', true), { op: 'KVM_CREATE_VM', type: 0 }).state
    const file = Object.keys(s0.files)[0]!
    const broken: KernelState = { ...s0, files: { ...s0.files, [file]: { ...s0.files[file]!, fCount: -1 } } }
    const v = checkInvariants(broken)
    expect(v.map((x) => x.invariant)).toEqual(expect.arrayContaining(['refcounts-non-negative', 'refcounts-balanced']))
    expect(v.every((x) => x.seedBugs.length === 0)).toBe(true)
  })

  it('reports an unbalanced invalidation and names B-K2 as written', () => {
    const s0 = step(initialState('kvm-v11', false), { op: 'KVM_CREATE_VM', type: 1 }).state
    const vm = Object.keys(s0.vms)[0]!
    const broken: KernelState = { ...s0, vms: { [vm]: { ...s0.vms[vm]!, mmu: { ...s0.vms[vm]!.mmu, inProgress: 1 } } } }
    expect(checkInvariants(broken)).toEqual([expect.objectContaining({ invariant: 'invalidation-balanced', seedBugs: ['B-K2'] })])
    expect(checkInvariants(broken, { fixes: true })).toEqual([expect.objectContaining({ invariant: 'invalidation-balanced', seedBugs: [] })])
  })
})

describe('checkStep', () => {
  it('reports a lock left held and a release of a lock not held', () => {
    const before = initialState('kvm-v11')
    const out = step(before, { op: 'KVM_CREATE_VM', type: 0 })
    const lock = { kind: 'acquire' as const, cls: '&kvm->slots_lock', instance: 'vm1', mode: 'write' as const, trylock: false, fn: 'f', stack: ['f'], task: 'vmm', cpu: 0 }
    const held = checkStep(before, { op: 'KVM_CREATE_VM', type: 0 }, { ...out, result: { ...out.result, locks: [lock] } })
    expect(held).toEqual([expect.objectContaining({ invariant: 'locks-released' })])
    const unheld = checkStep(before, { op: 'KVM_CREATE_VM', type: 0 }, { ...out, result: { ...out.result, locks: [{ ...lock, kind: 'release' }] } })
    expect(unheld).toEqual([expect.objectContaining({ invariant: 'locks-released' })])
  })
})

describe('the harness', () => {
  it('accepts a violation as written only when the run went through a bug that breaks it', () => {
    // B-K2: punch with nothing bound leaves mmu_invalidate_in_progress raised
    const steps = [
      { op: 'KVM_CREATE_VM', type: ['KVM_X86_SW_PROTECTED_VM'], as: 'vm0' },
      { op: 'KVM_CREATE_GUEST_MEMFD', vm: 'vm0', size: 8192, flags: [], as: 'g0' },
      { op: 'fallocate', fd: 'g0', mode: ['FALLOC_FL_KEEP_SIZE', 'FALLOC_FL_PUNCH_HOLE'], offset: 0, len: 4096 },
    ]
    const r = checkSequence('kvm-v11', false, steps)
    expect(r.explained.map((e) => [e.violation.invariant, e.bugs])).toContainEqual(['invalidation-balanced', ['B-K2']])
    expect(checkSequence('kvm-v11', true, steps).explained).toEqual([])
  })
})
