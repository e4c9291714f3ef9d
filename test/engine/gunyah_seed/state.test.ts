/**
 * State after each Gunyah operation, checked against the seed code (seed 000 = v17 24/35, seed 001 =
 * RFC v15 21/30): bindings per VM and per file (i_private_list, newest first), the file's f_count,
 * kmemleak objects, and folio ownership (host / lent / shared / reclaimed).
 */
import { describe, it, expect } from 'vitest'
import {
  DEFAULT,
  LEND,
  SHARE,
  close,
  fileNamed,
  gmem,
  hostAccess,
  map,
  mmap,
  mmGfns,
  pageOf,
  privateList,
  punch,
  reclaimFails,
  run,
  start,
  touch,
  unmap,
  vm,
  vmTree,
  cached,
} from './helpers'

describe('v17 add_mapping (seed 000 l.418-470): bindings, list order, file references, leaks', () => {
  const steps = [
    vm('vm0'),
    vm('vm1'),
    gmem('0x10000'),
    map('vm0', '0x80000000', LEND, 'g0', 0, '0x4000'),
    map('vm1', '0x90000000', SHARE, 'g0', '0x4000', '0x4000'),
    map('vm0', '0xa0000000', DEFAULT, 'g0', '0x8000', '0x4000'),
  ]
  it('list_add puts each new binding at the head of i_private_list (l.465): newest first', () => {
    const s = run(steps).final
    expect(privateList(s, 'g0')).toEqual([
      { vm: 'vm0', gfn: 0xa0000, iOff: 8, nr: 4 },
      { vm: 'vm1', gfn: 0x90000, iOff: 4, nr: 4 },
      { vm: 'vm0', gfn: 0x80000, iOff: 0, nr: 4 },
    ])
  })
  it('each VM tree holds only its own bindings, keyed by gfn (l.460)', () => {
    const s = run(steps).final
    expect(vmTree(s, 'vm0')).toEqual([
      { vm: 'vm0', gfn: 0x80000, iOff: 0, nr: 4 },
      { vm: 'vm0', gfn: 0xa0000, iOff: 8, nr: 4 },
    ])
    expect(vmTree(s, 'vm1')).toEqual([{ vm: 'vm1', gfn: 0x90000, iOff: 4, nr: 4 }])
  })
  it('every binding keeps its fget() reference (l.479, l.508-510): f_count = 1 fd + 3 bindings', () => {
    expect(fileNamed(run(steps).final, 'g0').fCount).toBe(4)
  })
  it('nothing is given to the guest at bind time (no folio, no ownership)', () => {
    const s = run(steps).final
    expect(mmGfns(s, 'vm0')).toEqual([])
    expect(pageOf(s, 'g0', 0)).toBeNull()
    expect(cached(s, 'g0', 0)).toBe(false)
  })
  it('B-G17-7: a failure after kzalloc (init_binding l.429-431, -EEXIST l.450-452, mtree l.462-463) leaks b; failures before kzalloc do not', () => {
    const r = run([
      vm('vm0'),
      gmem('0x400000', 'gh', ['GHMF_ALLOW_HUGEPAGE']),
      gmem('0x10000'),
      map('vm0', '0x80000000', LEND, 'g0', 0, '0x4000'),
      map('vm0', '0x80000800', LEND, 'g0', 0, '0x1000'), // 5: l.497, before kzalloc
      map('vm0', '0x80001000', LEND, 'gh', 0, '0x200000'), // 6: init_binding l.283
      map('vm0', '0x90000000', LEND, 'g0', '0x2000', '0x2000'), // 7: -EEXIST l.450
      map('vm0', '0x80002000', LEND, 'gh', 0, '0x200000'), // 8: l.283 again (unaligned)
      map('vm0', '0x80200000', LEND, 'gh', 0, '0x200000'), // 9: ok
      map('vm0', '0x80200000', LEND, 'g0', '0x8000', '0x1000'), // 10: gfn overlap, mtree -EEXIST l.460
    ])
    expect([5, 6, 7, 8, 9, 10].map((n) => r.res(n).errno)).toEqual(['EINVAL', 'EINVAL', 'EEXIST', 'EINVAL', null, 'EEXIST'])
    const leaks = (n: number) => r.state(n).gunyah.leaked.length
    expect(leaks(5)).toBe(0)
    expect([leaks(6), leaks(7), leaks(8), leaks(9), leaks(10)]).toEqual([1, 2, 3, 3, 4])
  })
  it('B-G17-7 fixed: no leak on any path', () => {
    const r = run([vm('vm0'), gmem('0x10000'), map('vm0', '0x80000000', LEND, 'g0', 0, '0x4000'), map('vm0', '0x90000000', LEND, 'g0', '0x2000', '0x2000')], { fixes: true })
    expect(r.res(4).errno).toBe('EEXIST')
    expect(r.final.gunyah.leaked).toEqual([])
  })
  it('a failed MAP_MEM drops its fget() reference (l.508-510)', () => {
    const r = run([vm('vm0'), gmem('0x10000'), map('vm0', '0x80000000', LEND, 'g0', 0, '0x4000'), map('vm0', '0x80000000', LEND, 'g0', '0x8000', '0x4000')])
    expect(r.res(4).errno).toBe('EEXIST')
    expect(fileNamed(r.final, 'g0').fCount).toBe(2)
  })
  it('an UNMAP that fails in init_binding (l.356-358) uses a stack binding: nothing leaks', () => {
    const r = run([vm('vm0'), gmem('0x400000', 'gh', ['GHMF_ALLOW_HUGEPAGE']), map('vm0', '0x80000000', LEND, 'gh', 0, '0x200000'), unmap('vm0', '0x80000000', LEND, 'gh', 0, '0x1000')])
    expect(r.res(4).errno).toBe('EINVAL')
    expect(r.final.gunyah.leaked).toEqual([])
    expect(fileNamed(r.final, 'gh').fCount).toBe(2)
  })
})

