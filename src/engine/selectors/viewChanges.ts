/**
 * What a step changed, as changes.ts's `changedSpans` answers it, but comparing only where the
 * two states differ: layers the step did not replace are skipped by identity, and within a
 * replaced layer the common prefix and suffix of identical extents are skipped. A step touches a
 * few extents, so this costs O(layers · log extents + what changed), not O(extents of the state).
 * `test/perf/folioLayers.test.ts` checks it against `changedSpans` on every step of the scenarios.
 */
import { diffRuns } from './runDiff'
import type { Extent } from '../rangemap'
import type { KernelState } from '../state'
import type { ChangedSpans } from './changes'
import { changedFileSpans } from './fileChanges'

type AnyExtent = Extent<Readonly<Record<string, string | number | boolean | null>>>

function sameExtent(a: AnyExtent, b: AnyExtent): boolean {
  if (a === b) return true
  if (a.start !== b.start || a.end !== b.end) return false
  const ka = Object.keys(a.value)
  if (ka.length !== Object.keys(b.value).length) return false
  for (const k of ka) if (a.value[k] !== b.value[k]) return false
  return true
}

/** The index range [i, ea) / [i, eb) of a and b outside their common prefix and suffix. */
function middle(a: readonly AnyExtent[], b: readonly AnyExtent[]): { i: number; ea: number; eb: number } | null {
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
  return { i, ea, eb }
}

/** gfn spans whose mapping (kind and writability, as addressSpaces draws it) differs. */
function diffMappings(a: readonly AnyExtent[], b: readonly AnyExtent[], key: (v: AnyExtent['value']) => string): { start: number; end: number }[] {
  const m = middle(a, b)
  if (!m) return []
  const xs = a.slice(m.i, m.ea)
  const ys = b.slice(m.i, m.eb)
  const lo = Math.min(xs[0]?.start ?? Infinity, ys[0]?.start ?? Infinity)
  const hi = Math.max(xs[xs.length - 1]?.end ?? -Infinity, ys[ys.length - 1]?.end ?? -Infinity)
  const keyed = (es: readonly AnyExtent[]) => es.map((e) => ({ start: e.start, end: e.end, key: key(e.value) }))
  return diffRuns(keyed(xs), keyed(ys), lo, hi)
}

const kvmKey = (v: AnyExtent['value']) => `${v.backing === 'gmem' ? 'private' : 'hva'}${String(v.writable)}`
const gunyahKey = (v: AnyExtent['value']) => `${v.share ? 'shared' : 'private'}${String(v.write)}`
const NONE: readonly AnyExtent[] = []

/** `changedSpans(prev, cur, constants)` of changes.ts, without sweeping what the step left alone. */
export function viewChanges(prev: KernelState | null, cur: KernelState): ChangedSpans {
  const files: Record<string, { start: number; end: number }[]> = {}
  const vms: Record<string, { start: number; end: number }[]> = {}
  if (!prev) return { files, vms }
  for (const id of Object.keys(cur.inodes)) {
    const d = changedFileSpans(prev, cur, id)
    if (d.length) files[id] = d
  }
  for (const vm of Object.values(cur.vms)) {
    const d = diffMappings((prev.vms[vm.id]?.stage2 ?? NONE) as readonly AnyExtent[], vm.stage2 as readonly AnyExtent[], kvmKey)
    if (d.length) vms[vm.id] = d
  }
  for (const vm of Object.values(cur.gunyah?.vms ?? {})) {
    const d = diffMappings((prev.gunyah?.vms?.[vm.id]?.mm ?? NONE) as readonly AnyExtent[], vm.mm as readonly AnyExtent[], gunyahKey)
    if (d.length) vms[vm.id] = d
  }
  return { files, vms }
}
