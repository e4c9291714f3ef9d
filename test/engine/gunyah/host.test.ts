import { describe, it, expect } from 'vitest'
import { acquires, gmem, gmemFile, last, LEND, lentSetup, map, mm, page, run, SHARE, start, touch, vm, type Step } from './helpers'

const mmap = (offset: string | number, length: string, as = 'm', flags = ['MAP_SHARED']): Step => ({ op: 'mmap', fd: 'g0', offset, length, flags, as })
const access = (offset: string, write = false, map = 'm'): Step => ({ op: 'host_access', map, offset, write })

describe('gunyahGmemMmap (seed 000 l.134)', () => {
  it('MAP_PRIVATE → -EINVAL', () => expect(last(run([...lentSetup(), mmap(0, '0x1000', 'm', ['MAP_PRIVATE'])])).errno).toBe('EINVAL'))
  it('reclaims a lent page of an overlapping lend binding; the host access then succeeds', () => {
    const out = run([...lentSetup(), touch('vm0', '0x80001000'), mmap(0, '0x10000'), access('0x1000', true)])
    expect(last(out).signal).toBeNull()
    expect(page(out.final, 1)).toMatchObject({ access: 'reclaimed' })
  })
  it('skips share bindings: the guest keeps a shared page while the host uses it', () => {
    const out = run([vm(), gmem('0x10000'), map('vm0', '0x80000000', SHARE, 'g0', 0, '0x10000'), start(), touch('vm0', '0x80001000'), mmap(0, '0x10000'), access('0x1000', true)])
    expect(last(out).signal).toBeNull()
    expect(page(out.final, 1)).toMatchObject({ access: 'shared', owner: 'ghvm1' })
  })
  it('takes mmap_lock → invalidate_lock (read) → folio_lock', () => {
    const seq = acquires(last(run([...lentSetup(), touch('vm0', '0x80001000'), mmap(0, '0x10000')])).locks)
    expect(seq).toEqual(['&mm->mmap_lock:write', 'mapping.invalidate_lock:read', 'folio_lock:write'])
  })
  const b5: Step[] = [
    vm(), gmem('0x20000'),
    map('vm0', '0x80000000', LEND, 'g0', 0, '0x8000'),
    map('vm0', '0x80008000', LEND, 'g0', '0x8000', '0x8000'),
    start(), touch('vm0', '0x80009000'),
    mmap(0, '0x8000'),
  ]
  it('B-G17-5 as written: a disjoint, adjacent binding is reclaimed too', () => expect(mm(run(b5).final)).toHaveLength(0))
  it('B-G17-5 fixed: only the overlap is reclaimed', () => expect(mm(run(b5, { fixes: true }).final).map((e) => e.start)).toEqual([0x80009]))
})

describe('gunyahGmemHostFault (seed 000 l.113)', () => {
  const orphan: Step[] = [
    ...lentSetup(), touch('vm0', '0x80001000'),
    { op: 'inject', kind: 'reclaim_fails', vm: 'vm0', gpa: '0x80001000' },
    { op: 'close', fd: 'vm0' },
    mmap(0, '0x10000'),
    access('0x1000'),
  ]
  it('B-G17-12 as written: a lent folio with no binding reaches BUG_ON(folio_test_private)', () => {
    const out = run(orphan)
    expect(last(out).signal).toBe('SIGKILL')
    expect(out.final.taint.some((t) => t.includes('BUG_ON(folio_test_private(folio))'))).toBe(true)
  })
  it('B-G17-12 fixed: the fault is SIGBUS', () => {
    const out = run(orphan, { fixes: true })
    expect(last(out).signal).toBe('SIGBUS')
    expect(out.final.taint).toHaveLength(0)
  })
  it('B-G17-13 as written: a fault past EOF allocates a folio; fixed SIGBUS', () => {
    const steps = [vm(), gmem('0x1000'), mmap(0, '0x4000'), access('0x2000')]
    const out = run(steps)
    expect(last(out).signal).toBeNull()
    expect(Object.values(out.final.inodes)[0]!.folios).toHaveLength(1)
    expect(last(run(steps, { fixes: true })).signal).toBe('SIGBUS')
  })
  it('B-G17-11 as written: folio_lock before invalidate_lock in launder; fixed invalidate_lock first', () => {
    // a lent folio the fault must launder: VM teardown with a refused reclaim would BUG, so use a VM that still has it
    const steps: Step[] = [...lentSetup(), mmap('0x8000', '0x8000'), touch('vm0', '0x80001000'), { op: 'memory_failure', fd: 'g0', offset: '0x1000' }]
    const seq = acquires(last(run(steps)).locks)
    expect(seq.indexOf('folio_lock:write')).toBeLessThan(seq.indexOf('mapping.invalidate_lock:read'))
    const fixed = acquires(last(run(steps, { fixes: true })).locks)
    expect(fixed).not.toContain('mapping.invalidate_lock:read')
  })
})

