/**
 * kvm_gmem_release (seed 002 l.3486–3529) and object lifetimes: the gmem file pins the VM
 * (kvm_get_kvm l.3674, kvm_put_kvm l.3526), slots outlive the file with gmem.file = NULL.
 * Bugs: B-K1 (lock order, l.3493/3502, fix at l.333–361), B-K2 (unbalanced invalidation).
 */
import { describe, it, expect } from 'vitest'
import {
  access, acquires, attrs, balanced, both, close, createGmem, createVm, events, fileNamed, INV, kvm, mapMemory,
  mapped, MiB, MMU, PAGE, region, SLOTS, slotOf, vmNamed, punch, alloc, cached, type Step,
} from '../../helpers/kvm'

const bound: Step[] = [
  createVm(),
  createGmem('vm', 2 * MiB),
  region({ slot: 0, gpa: 0x100000, size: 16 * PAGE }),
  attrs('vm', 0x100000, 16 * PAGE),
  mapMemory('vm', 0x100, 16),
]

describe('kvm_gmem_release', () => {
  it('kvm_gmem_release: bound slots keep existing with gmem.file = NULL; the file is gone (l.3504–3505)', () => {
    const run = kvm([...bound, close('g')])
    expect(run.last.errno).toBeNull()
    const slot = slotOf(run.final, 'vm', 0)!
    expect(slot).toBeDefined()
    expect(slot.gmem.file).toBeNull()
    expect(Object.values(run.final.files).find((f) => f.label === 'g' && !f.released)).toBeUndefined()
  })

  it('kvm_gmem_release: zaps every SPTE of the file, invalidation balanced (l.3514–3515)', () => {
    const run = kvm([...bound, close('g')])
    expect(mapped(run.state(5), 'vm', 0x100, 0x110)).toBe(16)
    expect(mapped(run.final, 'vm', 0x100, 0x110)).toBe(0)
    expect(vmNamed(run.final, 'vm').mmu.inProgress).toBe(0)
    const mmu = run.last.locks.filter((e) => e.cls === MMU && e.kind === 'acquire').map((e) => e.fn)
    expect(mmu).toEqual(['kvm_gmem_invalidate_begin', 'kvm_gmem_invalidate_end'])
    expect(balanced(run.last)).toBe(true)
  })

  it('kvm_gmem_get_pfn after release: slot->gmem.file is NULL → EFAULT, KVM_EXIT_MEMORY_FAULT (l.3824–3826)', () => {
    const run = kvm([...bound, close('g'), access('vm', 0x101000)])
    expect(run.last.errno).toBe('EFAULT')
    expect(run.last.exit).toBe('KVM_EXIT_MEMORY_FAULT')
    expect(run.last.rule?.fn).toBe('kvm_gmem_get_pfn')
  })

  it('KVM_MAP_MEMORY after release: the private fault fails with EFAULT', () => {
    const run = kvm([...bound, close('g'), mapMemory('vm', 0x100, 1)])
    expect(run.last.errno).toBe('EFAULT')
  })

  it('kvm_gmem_release: lock order as written invalidate_lock → slots_lock → mmu_lock (B-K1, l.3493/3502); with the fixes slots_lock → invalidate_lock → mmu_lock (l.344–361)', () => {
    const { asWritten, fixed } = both([...bound, close('g')])
    expect(acquires(asWritten.last, [INV, SLOTS, MMU])).toEqual([`${INV}:write`, `${SLOTS}:write`, `${MMU}:write`, `${MMU}:write`])
    expect(events(asWritten.last, [INV, SLOTS])).toEqual([`+${INV}`, `+${SLOTS}`, `-${SLOTS}`, `-${INV}`])
    expect(asWritten.last.bugs).toContain('B-K1')
    expect(acquires(fixed.last, [INV, SLOTS, MMU])).toEqual([`${SLOTS}:write`, `${INV}:write`, `${MMU}:write`, `${MMU}:write`])
    // the fix releases invalidate_lock first, then slots_lock (l.359–361)
    expect(events(fixed.last, [INV, SLOTS])).toEqual([`+${SLOTS}`, `+${INV}`, `-${INV}`, `-${SLOTS}`])
    expect(fixed.last.bugs).toContain('B-K1')
    for (const r of [asWritten.last, fixed.last]) {
      const inv = r.locks.find((e) => e.cls === INV && e.kind === 'acquire')!
      expect(inv.fn).toBe('kvm_gmem_release')
      expect(balanced(r)).toBe(true)
    }
  })

  it('B-K1: bind records slots_lock → invalidate_lock and release records the reverse as written (the splat of l.282–322)', () => {
    const run = kvm([...bound, close('g')])
    const bind = events(run.res(3), [SLOTS, INV])
    const rel = events(run.last, [SLOTS, INV])
    expect(bind.indexOf(`+${SLOTS}`)).toBeLessThan(bind.indexOf(`+${INV}`))
    expect(rel.indexOf(`+${INV}`)).toBeLessThan(rel.indexOf(`+${SLOTS}`))
  })

  it('kvm_gmem_release: frees no memory itself; the last file of the inode evicts it (RL-K2)', () => {
    const run = kvm([...bound, close('g')])
    expect(cached(run.state(5), 'g', 0, 16)).toBe(16)
    // a single file per inode: release then evict
    const inode = Object.values(run.final.inodes)[0]!
    expect(inode.evicted).toBe(true)
  })

  it('kvm_gmem_release (B-K2): closing an unbound gmem leaves mmu_invalidate_in_progress at 1 and the next fault retries as written; balanced with the fixes', () => {
    const steps: Step[] = [...bound.slice(0, 4), createGmem('vm', 2 * MiB, 'g2'), close('g2'), access('vm', 0x100000)]
    const { asWritten, fixed } = both(steps)
    expect(asWritten.res(6).errno).toBeNull()
    expect(asWritten.res(6).bugs).toContain('B-K2')
    expect(vmNamed(asWritten.state(6), 'vm').mmu.inProgress).toBe(1)
    expect(asWritten.last.exit).toBe('RET_PF_RETRY')
    expect(mapped(asWritten.final, 'vm', 0x100, 0x101)).toBe(0)

    expect(fixed.res(6).bugs).toContain('B-K2')
    expect(vmNamed(fixed.state(6), 'vm').mmu.inProgress).toBe(0)
    expect(fixed.last.exit).toBeNull()
    expect(fixed.last.errno).toBeNull()
    expect(mapped(fixed.final, 'vm', 0x100, 0x101)).toBe(1)
  })

  it('B-K2 as written: the livelock persists: every later fault retries, MAP_MEMORY gets EAGAIN', () => {
    const steps: Step[] = [...bound.slice(0, 4), createGmem('vm', 2 * MiB, 'g2'), close('g2'), access('vm', 0x100000), access('vm', 0x105000), mapMemory('vm', 0x100, 4)]
    const run = kvm(steps)
    expect(run.res(7).exit).toBe('RET_PF_RETRY')
    expect(run.res(8).exit).toBe('RET_PF_RETRY')
    expect(run.last.errno).toBe('EAGAIN')
  })

  it('kvm_gmem_release: a bound gmem closes with balanced invalidation (no B-K2)', () => {
    const run = kvm([...bound, close('g'), createGmem('vm', 2 * MiB, 'g2')])
    expect(vmNamed(run.state(6), 'vm').mmu.inProgress).toBe(0)
  })
})

