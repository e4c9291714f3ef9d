/**
 * v17's address_space_operations (seed 000 l.212-234): launder_folio, release_folio and
 * error_remove_folio all end in gunyah_gmem_launder_folio(), which takes a folio back from every
 * VM whose binding covers it. Plus invalidate_inode_pages2_range() (mm/truncate.c), which punch
 * hole calls in v17.
 *
 * Extents, not pages: a range of folios is cut into segments inside which every folio meets the
 * same bindings, the same ghvm->mm state and the same injected failures, so one launder stands
 * for all folios of a segment (its lock events are recorded once, on the segment's first folio).
 */
import type { OpCtx } from '../ctx'
import { EAGAIN, EBUSY, EINVAL } from '../errno'
import { rangeStore } from '../rangemap'
import { castDraft } from 'immer'
import { KernelOops } from '../oops'
import { FOLIO_LINEAR } from '../state'
import {
  folioRuns,
  folioTestPrivate,
  GMEM_SRC,
  gfnToOff,
  hex,
  offToGfn,
  privateList,
  S000,
  setPages,
} from './common'
import { unmapMappingPages } from './folio'
import { gunyahVmReclaimFolio } from './vm_mgr_mem'

export interface Segment {
  readonly start: number
  readonly end: number
  /** pages per folio */
  readonly nr: number
}

/** The folios of [start, end) cut where any binding, mm extent or injected failure changes. */
/** How many folios a segment holds: per-folio work on it repeats this many times. */
export function segmentFolios(seg: Segment): number {
  return Math.max(1, Math.ceil((seg.end - seg.start) / seg.nr))
}

export function folioSegments(ctx: OpCtx, inodeId: string, start: number, end: number): Segment[] {
  const points = new Set<number>()
  for (const b of privateList(ctx, inodeId)) {
    for (const p of [b.iOff, b.iOff + b.nr, b.iOff + b.nr + 1]) points.add(p)
    const vm = ctx.s.gunyah.vms[b.vm]
    if (!vm) continue
    for (const e of vm.mm) for (const g of [e.start, e.end]) points.add(gfnToOff(b, g))
    for (const k of ctx.s.gunyah.reclaimFails) {
      const [v, g] = k.split(':')
      if (v === b.vm) for (const d of [0, 1]) points.add(gfnToOff(b, Number(g)) + d)
    }
  }
  for (const e of ctx.s.gunyah.pages[inodeId] ?? []) for (const p of [e.start, e.end]) points.add(p)
  const out: Segment[] = []
  for (const run of folioRuns(ctx, inodeId, start, end)) {
    // a folio behaves by its head: cut at the first head at or after each point
    const cuts = [...points]
      .map((p) => Math.ceil((p - run.start) / (1 << run.order)) * (1 << run.order) + run.start)
      .filter((p) => p > run.start && p < run.end)
    const sorted = [...new Set(cuts)].sort((a, b) => a - b)
    let at = run.start
    for (const c of [...sorted, run.end]) {
      out.push({ start: at, end: c, nr: 1 << run.order })
      at = c
    }
  }
  return out
}

/**
 * gunyah_gmem_launder_folio() (seed 000 l.88): for each binding of the file, newest first, that
 * covers the folio, reclaim it from that binding's VM; the first failure warns and stops.
 * As written the range test is inclusive at the end (B-G17-4) and it takes invalidate_lock
 * under the caller's folio lock (B-G17-11). The fix of B-G17-12 fails a folio that is still
 * lent after the walk (no binding left to reclaim it from) instead of reporting success.
 */
export function gunyahGmemLaunderFolio(ctx: OpCtx, inodeId: string, seg: Segment): number {
  return ctx.call('gunyah_gmem_launder_folio', () => {
    const index = seg.start
    const locks = ctx.asWritten('B-G17-11')
    if (locks) ctx.lock('invalidateLock', inodeId, 'read', false, segmentFolios(seg)) // seed 000 l.96, once per folio
    let ret = 0
    for (const b of privateList(ctx, inodeId)) {
      // seed 000 l.99: if (b->i_off > index || index > b->i_off + b->nr) continue;
      if (b.iOff > index) continue
      if (index === b.iOff + b.nr) {
        if (!ctx.asWritten('B-G17-4')) continue
      } else if (index > b.iOff + b.nr) continue
      const gfn = offToGfn(b, index)
      ret = reclaimSegment(ctx, b.vm, gfn, inodeId, seg)
      if (ret) {
        // seed 000 l.104: WARN_RATELIMIT(ret, "failed to reclaim gfn: %08llx %d\n", gfn, ret)
        ctx.warn(GMEM_SRC, `WARN_RATELIMIT(ret, "failed to reclaim gfn: ${gfn.toString(16).padStart(8, '0')} ${ret}")`)
        break
      }
    }
    if (locks) ctx.unlock('invalidateLock', inodeId)
    if (ret === 0 && folioTestPrivate(ctx, inodeId, index) && !ctx.asWritten('B-G17-12')) {
      ret = ctx.refuse(-EBUSY, 'the folio is still lent (PG_private) but no binding can reclaim it (fix of B-G17-12)')
    }
    return ret
  })
}

