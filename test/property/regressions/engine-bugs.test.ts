/**
 * Engine bugs the properties found, kept as their minimal step lists: each sequence must now keep
 * every invariant with fixes on (checkSequence throws on a violation).
 */
import { describe, expect, it } from 'vitest'
import type { ScenarioStep } from '../../../src/engine/scenario'
import type { Variant } from '../../../src/engine/state'
import { checkSequence } from '../harness'

const strict = (variant: Variant, fixes: boolean, steps: readonly ScenarioStep[]) => checkSequence(variant, fixes, steps, { allowKnownEngineBugs: false })

const LEND = ['GUNYAH_MEM_FORCE_LEND', 'GUNYAH_MEM_ALLOW_READ', 'GUNYAH_MEM_ALLOW_WRITE']
const PUNCH = ['FALLOC_FL_KEEP_SIZE', 'FALLOC_FL_PUNCH_HOLE']

describe('EB-3: a partial erase of a linear RangeMap keeps the head pfn/index in the tail (every variant)', () => {
  // Was: rangeStore(map, start, end, null) was called without the map's linear fields in
  // mm/filemap.ts truncateInodePagesRange, gunyah/launder.ts, kvm/mmu.ts kvmUnmapGfnRange and
  // gunyah/vm_mgr_mem.ts reclaimRunLocked: the surviving tail keeps the pfn (and index) of the head.
  const gmemKvm: ScenarioStep[] = [
    { op: 'KVM_CREATE_VM', type: ['KVM_X86_SW_PROTECTED_VM'], as: 'vm0' },
    { op: 'KVM_CREATE_GUEST_MEMFD', vm: 'vm0', size: 8192, flags: [], as: 'g0' },
    { op: 'fallocate', fd: 'g0', mode: ['FALLOC_FL_KEEP_SIZE'], offset: 0, len: 8192 },
    { op: 'fallocate', fd: 'g0', mode: PUNCH, offset: 0, len: 4096 },
  ]
  const gmemGunyah: ScenarioStep[] = [
    { op: 'GUNYAH_CREATE_GUEST_MEM', size: 8192, flags: [], as: 'g0' },
    { op: 'fallocate', fd: 'g0', mode: ['FALLOC_FL_KEEP_SIZE'], offset: 0, len: 8192 },
    { op: 'fallocate', fd: 'g0', mode: PUNCH, offset: 0, len: 4096 },
  ]
  it.each(['kvm-v11', 'kvm-upstream', 'kvm-v14-mmap'] as const)('%s: punching page 0 of two leaves page 1 its own pfn (fixes on)', (v) => {
    expect(() => strict(v, true, gmemKvm)).not.toThrow()
  })
  it.each(['gunyah-v17', 'gunyah-v15'] as const)('%s: punching page 0 of two leaves page 1 its own pfn (fixes on)', (v) => {
    expect(() => strict(v, true, gmemGunyah)).not.toThrow()
  })
  it('kvm-upstream: zapping gfn 0x100 of a pre-faulted two-page run leaves gfn 0x101 mapping file page 1 (fixes on)', () => {
    expect(() => strict('kvm-upstream', true, [
      { op: 'KVM_CREATE_VM', type: [], as: 'vm0' },
      { op: 'KVM_CREATE_GUEST_MEMFD', vm: 'vm0', size: 8192, flags: ['GUEST_MEMFD_FLAG_MMAP', 'GUEST_MEMFD_FLAG_INIT_SHARED'], as: 'g0' },
      { op: 'KVM_SET_USER_MEMORY_REGION2', vm: 'vm0', slot: 0, flags: ['KVM_MEM_GUEST_MEMFD'], guest_phys_addr: 0x100000, memory_size: 8192, guest_memfd: 'g0' },
      { op: 'KVM_PRE_FAULT_MEMORY', vm: 'vm0', gpa: 0x100000, size: 8192 },
      { op: 'fallocate', fd: 'g0', mode: PUNCH, offset: 0, len: 4096 },
    ])).not.toThrow()
  })
})

