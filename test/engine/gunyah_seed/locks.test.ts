/**
 * Lock-event order of the Gunyah v17/v15 paths, per semantics.md §1.14 and the seed code.
 * edges() lists "held -> acquired" class pairs of a step.
 */
import { describe, it, expect } from 'vitest'
import {
  BIND,
  FOLIO,
  IMMAP,
  INV,
  LEND,
  MMAP,
  acquires,
  close,
  edges,
  gmem,
  hostAccess,
  map,
  mmap,
  reclaimFails,
  run,
  start,
  touch,
  unmap,
  vm,
} from './helpers'

const lent = [vm('vm0'), gmem('0x10000'), map('vm0', '0x80000000', LEND, 'g0', 0, '0x10000'), start(), touch('vm0', '0x80000000'), touch('vm0', '0x80008000')]

describe('v17 lock order (semantics.md §1.14)', () => {
  it('add_mapping: invalidate_lock W only; bindings_lock is not taken (seed 000 l.448-468)', () => {
    const r = run([vm('vm0'), gmem('0x10000'), map('vm0', '0x80000000', LEND, 'g0', 0, '0x4000')])
    expect(acquires(r.res(3))).toEqual([`${INV}:write`])
  })
  it('remove/trim: invalidate_lock W → bindings_lock W → folio_lock (l.361, l.309, S6 reclaim_range)', () => {
    const r = run([...lent, unmap('vm0', '0x80000000', LEND, 'g0', 0, '0x10000')])
    const a = acquires(r.res(7))
    expect(a.slice(0, 2)).toEqual([`${INV}:write`, `${BIND}:write`])
    expect(a.slice(2).every((x) => x === `${FOLIO}:write`)).toBe(true)
    expect(a.length).toBeGreaterThan(2)
    expect(edges(r.res(7))).toEqual(expect.arrayContaining([`${INV} -> ${BIND}`, `${BIND} -> ${FOLIO}`, `${INV} -> ${FOLIO}`]))
  })
  it('demand paging as written: bindings_lock R → folio_lock → invalidate_lock S → i_mmap_rwsem R (S8, B-G17-10/11)', () => {
    const r = run([vm('vm0'), gmem('0x10000'), map('vm0', '0x80000000', LEND, 'g0', 0, '0x10000'), start(), touch('vm0', '0x80001000')])
    expect(acquires(r.res(5))).toEqual([`${BIND}:read`, `${FOLIO}:write`, `${INV}:read`, `${IMMAP}:read`])
    expect(edges(r.res(5))).toEqual(expect.arrayContaining([`${BIND} -> ${INV}`, `${FOLIO} -> ${INV}`, `${INV} -> ${IMMAP}`]))
  })
  it('demand paging fixed: invalidate_lock S is taken before bindings_lock and folio_lock are held', () => {
    const r = run([vm('vm0'), gmem('0x10000'), map('vm0', '0x80000000', LEND, 'g0', 0, '0x10000'), start(), touch('vm0', '0x80001000')], { fixes: true })
    const e = edges(r.res(5))
    expect(e).not.toContain(`${BIND} -> ${INV}`)
    expect(e).not.toContain(`${FOLIO} -> ${INV}`)
    expect(e).toEqual(expect.arrayContaining([`${INV} -> ${BIND}`, `${INV} -> ${FOLIO}`]))
  })
  it('mmap: mmap_lock W → invalidate_lock S → folio_lock (l.151, l.169)', () => {
    const r = run([...lent, mmap('g0', 0, '0x10000')])
    const a = acquires(r.res(7))
    expect(a.slice(0, 2)).toEqual([`${MMAP}:write`, `${INV}:read`])
    expect(a.slice(2).length).toBeGreaterThan(0)
    expect(a.slice(2).every((x) => x === `${FOLIO}:write`)).toBe(true)
    expect(edges(r.res(7))).toEqual(expect.arrayContaining([`${MMAP} -> ${INV}`, `${INV} -> ${FOLIO}`]))
  })
  it('host fault launder as written: folio_lock → invalidate_lock S (l.121 → l.96, B-G17-11)', () => {
    const r = run([vm('vm0'), gmem('0x10000'), map('vm0', '0x80000000', LEND, 'g0', 0, '0x10000'), start(), touch('vm0', '0x80001000'), reclaimFails('vm0', '0x80001000'), close('vm0'), mmap('g0', 0, '0x10000'), hostAccess('m', '0x1000')])
    const a = acquires(r.res(9))
    expect(a).toEqual([`${MMAP}:read`, `${FOLIO}:write`, `${INV}:read`])
    expect(edges(r.res(9))).toContain(`${FOLIO} -> ${INV}`)
  })
  it('host fault launder fixed: no folio_lock → invalidate_lock edge', () => {
    const r = run([vm('vm0'), gmem('0x10000'), map('vm0', '0x80000000', LEND, 'g0', 0, '0x10000'), start(), touch('vm0', '0x80001000'), reclaimFails('vm0', '0x80001000'), close('vm0'), mmap('g0', 0, '0x10000'), hostAccess('m', '0x1000')], { fixes: true })
    expect(edges(r.res(9))).not.toContain(`${FOLIO} -> ${INV}`)
  })
  it('punch as written: folio_lock → invalidate_lock S via release_folio → launder (l.212-216, l.96)', () => {
    const r = run([...lent, { op: 'fallocate', fd: 'g0', mode: ['FALLOC_FL_KEEP_SIZE', 'FALLOC_FL_PUNCH_HOLE'], offset: 0, len: 8192 }])
    expect(edges(r.res(7))).toContain(`${FOLIO} -> ${INV}`)
  })
  it('vm_put as written: bindings_lock W → folio_lock, no invalidate_lock (l.554-558, B-G17-9)', () => {
    const r = run([...lent, close('vm0')])
    const a = acquires(r.res(7))
    expect(a[0]).toBe(`${BIND}:write`)
    expect(a).not.toContain(`${INV}:write`)
    expect(a.filter((x) => x === `${FOLIO}:write`).length).toBe(2)
    expect(edges(r.res(7))).toContain(`${BIND} -> ${FOLIO}`)
  })
  it('vm_put fixed (B-G17-9): invalidate_lock W → bindings_lock W around each unlink', () => {
    const r = run([...lent, close('vm0')], { fixes: true })
    expect(edges(r.res(7))).toEqual(expect.arrayContaining([`${INV} -> ${BIND}`, `${BIND} -> ${FOLIO}`]))
  })
})

