/**
 * What a guest_memfd page is now, per variant: the folio states the app draws and lists.
 *
 * KVM: a folio the guest maps through stage 2 is private to it ("lent"); one both a guest and a
 * host mapping cover is shared. Gunyah: the engine's ownership map (state.gunyah.pages) says lent,
 * shared or reclaimed; host page-table entries (state.gunyah.ptes) say host-mapped. Poison wins
 * over everything. Derived from extents by a sweep, never page by page.
 */
import type { KernelState } from '../state'
import { sweep, type Span } from './sweep'

export type FolioState = 'absent' | 'allocated' | 'lent' | 'shared' | 'host-mapped' | 'reclaimed' | 'poisoned'

export const FOLIO_STATES: readonly FolioState[] = ['absent', 'allocated', 'lent', 'shared', 'host-mapped', 'reclaimed', 'poisoned']

/** Who may touch the page now. */
export interface PageAccess {
  /** the host: 'mapped' (a VMA maps it), 'no' (lent or poisoned: a host access faults), 'unmapped' */
  readonly host: 'mapped' | 'no' | 'unmapped'
  /** labels of the VMs whose stage 2 maps it */
  readonly guests: readonly string[]
}

export interface FolioExtent extends PageAccess {
  /** first file page */
  readonly start: number
  /** end page (exclusive) */
  readonly end: number
  readonly state: FolioState
  /** pfn of the first page (null for absent pages) */
  readonly pfn: number | null
  /** folio order (null for absent pages) */
  readonly order: number | null
  /** Gunyah: who owns the folio ('host' or a VM label); null elsewhere */
  readonly owner: string | null
}

interface Layer {
  readonly kind: 'folio' | 'gpage' | 'host' | 'guest'
  readonly spans: readonly Span<Record<string, unknown> & { base: number }>[]
}

function guestLayers(state: KernelState, inodeId: string): { label: string; spans: Span<{ base: number; share: boolean }>[] }[] {
  const out: { label: string; spans: Span<{ base: number; share: boolean }>[] }[] = []
  for (const vm of Object.values(state.vms)) {
    const spans = vm.stage2
      .filter((e) => e.value.backing === 'gmem' && e.value.inode === inodeId)
      .map((e) => ({ start: e.value.index, end: e.value.index + (e.end - e.start), value: { base: e.value.index, share: false } }))
    if (spans.length) out.push({ label: vm.label, spans: spans.sort((a, b) => a.start - b.start) })
  }
  for (const vm of Object.values(state.gunyah?.vms ?? {})) {
    const spans = vm.mm
      .filter((e) => e.value.inode === inodeId)
      .map((e) => ({ start: e.value.index, end: e.value.index + (e.end - e.start), value: { base: e.value.index, share: e.value.share } }))
    if (spans.length) out.push({ label: vm.label, spans: spans.sort((a, b) => a.start - b.start) })
  }
  return out
}

/** File pages of the inode a host VMA maps: Gunyah's page-table entries, else the VMAs' ranges. */
export function hostMappedSpans(state: KernelState, inodeId: string): Span<{ base: number }>[] {
  const spans: Span<{ base: number }>[] = []
  for (const vma of Object.values(state.vmas)) {
    const file = state.files[vma.file]
    if (!file || file.inode !== inodeId) continue
    const ptes = state.gunyah?.ptes?.[vma.id]
    if (ptes) for (const p of ptes) spans.push({ start: p.start, end: p.end, value: { base: p.start } })
    else if (!state.variant.startsWith('gunyah')) spans.push({ start: vma.pgoff, end: vma.pgoff + vma.pages, value: { base: vma.pgoff } })
  }
  return spans.sort((a, b) => a.start - b.start)
}

function vmLabel(state: KernelState, id: string): string {
  return state.gunyah?.vms?.[id]?.label ?? state.vms[id]?.label ?? id
}

/** The file's extent (pages) worth showing: i_size, or past it when folios remain beyond. */
export function inodeExtent(state: KernelState, inodeId: string): number {
  const inode = state.inodes[inodeId]
  if (!inode) return 0
  const last = inode.folios[inode.folios.length - 1]
  return Math.max(inode.sizePages, last ? last.end : 0)
}