describe('v17 trims (seed 000 l.302-345): bindings, f_count (B-G17-8) and ownership (B-G17-1/2)', () => {
  const base = [
    vm('vm0'),
    gmem('0x10000'),
    gmem('0x10000', 'g1'),
    map('vm0', '0x80000000', LEND, 'g0', 0, '0x10000'),
    map('vm0', '0x80010000', LEND, 'g1', 0, '0x10000'),
    start(),
    touch('vm0', '0x80000000'),
    touch('vm0', '0x80008000'),
    touch('vm0', '0x80010000'),
    touch('vm0', '0x80018000'),
  ]
  const keepStart = unmap('vm0', '0x80008000', LEND, 'g0', '0x8000', '0x8000')
  const keepEnd = unmap('vm0', '0x80000000', LEND, 'g0', 0, '0x8000')
  const full = unmap('vm0', '0x80000000', LEND, 'g0', 0, '0x10000')

  it('keep the start (l.315-324): b->nr = start_delta, same gfn and i_off', () => {
    const s = run([...base, keepStart]).final
    expect(privateList(s, 'g0')).toEqual([{ vm: 'vm0', gfn: 0x80000, iOff: 0, nr: 8 }])
    expect(vmTree(s, 'vm0')[0]).toEqual({ vm: 'vm0', gfn: 0x80000, iOff: 0, nr: 8 })
  })
  it('keep the end (l.325-336): gfn and i_off advance by nr - end_delta, nr = end_delta', () => {
    const s = run([...base, keepEnd]).final
    expect(privateList(s, 'g0')).toEqual([{ vm: 'vm0', gfn: 0x80008, iOff: 8, nr: 8 }])
  })
  it('B-G17-1 keep start as written: reclaim_range(gfn+8, gfn+nr) reclaims the next binding c too', () => {
    const s = run([...base, keepStart]).final
    expect(pageOf(s, 'g0', 0)).toMatchObject({ owner: 'vm0', access: 'lent', pgPrivate: true })
    expect(pageOf(s, 'g0', 8)).toMatchObject({ owner: 'host', access: 'reclaimed', pgPrivate: false })
    expect(pageOf(s, 'g1', 0)).toMatchObject({ owner: 'host', access: 'reclaimed' })
    expect(pageOf(s, 'g1', 8)).toMatchObject({ owner: 'host', access: 'reclaimed' })
    expect(mmGfns(s, 'vm0')).toEqual([0x80000])
  })
  it('B-G17-1 keep start fixed: only [0x80008, 0x80010) is reclaimed', () => {
    const s = run([...base, keepStart], { fixes: true }).final
    expect(pageOf(s, 'g0', 8)).toMatchObject({ owner: 'host', access: 'reclaimed' })
    expect(pageOf(s, 'g1', 0)).toMatchObject({ owner: 'vm0', access: 'lent' })
    expect(mmGfns(s, 'vm0')).toEqual([0x80000, 0x80010, 0x80018])
  })
  it('B-G17-1 keep end as written: reclaim_range(gfn, gfn+nr-end_delta) also reclaims the kept half and c', () => {
    const s = run([...base, keepEnd]).final
    expect(pageOf(s, 'g0', 8)).toMatchObject({ owner: 'host', access: 'reclaimed' })
    expect(mmGfns(s, 'vm0')).toEqual([])
  })
  it('B-G17-1 keep end fixed: the kept half stays lent', () => {
    const s = run([...base, keepEnd], { fixes: true }).final
    expect(pageOf(s, 'g0', 0)).toMatchObject({ owner: 'host', access: 'reclaimed' })
    expect(pageOf(s, 'g0', 8)).toMatchObject({ owner: 'vm0', access: 'lent' })
    expect(mmGfns(s, 'vm0')).toEqual([0x80008, 0x80010, 0x80018])
  })
  it('B-G17-2 full removal as written: [gfn, gfn+nr] inclusive also reclaims c\'s first page 0x80010', () => {
    const s = run([...base, full]).final
    expect(pageOf(s, 'g1', 0)).toMatchObject({ owner: 'host', access: 'reclaimed' })
    expect(pageOf(s, 'g1', 8)).toMatchObject({ owner: 'vm0', access: 'lent' })
    expect(privateList(s, 'g0')).toEqual([])
    expect(vmTree(s, 'vm0')).toEqual([{ vm: 'vm0', gfn: 0x80010, iOff: 0, nr: 16 }])
  })
  it('B-G17-2 fixed: c is untouched', () => {
    const s = run([...base, full], { fixes: true }).final
    expect(pageOf(s, 'g1', 0)).toMatchObject({ owner: 'vm0', access: 'lent' })
  })
  it('B-G17-8: every successful UNMAP leaks its fget() (l.508-511); fixed drops it', () => {
    const fc = (fixes: boolean, st: Record<string, unknown>) => fileNamed(run([...base, st], { fixes }).final, 'g0').fCount
    // 1 fd + 1 binding (+1 leaked) for a trim; 1 fd (+1 leaked) for a full removal
    expect([fc(false, keepStart), fc(false, keepEnd), fc(false, full)]).toEqual([3, 3, 2])
    expect([fc(true, keepStart), fc(true, keepEnd), fc(true, full)]).toEqual([2, 2, 1])
  })
  it('B-G17-8: MAP → UNMAP → close every fd: the gmem is never released as written, released when fixed', () => {
    const steps = [vm('vm0'), gmem('0x10000'), map('vm0', '0x80000000', LEND, 'g0', 0, '0x10000'), unmap('vm0', '0x80000000', LEND, 'g0', 0, '0x10000'), close('g0'), close('vm0')]
    expect(fileNamed(run(steps).final, 'g0')).toMatchObject({ fCount: 1, released: false })
    expect(fileNamed(run(steps, { fixes: true }).final, 'g0')).toMatchObject({ fCount: 0, released: true })
  })
  it('a failed trim reclaim (l.311-313, 319-320) leaves the binding unchanged and drops the fget()', () => {
    const r = run([...base, reclaimFails('vm0', '0x80008000'), unmap('vm0', '0x80008000', LEND, 'g0', '0x8000', '0x8000')])
    expect(r.res(12).errno).not.toBeNull()
    expect(privateList(r.final, 'g0')).toEqual([{ vm: 'vm0', gfn: 0x80000, iOff: 0, nr: 16 }])
    expect(fileNamed(r.final, 'g0').fCount).toBe(2)
  })
})

