/**
 * The frame of a run: every VM and file lane that ever exists in it, each with one page domain
 * for the whole run, so that nothing moves or rescales between steps (ux.md §4.4).
 */
import type { KernelState } from '../state'
import type { ConstantTable } from '../uapi'
import { addressSpaces, spaceDomain } from './spaces'
import { inodeExtent } from './folios'

export interface LaneFrame {
  readonly id: string
  readonly domain: readonly [number, number]
  /** the parts of the domain worth drawing (GPA lanes: regions and mappings; big holes between them are left out) */
  readonly segments: readonly (readonly [number, number])[]
}

/** Merges spans, keeping a hole only where it is much larger than what is around it. */
export function compactSegments(spans: readonly (readonly [number, number])[]): [number, number][] {
  const sorted = [...spans].filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0])
  const merged: [number, number][] = []
  for (const [a, b] of sorted) {
    const last = merged[merged.length - 1]
    if (last && a <= last[1]) last[1] = Math.max(last[1], b)
    else merged.push([a, b])
  }
  const covered = merged.reduce((n, [a, b]) => n + (b - a), 0)
  const out: [number, number][] = []
  for (const seg of merged) {
    const last = out[out.length - 1]
    if (last && seg[0] - last[1] <= Math.max(16, covered)) last[1] = seg[1]
    else out.push([seg[0], seg[1]])
  }
  return out
}

export interface RunFrame {
  readonly vms: readonly LaneFrame[]
  readonly inodes: readonly LaneFrame[]
}

function widen(m: Map<string, [number, number]>, id: string, d: readonly [number, number]): void {
  const cur = m.get(id)
  m.set(id, cur ? [Math.min(cur[0], d[0]), Math.max(cur[1], d[1])] : [d[0], d[1]])
}

export function runFrame(states: readonly KernelState[], constants: ConstantTable): RunFrame {
  const vms = new Map<string, [number, number]>()
  const spans = new Map<string, [number, number][]>()
  const inodes = new Map<string, [number, number]>()
  const placeholder = new Map<string, [number, number]>()
  for (const s of states) {
    for (const sp of addressSpaces(s, constants)) {
      if (sp.regions.length || sp.mappings.length || sp.privateAttr.length) {
        widen(vms, sp.id, spaceDomain(sp))
        const list = spans.get(sp.id) ?? []
        for (const r of [...sp.regions, ...sp.mappings]) list.push([r.start, r.end])
        spans.set(sp.id, compactSegments(list))
      }
      else if (!placeholder.has(sp.id)) placeholder.set(sp.id, spaceDomain(sp))
    }
    for (const id of Object.keys(s.inodes)) widen(inodes, id, [0, Math.max(1, inodeExtent(s, id))])
  }
  // a VM that never had a region or mapping keeps the placeholder domain
  for (const [id, d] of placeholder) if (!vms.has(id)) vms.set(id, d)
  return {
    vms: [...vms.entries()].map(([id, domain]) => {
      const segs = spans.get(id) ?? []
      return { id, domain, segments: segs.length ? segs : [domain] }
    }),
    inodes: [...inodes.entries()].map(([id, domain]) => ({ id, domain, segments: [domain] })),
  }
}
