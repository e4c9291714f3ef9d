/**
 * An immutable map from half-open index ranges to values: the engine's xarray and maple tree.
 *
 * Every large index space (file offsets in pages, gfns) is stored as sorted, disjoint extents,
 * never one entry per page, so a 64 GiB file costs what a 64 KiB one does. Values are flat
 * objects of primitives. A value may have *linear* fields (a pfn, a file index) that grow by one
 * per index: an extent stores them for its first index, and splitting or merging adjusts them.
 * Adjacent extents whose values continue each other are merged, so the representation of a map
 * is canonical: two maps with the same contents have the same extents.
 */
import { current, isDraft } from 'immer'

export type Value = Readonly<Record<string, string | number | boolean | null>>

export interface Extent<V extends Value> {
  readonly start: number
  readonly end: number
  readonly value: V
}

export type RangeMap<V extends Value> = readonly Extent<V>[]

/** Names of the fields of V that grow with the index. */
export type Linear<V extends Value> = readonly (keyof V & string)[]

/**
 * The map itself when `map` is an Immer draft (read through `ctx.s`): a RangeMap is never
 * modified in place, only replaced, so the draft's base is its contents. Reading the base avoids
 * creating one proxy per extent touched (and finalising them all at the end of the step).
 */
function plain<T extends object>(x: T): T {
  return isDraft(x) ? current(x) : x
}

export function emptyRangeMap<V extends Value>(): RangeMap<V> {
  return []
}

/** The value as seen `delta` indices after the extent's start. */
export function shiftValue<V extends Value>(value: V, delta: number, linear: Linear<V>): V {
  if (delta === 0 || linear.length === 0) return value
  const out: Record<string, unknown> = { ...value }
  for (const k of linear) out[k] = (value[k] as number) + delta
  return out as V
}

function sameValue<V extends Value>(a: V, b: V): boolean {
  const ka = Object.keys(a)
  if (ka.length !== Object.keys(b).length) return false
  for (const k of ka) if (a[k] !== b[k]) return false
  return true
}

/** Index of the first extent whose end is after `index`. */
function firstEndingAfter<V extends Value>(map: RangeMap<V>, index: number): number {
  let lo = 0
  let hi = map.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (map[mid]!.end <= index) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** The value at one index (xa_load), or undefined. */
export function rangeLoad<V extends Value>(
  map: RangeMap<V>,
  index: number,
  linear: Linear<V> = [],
): V | undefined {
  map = plain(map)
  const i = firstEndingAfter(map, index)
  const e = map[i]
  if (!e || e.start > index) return undefined
  return shiftValue(e.value, index - e.start, linear)
}

/** The extents overlapping [start, end), clipped to it. */
export function rangeQuery<V extends Value>(
  map: RangeMap<V>,
  start: number,
  end: number,
  linear: Linear<V> = [],
): Extent<V>[] {
  const out: Extent<V>[] = []
  if (end <= start) return out
  map = plain(map)
  for (let i = firstEndingAfter(map, start); i < map.length; i++) {
    const e = map[i]!
    if (e.start >= end) break
    const s = Math.max(e.start, start)
    out.push({ start: s, end: Math.min(e.end, end), value: shiftValue(e.value, s - e.start, linear) })
  }
  return out
}

/** The first extent overlapping [start, end), clipped (xa_find), or undefined. */
export function rangeFind<V extends Value>(
  map: RangeMap<V>,
  start: number,
  end: number,
  linear: Linear<V> = [],
): Extent<V> | undefined {
  if (end <= start) return undefined
  map = plain(map)
  const e = map[firstEndingAfter(map, start)]
  if (!e || e.start >= end) return undefined
  const s = Math.max(e.start, start)
  return { start: s, end: Math.min(e.end, end), value: shiftValue(e.value, s - e.start, linear) }
}

/** How many indices of [start, end) hold a value. */
export function rangeCount<V extends Value>(map: RangeMap<V>, start: number, end: number): number {
  return rangeQuery(map, start, end).reduce((n, e) => n + (e.end - e.start), 0)
}

/** Total number of indices holding a value. */
export function rangeTotal<V extends Value>(map: RangeMap<V>): number {
  return plain(map).reduce((n, e) => n + (e.end - e.start), 0)
}

function pushMerged<V extends Value>(out: Extent<V>[], e: Extent<V>, linear: Linear<V>): void {
  if (e.end <= e.start) return
  const last = out[out.length - 1]
  if (
    last &&
    last.end === e.start &&
    sameValue(shiftValue(last.value, last.end - last.start, linear), e.value)
  ) {
    out[out.length - 1] = { start: last.start, end: e.end, value: last.value }
    return
  }
  out.push(e)
}

/**
 * Stores `value` over [start, end) (xa_store_range), or erases the range when value is null.
 * Linear fields of `value` are those of index `start`.
 */
export function rangeStore<V extends Value>(
  map: RangeMap<V>,
  start: number,
  end: number,
  value: V | null,
  linear: Linear<V> = [],
): RangeMap<V> {
  if (end <= start) return map
  map = plain(map)
  if (value !== null) value = plain(value)
  const first = firstEndingAfter(map, start)
  let last = first
  while (last < map.length && map[last]!.start < end) last++
  // Extents [first, last) overlap; keep their outer parts.
  const out: Extent<V>[] = map.slice(0, Math.max(0, first - 1)) as Extent<V>[]
  const before = first > 0 ? map[first - 1] : undefined
  if (before) pushMerged(out, before, linear)
  const head = map[first]
  if (head && head.start < start && first < last) {
    pushMerged(out, { start: head.start, end: start, value: head.value }, linear)
  }
  if (value !== null) pushMerged(out, { start, end, value }, linear)
  const tail = last > first ? map[last - 1] : undefined
  if (tail && tail.end > end) {
    pushMerged(
      out,
      { start: end, end: tail.end, value: shiftValue(tail.value, end - tail.start, linear) },
      linear,
    )
  }
  // The rest is canonical already: only its first extent can merge with what precedes it.
  if (last < map.length) pushMerged(out, map[last]!, linear)
  for (let i = last + 1; i < map.length; i++) out.push(map[i]!)
  return freezeMap(out)
}

/**
 * Freezes a new map and its new extents, as Immer would at the end of the step: a frozen value is
 * one Immer's finalisation does not walk, so storing into a map of n extents does not cost n more.
 */
function freezeMap<V extends Value>(out: Extent<V>[]): RangeMap<V> {
  for (let i = out.length - 1; i >= 0; i--) {
    const e = out[i]!
    if (Object.isFrozen(e)) continue
    Object.freeze(e.value)
    Object.freeze(e)
  }
  return Object.freeze(out)
}

/** Applies `fn` to every value in [start, end), splitting extents at the edges. */
export function rangeUpdate<V extends Value>(
  map: RangeMap<V>,
  start: number,
  end: number,
  fn: (value: V) => V,
  linear: Linear<V> = [],
): RangeMap<V> {
  let out = plain(map)
  for (const e of rangeQuery(out, start, end, linear)) {
    out = rangeStore(out, e.start, e.end, fn(e.value), linear)
  }
  return out
}

/** The gaps of [start, end) that hold no value. */
export function rangeHoles<V extends Value>(
  map: RangeMap<V>,
  start: number,
  end: number,
): { start: number; end: number }[] {
  const holes: { start: number; end: number }[] = []
  let at = start
  for (const e of rangeQuery(map, start, end)) {
    if (e.start > at) holes.push({ start: at, end: e.start })
    at = e.end
  }
  if (at < end) holes.push({ start: at, end })
  return holes
}
