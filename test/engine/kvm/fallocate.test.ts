/**
 * fallocate on a guest_memfd: vfs_fallocate's generic checks (fs/open.c), then kvm_gmem_fallocate
 * (seed 002 l.3462–3484), kvm_gmem_allocate (l.3415–3460) and kvm_gmem_punch_hole (l.3389–3413)
 * with kvm_gmem_invalidate_begin/end (l.3347–3387). Bugs: B-K2 (punch of an unbound range), B-K9.
 */
import { describe, it, expect } from 'vitest'
import {
  access, acquires, alloc, balanced, both, cached, createGmem, createVm, events, fallocate, folioAt, FOLIO, inject, INV,
  kvm, logText, mapMemory, mapped, mappedRanges, MiB, MMU, PAGE, punch, region, attrs, vmNamed, type Step,
} from '../../helpers/kvm'

const gmem2M: Step[] = [createVm(), createGmem('vm', 2 * MiB)]

describe('vfs_fallocate generic checks, then kvm_gmem_fallocate', () => {
  it.each([
    ['KEEP_SIZE, aligned, inside i_size', ['FALLOC_FL_KEEP_SIZE'], 0, PAGE, null],
    ['offset < 0', ['FALLOC_FL_KEEP_SIZE'], -PAGE, PAGE, 'EINVAL'],
    ['len == 0', ['FALLOC_FL_KEEP_SIZE'], 0, 0, 'EINVAL'],
    ['len < 0', ['FALLOC_FL_KEEP_SIZE'], 0, -PAGE, 'EINVAL'],
    ['len < 0 beats a bad mode', 0x80, 0, -PAGE, 'EINVAL'],
    ['mode outside FALLOC_FL_SUPPORTED_MASK', 0x80, 0, PAGE, 'EOPNOTSUPP'],
    ['PUNCH_HOLE without KEEP_SIZE', ['FALLOC_FL_PUNCH_HOLE'], 0, PAGE, 'EOPNOTSUPP'],
    ['COLLAPSE_RANGE not alone (vfs, before the gmem mode check)', ['FALLOC_FL_COLLAPSE_RANGE', 'FALLOC_FL_KEEP_SIZE'], 0, PAGE, 'EINVAL'],
    ['INSERT_RANGE not alone', ['FALLOC_FL_INSERT_RANGE', 'FALLOC_FL_KEEP_SIZE'], 0, PAGE, 'EINVAL'],
    ['UNSHARE_RANGE with PUNCH_HOLE', ['FALLOC_FL_UNSHARE_RANGE', 'FALLOC_FL_KEEP_SIZE', 'FALLOC_FL_PUNCH_HOLE'], 0, PAGE, 'EINVAL'],
    ['offset + len wraps through zero', ['FALLOC_FL_KEEP_SIZE'], '0x7ffffffffffff000', PAGE, 'EFBIG'],
    ['EFBIG comes before the gmem alignment check', ['FALLOC_FL_KEEP_SIZE'], '0x7ffffffffffff800', PAGE, 'EFBIG'],
    // kvm_gmem_fallocate (l.3467–3474)
    ['mode 0 (no KEEP_SIZE): l.3467', [], 0, PAGE, 'EOPNOTSUPP'],
    ['ZERO_RANGE without KEEP_SIZE: l.3467', ['FALLOC_FL_ZERO_RANGE'], 0, PAGE, 'EOPNOTSUPP'],
    ['ZERO_RANGE|KEEP_SIZE: l.3470', ['FALLOC_FL_ZERO_RANGE', 'FALLOC_FL_KEEP_SIZE'], 0, PAGE, 'EOPNOTSUPP'],
    ['UNSHARE_RANGE|KEEP_SIZE passes vfs, refused by l.3470', ['FALLOC_FL_UNSHARE_RANGE', 'FALLOC_FL_KEEP_SIZE'], 0, PAGE, 'EOPNOTSUPP'],
    ['NO_HIDE_STALE|KEEP_SIZE: l.3470', ['FALLOC_FL_NO_HIDE_STALE', 'FALLOC_FL_KEEP_SIZE'], 0, PAGE, 'EOPNOTSUPP'],
    ['mode checks before alignment: mode 0 + unaligned offset', [], 0x800, PAGE, 'EOPNOTSUPP'],
    ['mode checks before alignment: ZERO_RANGE|KEEP_SIZE + unaligned len', ['FALLOC_FL_ZERO_RANGE', 'FALLOC_FL_KEEP_SIZE'], 0, 0x800, 'EOPNOTSUPP'],
    ['unaligned offset: l.3473', ['FALLOC_FL_KEEP_SIZE'], 0x800, PAGE, 'EINVAL'],
    ['unaligned len: l.3473', ['FALLOC_FL_KEEP_SIZE'], 0, 0x800, 'EINVAL'],
    ['unaligned punch: l.3473', ['FALLOC_FL_KEEP_SIZE', 'FALLOC_FL_PUNCH_HOLE'], 0, 0x800, 'EINVAL'],
  ] as const)('vfs_fallocate / kvm_gmem_fallocate: %s', (_what, mode, offset, len, errno) => {
    const run = kvm([...gmem2M, fallocate('g', mode as never, offset, len)])
    expect(run.last.errno).toBe(errno)
    if (errno === null) expect(run.last.ret).toBe(0)
  })

  it('sys_fallocate: a bad fd → EBADF', () => {
    const run = kvm([...gmem2M, fallocate(99, ['FALLOC_FL_KEEP_SIZE'], 0, PAGE)])
    expect(run.last.errno).toBe('EBADF')
  })

  it('vfs_fallocate: a KVM VM fd (anon inode, not S_ISREG) → ENODEV', () => {
    const run = kvm([...gmem2M, fallocate('vm', ['FALLOC_FL_KEEP_SIZE'], 0, PAGE)])
    expect(run.last.errno).toBe('ENODEV')
  })
})

