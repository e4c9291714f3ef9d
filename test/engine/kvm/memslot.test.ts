/**
 * KVM_SET_USER_MEMORY_REGION2 with KVM_MEM_PRIVATE: check_memory_region_flags (seed 002
 * l.3911–3926), __kvm_set_memory_region (l.3927–3980), kvm_gmem_bind (l.3717–3787),
 * kvm_gmem_unbind on delete (l.3789–3813, l.3899–3903). Bugs: B-K5, B-K8, B-K12.
 */
import { describe, it, expect } from 'vitest'
import {
  access, acquires, attrs, balanced, both, cached, close, createGmem, createVm, events, fileNamed, INV, kvm, logText,
  mapMemory, mapped, MiB, PAGE, region, SLOTS, slotOf, vmNamed, inject, alloc, type Step,
} from '../../helpers/kvm'

const pvmG: Step[] = [createVm(), createGmem('vm', 2 * MiB)]

describe('check_memory_region_flags', () => {
  it.each([
    ['PRIVATE on a default VM (no private mem)', 'KVM_X86_DEFAULT_VM', ['KVM_MEM_PRIVATE'], 'EINVAL'],
    ['PRIVATE on a protected VM', 'KVM_X86_SW_PROTECTED_VM', ['KVM_MEM_PRIVATE'], null],
    ['PRIVATE|LOG_DIRTY_PAGES (dirty logging private memory is not supported)', 'KVM_X86_SW_PROTECTED_VM', ['KVM_MEM_PRIVATE', 'KVM_MEM_LOG_DIRTY_PAGES'], 'EINVAL'],
    ['LOG_DIRTY_PAGES alone on a protected VM', 'KVM_X86_SW_PROTECTED_VM', ['KVM_MEM_LOG_DIRTY_PAGES'], null],
    ['LOG_DIRTY_PAGES on a default VM', 'KVM_X86_DEFAULT_VM', ['KVM_MEM_LOG_DIRTY_PAGES'], null],
    ['READONLY alone', 'KVM_X86_SW_PROTECTED_VM', ['KVM_MEM_READONLY'], null],
    ['READONLY|LOG_DIRTY_PAGES', 'KVM_X86_DEFAULT_VM', ['KVM_MEM_READONLY', 'KVM_MEM_LOG_DIRTY_PAGES'], null],
    ['an undefined bit (1 << 3)', 'KVM_X86_SW_PROTECTED_VM', 8, 'EINVAL'],
    ['an undefined bit (1 << 31)', 'KVM_X86_SW_PROTECTED_VM', 0x80000000, 'EINVAL'],
  ])('check_memory_region_flags: %s', (_what, type, flags, errno) => {
    const run = kvm([createVm('vm', [type]), createGmem('vm', 2 * MiB), region({ flags: flags as never })])
    expect(run.last.errno).toBe(errno)
    if (errno) expect(run.last.rule?.fn).toBe('check_memory_region_flags')
  })

  it('check_memory_region_flags (B-K8): PRIVATE|READONLY accepted as written, EINVAL with the fixes (l.3924–3926)', () => {
    const { asWritten, fixed } = both([...pvmG, region({ flags: ['KVM_MEM_PRIVATE', 'KVM_MEM_READONLY'] })])
    expect(asWritten.last.errno).toBeNull()
    expect(asWritten.last.bugs).toContain('B-K8')
    expect(slotOf(asWritten.final, 'vm', 0)?.gmem.file).toBe(fileNamed(asWritten.final, 'g').id)
    expect(fixed.last.errno).toBe('EINVAL')
    expect(fixed.last.bugs).toContain('B-K8')
    expect(slotOf(fixed.final, 'vm', 0)).toBeUndefined()
    expect(fileNamed(fixed.final, 'g').bindings).toEqual([])
  })

  it('check_memory_region_flags runs first: PRIVATE on a default VM with an unaligned size is refused by the flags check', () => {
    const run = kvm([createVm('vm', ['KVM_X86_DEFAULT_VM']), createGmem('vm', 2 * MiB), region({ size: 0x1001 })])
    expect(run.last.errno).toBe('EINVAL')
    expect(run.last.rule?.fn).toBe('check_memory_region_flags')
  })
})

