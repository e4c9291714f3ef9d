/**
 * drivers/virt/gunyah/vm_mgr_mem.c of v17 20/35 (semantics.md S6), which seed 000 calls: giving a
 * folio to a VM (gunyah_vm_provide_folio) and taking it back (gunyah_vm_reclaim_folio,
 * gunyah_vm_reclaim_range). ghvm->mm (gfn → folio, SHARE/WRITE tags) is the truth of what the
 * guest holds; reclaim works on it, not on bindings, which is why the range bugs reach memory of
 * other bindings. A run of folios in one mm extent is handled as one step (one folio_lock pair).
 */
import { castDraft } from 'immer'
import type { OpCtx } from '../ctx'
import { EACCES, EAGAIN, ENODEV, EPERM } from '../errno'
import { rangeQuery, rangeStore } from '../rangemap'
import { GUNYAH_MM_LINEAR, type GunyahMmEntry } from '../state'
import { folioAt, ghvmOf, gpaText, hex, MAX_INDEX, S6, setPages, pageAt, type FolioRef } from './common'
import { gunyahFolioLendSafe } from './folio'

/** GUNYAH_ERROR_DENIED (30), which gunyah_error_remap() turns into -EACCES. */
const GUNYAH_ERROR_DENIED = 30

/**
 * gunyah_vm_provide_folio() (S6): inserts the folio in ghvm->mm (-EEXIST → -EAGAIN), refuses to
 * lend a folio Linux maps or may map (-EPERM), donates and maps it; a lent folio gets PG_private
 * and leaves the direct map.
 */
export function gunyahVmProvideFolio(ctx: OpCtx, vmId: string, f: FolioRef, gfn: number, share: boolean, write: boolean): number {
  return ctx.call('gunyah_vm_provide_folio', () => {
    const vm = ghvmOf(ctx, vmId)
    // S6: if (!addrspace || !guest_extent || !host_extent) return -ENODEV (resources come with VM start)
    if (!vm.started) return ctx.refuse(-ENODEV, '!addrspace || !guest_extent || !host_extent (the VM is not started)', S6)
    // S6: mtree_insert_range(&ghvm->mm, gfn, gfn + folio_nr_pages(folio) - 1, ...); if (ret == -EEXIST) ret = -EAGAIN;
    if (rangeQuery(vm.mm, gfn, gfn + f.nr).length) {
      return ctx.refuse(-EAGAIN, 'mtree_insert_range(&ghvm->mm, gfn, gfn + folio_nr_pages(folio) - 1) == -EEXIST → -EAGAIN', S6)
    }
    // S6: "don't lend a folio that is (or could be) mapped by Linux"
    if (!share && !gunyahFolioLendSafe(ctx, f)) {
      return ctx.refuse(-EPERM, '!share && !gunyah_folio_lend_safe(folio): the host maps or mmaps the folio', S6)
    }
    const entry: GunyahMmEntry = { inode: f.inode, index: f.head, pfn: f.pfn, share, write }
    ctx.s.gunyah.vms[vmId]!.mm = castDraft(rangeStore(vm.mm, gfn, gfn + f.nr, entry, GUNYAH_MM_LINEAR))
    const how = share ? 'shared' : 'lent'
    ctx.effect({ kind: 'stage2', vm: vmId, start: gfn, end: gfn + f.nr }, `mapped: mtree_insert_range(&ghvm->mm) + addrspace map (${how}, ${write ? 'RW' : 'RO'})`, S6)
    // folio_get(folio); if (!share) folio_set_private(folio);
    setPages(
      ctx,
      f.inode,
      f.head,
      f.head + f.nr,
      { owner: vmId, access: how, pgPrivate: !share, directMap: share },
      S6,
    )
    return 0
  })
}

/** Is any gfn of [start, end) of the VM one the hypervisor refuses to give back (inject reclaim_fails)? */
function refusedGfns(ctx: OpCtx, vmId: string, start: number, end: number): number[] {
  return ctx.s.gunyah.reclaimFails
    .map((k) => k.split(':'))
    .filter(([v, g]) => v === vmId && Number(g) >= start && Number(g) < end)
    .map(([, g]) => Number(g))
    .sort((a, b) => a - b)
}

/**
 * __gunyah_vm_reclaim_folio_locked() (S6) over a run of folios of one mm extent, [start, end) in
 * gfns, each `nr` pages: addrspace_unmap + memextent_donate back, erase from ghvm->mm, give a lent
 * folio its direct map back and clear PG_private, folio_put. A folio the hypervisor refuses
 * stays with the guest and fails with the remapped errno. Returns 0 or the last error.
 */
