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

interface Span {
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

function sameExtent(a: Span & { value?: unknown; share?: boolean }, b: Span & { value?: unknown; share?: boolean }): boolean {
  if (a === b) return true
  if (a.start !== b.start || a.end !== b.end || a.share !== b.share) return false
  if (a.value === b.value) return true
  if (!a.value || !b.value) return false
  const va = a.value as Record<string, unknown>
  const vb = b.value as Record<string, unknown>
  const ka = Object.keys(va)
  if (ka.length !== Object.keys(vb).length) return false
  for (const k of ka) if (va[k] !== vb[k]) return false
  return true
}

/** The page range where two versions of one layer differ (null: identical). */
function layerDiff(a: readonly Span[], b: readonly Span[]): [number, number] | null {
  if (a === b) return null
  let i = 0
  const n = Math.min(a.length, b.length)
  while (i < n && sameExtent(a[i]!, b[i]!)) i++
  if (i === a.length && i === b.length) return null
  let ea = a.length
  let eb = b.length
  while (ea > i && eb > i && sameExtent(a[ea - 1]!, b[eb - 1]!)) {
    ea--
    eb--
  }
  let lo = Infinity
  let hi = -Infinity
  if (ea > i) {
    lo = Math.min(lo, a[i]!.start)
    hi = Math.max(hi, a[ea - 1]!.end)
  }
  if (eb > i) {
    lo = Math.min(lo, b[i]!.start)
    hi = Math.max(hi, b[eb - 1]!.end)
  }
  return lo < hi ? [lo, hi] : null
}

function whole(a: readonly Span[]): [number, number] | null {
  return a.length ? [a[0]!.start, a[a.length - 1]!.end] : null
}

/** Pairs up the layers of two states (by VMA / VM id) and returns where they differ. */
function dirtyWindows(a: InodeLayers, b: InodeLayers, hi: number): [number, number][] {
  if (!a.folios || !b.folios) return hi > 0 ? [[0, hi]] : []
  const out: [number, number][] = []
  const add = (w: [number, number] | null) => {
    if (!w) return
    const lo2 = Math.max(0, w[0])
    const hi2 = Math.min(hi, w[1])
    if (hi2 > lo2) out.push([lo2, hi2])
  }
  add(layerDiff(a.folios, b.folios))
  add(layerDiff(a.gpages, b.gpages))
  const pair = <T extends { id: string; spans: readonly Span[] }>(xs: readonly T[], ys: readonly T[]) => {
    const byId = new Map(ys.map((y) => [y.id, y]))
    for (const x of xs) {
      const y = byId.get(x.id)
      add(y ? layerDiff(x.spans, y.spans) : whole(x.spans))
      byId.delete(x.id)
    }
    for (const y of byId.values()) add(whole(y.spans))
  }
  pair(a.host, b.host)
  pair(a.guests, b.guests)
  // guest labels are part of what is compared: a layer order change (a VM added before another) shows as its spans
  if (a.guests.map((g) => g.id).join() !== b.guests.map((g) => g.id).join()) for (const g of [...a.guests, ...b.guests]) add(whole(g.spans))
  out.sort((x, y) => x[0] - y[0])
  const merged: [number, number][] = []
  for (const w of out) {
    const last = merged[merged.length - 1]
    if (last && w[0] <= last[1]) last[1] = Math.max(last[1], w[1])
    else merged.push([w[0], w[1]])
  }
  return merged
}

const HOST_CODE = { unmapped: 0, mapped: 1, no: 2 } as const

/**
 * Comparable keys of the non-absent pieces of [lo, hi): the `state|host|guests` of changes.ts.
 * As numbers (state, host access and guest bits) when both states list the same guests in the
 * same order, else as the strings changes.ts compares.
 */
function keyedRuns(layers: InodeLayers, lo: number, hi: number, numeric: boolean): { start: number; end: number; key: string | number }[] {
  const out: { start: number; end: number; key: string | number }[] = []
  const labels = layers.guests.map((g) => g.label)
  forEachPiece(layers, lo, hi, (p) => {
    if (!p.code) return
    let key: string | number
    if (numeric) key = p.code + 8 * HOST_CODE[p.host] + 32 * p.guests
    else {
      let guests = ''
      if (p.guests) guests = labels.filter((_, i) => p.guests & (1 << Math.min(30, i))).join()
      key = `${FOLIO_STATE_OF_CODE[p.code]!}|${p.host}|${guests}`
    }
    const last = out[out.length - 1]
    if (last && last.end === p.start && last.key === key) last.end = p.end
    else out.push({ start: p.start, end: p.end, key })
  })
  return out
}

/**
 * The file pages of `inodeId` whose drawn state, host access or guests differ between `prev`
 * and `cur` (changes.ts's `changedSpans(...).files[inodeId]`, without walking unchanged extents).
 */
export function changedFileSpans(prev: KernelState, cur: KernelState, inodeId: string): { start: number; end: number }[] {
  const hi = Math.max(inodeExtent(cur, inodeId), inodeExtent(prev, inodeId))
  const a = inodeLayers(prev, inodeId)
  const b = inodeLayers(cur, inodeId)
  const out: { start: number; end: number }[] = []
  const numeric = a.guests.map((g) => `${g.id}\u0000${g.label}`).join('\u0001') === b.guests.map((g) => `${g.id}\u0000${g.label}`).join('\u0001')
  for (const [w0, w1] of dirtyWindows(a, b, hi)) {
    const x = keyedRuns(a, w0, w1, numeric)
    const y = keyedRuns(b, w0, w1, numeric)
    // sweep both run lists over the window
    let i = 0
    let j = 0
    let pos = w0
    while (pos < w1) {
      while (i < x.length && x[i]!.end <= pos) i++
      while (j < y.length && y[j]!.end <= pos) j++
      const xi = x[i]
      const yj = y[j]
      const kx = xi && xi.start <= pos ? xi.key : ''
      const ky = yj && yj.start <= pos ? yj.key : ''
      let next = w1
      if (xi) next = Math.min(next, xi.start > pos ? xi.start : xi.end)
      if (yj) next = Math.min(next, yj.start > pos ? yj.start : yj.end)
      if (kx !== ky) {
        const last = out[out.length - 1]
        if (last && last.end === pos) last.end = next
        else out.push({ start: pos, end: next })
      }
      pos = next
    }
  }
  return out
}