describe('lifetimes: the file pins the VM, not the other way round', () => {
  it('kvm_put_kvm: closing the VM fd while a guest_memfd is open does not destroy the VM', () => {
    const run = kvm([...bound, close('vm')])
    expect(run.last.errno).toBeNull()
    const vm = vmNamed(run.final, 'vm')
    expect(vm.destroyed).toBe(false)
    expect(vm.usersCount).toBe(1)
  })

  it('kvm_gmem_release → kvm_put_kvm: the last guest_memfd close destroys the VM (l.3526)', () => {
    const run = kvm([...bound, close('vm'), close('g')])
    expect(run.last.errno).toBeNull()
    expect(vmNamed(run.final, 'vm').destroyed).toBe(true)
  })

  it('kvm_put_kvm: with no guest_memfd, closing the VM fd destroys it', () => {
    const run = kvm([createVm(), close('vm')])
    expect(vmNamed(run.final, 'vm').destroyed).toBe(true)
  })

  it('a failed guest_memfd create takes no VM reference: the VM is destroyed on its fd close', () => {
    const run = kvm([createVm(), createGmem('vm', 0x1001), close('vm')])
    expect(vmNamed(run.final, 'vm').destroyed).toBe(true)
  })

  it('the gmem keeps working while the VM fd is closed: punch under a binding still zaps the live VM', () => {
    const run = kvm([...bound, close('vm'), punch('g', 0, 4 * PAGE)])
    expect(run.last.errno).toBeNull()
    expect(mapped(run.final, 'vm', 0x100, 0x104)).toBe(0)
    expect(mapped(run.final, 'vm', 0x104, 0x110)).toBe(12)
  })

  it('two guest_memfds: the VM survives until both are closed', () => {
    const run = kvm([createVm(), createGmem('vm', 2 * MiB, 'a'), createGmem('vm', 2 * MiB, 'b'), close('vm'), close('a'), close('b')])
    expect(vmNamed(run.state(4), 'vm').usersCount).toBe(2)
    expect(vmNamed(run.state(5), 'vm').destroyed).toBe(false)
    expect(vmNamed(run.final, 'vm').destroyed).toBe(true)
  })

  it('close of a closed fd → EBADF', () => {
    const run = kvm([createVm(), createGmem('vm', 2 * MiB), close('g'), close('g')])
    expect(run.last.errno).toBe('EBADF')
  })

  it('kvm_gmem_bind drops its file reference: a bound slot holds no f_count, the closed fd is gone (l.3776–3781)', () => {
    const run = kvm([...bound, close('g'), alloc('g', 0, PAGE)])
    expect(run.last.errno).toBe('EBADF')
    expect(fileNamed(run.state(5), 'g').fCount).toBe(1)
  })
})
