/**
 * Shared pieces of the Gunyah guest memory model (seed 000 = v17 24/35, seed 001 = RFC v15 21/30):
 * uapi constants, state accessors, gfn/offset conversion, is_lend, and folio ownership.
 *
 * Units: guest addresses and file offsets arrive as bigint bytes; gfns and page indices are
 * numbers of 4 KiB pages. Every range is kept as extents (RangeMap), never one entry per page.
 */
import { castDraft } from 'immer'
import type { OpCtx } from '../ctx'
import { rangeQuery, rangeStore, type RangeMap } from '../rangemap'
import type { GunyahBinding, GunyahPage, GunyahVm, Inode } from '../state'

export const S000 = 'seed 000'
export const S001 = 'seed 001'
/** The v17 code seed 000 calls (semantics.md S6 provide/reclaim, S7 guest_memfd base, S8 demand paging). */
export const S6 = 'v17 20/35 vm_mgr_mem.c (S6)'
export const S7 = 'v17 23/35 guest_memfd.c (S7)'
export const S8 = 'v17 28/35 demand paging (S8)'

// include/uapi/linux/gunyah.h (seed 000 l.622-635, seed 001 identical)
export const GUNYAH_MEM_DEFAULT_ACCESS = 0
export const GUNYAH_MEM_FORCE_LEND = 1
export const GUNYAH_MEM_FORCE_SHARE = 2
export const GUNYAH_MEM_ACCESS_MASK = 0x7
export const GUNYAH_MEM_ALLOW_READ = 1 << 4
export const GUNYAH_MEM_ALLOW_WRITE = 1 << 5
export const GUNYAH_MEM_ALLOW_EXEC = 1 << 6
export const GUNYAH_MEM_ALLOW_RWX = GUNYAH_MEM_ALLOW_READ | GUNYAH_MEM_ALLOW_WRITE | GUNYAH_MEM_ALLOW_EXEC
export const GUNYAH_MEM_UNMAP = 1 << 8
// S7: struct gunyah_create_mem_args flags
export const GHMF_CLOEXEC = 1
export const GHMF_ALLOW_HUGEPAGE = 2

/** HPAGE_PMD_NR / HPAGE_PMD_ORDER on arm64 with 4 KiB pages. */
export const HPAGE_PMD_NR = 512
export const HPAGE_PMD_ORDER = 9

/** One past the largest gfn/index the model stores (stands for ULONG_MAX / U64_MAX). */
export const MAX_INDEX = Number.MAX_SAFE_INTEGER

/** File kinds (f_op) of the Gunyah variants. */
export const GUNYAH_GMEM = 'gunyah-gmem'
export const GUNYAH_VM = 'gunyah-vm'

export const GMEM_SRC = 'drivers/virt/gunyah/guest_memfd.c'
export const VM_MGR_SRC = 'drivers/virt/gunyah/vm_mgr.c'
export const VM_MEM_SRC = 'drivers/virt/gunyah/vm_mgr_mem.c'

export function isV15(ctx: OpCtx): boolean {
  return ctx.s.variant === 'gunyah-v15'
}

export function ghvmOf(ctx: OpCtx, vmId: string): GunyahVm {
  const vm = ctx.s.gunyah.vms[vmId]
  if (!vm) throw new Error(`engine bug: no Gunyah VM ${vmId}`)
  return vm as GunyahVm
}

export function bindingOf(ctx: OpCtx, id: string): GunyahBinding {
  const b = ctx.s.gunyah.bindings[id]
  if (!b) throw new Error(`engine bug: no binding ${id}`)
  return b as GunyahBinding
}

export function inodeOfId(ctx: OpCtx, inodeId: string): Inode {
  const inode = ctx.s.inodes[inodeId]
  if (!inode) throw new Error(`engine bug: no inode ${inodeId}`)
  return inode as Inode
}

/** inode->i_mapping->i_private_list: the bindings of the file, newest first. */
export function privateList(ctx: OpCtx, inodeId: string): GunyahBinding[] {
  return inodeOfId(ctx, inodeId).privateList.map((id) => bindingOf(ctx, id))
}

/** gunyah_gfn_to_off() (seed 000 l.51) */
export function gfnToOff(b: GunyahBinding, gfn: number): number {
  return gfn - b.gfn + b.iOff
}

/** gunyah_off_to_gfn() (seed 000 l.56) */
export function offToGfn(b: GunyahBinding, off: number): number {
  return off - b.iOff + b.gfn
}

/** gunyah_guest_mem_is_lend() (seed 000 l.61): FORCE_LEND, and DEFAULT too ("RM requires all VMs to be protected"). */
export function gunyahGuestMemIsLend(flags: number): boolean {
  const access = flags & GUNYAH_MEM_ACCESS_MASK
  if (access === GUNYAH_MEM_FORCE_LEND) return true
  else if (access === GUNYAH_MEM_FORCE_SHARE) return false
  return true
}

