/** Binding ribbons: each guest_memfd binding joins a memslot's gfn range to its file range. */
import type { KernelState, Memslot } from '../../../engine'
import type { Lane } from './lanes'
import { hex, pageScale } from './scale'

export interface Ribbon {
  /** file id and first bound page */
  readonly id: string
  /** closed SVG path */
  readonly path: string
  readonly label: string
  /** the memslot was freed while the binding still points at it */
  readonly stale: boolean
  /** gfn and file page ranges joined */
  readonly gfn: readonly [number, number]
  readonly pages: readonly [number, number]
}

/** A closed band from [a0, a1] at y0 down to [b0, b1] at y1, with curved sides. */
export function ribbonPath(a0: number, a1: number, y0: number, b0: number, b1: number, y1: number): string {
  const ym = (y0 + y1) / 2
  const f = (n: number) => Math.round(n * 10) / 10
  return (
    `M${f(a0)},${f(y0)} C${f(a0)},${f(ym)} ${f(b0)},${f(ym)} ${f(b0)},${f(y1)} ` +
    `L${f(b1)},${f(y1)} C${f(b1)},${f(ym)} ${f(a1)},${f(ym)} ${f(a1)},${f(y0)} Z`
  )
}

function findSlot(state: KernelState, vmId: string, uid: string): { slot: Memslot; stale: boolean } | null {
  const vm = state.vms[vmId]
  if (!vm) return null
  const live = Object.values(vm.memslots).find((s) => s.uid === uid)
  if (live) return { slot: live, stale: false }
  const freed = vm.freedMemslots[uid]
  return freed ? { slot: freed, stale: true } : null
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, n))
}

/** Ribbons from each VM lane's bottom to the file lanes' folio row. */
export function layoutRibbons(state: KernelState, gpaLanes: readonly Lane[], fileLanes: readonly Lane[]): Ribbon[] {
  const out: Ribbon[] = []
  for (const file of Object.values(state.files)) {
    if (file.kind !== 'kvm-gmem' || file.released || !file.inode) continue
    const gpa = gpaLanes.find((l) => l.id === file.vm)
    const fl = fileLanes.find((l) => l.id === file.inode)
    if (!gpa || !fl) continue
    const gs = pageScale(gpa.domain, [gpa.x0, gpa.x1])
    const fs = pageScale(fl.domain, [fl.x0, fl.x1])
    const y0 = gpa.y + gpa.height
    const y1 = fl.rows[0]?.y ?? fl.y
    for (const b of file.bindings) {
      const found = findSlot(state, file.vm, b.value.slot)
      if (!found) continue
      const { slot, stale } = found
      const g0 = slot.baseGfn + (b.start - slot.gmem.pgoff)
      const g1 = g0 + (b.end - b.start)
      const a0 = clamp(gs(g0), gpa.x0, gpa.x1)
      const a1 = Math.max(a0 + 1, clamp(gs(g1), gpa.x0, gpa.x1))
      const b0 = clamp(fs(b.start), fl.x0, fl.x1)
      const b1 = Math.max(b0 + 1, clamp(fs(b.end), fl.x0, fl.x1))
      out.push({
        id: `${file.id}:${b.start}`,
        path: ribbonPath(a0, a1, y0, b0, b1, y1),
        label: `slot ${slot.id}: gfn ${hex(g0)}–${hex(g1)} ↔ ${file.label} pages ${hex(b.start)}–${hex(b.end)}${stale ? ' (freed slot)' : ''}`,
        stale,
        gfn: [g0, g1],
        pages: [b.start, b.end],
      })
    }
  }
  return out
}
