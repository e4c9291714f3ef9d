/** Lifetime lanes: when each VM, file, inode and memslot exists over a run, and its reference count. */
import type { KernelState } from '../state'

export type LifetimeKind = 'vm' | 'file' | 'inode' | 'memslot'

export interface LifetimeSpan {
  /** first state index (0 = initial) */
  readonly from: number
  /** last state index, inclusive */
  readonly to: number
  /** the reference count in that span, or null where the object has none */
  readonly refs: number | null
  /** the object is gone but still known (released file, evicted inode, destroyed VM, freed slot) */
  readonly dead: boolean
}

export interface LifetimeRow {
  readonly id: string
  readonly kind: LifetimeKind
  readonly label: string
  /** what the count counts */
  readonly refName: string
  readonly spans: readonly LifetimeSpan[]
}

interface Sample {
  readonly kind: LifetimeKind
  readonly label: string
  readonly refName: string
  readonly refs: number | null
  readonly dead: boolean
}

function samples(s: KernelState): Map<string, Sample> {
  const m = new Map<string, Sample>()
  for (const vm of Object.values(s.vms)) {
    m.set(`vm:${vm.id}`, { kind: 'vm', label: vm.label, refName: 'users_count', refs: vm.usersCount, dead: vm.destroyed })
    for (const slot of Object.values(vm.memslots)) {
      m.set(`slot:${slot.uid}`, { kind: 'memslot', label: `${vm.label} slot ${slot.id}`, refName: '', refs: null, dead: false })
    }
    for (const slot of Object.values(vm.freedMemslots)) {
      m.set(`slot:${slot.uid}`, { kind: 'memslot', label: `${vm.label} slot ${slot.id}`, refName: '', refs: null, dead: true })
    }
  }
  for (const vm of Object.values(s.gunyah?.vms ?? {})) {
    m.set(`vm:${vm.id}`, { kind: 'vm', label: vm.label, refName: '', refs: null, dead: vm.destroyed })
  }
  for (const f of Object.values(s.files)) {
    m.set(`file:${f.id}`, { kind: 'file', label: f.label, refName: 'f_count', refs: f.released ? 0 : f.fCount, dead: f.released })
  }
  for (const i of Object.values(s.inodes)) {
    m.set(`inode:${i.id}`, { kind: 'inode', label: i.id, refName: 'gmem files', refs: i.privateList.length, dead: i.evicted })
  }
  return m
}

const ORDER: Readonly<Record<LifetimeKind, number>> = { vm: 0, file: 1, inode: 2, memslot: 3 }

/** One row per object ever seen in `states`, with spans where its count or liveness stays the same. */
export function lifetimes(states: readonly KernelState[]): LifetimeRow[] {
  const rows = new Map<string, { kind: LifetimeKind; label: string; refName: string; spans: { from: number; to: number; refs: number | null; dead: boolean }[]; first: number }>()
  states.forEach((s, i) => {
    for (const [id, smp] of samples(s)) {
      let row = rows.get(id)
      if (!row) {
        row = { kind: smp.kind, label: smp.label, refName: smp.refName, spans: [], first: i }
        rows.set(id, row)
      }
      const last = row.spans[row.spans.length - 1]
      if (last && last.to === i - 1 && last.refs === smp.refs && last.dead === smp.dead) last.to = i
      else row.spans.push({ from: i, to: i, refs: smp.refs, dead: smp.dead })
    }
  })
  return [...rows.entries()]
    .sort(([, a], [, b]) => ORDER[a.kind] - ORDER[b.kind] || a.first - b.first)
    .map(([id, r]) => ({ id, kind: r.kind, label: r.label, refName: r.refName, spans: r.spans }))
}
