/**
 * memory_failure → kvm_gmem_error_page (seed 002 l.3560–3595) and the get_pfn that hands a
 * poisoned page out again. Bugs: B-K3 (index used as gfn, SIGBUS to current, no zap, "recovered"),
 * B-K13 (no hwpoison check in kvm_gmem_get_pfn), B-UP1 (invalidate_lock under the folio lock).
 */
import { describe, it, expect } from 'vitest'
import {
  access, alloc, attrs, both, createGmem, createVm, events, folioAt, FOLIO, INV, kvm, logText, mapMemory, mapped,
  MiB, MMU, PAGE, poison, region, stage2At, type Step,
} from '../../helpers/kvm'

/** slot 0 at gfn 0x100 bound to file pages [0, 16): base_gfn != pgoff */
const offsetSlot: Step[] = [
  createVm(),
  createGmem('vm', 2 * MiB),
  region({ slot: 0, gpa: 0x100000, size: 16 * PAGE, offset: 0 }),
  attrs('vm', 0x100000, 16 * PAGE),
  mapMemory('vm', 0x100, 16),
]
/** slot 0 at gfn 0 bound to file pages [0, 16): base_gfn == pgoff, so the index-as-gfn loop stays in the slot */
const identitySlot: Step[] = [
  createVm(),
  createGmem('vm', 2 * MiB),
  region({ slot: 0, gpa: 0, size: 16 * PAGE, offset: 0 }),
  attrs('vm', 0, 16 * PAGE),
  mapMemory('vm', 0, 16),
]

describe('memory_failure stimulus', () => {
  it('memory_failure: no page at that offset → ENXIO', () => {
    const run = kvm([createVm(), createGmem('vm', 2 * MiB), poison('g', 0)])
    expect(run.last.errno).toBe('ENXIO')
  })

  it('memory_failure: not a guest_memfd → EINVAL', () => {
    const run = kvm([createVm(), poison('vm', 0)])
    expect(run.last.errno).toBe('EINVAL')
  })

  it('memory_failure: already poisoned → EHWPOISON', () => {
    const run = kvm([createVm(), createGmem('vm', 2 * MiB), alloc('g', 0, PAGE), poison('g', 0), poison('g', 0)])
    expect(run.res(4).errno).toBeNull()
    expect(run.last.errno).toBe('EHWPOISON')
  })

  it('memory_failure: marks the page PG_hwpoison and logs "Memory failure:"', () => {
    const run = kvm([createVm(), createGmem('vm', 2 * MiB), alloc('g', 0, 2 * PAGE), poison('g', PAGE)])
    expect(folioAt(run.final, 'g', 1)?.hwpoison).toBe(true)
    expect(folioAt(run.final, 'g', 0)?.hwpoison).toBe(false)
    expect(logText(run.last)).toMatch(/Memory failure:/)
  })
})