describe('v17 lend vs share, host side (seed 000 l.113-181)', () => {
  const base = [
    vm('vm0'),
    gmem('0x20000'),
    map('vm0', '0x80000000', LEND, 'g0', 0, '0x10000'),
    map('vm0', '0x90000000', SHARE, 'g0', '0x10000', '0x10000'),
    start(),
    touch('vm0', '0x80002000'),
    touch('vm0', '0x90002000'),
  ]
  it('demand paging: the lend page is lent (PG_private), the share page shared', () => {
    const s = run(base).final
    expect(pageOf(s, 'g0', 2)).toMatchObject({ owner: 'vm0', access: 'lent', pgPrivate: true })
    expect(pageOf(s, 'g0', 18)).toMatchObject({ owner: 'vm0', access: 'shared', pgPrivate: false })
  })
  it('mmap + host write of a shared page leaves it shared with the guest', () => {
    const r = run([...base, mmap('g0', '0x10000', '0x10000', 'sm'), hostAccess('sm', '0x2000')])
    expect(r.res(9)).toMatchObject({ errno: null, signal: null })
    expect(pageOf(r.final, 'g0', 18)).toMatchObject({ owner: 'vm0', access: 'shared' })
    expect(mmGfns(r.final, 'vm0')).toContain(0x90002)
  })
  it('mmap of the lent range reclaims at mmap time (l.156-173): page 2 is the host\'s before any fault', () => {
    const r = run([...base, mmap('g0', 0, '0x10000', 'lm')])
    expect(r.res(8).errno).toBeNull()
    expect(pageOf(r.final, 'g0', 2)).toMatchObject({ owner: 'host', access: 'reclaimed', pgPrivate: false })
    expect(mmGfns(r.final, 'vm0')).toEqual([0x90002])
  })
  it('then demand paging refuses to lend the host-mapped folio (-EPERM), after munmap it lends again', () => {
    const r = run([...base, mmap('g0', 0, '0x10000', 'lm'), hostAccess('lm', '0x2000'), touch('vm0', '0x80002000'), { op: 'munmap', map: 'lm' }, touch('vm0', '0x80002000')])
    expect(r.res(10)).toMatchObject({ errno: 'EPERM', exit: 'GUNYAH_VCPU_EXIT_PAGE_FAULT' })
    expect(pageOf(r.state(10), 'g0', 2)).toMatchObject({ owner: 'host' })
    expect(r.res(12).errno).toBeNull()
    expect(pageOf(r.final, 'g0', 2)).toMatchObject({ owner: 'vm0', access: 'lent' })
  })
  it('MAP_PRIVATE → -EINVAL and nothing is reclaimed (l.146-149)', () => {
    const r = run([...base, mmap('g0', 0, '0x10000', 'pm', ['MAP_PRIVATE'])])
    expect(r.res(8).errno).toBe('EINVAL')
    expect(pageOf(r.final, 'g0', 2)).toMatchObject({ owner: 'vm0', access: 'lent' })
  })
})

