/**
 * Counterexamples the properties found where a variant *as written* breaks an invariant: each
 * names the seed bug, and the same steps keep every invariant with fixes on.
 */
import { describe, expect, it } from 'vitest'
import type { ScenarioStep } from '../../../src/engine/scenario'
import type { Variant } from '../../../src/engine/state'
import { checkSequence } from '../harness'

const LEND = ['GUNYAH_MEM_FORCE_LEND', 'GUNYAH_MEM_ALLOW_READ', 'GUNYAH_MEM_ALLOW_WRITE']
const kvmSetup: ScenarioStep[] = [
  { op: 'KVM_CREATE_VM', type: ['KVM_X86_SW_PROTECTED_VM'], as: 'vm0' },
  { op: 'KVM_CREATE_GUEST_MEMFD', vm: 'vm0', size: 8192, flags: [], as: 'g0' },
]
const region = (slot: number, gpa: number): ScenarioStep => ({
  op: 'KVM_SET_USER_MEMORY_REGION2', vm: 'vm0', slot, flags: ['KVM_MEM_PRIVATE'], guest_phys_addr: gpa, memory_size: 8192, userspace_addr: '0x7f0000000000', guest_memfd: 'g0', guest_memfd_offset: 0,
})

const cases: { name: string; variant: Variant; invariant: string; bug: string; steps: ScenarioStep[] }[] = [
  {
    name: 'punch with nothing bound leaves mmu_invalidate_in_progress at 1',
    variant: 'kvm-v11',
    invariant: 'invalidation-balanced',
    bug: 'B-K2',
    steps: [...kvmSetup, { op: 'fallocate', fd: 'g0', mode: ['FALLOC_FL_KEEP_SIZE', 'FALLOC_FL_PUNCH_HOLE'], offset: 0, len: 4096 }],
  },
  {
    name: 'a failed xa_store_range publishes the slot without its xarray entry, so a second slot binds the same pages',
    variant: 'kvm-v11',
    invariant: 'file-range-bound-once',
    bug: 'B-K12',
    steps: [...kvmSetup, { op: 'inject', kind: 'xa_store' }, region(0, 0x100000), region(1, 0x200000)],
  },
  {
    name: 'the kzalloc failure of __kvm_gmem_create oopses and leaves the file with a reference nobody holds',
    variant: 'kvm-v11',
    invariant: 'refcounts-balanced',
    bug: 'B-K7',
    steps: [kvmSetup[0]!, { op: 'inject', kind: 'failslab' }, kvmSetup[1]!],
  },
  {
    name: 'two VMs lend the same file pages',
    variant: 'gunyah-v15',
    invariant: 'file-range-bound-once',
    bug: 'B-G15-2',
    steps: [
      { op: 'GUNYAH_CREATE_VM', as: 'vm0' },
      { op: 'GUNYAH_CREATE_VM', as: 'vm1' },
      { op: 'GUNYAH_CREATE_GUEST_MEM', size: 8192, flags: [], as: 'g0' },
      { op: 'GUNYAH_VM_MAP_MEM', vm: 'vm0', guest_addr: 0x80000000, flags: LEND, guest_mem_fd: 'g0', offset: 0, size: 8192 },
      { op: 'GUNYAH_VM_MAP_MEM', vm: 'vm1', guest_addr: 0x80000000, flags: LEND, guest_mem_fd: 'g0', offset: 4096, size: 4096 },
    ],
  },
  {
    name: 'a successful UNMAP keeps its fget() reference',
    variant: 'gunyah-v17',
    invariant: 'refcounts-balanced',
    bug: 'B-G17-8',
    steps: [
      { op: 'GUNYAH_CREATE_VM', as: 'vm0' },
      { op: 'GUNYAH_CREATE_GUEST_MEM', size: 8192, flags: [], as: 'g0' },
      { op: 'GUNYAH_VM_MAP_MEM', vm: 'vm0', guest_addr: 0x80000000, flags: LEND, guest_mem_fd: 'g0', offset: 0, size: 8192 },
      { op: 'GUNYAH_VM_MAP_MEM', vm: 'vm0', guest_addr: 0x80000000, flags: [...LEND, 'GUNYAH_MEM_UNMAP'], guest_mem_fd: 'g0', offset: 0, size: 8192 },
    ],
  },
]

describe.each(cases)('$variant $bug: $name', ({ variant, invariant, bug, steps }) => {
  it(`as written: ${invariant} breaks, explained by ${bug}`, () => {
    const r = checkSequence(variant, false, steps)
    expect(r.explained.map((e) => [e.violation.invariant, e.bugs.includes(bug)])).toContainEqual([invariant, true])
  })
  it('with fixes: every invariant holds', () => {
    expect(checkSequence(variant, true, steps).explained).toEqual([])
  })
})
