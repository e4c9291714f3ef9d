/**
 * Where the engine disagreed with the kernel code. Each test states the KERNEL's behaviour; each was
 * first marked it.fails; the engine now does what the seed does.
 */
import { describe, it, expect } from 'vitest'
import { BIND, FOLIO, INV, LEND, close, gmem, map, mmap, punch, run, start, touch, vm, vmTree, unmap } from './helpers'

describe('engine vs seed 000 (v17)', () => {
  // seed 000 l.460-461 — size 0 at guest_addr 0: b->gfn + b->nr - 1 = 0 + 0 - 1 wraps to
  // ULONG_MAX, so mtree_insert_range(&ghvm->bindings, 0, ULONG_MAX, b) gets first <= last and SUCCEEDS
  // (lib/maple_tree.c only rejects first > last). MAP_MEM returns 0 with an nr=0 binding that occupies the
  // whole gfn space of the VM; any later bind in that VM then gets -EEXIST from the maple tree.
  it('size 0 at gfn 0 is accepted (mtree range [0, ULONG_MAX]) and blocks every other gfn of the VM', () => {
    const r = run([vm('vm0'), gmem('0x10000'), map('vm0', 0, LEND, 'g0', 0, 0), map('vm0', '0x80000000', LEND, 'g0', '0x1000', '0x1000')])
    expect(r.res(3).errno).toBeNull()
    expect(r.res(4).errno).toBe('EEXIST')
    expect(vmTree(r.final, 'vm0')).toEqual([{ vm: 'vm0', gfn: 0, iOff: 0, nr: 0 }])
  })

  it('size 0 at a non-zero gfn: first > last → -EINVAL from mtree_insert_range (agrees)', () => {
    expect(run([vm('vm0'), gmem('0x10000'), map('vm0', '0x80000000', LEND, 'g0', 0, 0)]).res(3).errno).toBe('EINVAL')
  })

  // seed 000 l.169 / l.252 / l.311 → S6 gunyah_vm_reclaim_range: mt_for_each(&ghvm->mm) visits one
  // entry per provided folio and does folio_lock/reclaim/folio_unlock for each. Three order-0 folios
  // lent at adjacent gfns are three folio_lock acquisitions: the engine records one event for the
  // extent with count 3 (it never walks extents page by page).
  const three = [vm('vm0'), gmem('0x10000'), map('vm0', '0x80000000', LEND, 'g0', 0, '0x10000'), start(), touch('vm0', '0x80000000'), touch('vm0', '0x80001000'), touch('vm0', '0x80002000')]
  // folio_lock acquisitions, each event counted as many times as it repeats (LockEvent.count)
  const folioLocks = (r: ReturnType<typeof run>, n: number) =>
    r.res(n).locks.filter((e) => e.cls === FOLIO && e.kind === 'acquire').flatMap((e) => Array<string>(e.count ?? 1).fill(e.instance))

  it('reclaim_range at mmap locks each of 3 adjacent order-0 folios (S6, seed 000 l.169)', () => {
    const r = run([...three, mmap('g0', 0, '0x10000')])
    expect(folioLocks(r, 8)).toHaveLength(3)
  })
  it('reclaim_range at UNMAP locks each of 3 adjacent order-0 folios (seed 000 l.311)', () => {
    const r = run([...three, unmap('vm0', '0x80000000', LEND, 'g0', 0, '0x10000')])
    expect(folioLocks(r, 8)).toHaveLength(3)
  })
  it('reclaim_range at VM teardown locks each of 3 adjacent order-0 folios (seed 000 l.252, l.554-557)', () => {
    const r = run([...three, close('vm0')])
    const inReclaim = r.res(8).locks.filter((e) => e.cls === FOLIO && e.kind === 'acquire' && e.stack.includes('gunyah_vm_reclaim_range'))
    expect(inReclaim.reduce((n, e) => n + (e.count ?? 1), 0)).toBe(3)
  })
  // seed 000 l.191 + l.212-216 + l.96 — invalidate_inode_pages2_range locks every folio and calls
  // release_folio → gunyah_gmem_launder_folio for each, which takes invalidate_lock S each time: 3 folios →
  // 3 folio_lock and 3 invalidate_lock S acquisitions (events with count 3).
  it('punch [0, 8192) as written launders each of 3 adjacent folios (3 × folio_lock → invalidate_lock S)', () => {
    const r = run([...three, punch('g0', 0, 8192)])
    expect(folioLocks(r, 8)).toHaveLength(3)
    const invReads = r.res(8).locks.filter((e) => e.cls === INV && e.kind === 'acquire' && e.mode === 'read')
    expect(invReads.reduce((n, e) => n + (e.count ?? 1), 0)).toBe(3)
  })

  // seed 000 l.255 fput(b->file) from _gunyah_vm_put (itself running in the VM file's __fput
  // task work): fput() of the last gmem reference only queues ____fput with task_work_add; the gmem's
  // release/evict (truncate_inode_pages_final → folio_lock) runs AFTER _gunyah_vm_put has dropped
  // bindings_lock (l.558).
  it('the gmem evict triggered by the binding fput at VM teardown is not nested under bindings_lock', () => {
    const r = run([vm('vm0'), gmem('0x10000'), map('vm0', '0x80000000', LEND, 'g0', 0, '0x10000'), start(), touch('vm0', '0x80000000'), close('g0'), close('vm0')])
    const ev = r.res(7).locks
    let held = 0
    const underBind: string[] = []
    for (const e of ev) {
      if (e.cls === BIND) held += e.kind === 'acquire' ? 1 : e.kind === 'release' ? -1 : 0
      else if (held > 0 && e.kind === 'acquire' && e.stack.includes('evict')) underBind.push(e.fn)
    }
    expect(underBind).toEqual([])
  })
})