describe('v17 punch hole (seed 000 l.185-192, B-G17-6)', () => {
  const base = [vm('vm0'), gmem('0x10000'), map('vm0', '0x80000000', LEND, 'g0', 0, '0x10000'), start(), touch('vm0', '0x80000000'), touch('vm0', '0x80001000'), touch('vm0', '0x80005000')]
  it('as written, punching [4096, 8192) frees nothing (indices 4096..8191 are past EOF)', () => {
    const r = run([...base, punch('g0', 4096, 4096)])
    expect(r.res(8).errno).toBeNull()
    expect(cached(r.final, 'g0', 1)).toBe(true)
    expect(pageOf(r.final, 'g0', 1)).toMatchObject({ owner: 'vm0', access: 'lent' })
  })
  it('as written, punching [0, 8192) invalidates indices 0..8191: every page is reclaimed and dropped', () => {
    const r = run([...base, punch('g0', 0, 8192)])
    expect(r.res(8).errno).toBeNull()
    for (const i of [0, 1, 5]) expect(cached(r.final, 'g0', i)).toBe(false)
    expect(mmGfns(r.final, 'vm0')).toEqual([])
  })
  it('fixed: [4096, 8192) is page 1 only; [0, 8192) is pages 0-1', () => {
    const a = run([...base, punch('g0', 4096, 4096)], { fixes: true }).final
    expect([cached(a, 'g0', 0), cached(a, 'g0', 1), cached(a, 'g0', 5)]).toEqual([true, false, true])
    const b = run([...base, punch('g0', 0, 8192)], { fixes: true }).final
    expect([cached(b, 'g0', 0), cached(b, 'g0', 1), cached(b, 'g0', 5)]).toEqual([false, false, true])
    expect(mmGfns(b, 'vm0')).toEqual([0x80005])
  })
})

