/** Binding ribbons: each binding joins a VM's gfn range to its file range. */
import type { BindingView } from '../../../engine/selectors'
import type { Lane } from './lanes'

export interface Ribbon {
  readonly id: string
  /** closed SVG path */
  readonly path: string
  readonly label: string
  /** the memslot was freed (or the binding orphaned) while the file still points at it */
  readonly stale: boolean
  readonly access: BindingView['access']
  /** short text drawn on the ribbon: "lend RW-" */
  readonly tag: string
  readonly tagX: number
  readonly tagY: number
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

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, n))
}

/** Ribbons from each VM lane's bottom to the file lanes' folio row. */
export function layoutRibbons(bindings: readonly BindingView[], gpaLanes: readonly Lane[], fileLanes: readonly Lane[]): Ribbon[] {
  const out: Ribbon[] = []
  for (const b of bindings) {
    const gpa = gpaLanes.find((l) => l.id === b.vm)
    const fl = fileLanes.find((l) => l.id === b.inode)
    if (!gpa || !fl) continue
    const y0 = gpa.y + gpa.height
    const y1 = fl.rows[0]?.y ?? fl.y
    const a0 = clamp(gpa.scale(b.gfn[0]), gpa.x0, gpa.x1)
    const a1 = Math.max(a0 + 1, clamp(gpa.scale(b.gfn[1]), gpa.x0, gpa.x1))
    const b0 = clamp(fl.scale(b.pages[0]), fl.x0, fl.x1)
    const b1 = Math.max(b0 + 1, clamp(fl.scale(b.pages[1]), fl.x0, fl.x1))
    const tag = `${b.access} ${b.rwx}`
    out.push({ id: b.id, path: ribbonPath(a0, a1, y0, b0, b1, y1), label: b.label, stale: b.stale, access: b.access, tag, tagX: (a0 + a1 + b0 + b1) / 4, tagY: (y0 + y1) / 2 })
  }
  return out
}
