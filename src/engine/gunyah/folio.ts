/**
 * The Gunyah guest_memfd page cache (S7 gunyah_gmem_get_folio / get_huge_folio) and the host's
 * view of a folio: is it mapped in a host page table (folio_mapped) or covered by a VMA
 * (folio_mmapped), and gunyah_folio_lend_safe() which refuses to lend such a folio.
 *
 * A folio returned by gunyahGmemGetFolio() is locked (folio_lock pseudo-class, instance
 * "inode:head"); the caller unlocks it with folioUnlock().
 */
import { castDraft } from 'immer'
import type { OpCtx } from '../ctx'
import { rangeHoles, rangeQuery, rangeStore } from '../rangemap'
import { FOLIO_LINEAR, type FolioPage, type Vma } from '../state'
import { shouldFail } from '../mm/filemap'
import { folioAt, GHMF_ALLOW_HUGEPAGE, HPAGE_PMD_NR, HPAGE_PMD_ORDER, inodeOfId, S7, type FolioRef } from './common'

export function folioLock(ctx: OpCtx, f: FolioRef): void {
  ctx.lock('folioLock', `${f.inode}:${f.head}`)
}

export function folioUnlock(ctx: OpCtx, f: FolioRef): void {
  ctx.unlock('folioLock', `${f.inode}:${f.head}`)
}

/** Adds a new folio of `order` at `index` to the page cache (filemap_alloc_folio + filemap_add_folio). */
function addFolio(ctx: OpCtx, inodeId: string, index: number, pages: number, order: number): void {
  if (order > 0) ctx.s.nextPfn = Math.ceil(ctx.s.nextPfn / (1 << order)) * (1 << order)
  const folio: FolioPage = { pfn: ctx.s.nextPfn, order, uptodate: false, hwpoison: false }
  ctx.s.nextPfn += pages
  const inode = ctx.s.inodes[inodeId]!
  inode.folios = castDraft(rangeStore(inodeOfId(ctx, inodeId).folios, index, index + pages, folio, FOLIO_LINEAR))
  const what = order > 0 ? `allocated: a 2 MiB folio (order ${order}, ${ctx.fn})` : `allocated (${ctx.fn}: filemap_alloc_folio + filemap_add_folio)`
  ctx.effect({ kind: 'folios', inode: inodeId, start: index, end: index + pages }, what, S7)
}

/**
 * gunyah_gmem_get_huge_folio() (S7): a 2 MiB folio at round_down(index, HPAGE_PMD_NR), only with
 * GHMF_ALLOW_HUGEPAGE and only if that whole 2 MiB range of the file is still empty. No i_size check.
 */
export function gunyahGmemGetHugeFolio(ctx: OpCtx, inodeId: string, index: number): FolioRef | null {
  return ctx.call('gunyah_gmem_get_huge_folio', () => {
    const inode = inodeOfId(ctx, inodeId)
    const hugeIndex = index - (index % HPAGE_PMD_NR)
    if (!(inode.flags & GHMF_ALLOW_HUGEPAGE)) return null
    // filemap_range_has_page(mapping, huge_index << PAGE_SHIFT, (huge_index + HPAGE_PMD_NR - 1) << PAGE_SHIFT)
    if (rangeQuery(inode.folios, hugeIndex, hugeIndex + HPAGE_PMD_NR).length) return null
    if (shouldFail(ctx, 'fail_page_alloc')) return null
    addFolio(ctx, inodeId, hugeIndex, HPAGE_PMD_NR, HPAGE_PMD_ORDER)
    const f = folioAt(ctx, inodeId, index)!
    folioLock(ctx, f) // filemap_add_folio() returns it locked
    return f
  })
}

/** Zeroes a folio that is not uptodate and marks it uptodate ("zeroed before being handed off"). */
function zeroIfNeeded(ctx: OpCtx, f: FolioRef): void {
  const inode = ctx.s.inodes[f.inode]!
  const e = rangeQuery(inodeOfId(ctx, f.inode).folios, f.head, f.head + f.nr, FOLIO_LINEAR)
  for (const x of e) {
    if (!x.value.uptodate) {
      inode.folios = castDraft(rangeStore(inodeOfId(ctx, f.inode).folios, x.start, x.end, { ...x.value, uptodate: true }, FOLIO_LINEAR))
      ctx.effect({ kind: 'folios', inode: f.inode, start: x.start, end: x.end }, 'zeroed (folio_zero_range + folio_mark_uptodate)', S7)
    }
  }
}

/**
 * gunyah_gmem_get_folio() (S7): the huge folio if allowed, else filemap_grab_folio(); NULL when
 * allocation fails. Returns the folio locked and zeroed.
 */