describe('gunyahGmemFallocate / punch hole', () => {
  const punched = (offset: string, len: string, fixes = false) =>
    run([...lentSetup('0x1000000'), { op: 'fallocate', fd: 'g0', mode: ['FALLOC_FL_KEEP_SIZE'], offset: 0, len: '0x1000000' }, touch('vm0', '0x80005000'), { op: 'fallocate', fd: 'g0', mode: ['FALLOC_FL_KEEP_SIZE', 'FALLOC_FL_PUNCH_HOLE'], offset, len }], { fixes })
  const pagesLeft = (out: ReturnType<typeof run>) => Object.values(out.final.inodes)[0]!.folios.reduce((n, e) => n + e.end - e.start, 0)
  it('B-G17-6 as written: punching page 5 invalidates indices 0x5000.. and misses it', () => {
    const out = punched('0x5000', '0x1000')
    expect(mm(out.final)).toHaveLength(1)
    expect(pagesLeft(out)).toBe(4096)
  })
  it('B-G17-6 fixed: page 5 is reclaimed from the guest and freed', () => {
    const out = punched('0x5000', '0x1000', true)
    expect(mm(out.final)).toHaveLength(0)
    expect(pagesLeft(out)).toBe(4095)
  })
  it('B-G17-6 as written: punching [0, 8 KiB) drops the whole file', () => expect(pagesLeft(punched('0', '0x2000'))).toBe(0))
  it('B-G17-14: ZERO_RANGE is accepted as allocate as written, -EOPNOTSUPP fixed', () => {
    const steps = [vm(), gmem('0x10000'), { op: 'fallocate', fd: 'g0', mode: ['FALLOC_FL_KEEP_SIZE', 'FALLOC_FL_ZERO_RANGE'], offset: 0, len: '0x1000' }]
    expect(last(run(steps)).errno).toBeNull()
    expect(last(run(steps, { fixes: true })).errno).toBe('EOPNOTSUPP')
  })
  it('allocate past i_size → -EINVAL', () => expect(last(run([vm(), gmem('0x1000'), { op: 'fallocate', fd: 'g0', mode: ['FALLOC_FL_KEEP_SIZE'], offset: 0, len: '0x2000' }])).errno).toBe('EINVAL'))
  it('without KEEP_SIZE → -EOPNOTSUPP', () => expect(last(run([vm(), gmem('0x1000'), { op: 'fallocate', fd: 'g0', mode: 0, offset: 0, len: '0x1000' }])).errno).toBe('EOPNOTSUPP'))
  it('GHMF_ALLOW_HUGEPAGE allocates an order-9 folio only where the 2 MiB range is empty', () => {
    const out = run([gmem('0x400000', 'g0', ['GHMF_ALLOW_HUGEPAGE']), mmap(0, '0x1000'), access('0'), { op: 'fallocate', fd: 'g0', mode: ['FALLOC_FL_KEEP_SIZE'], offset: 0, len: '0x400000' }])
    const folios = Object.values(out.final.inodes)[0]!.folios
    // the host fault already made the first 2 MiB huge; fallocate adds the second one (extents merge)
    expect(folios.every((e) => e.value.order === 9)).toBe(true)
    expect(folios.reduce((n, e) => n + e.end - e.start, 0)).toBe(1024)
  })
})

describe('_gunyah_vm_put (seed 000 l.583) and release', () => {
  const steps: Step[] = [...lentSetup(), touch('vm0', '0x80001000'), { op: 'close', fd: 'g0' }, { op: 'close', fd: 'vm0' }]
  it('bindings pin the file: closing the memfd first does not release it', () => {
    const out = run(steps.slice(0, -1))
    expect(gmemFile(out.final).released).toBe(false)
  })
  it('teardown removes the bindings, reclaims, and the last fput releases the file', () => {
    const out = run(steps)
    expect(gmemFile(out.final).released).toBe(true)
    expect(Object.keys(out.final.gunyah.bindings)).toHaveLength(0)
    expect(Object.values(out.final.inodes)[0]!.evicted).toBe(true)
    expect(page(out.final, 1)).toMatchObject({ owner: 'host', access: 'reclaimed' })
  })
  it('B-G17-9 as written: list_del under bindings_lock only; fixed invalidate_lock (write) first', () => {
    expect(acquires(last(run(steps)).locks)[0]).toBe('&ghvm->bindings_lock:write')
    expect(acquires(last(run(steps, { fixes: true })).locks).slice(0, 2)).toEqual(['mapping.invalidate_lock:write', '&ghvm->bindings_lock:write'])
  })
})
