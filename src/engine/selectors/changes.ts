/** What a step changed: the file pages and gfns whose drawn state differs between two states. */
import type { KernelState } from '../state'
import type { ConstantTable } from '../uapi'
import { folioExtents, inodeExtent } from './folios'
import { addressSpaces } from './spaces'
import { sweep, type Span } from './sweep'

export interface ChangedSpans {
  /** by inode id: file page spans */
  readonly files: Readonly<Record<string, readonly { start: number; end: number }[]>>
  /** by VM id: gfn spans */
  readonly vms: Readonly<Record<string, readonly { start: number; end: number }[]>>
}

function diffLayers<V>(a: readonly Span<V>[], b: readonly Span<V>[], lo: number, hi: number, key: (v: V) => string): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = []
  for (const p of sweep<V>([a, b], lo, hi)) {
    const [x, y] = p.at
    if ((x == null ? '' : key(x)) === (y == null ? '' : key(y))) continue
    const last = out[out.length - 1]
    if (last && last.end === p.start) last.end = p.end
    else out.push({ start: p.start, end: p.end })
  }
  return out
}

export function changedSpans(prev: KernelState | null, cur: KernelState, constants: ConstantTable): ChangedSpans {
  const files: Record<string, { start: number; end: number }[]> = {}
  const vms: Record<string, { start: number; end: number }[]> = {}
  if (!prev) return { files, vms }
  for (const id of Object.keys(cur.inodes)) {
    const hi = Math.max(inodeExtent(cur, id), inodeExtent(prev, id))
    const toSpans = (s: KernelState) =>
      folioExtents(s, id, { end: hi }).map((e) => ({ start: e.start, end: e.end, value: `${e.state}|${e.host}|${e.guests.join()}` }))
    const d = diffLayers(toSpans(prev), toSpans(cur), 0, hi, (v) => v)
    if (d.length) files[id] = d
  }
  const before = new Map(addressSpaces(prev, constants).map((s) => [s.id, s]))
  for (const space of addressSpaces(cur, constants)) {
    const old = before.get(space.id)
    const toSpans = (sp: typeof space | undefined) =>
      (sp?.mappings ?? []).map((m) => ({ start: m.start, end: m.end, value: `${m.kind}${m.writable}` }))
    const all = [...space.mappings, ...(old?.mappings ?? [])]
    if (!all.length) continue
    const lo = Math.min(...all.map((m) => m.start))
    const hi = Math.max(...all.map((m) => m.end))
    const d = diffLayers(toSpans(old), toSpans(space), lo, hi, (v) => v)
    if (d.length) vms[space.id] = d
  }
  return { files, vms }
}