export function gunyahGmemGetFolio(ctx: OpCtx, inodeId: string, index: number): FolioRef | null {
  return ctx.call('gunyah_gmem_get_folio', () => {
    let f = gunyahGmemGetHugeFolio(ctx, inodeId, index)
    if (!f) {
      f = ctx.call('filemap_grab_folio', () => {
        const found = folioAt(ctx, inodeId, index)
        if (found) {
          folioLock(ctx, found)
          return found
        }
        if (shouldFail(ctx, 'fail_page_alloc')) return null
        addFolio(ctx, inodeId, index, 1, 0)
        const made = folioAt(ctx, inodeId, index)!
        folioLock(ctx, made)
        return made
      })
      // if (IS_ERR_OR_NULL(folio)) return NULL;
      if (!f) return null
    }
    zeroIfNeeded(ctx, f)
    return f
  })
}

/**
 * Allocates every missing folio of [start, end) the way gunyah_gmem_allocate()'s loop does
 * (one get_folio per folio), but by extents: a run of order-0 folios is one step. Returns the first
 * index not allocated (end on success).
 */
export function gunyahGmemGetFolioRange(ctx: OpCtx, inodeId: string, start: number, end: number): number {
  const inode = inodeOfId(ctx, inodeId)
  let index = start
  while (index < end) {
    if (inode.flags & GHMF_ALLOW_HUGEPAGE || folioAt(ctx, inodeId, index)) {
      const f = gunyahGmemGetFolio(ctx, inodeId, index)
      if (!f) return index
      folioUnlock(ctx, f)
      // index = folio_next_index(folio)
      index = f.head + f.nr
      continue
    }
    const hole = rangeHoles(inodeOfId(ctx, inodeId).folios, index, end)[0]!
    const stop = hole.start === index ? hole.end : hole.start
    const ok = ctx.call('gunyah_gmem_get_folio', () =>
      ctx.call('filemap_grab_folio', () => {
        if (shouldFail(ctx, 'fail_page_alloc')) return false
        addFolio(ctx, inodeId, index, stop - index, 0)
        const f = folioAt(ctx, inodeId, index)!
        folioLock(ctx, f)
        zeroIfNeeded(ctx, { ...f, nr: stop - index })
        folioUnlock(ctx, f)
        return true
      }),
    )
    if (!ok) return index
    index = stop
  }
  return end
}

/** The VMAs (the file's i_mmap) that map a guest_memfd inode. */
export function vmasOfInode(ctx: OpCtx, inodeId: string): Vma[] {
  return Object.values(ctx.s.vmas).filter((v) => ctx.s.files[v.file]?.inode === inodeId) as Vma[]
}

/** folio_mapped(): some host page table maps a page of the folio. */
export function folioMapped(ctx: OpCtx, f: FolioRef): boolean {
  return vmasOfInode(ctx, f.inode).some((v) => rangeQuery(ctx.s.gunyah.ptes[v.id] ?? [], f.head, f.head + f.nr).length > 0)
}

/** folio_mmapped(): a VMA of the file covers the folio (vma_interval_tree_foreach under i_mmap_rwsem). */
export function folioMmapped(ctx: OpCtx, f: FolioRef): boolean {
  return ctx.call('folio_mmapped', () => {
    ctx.lock('iMmapRwsem', f.inode, 'read')
    const hit = vmasOfInode(ctx, f.inode).some((v) => v.pgoff < f.head + f.nr && f.head < v.pgoff + v.pages)
    ctx.unlock('iMmapRwsem', f.inode)
    return hit
  })
}

/** gunyah_folio_lend_safe() (S6): "don't lend a folio that is (or could be) mapped by Linux". */
export function gunyahFolioLendSafe(ctx: OpCtx, f: FolioRef): boolean {
  return ctx.call('gunyah_folio_lend_safe', () => !folioMapped(ctx, f) && !folioMmapped(ctx, f))
}

/** The host fault installed a PTE for file page `index` in `vma`. */
export function recordPte(ctx: OpCtx, vma: Vma, index: number, write: boolean): void {
  ctx.s.gunyah.ptes[vma.id] = castDraft(rangeStore(ctx.s.gunyah.ptes[vma.id] ?? [], index, index + 1, { write }))
  ctx.effect({ kind: 'vma', id: vma.id }, `host PTE installed for file page 0x${index.toString(16)} (${write ? 'write' : 'read'} fault)`, S7)
}

/** unmap_mapping_pages(): zaps the host PTEs of file pages [start, end) in every VMA of the inode. */
export function unmapMappingPages(ctx: OpCtx, inodeId: string, start: number, end: number): void {
  for (const v of vmasOfInode(ctx, inodeId)) {
    const ptes = ctx.s.gunyah.ptes[v.id]
    if (ptes && rangeQuery(ptes, start, end).length) {
      ctx.s.gunyah.ptes[v.id] = castDraft(rangeStore(ptes, start, end, null))
      ctx.effect({ kind: 'vma', id: v.id }, 'host PTEs zapped (unmap_mapping_pages)', ctx.cite())
    }
  }
}
