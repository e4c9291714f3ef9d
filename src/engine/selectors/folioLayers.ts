/**
 * Folio states of a window of a file without walking the whole file: the same answers as
 * `folioExtents` (./folios.ts), from the same layers (folios, Gunyah ownership, host mappings,
 * guest mappings), but each layer is binary-searched to the window and the layers are merged
 * k-way, so a query costs O(layers · log extents + pieces in the window), never O(extents).
 *
 * On top of that:
 * - `inodeLod`: the level-of-detail summary (./lod.ts) of a file, built once per distinct set of
 *   layers (states are immutable and structurally shared, so a step that does not touch a file's
 *   layers reuses its summary), straight into typed arrays (no object per piece).
 * - `changedFileSpans`: what a step changed in a file, comparing only where the layers differ
 *   (common prefixes and suffixes of identical extents are skipped).
 *
 * Pure, no React. `test/perf/folioLayers.test.ts` checks every answer against folios.ts.
 */
import type { Extent } from '../rangemap'
import type { FolioPage, GunyahPage, KernelState } from '../state'
import { inodeExtent, type FolioState } from './folios'
import { lodFromArrays, SEVERITY, type LodSummary } from './lod'

export interface Span {
  readonly start: number
  readonly end: number
}

interface GuestSpan extends Span {
  readonly share: boolean
}

/** The sorted, disjoint extent lists a file's folio states are derived from. */
export interface InodeLayers {
  readonly inodeId: string
  /** null when the inode does not exist in the state */
  readonly folios: readonly Extent<FolioPage>[] | null
  readonly gpages: readonly Extent<GunyahPage>[]
  /** one list per host VMA of the file (Gunyah: its PTEs; else the VMA's whole range) */
  readonly host: readonly { readonly id: string; readonly spans: readonly Span[] }[]
  /** one list per VM mapping the file, by file page */
  readonly guests: readonly { readonly id: string; readonly label: string; readonly spans: readonly GuestSpan[] }[]
}

const EMPTY: readonly never[] = Object.freeze([])

/** Guest spans by file page, per (stage-2 or ghvm->mm array, inode): arrays are immutable, so cached by identity. */
const guestCache = new WeakMap<object, Map<string, readonly GuestSpan[]>>()

function guestSpans(map: readonly Extent<{ readonly inode: string | null; readonly index: number; readonly backing?: string; readonly share?: boolean }>[], inodeId: string, gunyah: boolean): readonly GuestSpan[] {
  let perInode = guestCache.get(map)
  if (!perInode) guestCache.set(map, (perInode = new Map()))
  let spans = perInode.get(inodeId)
  if (!spans) {
    const out: GuestSpan[] = []
    for (const e of map) {
      if (e.value.inode !== inodeId || (!gunyah && e.value.backing !== 'gmem')) continue
      out.push({ start: e.value.index, end: e.value.index + (e.end - e.start), share: gunyah ? Boolean(e.value.share) : false })
    }
    spans = out.length ? out.sort((a, b) => a.start - b.start) : EMPTY
    perInode.set(inodeId, spans)
  }
  return spans
}

/** The layers of one inode in one state (cheap: no walk over folios or ownership extents). */
export function inodeLayers(state: KernelState, inodeId: string): InodeLayers {
  const inode = state.inodes[inodeId]
  const host: { id: string; spans: readonly Span[] }[] = []
  for (const vma of Object.values(state.vmas)) {
    const file = state.files[vma.file]
    if (!file || file.inode !== inodeId) continue
    const ptes = state.gunyah?.ptes?.[vma.id]
    if (ptes) host.push({ id: vma.id, spans: ptes })
    else if (!state.variant.startsWith('gunyah')) host.push({ id: vma.id, spans: [{ start: vma.pgoff, end: vma.pgoff + vma.pages }] })
  }
  const guests: { id: string; label: string; spans: readonly GuestSpan[] }[] = []
  for (const vm of Object.values(state.vms)) {
    const spans = guestSpans(vm.stage2, inodeId, false)
    if (spans.length) guests.push({ id: vm.id, label: vm.label, spans })
  }
  for (const vm of Object.values(state.gunyah?.vms ?? {})) {
    const spans = guestSpans(vm.mm, inodeId, true)
    if (spans.length) guests.push({ id: vm.id, label: vm.label, spans })
  }
  return { inodeId, folios: inode ? inode.folios : null, gpages: state.gunyah?.pages?.[inodeId] ?? EMPTY, host, guests }
}

