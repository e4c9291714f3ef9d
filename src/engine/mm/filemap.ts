/**
 * The page cache side of guest_memfd: grabbing and truncating folios (mm/filemap.c,
 * mm/truncate.c), over extents rather than page by page.
 *
 * The folio lock is recorded once per extent of folios the call walks, as the pseudo-class
 * `folio_lock` (lockdep does not track it); every folio of the extent is locked and unlocked the
 * same way.
 */
import { castDraft } from 'immer'
import type { OpCtx } from '../ctx'
import { FOLIO_LINEAR, type FolioPage, type Inode } from '../state'
import { rangeHoles, rangeQuery, rangeStore } from '../rangemap'
import { ENOMEM } from '../errno'

export function inodeOf(ctx: OpCtx, inodeId: string): Inode {
  const inode = ctx.s.inodes[inodeId]
  if (!inode) throw new Error(`engine bug: no inode ${inodeId}`)
  return inode as Inode
}

/** Consumes an armed fault injection of `kind`; true if this allocation must fail. */
export function shouldFail(ctx: OpCtx, kind: string): boolean {
  const n = ctx.s.inject[kind] ?? 0
  if (n <= 0) return false
  ctx.s.inject[kind] = n - 1
  ctx.effect({ kind: 'kernel', field: 'inject' }, `${kind} injection consumed: ${ctx.fn} fails`, 'gmemscope fault injection')
  ctx.info(`FAULT_INJECTION: forcing a failure (${kind})`)
  return true
}

/** How many folios cover page indices [start, end) of an inode (a huge folio counts once). */
export function foliosIn(ctx: OpCtx, inodeId: string, start: number, end: number): number {
  let n = 0
  for (const e of rangeQuery(inodeOf(ctx, inodeId).folios, start, end)) {
    const size = 2 ** e.value.order
    n += Math.ceil(e.end / size) - Math.floor(e.start / size)
  }
  return Math.max(1, n)
}

/**
 * Locks and unlocks each folio of [start, end) in turn: one event pair for the extent, whose
 * count says how many folios it stands for (folio_lock is a pseudo-lock; see locks.ts).
 */
export function lockFolioExtent(ctx: OpCtx, inodeId: string, start: number, end: number, body?: () => void): void {
  const instance = `${inodeId}:${start}`
  ctx.lock('folioLock', instance, 'write', false, foliosIn(ctx, inodeId, start, end))
  body?.()
  ctx.unlock('folioLock', instance)
}

export interface GrabResult {
  /** 0, or -ENOMEM when an allocation failed (filemap_grab_folio's ERR_PTR) */
  readonly r: number
  /** the first index not grabbed (== end on success) */
  readonly next: number
}

/**
 * filemap_grab_folio() over [start, end): finds or allocates (order-0, not uptodate) folios,
 * each locked and unlocked. Allocation stops at the first injected failure.
 */
export function filemapGrabFolioRange(
  ctx: OpCtx,
  inodeId: string,
  start: number,
  end: number,
): GrabResult {
  return ctx.call('filemap_grab_folio', () => {
    const inode = inodeOf(ctx, inodeId)
    let at = start
    for (const hole of rangeHoles(inode.folios, start, end)) {
      // Existing folios before this hole are only locked and unlocked.
      if (hole.start > at) lockFolioExtent(ctx, inodeId, at, hole.start)
      if (shouldFail(ctx, 'fail_page_alloc')) return { r: -ENOMEM, next: hole.start }
      const folio: FolioPage = { pfn: ctx.s.nextPfn, order: 0, uptodate: false, hwpoison: false }
      ctx.s.nextPfn += hole.end - hole.start
      ctx.s.inodes[inodeId]!.folios = castDraft(
        rangeStore(inodeOf(ctx, inodeId).folios, hole.start, hole.end, folio, FOLIO_LINEAR),
      )
      ctx.effect(
        { kind: 'folios', inode: inodeId, start: hole.start, end: hole.end },
        'allocated (filemap_grab_folio: filemap_alloc_folio + filemap_add_folio, not uptodate)',
        ctx.cite(ctx.caller),
      )
      lockFolioExtent(ctx, inodeId, hole.start, hole.end)
      at = hole.end
    }
    if (at < end) lockFolioExtent(ctx, inodeId, at, end)
    return { r: 0, next: end }
  })
}

/** Marks [start, end) uptodate (the folios were zeroed). */
export function folioMarkUptodate(ctx: OpCtx, inodeId: string, start: number, end: number, seed = ctx.cite()): void {
  const inode = ctx.s.inodes[inodeId]!
  let folios = inode.folios as Inode['folios']
  for (const e of rangeQuery(folios, start, end, FOLIO_LINEAR)) {
    if (!e.value.uptodate) {
      folios = rangeStore(folios, e.start, e.end, { ...e.value, uptodate: true }, FOLIO_LINEAR)
      // seed 002: "Use the up-to-date flag to track whether or not the memory has been zeroed"
      ctx.effect({ kind: 'folios', inode: inodeId, start: e.start, end: e.end }, 'zeroed (folio_mark_uptodate)', seed)
    }
  }
  inode.folios = castDraft(folios)
}

/**
 * truncate_inode_pages_range() over page indices [start, end): every folio there is locked and
 * removed from the page cache. A large folio only partly inside the range is kept
 * (truncate_inode_partial_folio() zeroes that part, and the split it attempts fails while the
 * folio is in use). Returns the page ranges removed.
 */
export function truncateInodePagesRange(
  ctx: OpCtx,
  inodeId: string,
  start: number,
  end: number,
  fn = 'truncate_inode_pages_range',
  seed = ctx.cite(),
): { start: number; end: number }[] {
  return ctx.call(fn, () => {
    const inode = ctx.s.inodes[inodeId]!
    const removed: { start: number; end: number }[] = []
    for (const e of rangeQuery(inode.folios as Inode['folios'], start, end)) {
      lockFolioExtent(ctx, inodeId, e.start, e.end)
      // the folios this extent belongs to that lie wholly inside [start, end) (a folio may span
      // several extents when its pages differ, e.g. one of them poisoned)
      const size = 2 ** e.value.order
      const lo = Math.max(Math.floor(e.start / size) * size, Math.ceil(start / size) * size)
      const hi = Math.min(Math.ceil(e.end / size) * size, Math.floor(end / size) * size)
      if (lo < hi) removed.push({ start: lo, end: hi })
    }
    let folios = inode.folios as Inode['folios']
    for (const r of removed) {
      folios = rangeStore(folios, r.start, r.end, null, FOLIO_LINEAR)
      ctx.effect({ kind: 'folios', inode: inodeId, start: r.start, end: r.end }, `truncated (${fn})`, seed)
    }
    inode.folios = castDraft(folios)
    return removed
  })
}
