/** lastChangedBy / buildEffectIndex: the latest effect touching an object, up to a step. */
import { describe, expect, it } from 'vitest'
import { buildEffectIndex, effectTouches, lastChangedBy } from '../../../src/engine/selectors/lastChanged'
import type { Effect, EffectObject } from '../../../src/engine/result'
import { alloc, boundVm, close, fileNamed, kvm, punch, access, vmNamed } from '../../helpers/kvm'

const eff = (object: EffectObject, what = 'x'): Effect => ({ fn: 'f', what, seed: 's', object })
const rec = (...effects: Effect[]) => ({ result: { effects } })

describe('lastChangedBy (synthetic records)', () => {
  const F = (start: number, end: number, inode = 'inode1'): EffectObject => ({ kind: 'folios', inode, start, end })
  const records = [
    rec(eff(F(0, 512), 'allocated'), eff({ kind: 'file', id: 'file2' }, 'opened')),
    rec(eff(F(0, 2), 'zeroed'), eff(F(0, 8, 'inode9'), 'other inode')),
    rec(),
    rec(eff(F(100, 200), 'truncated'), eff(F(150, 160), 'poisoned')),
    rec(eff({ kind: 'file', id: 'file2' }, 'closed')),
  ]
  const index = buildEffectIndex(records)

  it.each([
    [5, F(0, 1), 2, 'zeroed'],
    [5, F(1, 3), 2, 'zeroed'],
    [5, F(2, 100), 1, 'allocated'],
    [5, F(99, 101), 4, 'truncated'],
    [5, F(155, 156), 4, 'poisoned'],
    [3, F(155, 156), 1, 'allocated'],
    [1, F(0, 1), 1, 'allocated'],
    [5, { kind: 'file', id: 'file2' } as EffectObject, 5, 'closed'],
    [4, { kind: 'file', id: 'file2' } as EffectObject, 1, 'opened'],
  ])('up to step %i, %j → step %i (%s)', (upTo, object, step, what) => {
    for (const hit of [lastChangedBy(records, upTo, object), index.lastChangedBy(upTo, object)]) {
      expect(hit?.step).toBe(step)
      expect(hit?.effect.what).toBe(what)
    }
  })

  it('nothing before the first change, nothing outside the ranges, other inodes and kinds do not match', () => {
    const misses: [number, EffectObject][] = [
      [0, F(0, 1)],
      [5, F(512, 600)],
      [5, F(0, 1, 'inode7')],
      [5, { kind: 'pages', inode: 'inode1', start: 0, end: 1 }],
      [5, { kind: 'file', id: 'file3' }],
    ]
    for (const [upTo, o] of misses) {
      expect(lastChangedBy(records, upTo, o)).toBeNull()
      expect(index.lastChangedBy(upTo, o)).toBeNull()
    }
    expect(index.size).toBe(7)
  })

  it('history lists the effects touching the object, oldest first', () => {
    expect(index.history(5, F(150, 151)).map((h) => [h.step, h.effect.what])).toEqual([
      [1, 'allocated'],
      [4, 'truncated'],
      [4, 'poisoned'],
    ])
  })

  it('effectTouches: half-open ranges, identity for the rest', () => {
    expect(effectTouches(F(0, 2), F(2, 3))).toBe(false)
    expect(effectTouches(F(0, 3), F(2, 3))).toBe(true)
    expect(effectTouches({ kind: 'memslot', vm: 'vm1', key: '0:0' }, { kind: 'memslot', vm: 'vm1', key: '0:1' })).toBe(false)
    expect(effectTouches({ kind: 'kernel', field: 'taint' }, { kind: 'kernel', field: 'taint' })).toBe(true)
  })
})

describe('over an engine run (kvm-v11)', () => {
  const r = kvm([...boundVm(), alloc('g', 0, 0x4000), access('vm', 0x100000), punch('g', 0, 0x2000), close('g')])
  const s = r.state(5)
  const inode = fileNamed(s, 'g').inode!
  const vm = vmNamed(s, 'vm').id
  const index = buildEffectIndex(r.records)

  it('a folio: allocated and zeroed at step 5, truncated by the punch at step 7, evicted at close', () => {
    const page = (n: number): EffectObject => ({ kind: 'folios', inode, start: n, end: n + 1 })
    expect(index.lastChangedBy(6, page(0))).toMatchObject({ step: 5, effect: { what: 'zeroed (folio_mark_uptodate)', seed: 'seed 002 kvm_gmem_get_folio' } })
    expect(index.lastChangedBy(7, page(0))).toMatchObject({ step: 7, effect: { fn: 'truncate_inode_pages_range', seed: 'seed 002 kvm_gmem_punch_hole' } })
    expect(index.lastChangedBy(7, page(3))!.step).toBe(5)
    expect(index.lastChangedBy(8, page(3))).toMatchObject({ step: 8, effect: { what: 'truncated (truncate_inode_pages_final)' } })
  })

  it('stage 2, the memslot and the VM', () => {
    const gfn = { kind: 'stage2', vm, start: 0x100, end: 0x101 } as const
    expect(index.lastChangedBy(6, gfn)).toMatchObject({ step: 6, effect: { fn: 'kvm_tdp_mmu_map' } })
    expect(index.lastChangedBy(7, gfn)).toMatchObject({ step: 7, effect: { what: 'zapped by kvm_mmu_unmap_gfn_range' } })
    expect(index.lastChangedBy(4, { kind: 'memslot', vm, key: '0:0' })!.effect.what).toMatch(/^created/)
    expect(index.lastChangedBy(8, { kind: 'memslot', vm, key: '0:0' })).toMatchObject({ step: 8, effect: { what: 'rcu_assign_pointer(slot->gmem.file, NULL)' } })
    // the walk and the index agree everywhere
    for (let upTo = 0; upTo <= r.records.length; upTo++) {
      for (const o of [gfn, { kind: 'vm', id: vm } as EffectObject, { kind: 'folios', inode, start: 0, end: 512 } as EffectObject]) {
        expect(index.lastChangedBy(upTo, o)).toEqual(lastChangedBy(r.records, upTo, o))
      }
    }
  })
})