/** Index of the first span ending after `page`. */
function firstEndingAfter(spans: readonly Span[], page: number): number {
  let lo = 0
  let hi = spans.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (spans[mid]!.end <= page) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** How many extents of the layers lie in [lo, hi) (an upper bound on the pieces there, per layer). */
export function extentsInWindow(layers: InodeLayers, lo: number, hi: number): number {
  const count = (s: readonly Span[]) => {
    const a = firstEndingAfter(s, lo)
    let lo2 = a
    let hi2 = s.length
    while (lo2 < hi2) {
      const mid = (lo2 + hi2) >> 1
      if (s[mid]!.start < hi) lo2 = mid + 1
      else hi2 = mid
    }
    return lo2 - a
  }
  let n = layers.folios ? count(layers.folios) : 0
  n += count(layers.gpages)
  for (const h of layers.host) n += count(h.spans)
  for (const g of layers.guests) n += count(g.spans)
  return n
}

/** State codes: index into FOLIO_STATE_OF_CODE. */
const CODE: Readonly<Record<FolioState, number>> = { absent: 0, allocated: 1, lent: 2, shared: 3, 'host-mapped': 4, reclaimed: 5, poisoned: 6 }
export const FOLIO_STATE_OF_CODE: readonly FolioState[] = ['absent', 'allocated', 'lent', 'shared', 'host-mapped', 'reclaimed', 'poisoned']
const SEV_OF_CODE = Uint8Array.from(FOLIO_STATE_OF_CODE.map((s) => SEVERITY[s]))

/** One piece of the merge: [start, end) where every layer has one value. */
export interface Piece {
  start: number
  end: number
  /** index into FOLIO_STATE_OF_CODE */
  code: number
  /** 'mapped' | 'no' | 'unmapped', as FolioExtent.host */
  host: 'mapped' | 'no' | 'unmapped'
  /** bit i: guest layer i maps the piece (up to 31 guests; more are folded into bit 30) */
  guests: number
}

/**
 * Calls `visit` for each piece of [lo, hi) cut at every boundary of any layer (the pieces of
 * folios.ts's sweep; adjacent pieces are not merged). The piece object is reused: copy what you keep.
 */
export function forEachPiece(layers: InodeLayers, lo: number, hi: number, visit: (p: Readonly<Piece>) => void): void {
  if (hi <= lo) return
  const lists: (readonly Span[])[] = [layers.folios ?? EMPTY, layers.gpages, ...layers.host.map((h) => h.spans), ...layers.guests.map((g) => g.spans)]
  const nHost = layers.host.length
  const L = lists.length
  const idx = new Int32Array(L)
  for (let l = 0; l < L; l++) idx[l] = firstEndingAfter(lists[l]!, lo)
  const piece: Piece = { start: 0, end: 0, code: 0, host: 'unmapped', guests: 0 }
  const folios = lists[0] as readonly Extent<FolioPage>[]
  const gpages = lists[1] as readonly Extent<GunyahPage>[]
  let pos = lo
  while (pos < hi) {
    let next = hi
    let folio: FolioPage | null = null
    let gp: GunyahPage | null = null
    let hostMapped = false
    let guests = 0
    let guestShares = false
    for (let l = 0; l < L; l++) {
      const list = lists[l]!
      let j = idx[l]!
      while (j < list.length && list[j]!.end <= pos) j++
      idx[l] = j
      const e = list[j]
      if (!e) continue
      if (e.start <= pos) {
        if (e.end < next) next = e.end
        if (l === 0) folio = folios[j]!.value
        else if (l === 1) gp = gpages[j]!.value
        else if (l < 2 + nHost) hostMapped = true
        else {
          const g = l - 2 - nHost
          guests |= 1 << Math.min(30, g)
          if ((e as GuestSpan).share) guestShares = true
        }
      } else if (e.start < next) next = e.start
    }
    let code: number
    let host: Piece['host'] = 'unmapped'
    if (!folio) code = 0
    else {
      let st: FolioState
      if (folio.hwpoison) st = 'poisoned'
      else if (gp && gp.access === 'lent') st = 'lent'
      else if (gp && gp.access === 'shared') st = 'shared'
      else if (gp) st = hostMapped ? 'host-mapped' : gp.access === 'reclaimed' ? 'reclaimed' : 'allocated'
      else if (guests) st = hostMapped || guestShares ? 'shared' : 'lent'
      else st = hostMapped ? 'host-mapped' : 'allocated'
      code = CODE[st]
      host = st === 'poisoned' || st === 'lent' ? 'no' : hostMapped ? 'mapped' : 'unmapped'
    }
    piece.start = pos
    piece.end = next
    piece.code = code
    piece.host = host
    piece.guests = guests
    visit(piece)
    pos = next
  }
}

/** Runs of one state over [lo, hi) (absent pages left out, adjacent equal states merged). */
export function stateRuns(layers: InodeLayers, lo: number, hi: number): { start: number; end: number; state: FolioState }[] {
  const out: { start: number; end: number; state: FolioState }[] = []
  forEachPiece(layers, lo, hi, (p) => {
    if (!p.code) return
    const last = out[out.length - 1]
    const state = FOLIO_STATE_OF_CODE[p.code]!
    if (last && last.end === p.start && last.state === state) last.end = p.end
    else out.push({ start: p.start, end: p.end, state })
  })
  return out
}

/** The summary's inputs, by identity: two states with equal keys have the same folio states. */
function layerKey(state: KernelState, layers: InodeLayers): unknown[] {
  const key: unknown[] = [layers.gpages, inodeExtent(state, layers.inodeId)]
  for (const h of layers.host) key.push(h.id, h.spans.length === 1 && !state.gunyah?.ptes?.[h.id] ? `${h.spans[0]!.start}:${h.spans[0]!.end}` : h.spans)
  for (const g of layers.guests) key.push(g.id, g.spans)
  return key
}

function sameKey(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** Summaries per folios array (the largest layer), each with the identities of its other layers. */
const lodCache = new WeakMap<object, { key: unknown[]; lod: LodSummary }[]>()
const NO_FOLIOS = {}
const LOD_ENTRIES_PER_FOLIOS = 8

/** Builds the LOD summary of [0, pages) straight from the layers (typed arrays, no object per piece). */
export function buildInodeLod(layers: InodeLayers, pages: number): LodSummary {
  let cap = 1024
  let starts = new Float64Array(cap)
  let ends = new Float64Array(cap)
  let sev = new Uint8Array(cap)
  let n = 0
  forEachPiece(layers, 0, pages, (p) => {
    const s = SEV_OF_CODE[p.code]!
    if (!s) return
    if (n && sev[n - 1] === s && ends[n - 1] === p.start) {
      ends[n - 1] = p.end
      return
    }
    if (n === cap) {
      cap *= 2
      const s2 = new Float64Array(cap)
      s2.set(starts)
      starts = s2
      const e2 = new Float64Array(cap)
      e2.set(ends)
      ends = e2
      const v2 = new Uint8Array(cap)
      v2.set(sev)
      sev = v2
    }
    starts[n] = p.start
    ends[n] = p.end
    sev[n] = s
    n++
  })
  return lodFromArrays(pages, starts.slice(0, n), ends.slice(0, n), sev.slice(0, n))
}

/**
 * The LOD summary of a file in a state over [0, inodeExtent), memoised: states that share the
 * file's layers (every step that did not touch them) share one summary.
 */
export function inodeLod(state: KernelState, inodeId: string, layers = inodeLayers(state, inodeId)): LodSummary {
  const holder: object = layers.folios ?? NO_FOLIOS
  const key = layerKey(state, layers)
  let entries = lodCache.get(holder)
  const hit = entries?.find((e) => sameKey(e.key, key))
  if (hit) return hit.lod
  const lod = buildInodeLod(layers, Math.max(1, inodeExtent(state, inodeId)))
  if (!entries) lodCache.set(holder, (entries = []))
  entries.unshift({ key, lod })
  if (entries.length > LOD_ENTRIES_PER_FOLIOS) entries.pop()
  return lod
}