function reclaimRunLocked(ctx: OpCtx, vmId: string, start: number, end: number, nr: number): number {
  return ctx.call('__gunyah_vm_reclaim_folio_locked', () => {
    const refused = new Set(refusedGfns(ctx, vmId, start, end).map((g) => g - ((g - start) % nr)))
    let ret = 0
    let at = start
    const giveBack = (a: number, b: number): void => {
      if (b <= a) return
      const vm = ghvmOf(ctx, vmId)
      for (const e of rangeQuery(vm.mm, a, b, GUNYAH_MM_LINEAR)) {
        const pages = e.end - e.start
        const was = pageAt(ctx, e.value.inode, e.value.index)
        // if (folio_test_private(folio)) { gunyah_folio_host_reclaim(folio); folio_clear_private(folio); }
        setPages(
          ctx,
          e.value.inode,
          e.value.index,
          e.value.index + pages,
          { owner: 'host', access: 'reclaimed', pgPrivate: false, directMap: true },
          S6,
          `reclaimed from ${vmId}${was.pgPrivate ? ' (PG_private cleared, direct map restored)' : ''}`,
        )
        if (was.pgPrivate) ctx.call('gunyah_folio_host_reclaim', () => undefined)
      }
      // BUG_ON(mtree_erase(&ghvm->mm, gfn) != entry);
      ctx.s.gunyah.vms[vmId]!.mm = castDraft(rangeStore(ghvmOf(ctx, vmId).mm, a, b, null, GUNYAH_MM_LINEAR))
      ctx.effect({ kind: 'stage2', vm: vmId, start: a, end: b }, 'unmapped: addrspace_unmap + memextent_donate back, mtree_erase(&ghvm->mm)', S6)
    }
    for (const g of [...refused].sort((x, y) => x - y)) {
      giveBack(at, g)
      ctx.err(`gunyah_vm_mgr: Failed to unmap guest address 0x${gpaText(g)}: ${GUNYAH_ERROR_DENIED}`)
      ret = ctx.refuse(-EACCES, 'gunyah_hypercall_addrspace_unmap() != GUNYAH_ERROR_OK (GUNYAH_ERROR_DENIED → -EACCES)', S6)
      at = g + nr
    }
    giveBack(at, end)
    return ret
  })
}

/** The folio size (pages) of the folio an mm entry points at. */
function entryFolioPages(ctx: OpCtx, e: GunyahMmEntry): number {
  return folioAt(ctx, e.inode, e.index)?.nr ?? 1
}

/**
 * gunyah_vm_reclaim_folio() (S6): nothing at gfn → 0; a different folio there → -EAGAIN; else
 * reclaim it (sync). `runPages` > f.nr reclaims that many pages of consecutive, alike folios at once.
 */
export function gunyahVmReclaimFolio(ctx: OpCtx, vmId: string, gfn: number, f: FolioRef, runPages = f.nr): number {
  return ctx.call('gunyah_vm_reclaim_folio', () => {
    const e = rangeQuery(ghvmOf(ctx, vmId).mm, gfn, gfn + 1, GUNYAH_MM_LINEAR)[0]
    if (!e) return 0
    if (e.value.inode !== f.inode || e.value.index !== f.head) {
      return ctx.refuse(-EAGAIN, 'folio != xa_untag_pointer(entry): another folio is mapped at gfn', S6)
    }
    return reclaimRunLocked(ctx, vmId, gfn, gfn + runPages, f.nr)
  })
}

/**
 * gunyah_vm_reclaim_range(ghvm, gfn, nr) (S6): reclaims every folio of ghvm->mm in the range,
 * continuing past failures; returns the last error, except that -EAGAIN sticks.
 * As written (B-G17-2) mt_for_each's max is gfn + nr, inclusive: one page too many. The sync flag
 * is inverted (B-G17-3): the last unmap is NOSYNC. `exact` runs the range as intended without
 * the v17 decision points (the v15 fixes use it).
 */
export function gunyahVmReclaimRange(ctx: OpCtx, vmId: string, gfn: number, nr: number, exact = false): number {
  return ctx.call('gunyah_vm_reclaim_range', () => {
    const inclusive = !exact && ctx.asWritten('B-G17-2')
    // mt_for_each(&ghvm->mm, entry, next, gfn + nr): max is inclusive
    const last = Math.min(inclusive ? gfn + nr : gfn + nr - 1, MAX_INDEX - 1)
    if (last < gfn) return 0
    const vm = ghvmOf(ctx, vmId)
    const runs: { start: number; end: number; nr: number; index: number; value: GunyahMmEntry }[] = []
    for (const e of vm.mm) {
      if (e.end <= gfn || e.start > last) continue
      const pages = entryFolioPages(ctx, e.value)
      // whole folios of the extent that intersect [gfn, last]
      const lo = Math.max(e.start, e.start + Math.floor((gfn - e.start) / pages) * pages)
      const hi = Math.min(e.end, e.start + Math.ceil((last + 1 - e.start) / pages) * pages)
      runs.push({ start: lo, end: hi, nr: pages, index: e.value.index + (lo - e.start), value: e.value })
    }
    let ret2 = 0
    runs.forEach((run, i) => {
      const isLast = i === runs.length - 1
      if (isLast && !exact) {
        // sync = !!mt_find_after(&ghvm->mm, &g, gfn + nr): true while another entry follows
        if (ctx.asWritten('B-G17-3')) {
          ctx.info(
            `gunyah_vm_mgr: reclaim_range(${hex(gfn)}, ${hex(nr)}): the last unmap (gfn ${hex(run.end - run.nr)}) is GUNYAH_ADDRSPACE_MAP_FLAG_NOSYNC and the others sync: it returns before the guest TLB invalidation completes (B-G17-3)`,
          )
        }
      }
      const inst = `${run.value.inode}:${run.index}`
      // folio_get(folio); folio_lock(folio); if (mtree_load(&ghvm->mm, g) == entry) ...
      // once per folio of the run (mt_for_each visits one ghvm->mm entry per folio)
      ctx.lock('folioLock', inst, 'write', false, Math.max(1, Math.ceil((run.end - run.start) / run.nr)))
      const ret = reclaimRunLocked(ctx, vmId, run.start, run.end, run.nr)
      ctx.unlock('folioLock', inst)
      if (ret && ret2 !== -EAGAIN) ret2 = ret
    })
    return ret2
  })
}
