/**
 * Guest faults (kvm_gmem_get_pfn, seed 002 l.3815–3850, and the x86 private-fault caller of the
 * series), KVM_MAP_MEMORY (seed 003) and KVM_SET_MEMORY_ATTRIBUTES (same series, l.3984–3989).
 */
import { describe, it, expect } from 'vitest'
import {
  access, acquires, attrs, balanced, createGmem, createVm, events, folioAt, FOLIO, inject, kvm, mapMemory, mapped,
  MiB, MMU, PAGE, RCU, region, SRCU, stage2At, vmNamed, both, logText, alloc, type Step,
} from '../../helpers/kvm'
import { rangeLoad } from '../../../src/engine/rangemap'

// slot 0: gfn 0x100..0x110 → file pages [16, 32) of "g"
const bound: Step[] = [
  createVm(),
  createGmem('vm', 2 * MiB),
  region({ slot: 0, gpa: 0x100000, size: 16 * PAGE, offset: 16 * PAGE }),
  attrs('vm', 0x100000, 16 * PAGE),
]

describe('kvm_gmem_get_pfn', () => {
  it('kvm_gmem_get_pfn: index = gfn - base_gfn + pgoff; allocates and zeroes the folio and maps it in stage 2 (l.3818, l.3835–3843)', () => {
    const run = kvm([...bound, access('vm', 0x103000, { write: true })])
    expect(run.last.errno).toBeNull()
    expect(run.last.exit).toBeNull()
    const folio = folioAt(run.final, 'g', 19)!
    expect(folio.uptodate).toBe(true)
    const spte = stage2At(run.final, 'vm', 0x103)!
    expect(spte.backing).toBe('gmem')
    expect(spte.index).toBe(19)
    expect(spte.pfn).toBe(folio.pfn)
    expect(spte.writable).toBe(true)
    expect(mapped(run.final, 'vm', 0x100, 0x110)).toBe(1)
  })

  it('kvm_gmem_get_pfn: an existing folio (fallocated) is mapped, not replaced', () => {
    const run = kvm([...bound, alloc('g', 16 * PAGE, PAGE), access('vm', 0x100000)])
    const before = folioAt(run.state(5), 'g', 16)!
    expect(run.last.errno).toBeNull()
    expect(stage2At(run.final, 'vm', 0x100)!.pfn).toBe(before.pfn)
  })

  it('a present stage-2 mapping → no fault: nothing is locked beyond the vCPU, the mapping is unchanged', () => {
    const run = kvm([...bound, access('vm', 0x103000), access('vm', 0x103000)])
    expect(run.last.errno).toBeNull()
    expect(acquires(run.last, [FOLIO, RCU, MMU])).toEqual([])
    expect(stage2At(run.final, 'vm', 0x103)).toEqual(stage2At(run.state(5), 'vm', 0x103))
  })

  it('kvm_gmem_get_pfn: lock order srcu → rcu_read_lock (get_file) → folio_lock → mmu_lock', () => {
    const run = kvm([...bound, access('vm', 0x100000)])
    const order = acquires(run.last, [SRCU, RCU, FOLIO, MMU]).map((s) => s.split(':')[0])
    expect(order).toEqual([SRCU, RCU, FOLIO, MMU])
    const rcu = run.last.locks.find((e) => e.cls === RCU)!
    expect(rcu.fn).toBe('kvm_gmem_get_file')
    expect(rcu.stack).toContain('kvm_gmem_get_pfn')
    // the folio lock is dropped before the SPTE is installed (folio_unlock l.3846)
    const ev = events(run.last, [FOLIO, MMU])
    expect(ev.indexOf(`-${FOLIO}`)).toBeLessThan(ev.indexOf(`+${MMU}`))
    expect(balanced(run.last)).toBe(true)
  })

  it('kvm_faultin_pfn: private fault on a shared gfn → EFAULT, KVM_EXIT_MEMORY_FAULT', () => {
    const run = kvm([...bound.slice(0, 3), access('vm', 0x100000, { private: true })])
    expect(run.last.errno).toBe('EFAULT')
    expect(run.last.exit).toBe('KVM_EXIT_MEMORY_FAULT')
    expect(mapped(run.final, 'vm', 0x100, 0x110)).toBe(0)
  })

  it('kvm_faultin_pfn: shared fault on a private gfn → EFAULT, KVM_EXIT_MEMORY_FAULT', () => {
    const run = kvm([...bound, access('vm', 0x100000, { private: false })])
    expect(run.last.errno).toBe('EFAULT')
    expect(run.last.exit).toBe('KVM_EXIT_MEMORY_FAULT')
  })

  it('kvm_faultin_pfn: shared fault on a shared gfn of a private slot maps the userspace_addr alias, not gmem', () => {
    const run = kvm([...bound.slice(0, 3), access('vm', 0x100000, { private: false })])
    expect(run.last.errno).toBeNull()
    expect(stage2At(run.final, 'vm', 0x100)!.backing).toBe('hva')
    expect(folioAt(run.final, 'g', 16)).toBeUndefined()
  })

  it('kvm_faultin_pfn_private: private fault on a slot without KVM_MEM_PRIVATE → EFAULT, KVM_EXIT_MEMORY_FAULT (kvm_slot_can_be_private)', () => {
    const run = kvm([createVm(), createGmem('vm', 2 * MiB), region({ flags: [], size: 16 * PAGE }), attrs('vm', 0x100000, 16 * PAGE), access('vm', 0x100000)])
    expect(run.last.errno).toBe('EFAULT')
    expect(run.last.exit).toBe('KVM_EXIT_MEMORY_FAULT')
  })

  it('no memslot, shared access → KVM_EXIT_MMIO', () => {
    const run = kvm([createVm(), access('vm', 0x100000, { private: false })])
    expect(run.last.errno).toBeNull()
    expect(run.last.exit).toBe('KVM_EXIT_MMIO')
  })

  it('kvm_gmem_get_pfn (B-K9): fail_page_alloc on the fault-in → oops as written; an error (no oops) with the fixes', () => {
    const { asWritten, fixed } = both([...bound, inject('fail_page_alloc'), access('vm', 0x100000)])
    expect(asWritten.last.signal).toBe('SIGKILL')
    expect(asWritten.final.taint.length).toBeGreaterThan(0)
    expect(asWritten.last.bugs).toContain('B-K9')
    expect(fixed.last.signal).toBeNull()
    expect(fixed.last.errno).toBe('ENOMEM')
    expect(fixed.final.taint).toEqual([])
  })

  it('kvm_gmem_get_pfn: xa_load(bindings, index) != slot → WARN + EIO (l.3830–3833), reached through B-K12', () => {
    const run = kvm([createVm(), createGmem('vm', 2 * MiB), inject('xa_store'), region({ size: 16 * PAGE }), attrs('vm', 0x100000, 16 * PAGE), access('vm', 0x100000), access('vm', 0x101000)])
    expect(run.res(6).errno).toBe('EIO')
    expect(logText(run.res(6))).toMatch(/WARNING/)
    // WARN_ON_ONCE: the second EIO does not warn again
    expect(run.last.errno).toBe('EIO')
    expect(logText(run.last)).not.toMatch(/WARNING/)
  })
})