describe('kvm_gmem_allocate', () => {
  it('kvm_gmem_allocate: offset + len > i_size → EINVAL, nothing allocated (l.3422)', () => {
    const run = kvm([...gmem2M, alloc('g', 0, 2 * MiB + PAGE)])
    expect(run.last.errno).toBe('EINVAL')
    expect(run.last.rule?.fn).toBe('kvm_gmem_allocate')
    expect(cached(run.final, 'g', 0, 1 << 20)).toBe(0)
    expect(run.last.locks).toEqual([])
  })

  it('kvm_gmem_allocate: offset + len == i_size is allowed (l.3422)', () => {
    const run = kvm([...gmem2M, alloc('g', 2 * MiB - PAGE, PAGE)])
    expect(run.last.errno).toBeNull()
    expect(cached(run.final, 'g', 511, 512)).toBe(1)
  })

  it('kvm_gmem_allocate: offset beyond i_size → EINVAL', () => {
    const run = kvm([...gmem2M, alloc('g', 4 * MiB, PAGE)])
    expect(run.last.errno).toBe('EINVAL')
  })

  it('kvm_gmem_get_folio: allocates every page of [start, end), zeroed (uptodate), distinct pfns (l.3330–3338)', () => {
    const run = kvm([...gmem2M, alloc('g', 4 * PAGE, 8 * PAGE)])
    expect(run.last.errno).toBeNull()
    expect(cached(run.final, 'g', 0, 512)).toBe(8)
    expect(cached(run.final, 'g', 4, 12)).toBe(8)
    const pfns = new Set<number>()
    for (let i = 4; i < 12; i++) {
      const f = folioAt(run.final, 'g', i)!
      expect(f.uptodate).toBe(true)
      expect(f.hwpoison).toBe(false)
      pfns.add(f.pfn)
    }
    expect(pfns.size).toBe(8)
  })

  it('kvm_gmem_allocate: existing folios are kept, not re-zeroed or replaced; only holes are filled', () => {
    const run = kvm([...gmem2M, alloc('g', 2 * PAGE, PAGE), alloc('g', 0, 4 * PAGE)])
    const before = folioAt(run.state(3), 'g', 2)!
    expect(run.last.errno).toBeNull()
    expect(folioAt(run.final, 'g', 2)).toEqual(before)
    expect(cached(run.final, 'g', 0, 4)).toBe(4)
  })

  it('kvm_gmem_allocate: no binding or stage-2 change (AL-K5)', () => {
    const run = kvm([createVm(), createGmem('vm', 2 * MiB), region({ size: 2 * MiB }), alloc('g', 0, 2 * MiB)])
    expect(run.last.errno).toBeNull()
    expect(mappedRanges(run.final, 'vm')).toEqual([])
    expect(run.final.files).toEqual(run.state(3).files)
  })

  it('kvm_gmem_allocate: lock order invalidate_lock (read) → folio_lock, every folio lock inside (l.3425–3457)', () => {
    const run = kvm([...gmem2M, alloc('g', 0, 4 * PAGE)])
    const ev = events(run.last, [INV, FOLIO])
    expect(ev[0]).toBe(`+${INV}`)
    expect(ev[ev.length - 1]).toBe(`-${INV}`)
    expect(ev.filter((e) => e === `+${FOLIO}`).length).toBeGreaterThan(0)
    expect(acquires(run.last, [INV])).toEqual([`${INV}:read`])
    expect(acquires(run.last, [MMU])).toEqual([])
    expect(balanced(run.last)).toBe(true)
  })

  it('kvm_gmem_get_folio (B-K9): fail_page_alloc → ERR_PTR dereferenced, oops as written; ENOMEM with the fixes (l.3317–3319)', () => {
    const { asWritten, fixed } = both([...gmem2M, inject('fail_page_alloc'), alloc('g', 0, 4 * PAGE)])
    expect(asWritten.last.signal).toBe('SIGKILL')
    expect(asWritten.final.taint.length).toBeGreaterThan(0)
    expect(asWritten.last.bugs).toContain('B-K9')
    expect(logText(asWritten.last)).toMatch(/BUG|Oops|unable to handle/i)
    expect(fixed.last.errno).toBe('ENOMEM')
    expect(fixed.last.signal).toBeNull()
    expect(fixed.final.taint).toEqual([])
    expect(fixed.last.bugs).toContain('B-K9')
    expect(balanced(fixed.last)).toBe(true)
  })
})