describe('__kvm_set_memory_region', () => {
  it.each([
    ['memory_size not page aligned', { size: 0x1800 }],
    ['guest_phys_addr not page aligned', { gpa: 0x100800 }],
    ['userspace_addr not page aligned', { uaddr: '0x7f0000000800' }],
    ['userspace_addr fails access_ok (kernel half)', { uaddr: '0xffff800000000000' }],
    ['PRIVATE and gmem_offset not page aligned (l.3940–3943)', { offset: 0x800 }],
    ['PRIVATE and gmem_offset + memory_size wraps (l.3942)', { offset: '0xfffffffffffff000', size: 2 * PAGE }],
    ['slot id ≥ KVM_USER_MEM_SLOTS', { slot: 32764 }],
    ['as_id ≥ KVM_ADDRESS_SPACE_NUM', { slot: 2 << 16 }],
    ['guest_phys_addr + memory_size wraps', { gpa: '0xfffffffffffff000', size: 2 * PAGE }],
  ])('__kvm_set_memory_region: %s → EINVAL, nothing bound', (_what, args) => {
    const run = kvm([...pvmG, region(args as never)])
    expect(run.last.errno).toBe('EINVAL')
    expect(fileNamed(run.final, 'g').bindings).toEqual([])
    expect(Object.keys(vmNamed(run.final, 'vm').memslots)).toHaveLength(0)
  })

  it('__kvm_set_memory_region: gmem_offset is not checked without KVM_MEM_PRIVATE', () => {
    const run = kvm([...pvmG, region({ flags: [], offset: 0x800 })])
    expect(run.last.errno).toBeNull()
  })

  it('__kvm_set_memory_region: slot id KVM_USER_MEM_SLOTS - 1 is valid', () => {
    const run = kvm([...pvmG, region({ slot: 32763 })])
    expect(run.last.errno).toBeNull()
  })

  it('__kvm_set_memory_region: deleting a slot that does not exist → EINVAL', () => {
    const run = kvm([...pvmG, region({ slot: 5, size: 0 })])
    expect(run.last.errno).toBe('EINVAL')
  })

  it('kvm_check_memslot_overlap: a new slot overlapping another → EEXIST, checked before kvm_gmem_bind', () => {
    const run = kvm([
      ...pvmG,
      region({ slot: 0, gpa: 0x100000, size: 16 * PAGE }),
      // a bad guest_memfd would make bind fail with EINVAL: EEXIST proves the overlap check comes first
      region({ slot: 1, gpa: 0x108000, size: 16 * PAGE, gmem: 99 }),
    ])
    expect(run.last.errno).toBe('EEXIST')
  })

  it('kvm_arch_prepare_memory_region runs after kvm_gmem_bind: its failure unbinds (out_restricted) so the range can be bound again (l.3961–3979)', () => {
    const run = kvm([
      ...pvmG,
      region({ slot: 0, gpa: '0x10000000000000', size: 16 * PAGE }), // gfn beyond the 52-bit MAXPHYADDR
      region({ slot: 1, gpa: 0x100000, size: 16 * PAGE }),
    ])
    expect(run.res(3).errno).toBe('EINVAL')
    expect(run.res(3).rule?.fn).not.toBe('kvm_gmem_bind')
    expect(fileNamed(run.state(3), 'g').bindings).toEqual([])
    expect(run.last.errno).toBeNull()
  })

  describe('private memslots are immutable (l.3951–3953)', () => {
    const created: Step[] = [...pvmG, region({ slot: 0, gpa: 0x100000, size: 16 * PAGE })]
    it.each([
      ['the identical PRIVATE region again', {}],
      ['a move with PRIVATE', { gpa: 0x200000 }],
      ['PRIVATE|LOG_DIRTY is refused earlier by the flags check', { flags: ['KVM_MEM_PRIVATE', 'KVM_MEM_LOG_DIRTY_PAGES'] }],
    ])('__kvm_set_memory_region: modifying a slot with %s → EINVAL', (_w, args) => {
      const run = kvm([...created, region({ slot: 0, gpa: 0x100000, size: 16 * PAGE, ...args } as never)])
      expect(run.last.errno).toBe('EINVAL')
      expect(slotOf(run.final, 'vm', 0)).toEqual(slotOf(run.state(3), 'vm', 0))
    })

    it('__kvm_set_memory_region: adding PRIVATE to an existing shared slot → EINVAL', () => {
      const run = kvm([...pvmG, region({ slot: 0, flags: [], size: 16 * PAGE }), region({ slot: 0, size: 16 * PAGE })])
      expect(run.last.errno).toBe('EINVAL')
      expect(fileNamed(run.final, 'g').bindings).toEqual([])
    })

    it('__kvm_set_memory_region (B-K5): turning PRIVATE off is accepted as written and release then writes a freed slot (KASAN UAF); EINVAL with the fixes', () => {
      const steps: Step[] = [
        ...pvmG,
        region({ slot: 0, gpa: 0x100000, size: 16 * PAGE }),
        region({ slot: 0, gpa: 0x100000, size: 16 * PAGE, flags: [] }),
        close('g'),
      ]
      const { asWritten, fixed } = both(steps)
      expect(asWritten.res(4).errno).toBeNull()
      expect(asWritten.res(4).bugs).toContain('B-K5')
      expect(logText(asWritten.last)).toMatch(/KASAN/)
      expect(logText(asWritten.last)).toMatch(/use-after-free/)
      expect(asWritten.final.taint.length).toBeGreaterThan(0)

      expect(fixed.res(4).errno).toBe('EINVAL')
      expect(fixed.res(4).bugs).toContain('B-K5')
      expect(fixed.last.errno).toBeNull()
      expect(logText(fixed.last)).not.toMatch(/KASAN/)
      expect(fixed.final.taint).toEqual([])
    })
  })

  describe('B-K5 as written: every walker of the xarray dereferences the freed slot', () => {
    const toggled: Step[] = [
      ...pvmG,
      region({ slot: 0, gpa: 0x100000, size: 16 * PAGE }),
      region({ slot: 0, gpa: 0x100000, size: 16 * PAGE, flags: [] }),
    ]
    it('kvm_gmem_invalidate_begin (B-K5): a punch over the stale binding reads slot->gmem.pgoff of the freed slot → KASAN (l.3359–3364)', () => {
      const run = kvm([...toggled, { op: 'fallocate', fd: 'g', mode: ['FALLOC_FL_KEEP_SIZE', 'FALLOC_FL_PUNCH_HOLE'], offset: 0, len: PAGE }])
      expect(logText(run.last)).toMatch(/KASAN: slab-use-after-free/)
      expect(run.final.taint.length).toBeGreaterThan(0)
    })

    // KASAN reports only the first bug unless kasan_multi_shot: the walker that comes first reports
    it('kvm_gmem_error_page (B-K5): memory_failure over the stale binding reads slot->base_gfn of the freed slot → KASAN (l.3575–3578)', () => {
      const run = kvm([...toggled, alloc('g', 0, PAGE), { op: 'memory_failure', fd: 'g', offset: 0 }])
      expect(logText(run.last)).toMatch(/KASAN: slab-use-after-free/)
      expect(run.final.taint.length).toBeGreaterThan(0)
    })

    it('kvm_faultin_pfn_private (B-K5): the replacement slot is not private: a private fault → EFAULT, KVM_EXIT_MEMORY_FAULT', () => {
      const run = kvm([...toggled, attrs('vm', 0x100000, 16 * PAGE), access('vm', 0x100000)])
      expect(run.last.errno).toBe('EFAULT')
      expect(run.last.exit).toBe('KVM_EXIT_MEMORY_FAULT')
    })
  })

  describe('modifying a shared slot', () => {
    const shared: Step[] = [...pvmG, region({ slot: 0, flags: [], size: 16 * PAGE })]
    it.each([
      ['a different userspace_addr', { uaddr: '0x7f0000100000' }, 'EINVAL'],
      ['a different size', { size: 32 * PAGE }, 'EINVAL'],
      ['toggling READONLY', { flags: ['KVM_MEM_READONLY'] }, 'EINVAL'],
      ['nothing changed', {}, null],
      ['a move', { gpa: 0x400000 }, null],
      ['LOG_DIRTY on (flags only)', { flags: ['KVM_MEM_LOG_DIRTY_PAGES'] }, null],
    ])('__kvm_set_memory_region: %s', (_w, args, errno) => {
      const run = kvm([...shared, region({ slot: 0, flags: [], size: 16 * PAGE, ...args } as never)])
      expect(run.last.errno).toBe(errno)
    })
  })
})