describe('KVM_MAP_MEMORY (seed 003)', () => {
  const big: Step[] = [createVm(), createGmem('vm', 8 * MiB), region({ size: 8 * MiB }), attrs('vm', 0x100000, 8 * MiB)]

  it('KVM_MAP_MEMORY: a small range is mapped in one call; out fields point past it', () => {
    const run = kvm([...big, mapMemory('vm', 0x100, 100)])
    expect(run.last.errno).toBeNull()
    expect(run.last.ret).toBe(0)
    expect(run.last.out).toMatchObject({ base_gfn: 0x100 + 100, nr_pages: 0 })
    expect(mapped(run.final, 'vm', 0x100, 0x100 + 100)).toBe(100)
    expect(mapped(run.final, 'vm', 0x100 + 100, 0x900)).toBe(0)
  })

  it('KVM_MAP_MEMORY: a large nr_pages makes partial progress and returns EAGAIN with base_gfn/nr_pages advanced; re-issuing with out completes', () => {
    const run = kvm([...big, mapMemory('vm', 0x100, 1024), mapMemory('vm', 0x300, 512)])
    expect(run.res(5).errno).toBe('EAGAIN')
    expect(run.res(5).out).toMatchObject({ base_gfn: 0x300, nr_pages: 512 })
    expect(mapped(run.state(5), 'vm', 0x100, 0x500)).toBe(512)
    expect(run.last.errno).toBeNull()
    expect(run.last.out).toMatchObject({ base_gfn: 0x500, nr_pages: 0 })
    expect(mapped(run.final, 'vm', 0x100, 0x500)).toBe(1024)
  })

  it('KVM_MAP_MEMORY: exactly 512 pages completes in one call', () => {
    const run = kvm([...big, mapMemory('vm', 0x100, 512)])
    expect(run.last.errno).toBeNull()
    expect(run.last.out).toMatchObject({ base_gfn: 0x300, nr_pages: 0 })
  })

  it('KVM_MAP_MEMORY: nr_pages 0 → 0, nothing mapped', () => {
    const run = kvm([...big, mapMemory('vm', 0x100, 0)])
    expect(run.last.errno).toBeNull()
    expect(run.last.ret).toBe(0)
    expect(mapped(run.final, 'vm', 0, 1 << 30)).toBe(0)
  })

  it('KVM_MAP_MEMORY: source != 0 → EOPNOTSUPP', () => {
    const run = kvm([...big, mapMemory('vm', 0x100, 1, ['KVM_MEMORY_MAPPING_FLAG_PRIVATE'], '0x7f0000000000')])
    expect(run.last.errno).toBe('EOPNOTSUPP')
    expect(mapped(run.final, 'vm', 0, 1 << 30)).toBe(0)
  })

  it.each([0x10, 0x100, '0x8000000000000000'])('KVM_MAP_MEMORY: an undefined flag (%s) → EINVAL', (flags) => {
    const run = kvm([...big, mapMemory('vm', 0x100, 1, flags as number)])
    expect(run.last.errno).toBe('EINVAL')
  })

  it('KVM_MAP_MEMORY: WRITE|EXEC|USER|PRIVATE are all accepted', () => {
    const run = kvm([...big, mapMemory('vm', 0x100, 1, ['KVM_MEMORY_MAPPING_FLAG_WRITE', 'KVM_MEMORY_MAPPING_FLAG_EXEC', 'KVM_MEMORY_MAPPING_FLAG_USER', 'KVM_MEMORY_MAPPING_FLAG_PRIVATE'])])
    expect(run.last.errno).toBeNull()
    expect(stage2At(run.final, 'vm', 0x100)!.writable).toBe(true)
  })

  it('KVM_MAP_MEMORY: a gfn with no memslot → ENOENT', () => {
    const run = kvm([...big, mapMemory('vm', 0x10000, 1)])
    expect(run.last.errno).toBe('ENOENT')
  })

  it('KVM_MAP_MEMORY: the range runs off the end of the slot → stops at the first gfn without a memslot, fields point at it', () => {
    const run = kvm([createVm(), createGmem('vm', 2 * MiB), region({ size: 32 * PAGE }), attrs('vm', 0x100000, 32 * PAGE), mapMemory('vm', 0x100, 64)])
    expect(run.last.errno).toBe('ENOENT')
    expect(run.last.out).toMatchObject({ base_gfn: 0x120, nr_pages: 32 })
    expect(mapped(run.final, 'vm', 0x100, 0x120)).toBe(32)
  })

  it('KVM_MAP_MEMORY: PRIVATE on a shared gfn → EFAULT with KVM_EXIT_MEMORY_FAULT', () => {
    const run = kvm([createVm(), createGmem('vm', 2 * MiB), region({ size: 32 * PAGE }), mapMemory('vm', 0x100, 4)])
    expect(run.last.errno).toBe('EFAULT')
    expect(run.last.exit).toBe('KVM_EXIT_MEMORY_FAULT')
  })

  it('KVM_MAP_MEMORY: on a VM fd only (a gmem fd has no ioctl) → ENOTTY', () => {
    const run = kvm([...big, mapMemory('g', 0x100, 1)])
    expect(run.last.errno).toBe('ENOTTY')
  })
})