describe('v15 lock order (semantics.md §1.14: invalidate_lock(W) → mem_lock(W) on partial remove; everything else unlocked)', () => {
  const v15 = { variant: 'gunyah-v15' as const }
  const MEM = '&ghvm->mem_lock'
  const base = [vm('vm0'), gmem('0x10000'), map('vm0', '0x80000000', LEND, 'g0', 0, '0x8000')]
  it('add: invalidate_lock W only', () => {
    expect(acquires(run(base, v15).res(3))).toEqual([`${INV}:write`])
  })
  it('partial remove: invalidate_lock W → mem_lock W', () => {
    const r = run([...base, unmap('vm0', '0x80004000', LEND, 'g0', '0x4000', '0x4000')], v15)
    expect(acquires(r.res(4))).toEqual([`${INV}:write`, `${MEM}:write`])
    expect(edges(r.res(4))).toEqual([`${INV} -> ${MEM}`])
  })
  it('full remove: invalidate_lock W only, mem_layout erased without mem_lock (B-G15-7)', () => {
    const r = run([...base, unmap('vm0', '0x80000000', LEND, 'g0', 0, '0x8000')], v15)
    expect(acquires(r.res(4))).toEqual([`${INV}:write`])
  })
  it('release: no invalidate_lock, no mem_lock (B-G15-6)', () => {
    const r = run([...base, close('g0')], v15)
    expect(acquires(r.res(4), [INV, MEM])).toEqual([])
  })
})