describe('kvm_gmem_bind', () => {
  it('kvm_gmem_bind: success publishes slot->gmem.file and pgoff and fills the xarray over [start, end) (l.3770–3773)', () => {
    const run = kvm([...pvmG, region({ gpa: 0x100000, size: 16 * PAGE, offset: 32 * PAGE })])
    expect(run.last.errno).toBeNull()
    const slot = slotOf(run.final, 'vm', 0)!
    const g = fileNamed(run.final, 'g')
    expect(slot.gmem).toEqual({ file: g.id, pgoff: 32 })
    expect(slot.baseGfn).toBe(0x100)
    expect(slot.npages).toBe(16)
    expect(g.bindings).toEqual([{ start: 32, end: 48, value: { slot: slot.uid } }])
    // "Drop the reference to the file, even on success" (l.3776–3781): the slot does not pin it
    expect(g.fCount).toBe(1)
  })

  it.each([
    ['a bad fd (fget fails → EINVAL, not EBADF) (l.3728–3730)', { gmem: 99 }],
    ['not a guest_memfd: the VM fd (l.3732)', { gmem: 'vm' }],
    ['negative offset as loff_t (l.3747)', { offset: '0x8000000000000000' }],
    ['offset + size > i_size (l.3751)', { offset: 2 * MiB - 8 * PAGE, size: 16 * PAGE }],
    ['slot bigger than the file (l.3751)', { size: 4 * MiB }],
    ['offset past i_size (l.3751)', { offset: 4 * MiB, size: PAGE }],
  ])('kvm_gmem_bind: %s → EINVAL', (_w, args) => {
    const run = kvm([...pvmG, region(args as never)])
    expect(run.last.errno).toBe('EINVAL')
    expect(run.last.rule?.fn).toBe('kvm_gmem_bind')
    expect(slotOf(run.final, 'vm', 0)).toBeUndefined()
    expect(fileNamed(run.final, 'g').bindings).toEqual([])
  })

  it('kvm_gmem_bind: a guest_memfd of another VM → EINVAL (l.3736)', () => {
    const run = kvm([createVm('vm'), createVm('other'), createGmem('other', 2 * MiB, 'og'), region({ gmem: 'og' })])
    expect(run.last.errno).toBe('EINVAL')
    expect(run.last.rule?.fn).toBe('kvm_gmem_bind')
  })

  it('kvm_gmem_bind: offset + size == i_size is allowed', () => {
    const run = kvm([...pvmG, region({ offset: 2 * MiB - 16 * PAGE, size: 16 * PAGE })])
    expect(run.last.errno).toBeNull()
  })

  it('kvm_gmem_bind: an unaligned offset is already refused by __kvm_set_memory_region (l.3940)', () => {
    const run = kvm([...pvmG, region({ offset: 0x800 })])
    expect(run.last.errno).toBe('EINVAL')
    expect(run.last.rule?.fn).toBe('__kvm_set_memory_region')
  })

  it.each([
    ['same range', 0, 'EINVAL'],
    ['overlapping the tail', 8 * PAGE, 'EINVAL'],
    ['overlapping the head', -8, 'EINVAL'],
    ['last page only', 15 * PAGE, 'EINVAL'],
    ['adjacent after', 16 * PAGE, null],
    ['disjoint, far', 256 * PAGE, null],
  ])('kvm_gmem_bind: a second slot on the same file, %s (l.3759–3763)', (_w, off, errno) => {
    const first = region({ slot: 0, gpa: 0x100000, size: 16 * PAGE, offset: 16 * PAGE })
    const offset = off === -8 ? 8 * PAGE : (off as number) + 16 * PAGE
    const run = kvm([...pvmG, first, region({ slot: 1, gpa: 0x400000, size: 16 * PAGE, offset })])
    expect(run.last.errno).toBe(errno)
    const g = fileNamed(run.final, 'g')
    if (errno) {
      expect(run.last.rule?.fn).toBe('kvm_gmem_bind')
      expect(g.bindings).toHaveLength(1)
      expect(slotOf(run.final, 'vm', 1)).toBeUndefined()
    } else {
      const s0 = slotOf(run.final, 'vm', 0)!
      const s1 = slotOf(run.final, 'vm', 1)!
      expect(s1.gmem.pgoff).toBe(offset / PAGE)
      expect(g.bindings.map((e) => e.value.slot).sort()).toEqual([s0.uid, s1.uid].sort())
    }
  })

  it('kvm_gmem_bind: lock order slots_lock → invalidate_lock (write), released inside it (l.3754–3774)', () => {
    const run = kvm([...pvmG, region()])
    expect(acquires(run.last, [SLOTS, INV])).toEqual([`${SLOTS}:write`, `${INV}:write`])
    const ev = events(run.last, [SLOTS, INV])
    expect(ev).toEqual([`+${SLOTS}`, `+${INV}`, `-${INV}`, `-${SLOTS}`])
    const inv = run.last.locks.find((e) => e.cls === INV && e.kind === 'acquire')!
    expect(inv.fn).toBe('kvm_gmem_bind')
    expect(inv.stack).toContain('__kvm_set_memory_region')
    expect(balanced(run.last)).toBe(true)
  })

  it('kvm_gmem_bind: a shared slot takes no invalidate_lock', () => {
    const run = kvm([...pvmG, region({ flags: [] })])
    expect(acquires(run.last, [INV])).toEqual([])
  })

  it('kvm_gmem_bind (B-K12): xa_store_range fails → bind returns 0 as written and the first private fault gets EIO with a WARN; ENOMEM with the fixes (l.3773, l.3830)', () => {
    const steps: Step[] = [
      ...pvmG,
      inject('xa_store'),
      region({ gpa: 0x100000, size: 16 * PAGE }),
      attrs('vm', 0x100000, 16 * PAGE),
      access('vm', 0x100000),
    ]
    const { asWritten, fixed } = both(steps)
    expect(asWritten.res(4).errno).toBeNull()
    expect(asWritten.res(4).bugs).toContain('B-K12')
    expect(slotOf(asWritten.state(4), 'vm', 0)?.gmem.file).toBe(fileNamed(asWritten.final, 'g').id)
    expect(fileNamed(asWritten.state(4), 'g').bindings).toEqual([])
    expect(asWritten.last.errno).toBe('EIO')
    expect(logText(asWritten.last)).toMatch(/WARNING/)
    expect(mapped(asWritten.final, 'vm', 0x100, 0x110)).toBe(0)

    expect(fixed.res(4).errno).toBe('ENOMEM')
    expect(fixed.res(4).bugs).toContain('B-K12')
    expect(slotOf(fixed.state(4), 'vm', 0)).toBeUndefined()
    expect(balanced(fixed.res(4))).toBe(true)
  })
})