describe('v17 VM teardown and release (seed 000 l.541-569, l.250-257, l.197-206)', () => {
  const steps = [
    vm('vm0'),
    gmem('0x10000'),
    map('vm0', '0x80000000', LEND, 'g0', 0, '0x8000'),
    map('vm0', '0x90000000', SHARE, 'g0', '0x8000', '0x8000'),
    start(),
    touch('vm0', '0x80000000'),
    touch('vm0', '0x90000000'),
    close('g0'),
    close('vm0'),
  ]
  it('bindings pin the file: close(gmem) with live bindings drops one reference, no release, no BUG', () => {
    const r = run(steps)
    expect(fileNamed(r.state(8), 'g0')).toMatchObject({ fCount: 2, released: false })
    expect(privateList(r.state(8), 'g0')).toHaveLength(2)
    expect(r.state(8).taint).toEqual([])
  })
  it('_gunyah_vm_put removes every binding, reclaims every page, fputs: the file is released without BUG', () => {
    const r = run(steps)
    const s = r.final
    expect(vmTree(s, 'vm0')).toEqual([])
    expect(mmGfns(s, 'vm0')).toEqual([])
    expect(Object.keys(s.gunyah.bindings)).toEqual([])
    expect(fileNamed(s, 'g0')).toMatchObject({ fCount: 0, released: true })
    expect(s.taint).toEqual([])
    expect(r.res(9).log.some((l) => l.text.startsWith('BUG'))).toBe(false)
  })
  it('the gmem outlives the VM while an fd holds it', () => {
    const r = run(steps.filter((st) => !(st.op === 'close' && st.fd === 'g0')))
    expect(fileNamed(r.final, 'g0')).toMatchObject({ fCount: 1, released: false })
    expect(pageOf(r.final, 'g0', 0)).toMatchObject({ owner: 'host', access: 'reclaimed' })
    expect(pageOf(r.final, 'g0', 8)).toMatchObject({ owner: 'host', access: 'reclaimed' })
  })
  it('B-G17-12: reclaim refused at teardown → binding freed anyway, page stays lent; host fault hits BUG_ON (l.127); fixed: SIGBUS', () => {
    const st = [vm('vm0'), gmem('0x10000'), map('vm0', '0x80000000', LEND, 'g0', 0, '0x10000'), start(), touch('vm0', '0x80001000'), reclaimFails('vm0', '0x80001000'), close('vm0'), mmap('g0', 0, '0x10000', 'm'), hostAccess('m', '0x1000')]
    const w = run(st)
    expect(Object.keys(w.state(7).gunyah.bindings)).toEqual([])
    expect(pageOf(w.state(7), 'g0', 1)).toMatchObject({ access: 'lent', pgPrivate: true })
    expect(w.res(9).signal).toBe('SIGKILL')
    expect(w.final.taint.length).toBe(1)
    expect(run(st, { fixes: true }).res(9).signal).toBe('SIGBUS')
  })
})