/**
 * The state extents of an inode's pages over [start, end) (default: the whole file). With
 * `holes`, absent ranges are included. Adjacent pages with the same state and access merge.
 */
export function folioExtents(state: KernelState, inodeId: string, opts: { holes?: boolean; start?: number; end?: number } = {}): FolioExtent[] {
  const inode = state.inodes[inodeId]
  if (!inode) return []
  const lo = opts.start ?? 0
  const hi = opts.end ?? inodeExtent(state, inodeId)
  if (hi <= lo) return []
  const guests = guestLayers(state, inodeId)
  const gpages = state.gunyah?.pages?.[inodeId] ?? []
  const layers: Layer[] = [
    { kind: 'folio', spans: inode.folios.map((e) => ({ start: e.start, end: e.end, value: { ...e.value, base: e.start } })) },
    { kind: 'gpage', spans: gpages.map((e) => ({ start: e.start, end: e.end, value: { ...e.value, base: e.start } })) },
    { kind: 'host', spans: hostMappedSpans(state, inodeId) },
    ...guests.map((g) => ({ kind: 'guest' as const, spans: g.spans })),
  ]
  const out: FolioExtent[] = []
  for (const piece of sweep(layers.map((l) => l.spans), lo, hi)) {
    const [folio, gpage, host, ...gs] = piece.at
    const guestLabels = guests.filter((_, i) => gs[i]).map((g) => g.label)
    const guestShares = gs.some((g) => g && (g as unknown as { share: boolean }).share)
    let ext: FolioExtent
    if (!folio) {
      ext = { start: piece.start, end: piece.end, state: 'absent', pfn: null, order: null, owner: null, host: 'unmapped', guests: guestLabels }
    } else {
      const f = folio as unknown as { pfn: number; order: number; hwpoison: boolean; base: number }
      const gp = gpage as unknown as { owner: string; access: string } | null
      const hostMapped = host !== null
      let st: FolioState
      if (f.hwpoison) st = 'poisoned'
      else if (gp && gp.access === 'lent') st = 'lent'
      else if (gp && gp.access === 'shared') st = 'shared'
      else if (gp) st = hostMapped ? 'host-mapped' : gp.access === 'reclaimed' ? 'reclaimed' : 'allocated'
      else if (guestLabels.length) st = hostMapped || guestShares ? 'shared' : 'lent'
      else st = hostMapped ? 'host-mapped' : 'allocated'
      const hostAccess = st === 'poisoned' || st === 'lent' ? 'no' : hostMapped ? 'mapped' : 'unmapped'
      ext = {
        start: piece.start,
        end: piece.end,
        state: st,
        pfn: f.pfn + (piece.start - f.base),
        order: f.order,
        owner: gp ? (gp.owner === 'host' ? 'host' : vmLabel(state, gp.owner)) : null,
        host: hostAccess,
        guests: guestLabels,
      }
    }
    if (ext.state === 'absent' && !opts.holes) continue
    const last = out[out.length - 1]
    if (last && sameRun(last, ext)) out[out.length - 1] = { ...last, end: ext.end }
    else out.push(ext)
  }
  return out
}

/** `b` continues `a`: adjacent, same state and owners, and (for allocated pages) consecutive pfns. */
export function sameRun(a: FolioExtent, b: FolioExtent): boolean {
  return (
    a.end === b.start &&
    a.state === b.state &&
    a.order === b.order &&
    a.owner === b.owner &&
    a.host === b.host &&
    a.guests.join() === b.guests.join() &&
    (a.pfn === null ? b.pfn === null : b.pfn === a.pfn + (a.end - a.start))
  )
}

/** The extent covering one page (for hover and details), absent pages included. */
export function folioAt(state: KernelState, inodeId: string, page: number): FolioExtent | null {
  return folioExtents(state, inodeId, { holes: true, start: page, end: page + 1 })[0] ?? null
}