describe('kvm_gmem_error_page', () => {
  it('kvm_gmem_error_page: lock order folio_lock (memory_failure) → invalidate_lock (read) (B-UP1, l.3569)', () => {
    const run = kvm([...offsetSlot, poison('g', 5 * PAGE)])
    const ev = events(run.last, [FOLIO, INV])
    const folio = ev.indexOf(`+${FOLIO}`)
    const inv = ev.indexOf(`+${INV}`)
    expect(folio).toBeGreaterThanOrEqual(0)
    expect(inv).toBeGreaterThan(folio)
    expect(ev.indexOf(`-${INV}`)).toBeLessThan(ev.indexOf(`-${FOLIO}`))
    expect(run.last.locks.find((e) => e.cls === INV)?.mode).toBe('read')
  })

  it('kvm_gmem_error_page (B-K3) as written, base_gfn != pgoff: the index-as-gfn loop WARNs, no signal, no zap, "recovered" (l.3576–3594)', () => {
    const run = kvm([...offsetSlot, poison('g', 5 * PAGE)])
    expect(run.last.errno).toBeNull()
    expect(run.last.bugs).toContain('B-K3')
    expect(logText(run.last)).toMatch(/WARNING/)
    expect(run.last.signal).toBeNull()
    expect(mapped(run.final, 'vm', 0x105, 0x106)).toBe(1)
    expect(logText(run.last)).not.toMatch(/Delayed/)
  })

  it('kvm_gmem_error_page (B-K3) as written, base_gfn == pgoff: SIGBUS (BUS_MCEERR_AR) to current, no zap (l.3585–3587)', () => {
    const run = kvm([...identitySlot, poison('g', 5 * PAGE)])
    expect(run.last.signal).toBe('SIGBUS')
    expect(run.last.bugs).toContain('B-K3')
    expect(mapped(run.final, 'vm', 5, 6)).toBe(1)
    expect(run.last.locks.filter((e) => e.cls === MMU)).toEqual([])
  })

  it('kvm_gmem_error_page (B-K3) with the fixes: the gfn is zapped (invalidate begin/end), no signal, no truncate, MF_DELAYED', () => {
    for (const steps of [offsetSlot, identitySlot]) {
      const gfn = steps === offsetSlot ? 0x105 : 5
      const run = kvm([...steps, poison('g', 5 * PAGE)], { fixes: true })
      expect(run.last.errno).toBeNull()
      expect(run.last.signal).toBeNull()
      expect(run.last.bugs).toContain('B-K3')
      expect(mapped(run.final, 'vm', gfn, gfn + 1)).toBe(0)
      expect(mapped(run.final, 'vm', gfn + 1, gfn + 11)).toBe(10)
      expect(logText(run.last)).toMatch(/Delayed/)
      expect(logText(run.last)).not.toMatch(/WARNING/)
      // not truncated: the poisoned folio stays in the page cache
      expect(folioAt(run.final, 'g', 5)?.hwpoison).toBe(true)
    }
  })

  it('B-K3 pair: the guest keeps running on the poisoned page as written (no fault), the fixed kernel re-faults and gets EHWPOISON', () => {
    const { asWritten, fixed } = both([...offsetSlot, poison('g', 5 * PAGE), access('vm', 0x105000)])
    expect(asWritten.last.errno).toBeNull()
    expect(stage2At(asWritten.final, 'vm', 0x105)?.pfn).toBe(folioAt(asWritten.final, 'g', 5)?.pfn)
    expect(fixed.last.errno).toBe('EHWPOISON')
    expect(fixed.last.exit).toBe('KVM_EXIT_MEMORY_FAULT')
    expect(mapped(fixed.final, 'vm', 0x105, 0x106)).toBe(0)
  })

  it('kvm_gmem_error_page: a poisoned page with no binding sends nothing and zaps nothing', () => {
    const run = kvm([createVm(), createGmem('vm', 2 * MiB), alloc('g', 0, PAGE), poison('g', 0)])
    expect(run.last.signal).toBeNull()
    expect(run.last.errno).toBeNull()
  })
})

describe('kvm_gmem_get_pfn and PG_hwpoison (B-K13)', () => {
  const steps: Step[] = [
    createVm(),
    createGmem('vm', 2 * MiB),
    region({ slot: 0, gpa: 0x100000, size: 16 * PAGE, offset: 0 }),
    attrs('vm', 0x100000, 16 * PAGE),
    alloc('g', 0, 16 * PAGE),
    poison('g', 3 * PAGE),
    access('vm', 0x103000),
  ]

  it('kvm_gmem_get_pfn (B-K13): the poisoned page is handed out and mapped as written; EHWPOISON with KVM_EXIT_MEMORY_FAULT when fixed (l.3841–3849)', () => {
    const { asWritten, fixed } = both(steps)
    expect(asWritten.last.errno).toBeNull()
    expect(asWritten.last.bugs).toContain('B-K13')
    expect(stage2At(asWritten.final, 'vm', 0x103)?.pfn).toBe(folioAt(asWritten.final, 'g', 3)?.pfn)
    expect(fixed.last.errno).toBe('EHWPOISON')
    expect(fixed.last.exit).toBe('KVM_EXIT_MEMORY_FAULT')
    expect(fixed.last.bugs).toContain('B-K13')
    expect(mapped(fixed.final, 'vm', 0x103, 0x104)).toBe(0)
  })

  it('kvm_gmem_get_pfn: a healthy neighbour of a poisoned page maps normally in both modes', () => {
    const { asWritten, fixed } = both([...steps.slice(0, 6), access('vm', 0x104000)])
    expect(asWritten.last.errno).toBeNull()
    expect(fixed.last.errno).toBeNull()
  })

  it('KVM_MAP_MEMORY over a poisoned page: EHWPOISON when fixed, stopping at that gfn', () => {
    const run = kvm([...steps.slice(0, 6), mapMemory('vm', 0x100, 16)], { fixes: true })
    expect(run.last.errno).toBe('EHWPOISON')
    expect(run.last.out).toMatchObject({ base_gfn: 0x103, nr_pages: 13 })
    expect(mapped(run.final, 'vm', 0x100, 0x103)).toBe(3)
  })

  it('punching the poisoned page away lets the gfn fault in a fresh page (fixed)', () => {
    const run = kvm([...steps.slice(0, 6), { op: 'fallocate', fd: 'g', mode: ['FALLOC_FL_KEEP_SIZE', 'FALLOC_FL_PUNCH_HOLE'], offset: 3 * PAGE, len: PAGE }, access('vm', 0x103000)], { fixes: true })
    expect(run.last.errno).toBeNull()
    expect(folioAt(run.final, 'g', 3)?.hwpoison).toBe(false)
  })
})
