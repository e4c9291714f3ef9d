/**
 * The render benchmark's file: one guest_memfd inode of 1 Mi pages (4 GiB) holding 1 Mi order-0
 * folios whose pfns never continue each other (so each folio is its own extent), in runs of mixed
 * states — allocated, lent, shared, reclaimed, host-mapped — with single poisoned pages sprinkled
 * over it. Built directly as a KernelState (gunyah-v17 shape: ownership and host PTEs are per-page
 * extents there), because a million distinct folios is not something a short scenario makes.
 */
import { initialState, type Extent, type FolioPage, type GunyahPage, type GunyahPte, type KernelState } from '../src/engine'

export const FIXTURE_PAGES = 1 << 20
export const FIXTURE_POISONED = 64
export const INODE = 'inode1'
const FILE = 'file1'
const VMA = 'vma1'
const VM = 'ghvm1'

function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function mixedFolioState(pages = FIXTURE_PAGES, poisoned = FIXTURE_POISONED, seed = 1): KernelState {
  const rand = prng(seed)
  const poison = new Set<number>()
  while (poison.size < Math.min(poisoned, pages)) poison.add(Math.floor(rand() * pages))
  const folios: Extent<FolioPage>[] = new Array(pages)
  for (let i = 0; i < pages; i++) {
    // pfn stride 2: page i + 1 never continues page i, so no two folios merge
    folios[i] = { start: i, end: i + 1, value: { pfn: 0x100000 + 2 * i, order: 0, uptodate: true, hwpoison: poison.has(i) } }
  }
  const owner: Extent<GunyahPage>[] = []
  const ptes: Extent<GunyahPte>[] = []
  for (let at = 0; at < pages; ) {
    const len = Math.min(pages - at, 1 + Math.floor(rand() * 48))
    const r = rand()
    if (r < 0.25) owner.push({ start: at, end: at + len, value: { owner: VM, access: 'lent', pgPrivate: true, directMap: false } })
    else if (r < 0.4) owner.push({ start: at, end: at + len, value: { owner: VM, access: 'shared', pgPrivate: false, directMap: true } })
    else if (r < 0.5) owner.push({ start: at, end: at + len, value: { owner: 'host', access: 'reclaimed', pgPrivate: false, directMap: true } })
    else if (r < 0.62) {
      owner.push({ start: at, end: at + len, value: { owner: 'host', access: 'host', pgPrivate: false, directMap: true } })
      ptes.push({ start: at, end: at + len, value: { write: true } })
    }
    // otherwise: allocated, host only, unmapped (no ownership entry)
    at += len
  }
  const s = initialState('gunyah-v17')
  return {
    ...s,
    files: {
      [FILE]: { id: FILE, kind: 'gunyah-gmem', label: 'g0', fCount: 2, vm: '', inode: INODE, bindings: [], released: false },
    },
    inodes: {
      [INODE]: { id: INODE, fs: 'gunyah_guest_mem', sizePages: pages, flags: 0, folios, privateList: [FILE], evicted: false },
    },
    vmas: { [VMA]: { id: VMA, label: 'm0', start: 0x7f0000000, pages, file: FILE, pgoff: 0, prot: 3, shared: true } },
    gunyah: {
      ...s.gunyah,
      vms: { [VM]: { id: VM, label: 'vm0', vmid: 1, started: true, destroyed: false, bindings: [], mm: [], demandPaging: [] } },
      pages: { [INODE]: owner },
      ptes: { [VMA]: ptes },
    },
  }
}