/** gunyah_vm_reclaim_folio() for every folio of a segment at once (they all behave alike). */
function reclaimSegment(ctx: OpCtx, vmId: string, gfn: number, inodeId: string, seg: Segment): number {
  const vm = ctx.s.gunyah.vms[vmId]
  if (!vm || vm.destroyed) return 0
  const folio = { inode: inodeId, head: seg.start, nr: seg.nr, pfn: 0, hwpoison: false }
  return gunyahVmReclaimFolio(ctx, vmId, gfn, folio, seg.end - seg.start)
}

/** gunyah_gmem_release_folio() (seed 000 l.212): "should return true if released; launder folio returns 0 if freed". */
export function gunyahGmemReleaseFolio(ctx: OpCtx, inodeId: string, seg: Segment): boolean {
  return ctx.call('gunyah_gmem_release_folio', () => !gunyahGmemLaunderFolio(ctx, inodeId, seg))
}

/** gunyah_gmem_remove_folio() (seed 000 l.218): error_remove_folio. mapping != folio->mapping → -EINVAL. */
export function gunyahGmemRemoveFolio(ctx: OpCtx, inodeId: string, seg: Segment): number {
  return ctx.call('gunyah_gmem_remove_folio', () => {
    if (!ctx.s.inodes[inodeId]) return ctx.refuse(-EINVAL, 'mapping != folio->mapping', S000 + ' l.221')
    return gunyahGmemLaunderFolio(ctx, inodeId, seg)
  })
}

/** Drops [start, end) from the page cache (__filemap_remove_folio) and forgets its ownership. */
export function removeFromPageCache(ctx: OpCtx, inodeId: string, start: number, end: number): void {
  const inode = ctx.s.inodes[inodeId]!
  inode.folios = castDraft(rangeStore(inode.folios, start, end, null, FOLIO_LINEAR))
  ctx.effect({ kind: 'folios', inode: inodeId, start, end }, `removed from the page cache (${ctx.fn} → __filemap_remove_folio)`, 'mm/truncate.c invalidate_complete_folio2')
  setPages(ctx, inodeId, start, end, null, 'mm/truncate.c invalidate_complete_folio2')
}

/**
 * invalidate_inode_pages2_range(mapping, start, end) (mm/truncate.c), page indices, end inclusive:
 * per folio, lock, unmap host PTEs, release_folio (release_always) → launder; a folio that can't be
 * released stays and the call returns -EBUSY. A released folio still PG_private hits
 * BUG_ON(folio_has_private(folio)) in invalidate_complete_folio2().
 */
export function invalidateInodePages2Range(ctx: OpCtx, inodeId: string, start: number, end: number): number {
  return ctx.call('invalidate_inode_pages2_range', () => {
    let ret = 0
    const last = Math.min(end, Number.MAX_SAFE_INTEGER - 2)
    for (const seg of folioSegments(ctx, inodeId, start, last + 1)) {
      const inst = `${inodeId}:${seg.start}`
      unmapMappingPages(ctx, inodeId, seg.start, seg.end)
      ctx.lock('folioLock', inst, 'write', false, segmentFolios(seg))
      // do_launder_folio() only for dirty folios; then invalidate_complete_folio2() → filemap_release_folio()
      const released = ctx.call('invalidate_complete_folio2', () => {
        if (!gunyahGmemReleaseFolio(ctx, inodeId, seg)) return false
        if (folioTestPrivate(ctx, inodeId, seg.start)) {
          throw new KernelOops(
            `kernel BUG at mm/truncate.c: invalidate_complete_folio2: BUG_ON(folio_has_private(folio)) (index ${hex(seg.start)}: launder returned 0 but the folio is still lent)`,
          )
        }
        removeFromPageCache(ctx, inodeId, seg.start, seg.end)
        return true
      })
      if (!released) ret = ctx.refuse(-EBUSY, '!invalidate_complete_folio2(): release_folio failed, the folio stays', 'mm/truncate.c')
      ctx.unlock('folioLock', inst)
    }
    return ret
  })
}

/** -EAGAIN is what launder sees for a gfn mapped to another folio (used by tests). */
export const LAUNDER_MISMATCH = -EAGAIN