describe('kvm_gmem_punch_hole', () => {
  // slot 0: gfn 0x100..0x120 bound to file pages [16, 48) of a 2 MiB gmem, all mapped in stage 2
  const bound32: Step[] = [
    createVm(),
    createGmem('vm', 2 * MiB),
    region({ gpa: 0x100000, size: 32 * PAGE, offset: 16 * PAGE }),
    attrs('vm', 0x100000, 32 * PAGE),
    mapMemory('vm', 0x100, 32),
  ]

  it('setup: KVM_MAP_MEMORY maps all 32 gfns of the slot from file pages 16..47', () => {
    const run = kvm(bound32)
    expect(run.last.errno).toBeNull()
    expect(mapped(run.final, 'vm', 0x100, 0x120)).toBe(32)
    expect(cached(run.final, 'g', 16, 48)).toBe(32)
  })

  it.each([
    ['inside the binding: file [20,24) → gfn [0x104,0x108)', 20, 24, 0x104, 0x108],
    ['straddling the start: file [0,18) → gfn [0x100,0x102)', 0, 18, 0x100, 0x102],
    ['straddling the end: file [40,64) → gfn [0x118,0x120)', 40, 64, 0x118, 0x120],
    ['covering the binding: file [0,512) → the whole slot', 0, 512, 0x100, 0x120],
    ['exactly the binding: file [16,48)', 16, 48, 0x100, 0x120],
    ['one page at the last index: file [47,48) → gfn 0x11f', 47, 48, 0x11f, 0x120],
  ])('kvm_gmem_invalidate_begin: zaps [base+max(pgoff,start)-pgoff, base+min(pgoff+npages,end)-pgoff), %s (l.3362–3369)', (_w, start, end, g0, g1) => {
    const run = kvm([...bound32, punch('g', start * PAGE, (end - start) * PAGE)])
    expect(run.last.errno).toBeNull()
    expect(mapped(run.final, 'vm', g0, g1)).toBe(0)
    expect(mapped(run.final, 'vm', 0x100, 0x120)).toBe(32 - (g1 - g0))
    // truncate_inode_pages_range frees exactly the punched file pages
    expect(cached(run.final, 'g', start, end)).toBe(0)
    expect(cached(run.final, 'g', 0, 512)).toBe(32 - (g1 - g0))
  })

  it('kvm_gmem_punch_hole: a range outside every binding zaps nothing but still truncates', () => {
    const run = kvm([...bound32, alloc('g', 100 * PAGE, 4 * PAGE), punch('g', 100 * PAGE, 4 * PAGE)])
    expect(run.last.errno).toBeNull()
    expect(mapped(run.final, 'vm', 0x100, 0x120)).toBe(32)
    expect(cached(run.final, 'g', 100, 104)).toBe(0)
  })

  it('kvm_gmem_punch_hole: no i_size check, always returns 0 (PH-K1)', () => {
    const run = kvm([...bound32, punch('g', 4 * MiB, 4 * MiB), punch('g', 0, '0x40000000')])
    expect(run.res(6).errno).toBeNull()
    expect(run.res(6).ret).toBe(0)
    expect(run.last.errno).toBeNull()
    expect(mapped(run.final, 'vm', 0, 1 << 30)).toBe(0)
    expect(cached(run.final, 'g', 0, 512)).toBe(0)
  })

  it('kvm_gmem_punch_hole: two slots bound to one file are both zapped, each by its own formula', () => {
    const run = kvm([
      createVm(),
      createGmem('vm', 2 * MiB),
      region({ slot: 0, gpa: 0x100000, size: 16 * PAGE, offset: 0 }),
      region({ slot: 1, gpa: 0x400000, size: 16 * PAGE, offset: 16 * PAGE }),
      attrs('vm', 0x100000, 16 * PAGE),
      attrs('vm', 0x400000, 16 * PAGE),
      mapMemory('vm', 0x100, 16),
      mapMemory('vm', 0x400, 16),
      punch('g', 8 * PAGE, 16 * PAGE), // file [8, 24)
    ])
    expect(run.last.errno).toBeNull()
    expect(mappedRanges(run.final, 'vm')).toEqual([
      { start: 0x100, end: 0x108 },
      { start: 0x408, end: 0x410 },
    ])
  })

  it('kvm_gmem_punch_hole: invalidate begin/end are balanced under a binding (in_progress back to 0, seq bumped)', () => {
    const run = kvm([...bound32, punch('g', 20 * PAGE, 4 * PAGE)])
    const before = vmNamed(run.state(5), 'vm').mmu
    const after = vmNamed(run.final, 'vm').mmu
    expect(after.inProgress).toBe(0)
    expect(after.seq).toBeGreaterThan(before.seq)
    expect(run.last.bugs).not.toContain('B-K2')
  })

  it('kvm_gmem_punch_hole: lock order invalidate_lock (write) → mmu_lock (begin) → folio locks (truncate) → mmu_lock (end) (l.3400–3410)', () => {
    const run = kvm([...bound32, punch('g', 20 * PAGE, 4 * PAGE)])
    const ev = events(run.last, [INV, MMU, FOLIO])
    expect(ev[0]).toBe(`+${INV}`)
    expect(ev[ev.length - 1]).toBe(`-${INV}`)
    expect(acquires(run.last, [INV])).toEqual([`${INV}:write`])
    const mmu = run.last.locks.filter((e) => e.cls === MMU && e.kind === 'acquire')
    expect(mmu.map((e) => e.fn)).toEqual(['kvm_gmem_invalidate_begin', 'kvm_gmem_invalidate_end'])
    expect(mmu.every((e) => e.mode === 'write')).toBe(true)
    const firstFolio = ev.indexOf(`+${FOLIO}`)
    const mmuAcq = ev.map((e, i) => (e === `+${MMU}` ? i : -1)).filter((i) => i >= 0)
    expect(firstFolio).toBeGreaterThan(mmuAcq[0]!)
    expect(firstFolio).toBeLessThan(mmuAcq[1]!)
    expect(balanced(run.last)).toBe(true)
  })

  it('kvm_gmem_punch_hole: a punched page faults in again as a new zeroed folio', () => {
    const run = kvm([...bound32, punch('g', 20 * PAGE, PAGE), access('vm', 0x104000)])
    expect(run.last.errno).toBeNull()
    expect(mapped(run.final, 'vm', 0x104, 0x105)).toBe(1)
    expect(folioAt(run.final, 'g', 20)?.uptodate).toBe(true)
  })

  it('kvm_gmem_invalidate_end (B-K2): punching an unbound range of a bound gmem leaves mmu_invalidate_in_progress raised as written; balanced with the fixes (l.3357 vs l.3384)', () => {
    const steps: Step[] = [
      createVm(),
      createGmem('vm', 2 * MiB),
      region({ gpa: 0x100000, size: 32 * PAGE, offset: 0 }),
      attrs('vm', 0x100000, 32 * PAGE),
      punch('g', 100 * PAGE, PAGE),
      access('vm', 0x100000),
    ]
    const { asWritten, fixed } = both(steps)
    expect(asWritten.res(5).errno).toBeNull()
    expect(asWritten.res(5).bugs).toContain('B-K2')
    expect(vmNamed(asWritten.state(5), 'vm').mmu.inProgress).toBe(1)
    expect(asWritten.last.exit).toBe('RET_PF_RETRY')
    expect(mapped(asWritten.final, 'vm', 0x100, 0x101)).toBe(0)

    expect(fixed.res(5).errno).toBeNull()
    expect(fixed.res(5).bugs).toContain('B-K2')
    expect(vmNamed(fixed.state(5), 'vm').mmu.inProgress).toBe(0)
    expect(fixed.last.exit).toBeNull()
    expect(fixed.last.errno).toBeNull()
    expect(mapped(fixed.final, 'vm', 0x100, 0x101)).toBe(1)
  })

  it('kvm_gmem_invalidate_end (B-K2, fixed): a punch on a gmem with no binding at all takes no mmu_lock', () => {
    const run = kvm([...gmem2M, alloc('g', 0, PAGE), punch('g', 0, PAGE)], { fixes: true })
    expect(run.last.errno).toBeNull()
    expect(vmNamed(run.final, 'vm').mmu.inProgress).toBe(0)
  })
})
