/** The GPA lane of one VM: memslot bands, memory attributes and stage-2 mappings, by gfn. */
import { rangeQuery, type KvmVm } from '../../../engine'
import { flagNames, type ConstantTable } from '../../../engine/uapi'
import type { FillExtent } from './rects'
import { extentRects, withHoles } from './rects'
import { METRICS, type Band, type Lane, type LaneRow } from './lanes'
import { hex, hexTicks, pageScale, pageToHexAddress } from './scale'

/** The gfn span worth drawing: the memslots, else whatever has attributes or mappings. */
export function gpaDomain(vm: KvmVm): [number, number] {
  const slots = Object.values(vm.memslots)
  if (slots.length) {
    return [Math.min(...slots.map((s) => s.baseGfn)), Math.max(...slots.map((s) => s.baseGfn + s.npages))]
  }
  const spans = [...vm.attributes, ...vm.stage2]
  if (spans.length) return [Math.min(...spans.map((e) => e.start)), Math.max(...spans.map((e) => e.end))]
  return [0, 512]
}

export function layoutGpaLane(vm: KvmVm, constants: ConstantTable, y: number, width: number): Lane {
  const { gutter, right, header, axis, row, rowGap } = METRICS
  const domain = gpaDomain(vm)
  const x0 = gutter
  const x1 = Math.max(gutter + 1, width - right)
  const scale = pageScale(domain, [x0, x1])
  const axisY = y + header + axis
  const rowY = (i: number) => axisY + rowGap + i * (row + rowGap)
  const rows: LaneRow[] = [
    { label: 'memslots', y: rowY(0), h: row },
    { label: 'attributes', y: rowY(1), h: row },
    { label: 'stage-2', y: rowY(2), h: row },
  ]
  const [d0, d1] = domain
  const privateFlag = constants.memslotFlags?.KVM_MEM_PRIVATE ?? 0
  const slots = Object.values(vm.memslots).sort((a, b) => a.baseGfn - b.baseGfn)
  const slotExtents: FillExtent[] = slots.map((s) => ({
    start: s.baseGfn,
    end: s.baseGfn + s.npages,
    fill: privateFlag && s.flags & privateFlag ? 'slot-private' : 'slot',
  }))
  const attrExtents = withHoles(
    rangeQuery(vm.attributes, d0, d1).map((e) => ({
      start: e.start,
      end: e.end,
      fill: e.value.private ? 'attr-private' : 'attr-shared',
    })),
    d0,
    d1,
    'attr-shared',
  )
  const s2Extents: FillExtent[] = rangeQuery(vm.stage2, d0, d1).map((e) => ({
    start: e.start,
    end: e.end,
    fill: e.value.backing === 'gmem' ? 's2-gmem' : 's2-hva',
  }))
  const rects = [
    ...extentRects(slotExtents, scale, rows[0]!.y, row),
    ...extentRects(attrExtents, scale, rows[1]!.y, row),
    ...extentRects(s2Extents, scale, rows[2]!.y, row),
  ]
  const bands: Band[] = slots.map((s) => {
    const bx = Math.max(x0, scale(s.baseGfn))
    const flags = flagNames(s.flags, constants.memslotFlags ?? {})
    const file = s.gmem.file === null && privateFlag && s.flags & privateFlag ? ' · no file' : ''
    return {
      id: s.uid,
      x: bx,
      y: rows[0]!.y,
      w: Math.max(1, Math.min(x1, scale(s.baseGfn + s.npages)) - bx),
      h: row,
      label: `slot ${s.asId ? `${s.asId}:` : ''}${s.id}${file}`,
      title: `slot ${s.asId}:${s.id} (${s.uid}) gfn ${hex(s.baseGfn)}–${hex(s.baseGfn + s.npages)} flags ${flags}`,
    }
  })
  const ticks = hexTicks(domain, Math.max(2, Math.floor((x1 - x0) / 110))).map((t) => ({
    x: scale(t),
    label: pageToHexAddress(t),
    title: `gfn ${hex(t)}`,
  }))
  const bottom = rowY(3)
  return {
    kind: 'gpa',
    id: vm.id,
    title: `${vm.label} · guest physical addresses (gfn ${hex(d0)}–${hex(d1)})`,
    status: vm.destroyed ? 'destroyed' : '',
    y,
    height: bottom - y,
    domain,
    x0,
    x1,
    rows,
    ticks,
    axisY,
    rects,
    bands,
  }
}