describe('B-K12 as written: the slot is published but release cannot find it', () => {
  const lost: Step[] = [
    ...pvmG,
    inject('xa_store'),
    region({ gpa: 0x100000, size: 16 * PAGE }),
    attrs('vm', 0x100000, 16 * PAGE),
  ]
  it('kvm_gmem_release (B-K12): xa_for_each finds no binding, so slot->gmem.file is not cleared (l.3504–3505)', () => {
    const run = kvm([...lost, close('g')])
    expect(slotOf(run.final, 'vm', 0)?.gmem.file).toBe(fileNamed(run.state(4), 'g').id)
    expect(fileNamed(run.final, 'g').released).toBe(true)
  })

  it('kvm_gmem_punch_hole (B-K12): invalidate_end finds no binding → in_progress stays raised (B-K2 via B-K12)', () => {
    const run = kvm([...lost, { op: 'fallocate', fd: 'g', mode: ['FALLOC_FL_KEEP_SIZE', 'FALLOC_FL_PUNCH_HOLE'], offset: 0, len: PAGE }])
    expect(vmNamed(run.final, 'vm').mmu.inProgress).toBe(1)
  })

  // After release the slot still points at the freed struct file; kvm_gmem_get_file() then does
  // rcu_dereference + get_file_rcu() on freed memory (l.3537–3538): a use-after-free.
  it('kvm_gmem_get_file (B-K12): a private fault after release dereferences the freed file → KASAN use-after-free (l.3535–3541)', () => {
    const run = kvm([...lost, close('g'), access('vm', 0x100000)])
    expect(logText(run.last)).toMatch(/KASAN: .*use-after-free/)
    expect(run.final.taint.length).toBeGreaterThan(0)
  })

  it('kvm_gmem_unbind (B-K12): deleting the slot after release dereferences the freed file → KASAN use-after-free (l.3800, l.3537)', () => {
    const run = kvm([...lost, close('g'), region({ gpa: 0x100000, size: 0 })])
    expect(logText(run.last)).toMatch(/KASAN: .*use-after-free/)
    expect(run.final.taint.length).toBeGreaterThan(0)
  })
})