describe('v15 (seed 001): allowed_overlap, removal without reclaim, release', () => {
  const v15 = { variant: 'gunyah-v15' as const }
  it('bindings hold no file reference (modify_binding always fputs)', () => {
    const r = run([vm('vm1'), gmem('0x10000'), map('vm1', '0x80000000', LEND, 'g0', 0, '0x4000')], v15)
    expect(r.res(3).errno).toBeNull()
    expect(fileNamed(r.final, 'g0').fCount).toBe(1)
    expect(privateList(r.final, 'g0')).toEqual([{ vm: 'vm1', gfn: 0x80000, iOff: 0, nr: 4 }])
  })
  it('B-G15-2: the same pages bound in two VMs (overlap allowed), disjoint refused', () => {
    const r = run([vm('vm1'), vm('vm2'), gmem('0x10000'), map('vm1', '0x80000000', LEND, 'g0', 0, '0x4000'), map('vm2', '0x80000000', LEND, 'g0', '0x8000', '0x4000'), map('vm2', '0x80000000', LEND, 'g0', 0, '0x4000')], v15)
    expect([r.res(5).errno, r.res(6).errno]).toEqual(['EEXIST', null])
    expect(privateList(r.final, 'g0')).toEqual([
      { vm: 'vm2', gfn: 0x80000, iOff: 0, nr: 4 },
      { vm: 'vm1', gfn: 0x80000, iOff: 0, nr: 4 },
    ])
  })
  it('B-G15-4: the failed adds leak b', () => {
    const r = run([vm('vm1'), gmem('0x10000'), map('vm1', '0x80000000', LEND, 'g0', 0, '0x4000'), map('vm1', '0x90000000', LEND, 'g0', '0x8000', '0x4000')], v15)
    expect(r.res(4).errno).toBe('EEXIST')
    expect(r.final.gunyah.leaked).toHaveLength(1)
  })
  it('B-G15-5: UNMAP drops the binding but the guest keeps the page; fixed reclaims', () => {
    const st = [vm('vm1'), gmem('0x10000'), map('vm1', '0x80000000', LEND, 'g0', 0, '0x4000'), start('vm1'), touch('vm1', '0x80001000'), unmap('vm1', '0x80000000', LEND, 'g0', 0, '0x4000')]
    const w = run(st, v15).final
    expect(vmTree(w, 'vm1')).toEqual([])
    expect(privateList(w, 'g0')).toEqual([])
    expect(mmGfns(w, 'vm1')).toEqual([0x80001])
    expect(pageOf(w, 'g0', 1)).toMatchObject({ owner: 'vm1', access: 'lent' })
    const f = run(st, { ...v15, fixes: true }).final
    expect(mmGfns(f, 'vm1')).toEqual([])
    expect(pageOf(f, 'g0', 1)).toMatchObject({ owner: 'host', access: 'reclaimed' })
  })
  it('partial removal keeps the start / the end like v17 (sign of end_delta is irrelevant, B-G15-8)', () => {
    const r = run([vm('vm1'), gmem('0x10000'), map('vm1', '0x80000000', LEND, 'g0', 0, '0x8000'), unmap('vm1', '0x80006000', LEND, 'g0', '0x6000', '0x2000'), unmap('vm1', '0x80000000', LEND, 'g0', 0, '0x2000')], v15)
    expect([r.res(4).errno, r.res(5).errno]).toEqual([null, null])
    expect(privateList(r.state(4), 'g0')).toEqual([{ vm: 'vm1', gfn: 0x80000, iOff: 0, nr: 6 }])
    expect(privateList(r.final, 'g0')).toEqual([{ vm: 'vm1', gfn: 0x80002, iOff: 2, nr: 4 }])
  })
  it('release (last close of the gmem) truncates the file and removes every binding of every VM', () => {
    const r = run([vm('vm1'), vm('vm2'), gmem('0x10000'), map('vm1', '0x80000000', LEND, 'g0', 0, '0x4000'), map('vm2', '0x90000000', SHARE, 'g0', 0, '0x4000'), start('vm1'), touch('vm1', '0x80001000'), close('g0')], v15)
    const s = r.final
    expect(fileNamed(s, 'g0').released).toBe(true)
    expect(vmTree(s, 'vm1')).toEqual([])
    expect(vmTree(s, 'vm2')).toEqual([])
    expect(Object.keys(s.gunyah.bindings)).toEqual([])
    expect(cached(s, 'g0', 1)).toBe(false)
    // B-G15-6: no reclaim: the guest still maps the truncated page
    expect(mmGfns(s, 'vm1')).toEqual([0x80001])
  })
  it('VM teardown removes the bindings without reclaim (B-G15-5) and without locks (B-G15-7)', () => {
    const r = run([vm('vm1'), gmem('0x10000'), map('vm1', '0x80000000', LEND, 'g0', 0, '0x4000'), close('vm1')], v15)
    expect(privateList(r.final, 'g0')).toEqual([])
    expect(r.res(4).locks.filter((e) => e.cls === 'mapping.invalidate_lock' || e.cls === '&ghvm->mem_lock')).toEqual([])
  })
})