describe('EB-1: gunyah-v17 demand paging checks PG_hwpoison of the faulting page, not of the folio', () => {
  // Was: gunyah/common.ts folioAt() returned hwpoison of the page at `index`; with the fix of
  // B-G17-15, a guest fault on page 1 of a 2 MiB folio whose page 0 is poisoned lends the folio again.
  const steps: ScenarioStep[] = [
    { op: 'GUNYAH_CREATE_VM', as: 'vm0' },
    { op: 'GUNYAH_CREATE_GUEST_MEM', size: 0x400000, flags: ['GHMF_ALLOW_HUGEPAGE'], as: 'g0' },
    { op: 'GUNYAH_VM_MAP_MEM', vm: 'vm0', guest_addr: 0x80000000, flags: LEND, guest_mem_fd: 'g0', offset: 0, size: 0x200000 },
    { op: 'GUNYAH_VM_START', vm: 'vm0' },
    { op: 'fallocate', fd: 'g0', mode: ['FALLOC_FL_KEEP_SIZE'], offset: 0, len: 4096 },
    { op: 'memory_failure', fd: 'g0', offset: 0 },
    { op: 'guest_access', vm: 'vm0', gpa: 0x80001000 },
  ]
  it('a 2 MiB folio with a poisoned page is not lent again with fixes on', () => {
    expect(() => strict('gunyah-v17', true, steps)).not.toThrow()
  })
})

describe('EB-2 (B-G15-9): gunyah-v15 frees folios the guest holds (punch hole, memory_failure)', () => {
  // An unlisted v15 seed bug, now B-G15-9 with a fix switch: the S7 base punch
  // (truncate_inode_pages_range) and generic_error_remove_folio truncate a folio that is in
  // ghvm->mm without reclaiming it; the guest keeps a mapping of a freed folio.
  const setup: ScenarioStep[] = [
    { op: 'GUNYAH_CREATE_VM', as: 'vm0' },
    { op: 'GUNYAH_CREATE_GUEST_MEM', size: 8192, flags: [], as: 'g0' },
    { op: 'GUNYAH_VM_MAP_MEM', vm: 'vm0', guest_addr: 0x80000000, flags: LEND, guest_mem_fd: 'g0', offset: 0, size: 8192 },
    { op: 'GUNYAH_VM_START', vm: 'vm0' },
    { op: 'guest_access', vm: 'vm0', gpa: 0x80000000 },
  ]
  it('memory_failure of a lent page reclaims it first (fixes on)', () => {
    expect(() => strict('gunyah-v15', true, [...setup, { op: 'memory_failure', fd: 'g0', offset: 0 }])).not.toThrow()
  })
  it('punching a lent page reclaims it first (fixes on)', () => {
    expect(() => strict('gunyah-v15', true, [...setup, { op: 'fallocate', fd: 'g0', mode: PUNCH, offset: 0, len: 4096 }])).not.toThrow()
  })
})

describe('EB-4: punching part of a huge folio removed only that part of it (found by npm run fuzz, seed 62506135)', () => {
  // Was: truncate_inode_pages_range dropped the punched pages of a 2 MiB folio, leaving a folio
  // with a hole that the guest's mapping then pointed into. The kernel keeps a large folio that is
  // only partly inside the range (truncate_inode_partial_folio zeroes that part); the same applies
  // to a folio split across extents by one poisoned page.
  const huge: ScenarioStep[] = [
    { op: 'GUNYAH_CREATE_VM', as: 'vm0' },
    { op: 'GUNYAH_CREATE_GUEST_MEM', size: 0x400000, flags: ['GHMF_ALLOW_HUGEPAGE'], as: 'g0' },
    { op: 'GUNYAH_VM_MAP_MEM', vm: 'vm0', guest_addr: 0x80000000, flags: LEND, guest_mem_fd: 'g0', offset: 0, size: 0x200000 },
    { op: 'GUNYAH_VM_START', vm: 'vm0' },
    { op: 'guest_access', vm: 'vm0', gpa: 0x80000000, write: true },
  ]
  it('gunyah-v15 (fixes on): a partial punch keeps the 2 MiB folio whole', () => {
    expect(() => strict('gunyah-v15', true, [...huge, { op: 'fallocate', fd: 'g0', mode: PUNCH, offset: 4096, len: 4096 }, { op: 'guest_access', vm: 'vm0', gpa: 0x80000000 }])).not.toThrow()
  })
  it('gunyah-v15 (fixes on): memory_failure of page 0 removes the whole 2 MiB folio', () => {
    expect(() => strict('gunyah-v15', true, [...huge, { op: 'memory_failure', fd: 'g0', offset: 0 }])).not.toThrow()
  })
})