describe('kvm_gmem_unbind (memslot delete: kvm_free_memslot, l.3899–3903)', () => {
  const bound: Step[] = [
    ...pvmG,
    region({ slot: 0, gpa: 0x100000, size: 16 * PAGE }),
    attrs('vm', 0x100000, 16 * PAGE),
    mapMemory('vm', 0x100, 16),
  ]
  const del = region({ slot: 0, gpa: 0x100000, size: 0 })

  it('kvm_gmem_unbind: delete erases the xarray range and the slot; the folios survive (UB-K4)', () => {
    const run = kvm([...bound, del])
    expect(run.last.errno).toBeNull()
    expect(slotOf(run.final, 'vm', 0)).toBeUndefined()
    expect(fileNamed(run.final, 'g').bindings).toEqual([])
    expect(mapped(run.final, 'vm', 0x100, 0x110)).toBe(0)
    expect(cached(run.final, 'g', 0, 16)).toBe(16)
    expect(balanced(run.last)).toBe(true)
  })

  it('kvm_gmem_unbind: lock order slots_lock → invalidate_lock (write) (l.3806)', () => {
    const run = kvm([...bound, del])
    const ev = events(run.last, [SLOTS, INV])
    expect(ev[0]).toBe(`+${SLOTS}`)
    expect(ev).toContain(`+${INV}`)
    expect(ev.indexOf(`-${INV}`)).toBeLessThan(ev.indexOf(`-${SLOTS}`))
    const inv = run.last.locks.find((e) => e.cls === INV && e.kind === 'acquire')!
    expect(inv.fn).toBe('kvm_gmem_unbind')
    expect(inv.mode).toBe('write')
  })

  it('kvm_gmem_unbind: after delete, the same file range can be bound again by a new slot', () => {
    const run = kvm([...bound, del, region({ slot: 1, gpa: 0x800000, size: 16 * PAGE }), attrs('vm', 0x800000, 16 * PAGE), access('vm', 0x800000)])
    expect(run.res(6).errno).toBeNull()
    expect(run.res(7).errno).toBeNull()
    expect(run.last.errno).toBeNull()
    // the contents survived the delete: the new slot maps the same folio
    expect(mapped(run.final, 'vm', 0x800, 0x801)).toBe(1)
  })

  it('kvm_gmem_unbind: without the delete, binding the same range again → EINVAL', () => {
    const run = kvm([...bound, region({ slot: 1, gpa: 0x800000, size: 16 * PAGE })])
    expect(run.last.errno).toBe('EINVAL')
  })

  it('kvm_gmem_unbind: nothing to do once the file is closed: delete after close takes no invalidate_lock (l.3800–3802)', () => {
    const run = kvm([...bound, close('g'), del])
    expect(run.last.errno).toBeNull()
    expect(acquires(run.last, [INV])).toEqual([])
    expect(slotOf(run.final, 'vm', 0)).toBeUndefined()
  })

  it('a deleted slot: attributes outlive it (shared access → KVM_EXIT_MEMORY_FAULT); once shared again, no memslot → KVM_EXIT_MMIO', () => {
    const run = kvm([...bound, del, access('vm', 0x100000, { private: false }), attrs('vm', 0x100000, 16 * PAGE, false), access('vm', 0x100000, { private: false })])
    expect(run.res(7).errno).toBe('EFAULT')
    expect(run.res(7).exit).toBe('KVM_EXIT_MEMORY_FAULT')
    expect(run.last.exit).toBe('KVM_EXIT_MMIO')
  })

  it('allocating in the file keeps working after all slots are deleted', () => {
    const run = kvm([...bound, del, alloc('g', 0, 32 * PAGE)])
    expect(run.last.errno).toBeNull()
  })
})
