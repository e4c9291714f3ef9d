import { describe, expect, it } from 'vitest'
import { initialState, rangeStore, type FolioPage, type KernelState } from '../../../src/engine'
import { folioAt, folioExtents, sweep } from '../../../src/engine/selectors'
import { runBuiltin } from './helpers'

const row = (e: { start: number; end: number; state: string }) => [e.start, e.end, e.state]

describe('sweep', () => {
  it('cuts at every boundary of every layer and reports each layer value', () => {
    const a = [{ start: 0, end: 4, value: 'a' }]
    const b = [{ start: 2, end: 6, value: 'b' }]
    expect(sweep([a, b], 0, 8).map((p) => [p.start, p.end, ...p.at])).toEqual([
      [0, 2, 'a', null],
      [2, 4, 'a', 'b'],
      [4, 6, null, 'b'],
      [6, 8, null, null],
    ])
  })
})

describe('folioExtents: Gunyah lend vs share', () => {
  const run = runBuiltin('gunyah-lend-vs-share')
  const inode = () => Object.keys(run.states[2]!.inodes)[0]!

  it('after the guest faults both bindings in: page 1 lent, page 17 shared', () => {
    const s = run.states[8]!
    expect(folioExtents(s, inode()).map(row)).toEqual([
      [1, 2, 'lent'],
      [17, 18, 'shared'],
    ])
    const lent = folioAt(s, inode(), 1)!
    expect(lent.host).toBe('no')
    expect(lent.guests).toEqual(['vm0'])
    expect(lent.owner).toBe('vm0')
  })

  it('the host maps the shared page while the guest keeps it', () => {
    const shared = folioAt(run.states[10]!, inode(), 17)!
    expect(shared.state).toBe('shared')
    expect(shared.host).toBe('mapped')
    expect(shared.guests).toEqual(['vm0'])
  })

  it('mmap of the lent half reclaims page 1; the host fault maps it; the guest cannot have it back', () => {
    expect(folioAt(run.states[12]!, inode(), 1)!.state).toBe('reclaimed')
    const p = folioAt(run.states[14]!, inode(), 1)!
    expect(p.state).toBe('host-mapped')
    expect(p.guests).toEqual([])
    expect(run.records[13]!.result.errno).toBe('EPERM')
  })

  it('holes are listed only when asked', () => {
    const s = run.states[8]!
    const all = folioExtents(s, inode(), { holes: true })
    expect(all[0]).toMatchObject({ start: 0, end: 1, state: 'absent', pfn: null })
    expect(all.reduce((n, e) => n + (e.end - e.start), 0)).toBe(32)
  })
})

describe('folioExtents: KVM', () => {
  it('a guest-mapped gmem folio is private (lent) and poison wins', () => {
    const base = initialState('kvm-v11')
    const folios = rangeStore<FolioPage>([], 0, 8, { pfn: 100, order: 0, uptodate: true, hwpoison: false }, ['pfn'])
    const poisoned = rangeStore(folios, 2, 3, { pfn: 102, order: 0, uptodate: true, hwpoison: true }, ['pfn'])
    const s: KernelState = {
      ...base,
      inodes: { i1: { id: 'i1', fs: 'kvm_gmem', sizePages: 8, flags: 0, folios: poisoned, privateList: [], evicted: false } },
      vms: {
        vm1: {
          id: 'vm1', label: 'vm0', type: 1, usersCount: 1, destroyed: false, memslots: {}, freedMemslots: {}, nrMemslotPages: 0,
          attributes: [],
          stage2: [{ start: 0x100, end: 0x104, value: { backing: 'gmem', inode: 'i1', index: 0, pfn: 100, writable: true } }],
          mmu: { inProgress: 0, seq: 0, rangeStart: null, rangeEnd: null },
        },
      },
    }
    expect(folioExtents(s, 'i1').map(row)).toEqual([
      [0, 2, 'lent'],
      [2, 3, 'poisoned'],
      [3, 4, 'lent'],
      [4, 8, 'allocated'],
    ])
    expect(folioExtents(s, 'i1')[3]!.pfn).toBe(104)
  })

  it('a 64 GiB file with one folio costs a handful of extents', () => {
    const base = initialState('kvm-v11')
    const pages = 16 * 1024 * 1024
    const folios = rangeStore<FolioPage>([], pages - 1, pages, { pfn: 5, order: 0, uptodate: true, hwpoison: false }, ['pfn'])
    const s: KernelState = { ...base, inodes: { i1: { id: 'i1', fs: 'kvm_gmem', sizePages: pages, flags: 0, folios, privateList: [], evicted: false } } }
    expect(folioExtents(s, 'i1', { holes: true }).map(row)).toEqual([
      [0, pages - 1, 'absent'],
      [pages - 1, pages, 'allocated'],
    ])
  })
})
