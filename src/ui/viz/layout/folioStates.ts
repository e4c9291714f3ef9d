/**
 * What the UI calls a file page's state: absent, allocated, mapped by a guest, or poisoned.
 * Derived from the engine's extents (inode folios, every VM's stage 2); never per page.
 */
import { rangeQuery, type KernelState } from '../../../engine'

export type FolioState = 'absent' | 'allocated' | 'mapped' | 'poisoned'

export interface FolioStateExtent {
  /** first file page */
  readonly start: number
  /** end page (exclusive) */
  readonly end: number
  readonly state: FolioState
  /** pfn of the first page (null for absent pages) */
  readonly pfn: number | null
  /** folio order (null for absent pages) */
  readonly order: number | null
}

export interface Span {
  readonly start: number
  readonly end: number
}

/** Sorts and merges overlapping or touching spans. */
export function mergeSpans(spans: readonly Span[]): Span[] {
  const sorted = [...spans].filter((s) => s.end > s.start).sort((a, b) => a.start - b.start)
  const out: { start: number; end: number }[] = []
  for (const s of sorted) {
    const last = out[out.length - 1]
    if (last && s.start <= last.end) last.end = Math.max(last.end, s.end)
    else out.push({ start: s.start, end: s.end })
  }
  return out
}

/** The file pages of `inodeId` that some VM maps in stage 2, as merged spans. */
export function guestMappedSpans(state: KernelState, inodeId: string): Span[] {
  const spans: Span[] = []
  for (const vm of Object.values(state.vms)) {
    for (const e of vm.stage2) {
      if (e.value.backing === 'gmem' && e.value.inode === inodeId) {
        spans.push({ start: e.value.index, end: e.value.index + (e.end - e.start) })
      }
    }
  }
  return mergeSpans(spans)
}

/**
 * The state extents of an inode's pages over [start, end) (default: the whole file), split
 * where the guest mapping starts or stops. With `holes`, absent ranges are included.
 */
export function folioStateExtents(
  state: KernelState,
  inodeId: string,
  opts: { holes?: boolean; start?: number; end?: number } = {},
): FolioStateExtent[] {
  const inode = state.inodes[inodeId]
  if (!inode) return []
  const lastFolio = inode.folios[inode.folios.length - 1]
  const start = opts.start ?? 0
  const end = opts.end ?? Math.max(inode.sizePages, lastFolio ? lastFolio.end : 0)
  const mapped = guestMappedSpans(state, inodeId)
  const out: FolioStateExtent[] = []
  let at = start
  let m = 0
  const hole = (s: number, e: number) => {
    if (opts.holes && e > s) out.push({ start: s, end: e, state: 'absent', pfn: null, order: null })
  }
  for (const f of rangeQuery(inode.folios, start, end, ['pfn'])) {
    hole(at, f.start)
    at = f.end
    if (f.value.hwpoison) {
      out.push({ start: f.start, end: f.end, state: 'poisoned', pfn: f.value.pfn, order: f.value.order })
      continue
    }
    // Walk the mapped spans across this folio extent.
    let s = f.start
    while (m < mapped.length && mapped[m]!.end <= s) m++
    while (s < f.end) {
      const span = mapped[m]
      let e: number
      let st: FolioState
      if (span && span.start <= s) {
        e = Math.min(span.end, f.end)
        st = 'mapped'
      } else {
        e = span ? Math.min(span.start, f.end) : f.end
        st = 'allocated'
      }
      out.push({ start: s, end: e, state: st, pfn: f.value.pfn + (s - f.start), order: f.value.order })
      s = e
      if (span && span.end <= s) m++
    }
  }
  hole(at, end)
  return out
}
