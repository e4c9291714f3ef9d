/**
 * Where a file's folio view changed between two states, without walking what the step left
 * alone: the layers (folios, owners, host and guest mappings) are paired up, only the windows where
 * a layer differs are swept, and runs are compared by their drawn state.
 */
import type { KernelState } from '../state'
import { inodeExtent } from './folios'
import { FOLIO_STATE_OF_CODE, forEachPiece, inodeLayers, type InodeLayers, type Span } from './folioLayers'
import { diffRuns } from './runDiff'

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
    diffRuns(x, y, w0, w1, out)
  }
  return out
}
