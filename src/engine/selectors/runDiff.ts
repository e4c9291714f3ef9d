/**
 * Where two sorted, disjoint run lists differ over [lo, hi): the spans where the key found at a
 * position (or none) is not the same in both. Adjacent differing spans are merged into `out`.
 * The change detectors of the views (file folio states, stage-2 mappings) share it.
 */
export interface KeyedRun<K> {
  readonly start: number
  readonly end: number
  readonly key: K
}

export function diffRuns<K>(
  x: readonly KeyedRun<K>[],
  y: readonly KeyedRun<K>[],
  lo: number,
  hi: number,
  out: { start: number; end: number }[] = [],
): { start: number; end: number }[] {
  let i = 0
  let j = 0
  for (let pos = lo; pos < hi; ) {
    while (i < x.length && x[i]!.end <= pos) i++
    while (j < y.length && y[j]!.end <= pos) j++
    const xi = x[i]
    const yj = y[j]
    const kx = xi && xi.start <= pos ? xi.key : undefined
    const ky = yj && yj.start <= pos ? yj.key : undefined
    let next = hi
    if (xi) next = Math.min(next, xi.start > pos ? xi.start : xi.end)
    if (yj) next = Math.min(next, yj.start > pos ? yj.start : yj.end)
    if (kx !== ky) {
      const last = out[out.length - 1]
      if (last && last.end === pos) last.end = next
      else out.push({ start: pos, end: next })
    }
    pos = next
  }
  return out
}
