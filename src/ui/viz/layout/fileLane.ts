/** The file-offset lane of one guest_memfd inode: its folios coloured by state. */
import type { Inode, KernelState } from '../../../engine'
import type { FillKind } from '../palette'
import { folioStateExtents, type FolioState } from './folioStates'
import { extentRects } from './rects'
import { METRICS, type Lane } from './lanes'
import { hex, hexTicks, pageScale, pageToHexAddress } from './scale'

export const FOLIO_FILL: Readonly<Record<FolioState, FillKind>> = {
  absent: 'absent',
  allocated: 'allocated',
  mapped: 'mapped',
  poisoned: 'poisoned',
}

/** The names of the files of an inode ("g0"), live ones first. */
export function inodeFileLabels(state: KernelState, inodeId: string): string[] {
  return Object.values(state.files)
    .filter((f) => f.inode === inodeId)
    .sort((a, b) => Number(a.released) - Number(b.released))
    .map((f) => (f.released ? `${f.label} (closed)` : f.label))
}

export function layoutFileLane(state: KernelState, inode: Inode, y: number, width: number): Lane {
  const { gutter, right, header, folioRow, axis } = METRICS
  const domain: [number, number] = [0, Math.max(1, inode.sizePages)]
  const x0 = gutter
  const x1 = Math.max(gutter + 1, width - right)
  const scale = pageScale(domain, [x0, x1])
  const rowY = y + header
  const extents = folioStateExtents(state, inode.id).map((e) => ({ start: e.start, end: e.end, fill: FOLIO_FILL[e.state] }))
  const axisY = rowY + folioRow
  const ticks = hexTicks(domain, Math.max(2, Math.floor((x1 - x0) / 110))).map((t) => ({
    x: scale(t),
    label: pageToHexAddress(t),
    title: `page ${hex(t)}`,
  }))
  const names = inodeFileLabels(state, inode.id)
  return {
    kind: 'file',
    id: inode.id,
    title: `${names.join(', ') || inode.id} · guest_memfd file offsets (${inode.sizePages} pages)`,
    status: inode.evicted ? 'evicted' : '',
    y,
    height: header + folioRow + axis,
    domain,
    x0,
    x1,
    rows: [{ label: 'folios', y: rowY, h: folioRow }],
    ticks,
    axisY,
    rects: extentRects(extents, scale, rowY, folioRow),
    bands: [],
  }
}