export function hex(n: number): string {
  return `0x${n.toString(16)}`
}

/** The gpa as the kernel prints it: %016llx. */
export function gpaText(gfn: number): string {
  return (BigInt(gfn) << 12n).toString(16).padStart(16, '0')
}

/** Binding as shown in logs: G[i_off, i_off+nr)@gfn */
export function bindingText(b: GunyahBinding): string {
  return `[${hex(b.iOff)}, ${hex(b.iOff + b.nr)})@gfn ${hex(b.gfn)}`
}

const HOST_PAGE: GunyahPage = { owner: 'host', access: 'host', pgPrivate: false, directMap: true }

/** The ownership map of an inode (absent pages are host-owned or not allocated). */
export function pagesOf(ctx: OpCtx, inodeId: string): RangeMap<GunyahPage> {
  return (ctx.s.gunyah.pages[inodeId] ?? []) as RangeMap<GunyahPage>
}

/** Sets the ownership of [start, end) of an inode; null forgets it (the folio left the page cache). */
export function setPages(ctx: OpCtx, inodeId: string, start: number, end: number, page: GunyahPage | null, seed = ctx.cite(), what?: string): void {
  const fresh = !ctx.s.gunyah.pages[inodeId]
  const before = rangeQuery(pagesOf(ctx, inodeId), start, end)
  ctx.s.gunyah.pages[inodeId] = castDraft(rangeStore(pagesOf(ctx, inodeId), start, end, page))
  // the extent the call changed: all of it when storing (or creating the map), what was there when forgetting
  const span = page || fresh ? { start, end } : before.length ? { start: before[0]!.start, end: before[before.length - 1]!.end } : null
  if (!span) return
  ctx.effect({ kind: 'pages', inode: inodeId, ...span }, what ?? pageChangeText(page), seed)
}

/** What a change of folio ownership means, in the kernel's words. */
function pageChangeText(page: GunyahPage | null): string {
  if (!page) return 'forgotten: the folios left the page cache'
  switch (page.access) {
    case 'lent':
      return `lent to ${page.owner} (PG_private, direct map removed)`
    case 'shared':
      return `shared with ${page.owner} (the host keeps access)`
    case 'reclaimed':
      return 'reclaimed: back with the host'
    default:
      return 'owned by the host'
  }
}

export function pageAt(ctx: OpCtx, inodeId: string, index: number): GunyahPage {
  const e = rangeQuery(pagesOf(ctx, inodeId), index, index + 1)[0]
  return e ? e.value : HOST_PAGE
}

/** folio_test_private(): PG_private, set while the folio is lent. */
export function folioTestPrivate(ctx: OpCtx, inodeId: string, head: number): boolean {
  return pageAt(ctx, inodeId, head).pgPrivate
}

/** A folio in the page cache: its first index and size. */
export interface FolioRef {
  readonly inode: string
  readonly head: number
  readonly nr: number
  readonly pfn: number
  readonly hwpoison: boolean
}

/** The folio containing `index`, if the page cache has one (order 9 folios are 512-aligned). */
export function folioAt(ctx: OpCtx, inodeId: string, index: number): FolioRef | null {
  const e = rangeQuery(inodeOfId(ctx, inodeId).folios, index, index + 1, ['pfn'])[0]
  if (!e) return null
  const nr = 1 << e.value.order
  const head = index - (index % nr)
  // folio_test_hwpoison() || folio_test_has_hwpoisoned(): any poisoned page marks the whole folio
  const hwpoison = rangeQuery(inodeOfId(ctx, inodeId).folios, head, head + nr).some((p) => p.value.hwpoison)
  return { inode: inodeId, head, nr, pfn: e.value.pfn - (index - head), hwpoison }
}

/** The folios of [start, end) as runs: consecutive folios of one extent share one entry. */
export function folioRuns(ctx: OpCtx, inodeId: string, start: number, end: number): { start: number; end: number; order: number }[] {
  return rangeQuery(inodeOfId(ctx, inodeId).folios, start, end).map((e) => {
    const nr = 1 << e.value.order
    // whole folios: a range that cuts a huge folio takes all of it
    const s = e.start - (e.start % nr)
    const en = Math.ceil(e.end / nr) * nr
    return { start: s, end: en, order: e.value.order }
  })
}

/** kmemleak: an object that lost its last pointer without kfree. */
export function kmemleak(ctx: OpCtx, what: string): void {
  ctx.s.gunyah.leaked.push(what)
  ctx.effect({ kind: 'kernel', field: 'leaked' }, `leaked: ${what}`, ctx.cite())
  ctx.info(`kmemleak: unreferenced object (${what}): allocated in ${ctx.fn}, never freed`)
}