describe('KVM_SET_MEMORY_ATTRIBUTES', () => {
  const pvm: Step[] = [createVm()]
  it.each([
    ['flags != 0', attrs('vm', 0x100000, PAGE, true, { flags: 1 }), 'EINVAL'],
    ['an unsupported attribute bit (1 << 0)', { ...attrs('vm', 0x100000, PAGE), attributes: 1 }, 'EINVAL'],
    ['size 0', attrs('vm', 0x100000, 0), 'EINVAL'],
    ['address + size wraps', attrs('vm', '0xfffffffffffff000', 2 * PAGE), 'EINVAL'],
    ['unaligned address', attrs('vm', 0x100800, PAGE), 'EINVAL'],
    ['unaligned size', attrs('vm', 0x100000, 0x800), 'EINVAL'],
    ['PRIVATE, no memslot needed', attrs('vm', 0x100000, 16 * PAGE), null],
    ['shared (0)', attrs('vm', 0x100000, 16 * PAGE, false), null],
  ])('kvm_vm_ioctl_set_mem_attributes: %s', (_w, step, errno) => {
    const run = kvm([...pvm, step as Step])
    expect(run.last.errno).toBe(errno)
  })

  it('kvm_supported_mem_attributes: PRIVATE on a default VM → EINVAL (l.3984–3989)', () => {
    const run = kvm([createVm('vm', ['KVM_X86_DEFAULT_VM']), attrs('vm', 0x100000, PAGE)])
    expect(run.last.errno).toBe('EINVAL')
  })

  it('kvm_vm_set_mem_attributes: records the attribute per gfn', () => {
    const run = kvm([...pvm, attrs('vm', 0x100000, 16 * PAGE)])
    const a = vmNamed(run.final, 'vm').attributes
    expect(rangeLoad(a, 0x100)?.private).toBe(true)
    expect(rangeLoad(a, 0x10f)?.private).toBe(true)
    expect(rangeLoad(a, 0x110)?.private ?? false).toBe(false)
  })

  it('kvm_vm_set_mem_attributes: converting private → shared zaps the stage-2 mappings of the range, under slots_lock', () => {
    const run = kvm([...bound, mapMemory('vm', 0x100, 16), attrs('vm', 0x104000, 4 * PAGE, false)])
    expect(run.last.errno).toBeNull()
    expect(mapped(run.final, 'vm', 0x104, 0x108)).toBe(0)
    expect(mapped(run.final, 'vm', 0x100, 0x110)).toBe(12)
    expect(acquires(run.last, ['&kvm->slots_lock'])).toEqual(['&kvm->slots_lock:write'])
    expect(vmNamed(run.final, 'vm').mmu.inProgress).toBe(0)
  })
})
