import { describe, it, expect } from 'vitest'
import { acquires, gmem, last, LEND, lentSetup, map, mm, page, RW, run, SHARE, start, touch, vm } from './helpers'

describe('gunyahGmemDemandPage (S8)', () => {
  it('lend: the folio becomes private to the VM, off the direct map', () => {
    const out = run([...lentSetup(), touch('vm0', '0x80001000')])
    expect(last(out).errno).toBeNull()
    expect(page(out.final, 1)).toMatchObject({ owner: 'ghvm1', access: 'lent', pgPrivate: true, directMap: false })
  })
  it('share: host and guest', () => {
    const out = run([vm(), gmem('0x10000'), map('vm0', '0x80000000', SHARE, 'g0', 0, '0x10000'), start(), touch('vm0', '0x80001000')])
    expect(page(out.final, 1)).toMatchObject({ access: 'shared', pgPrivate: false, directMap: true })
  })
  it('no binding at the gfn → -ENOENT and a page-fault exit', () => {
    const r = last(run([...lentSetup(), touch('vm0', '0x90000000')]))
    expect(r.errno).toBe('ENOENT')
    expect(r.exit).toBe('GUNYAH_VCPU_EXIT_PAGE_FAULT')
  })
  it('write without GUNYAH_MEM_ALLOW_WRITE → -EPERM', () => {
    const r = last(run([vm(), gmem('0x10000'), map('vm0', '0x80000000', ['GUNYAH_MEM_FORCE_LEND', 'GUNYAH_MEM_ALLOW_READ'], 'g0', 0, '0x10000'), start(), touch('vm0', '0x80001000', true)]))
    expect(r.errno).toBe('EPERM')
  })
  it('an already mapped gfn does not fault', () => {
    const r = last(run([...lentSetup(), touch('vm0', '0x80001000'), touch('vm0', '0x80001000', false)]))
    expect(r.locks).toHaveLength(0)
  })
  it('gunyahFolioLendSafe: lending a folio the host mmaps → -EPERM', () => {
    const r = last(run([...lentSetup(), { op: 'mmap', fd: 'g0', length: '0x10000', as: 'm' }, touch('vm0', '0x80001000')]))
    expect(r.errno).toBe('EPERM')
    expect(r.rule?.fn).toBe('gunyah_vm_provide_folio')
  })
  it('a huge folio is provided whole at the gfn of its head', () => {
    const out = run([vm(), gmem('0x200000', 'g0', ['GHMF_ALLOW_HUGEPAGE']), map('vm0', '0x80000000', LEND, 'g0', 0, '0x200000'), start(), touch('vm0', '0x80003000')])
    expect(mm(out.final)).toEqual([expect.objectContaining({ start: 0x80000, end: 0x80200 })])
    expect(Object.values(out.final.inodes)[0]!.folios[0]!.value.order).toBe(9)
  })
  it('B-G17-10/11: as written bindings_lock → folio_lock → invalidate_lock; fixed invalidate_lock first', () => {
    const steps = [...lentSetup(), touch('vm0', '0x80001000')]
    expect(acquires(last(run(steps)).locks).slice(0, 3)).toEqual(['&ghvm->bindings_lock:read', 'folio_lock:write', 'mapping.invalidate_lock:read'])
    const fixed = acquires(last(run(steps, { fixes: true })).locks)
    expect(fixed.slice(1, 4)).toEqual(['mapping.invalidate_lock:read', '&ghvm->bindings_lock:read', 'folio_lock:write'])
  })
  it('B-G17-15: a poisoned folio is lent again as written, -EHWPOISON fixed', () => {
    const steps = [...lentSetup(), touch('vm0', '0x80001000'), { op: 'memory_failure', fd: 'g0', offset: '0x1000' }, touch('vm0', '0x80001000')]
    expect(last(run(steps)).errno).toBeNull()
    expect(last(run(steps, { fixes: true })).errno).toBe('EHWPOISON')
  })
})

describe('gunyahVmReclaimRange (S6)', () => {
  const steps = [vm(), gmem('0x10000'), map('vm0', '0x80000000', LEND, 'g0', 0, '0x4000'), map('vm0', '0x80004000', LEND, 'g0', '0x4000', '0x4000'), start(), touch('vm0', '0x80001000'), touch('vm0', '0x80004000'), map('vm0', '0x80000000', [...LEND, 'GUNYAH_MEM_UNMAP'], 'g0', 0, '0x4000')]
  it('B-G17-2: as written the inclusive max reclaims the next binding page 0x80004 too', () => {
    expect(mm(run(steps).final)).toHaveLength(0)
  })
  it('B-G17-2 fixed: only [gfn, gfn + nr)', () => {
    expect(mm(run(steps, { fixes: true }).final).map((e) => e.start)).toEqual([0x80004])
  })
  it('B-G17-3: as written the last unmap is NOSYNC (logged), fixed it is not', () => {
    expect(last(run(steps)).log.some((l) => l.text.includes('NOSYNC'))).toBe(true)
    expect(last(run(steps, { fixes: true })).log.some((l) => l.text.includes('NOSYNC'))).toBe(false)
  })
  it('reclaimed pages go back to the host with their direct map', () => {
    expect(page(run(steps, { fixes: true }).final, 1)).toMatchObject({ owner: 'host', access: 'reclaimed', pgPrivate: false, directMap: true })
  })
  it('a refused folio fails with -EACCES and stays lent', () => {
    const out = run([...lentSetup(), touch('vm0', '0x80001000'), { op: 'inject', kind: 'reclaim_fails', vm: 'vm0', gpa: '0x80001000' }, map('vm0', '0x80000000', [...LEND, 'GUNYAH_MEM_UNMAP'], 'g0', 0, '0x10000')])
    expect(last(out).errno).toBe('EACCES')
    expect(page(out.final, 1)).toMatchObject({ access: 'lent' })
    expect(Object.keys(out.final.gunyah.bindings)).toHaveLength(1)
  })
})

describe('gunyahGmemLaunderFolio (seed 000 l.88), B-G17-4', () => {
  // b2 = G[4,8)@0x200 in VM2, b1 = G[0,4)@0x100 in VM1 (first on the list), b3 = H[0,4)@0x104 in VM1
  const steps = [
    vm('vm1'), vm('vm2'), gmem('0x10000', 'g'), gmem('0x10000', 'h'),
    map('vm2', '0x200000', LEND, 'g', '0x4000', '0x4000'),
    map('vm1', '0x100000', LEND, 'g', 0, '0x4000'),
    map('vm1', '0x104000', LEND, 'h', 0, '0x4000'),
    start('vm1'), start('vm2'),
    touch('vm1', '0x104000'), touch('vm2', '0x200000'),
    { op: 'memory_failure', fd: 'g', offset: '0x4000' },
  ]
  it('as written index == i_off + nr counts as covered: H\'s folio at gfn 0x104 → -EAGAIN, WARN, memory_failure fails', () => {
    const r = last(run(steps))
    expect(r.errno).toBe('EBUSY')
    expect(r.log.some((l) => l.level === 'warn')).toBe(true)
  })
  it('fixed the page is reclaimed from VM2 and recovered', () => {
    const out = run(steps, { fixes: true })
    expect(last(out).errno).toBeNull()
    expect(mm(out.final, 1)).toHaveLength(0)
  })
})

describe('RW constant sanity', () => {
  it('ALLOW_READ|ALLOW_WRITE is 0x30', () => expect(RW).toHaveLength(2))
})
