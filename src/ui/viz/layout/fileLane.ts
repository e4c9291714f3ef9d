/** The file-offset lane of one guest_memfd inode: folios by state, and the host mmaps of its files. */
import type { KernelState } from '../../../engine'
import type { FolioState } from '../../../engine/selectors'
import { extentsInWindow, inodeLayers, inodeLod, stateRuns } from '../../../engine/selectors/folioLayers'
import { columnRuns, lodColumns, STATE_OF_SEVERITY, type LodSummary } from '../../../engine/selectors/lod'
import type { FillKind } from '../palette'
import { extentRects, MIN_RECT_WIDTH, type Rect } from './rects'
import { METRICS, spanBoxes, type Band, type Lane } from './lanes'
import { hex, hexTicks, pageToHexAddress, visiblePages, zoomedScale, type PageScale } from './scale'

export const FOLIO_FILL: Readonly<Record<FolioState, FillKind>> = {
  absent: 'absent',
  allocated: 'allocated',
  lent: 'lent',
  shared: 'shared',
  'host-mapped': 'host-mapped',
  reclaimed: 'reclaimed',
  poisoned: 'poisoned',
}

/** The names of the files of an inode ("g0"), live ones first. */
export function inodeFileLabels(state: KernelState, inodeId: string): string[] {
  return Object.values(state.files)
    .filter((f) => f.inode === inodeId)
    .sort((a, b) => Number(a.released) - Number(b.released))
    .map((f) => (f.released ? `${f.label} (closed)` : f.label))
}

/**
 * Up to this many layer extents in the visible window, the folio row is drawn extent by extent
 * (exact edges); past it, from the file's level-of-detail summary, one MIN_RECT_WIDTH column at a
 * time (the most severe state of each column's pages). Either way no frame walks the whole file.
 */
export const EXACT_EXTENTS_LIMIT = 2048

/** The folio row from the LOD summary: the most severe state of every MIN_RECT_WIDTH column of [x0, x1]. */
export function lodRects(lod: LodSummary, scale: PageScale, x0: number, x1: number, y: number, h: number): Rect[] {
  const columns = Math.max(1, Math.floor((x1 - x0) / MIN_RECT_WIDTH))
  const p0 = scale.invert(x0)
  const p1 = scale.invert(x0 + columns * MIN_RECT_WIDTH)
  if (!(p1 > p0)) return []
  return columnRuns(lodColumns(lod, p0, p1, columns)).map(([a, b, sev]) => ({
    x: x0 + a * MIN_RECT_WIDTH,
    y,
    w: Math.min(x1, x0 + b * MIN_RECT_WIDTH) - (x0 + a * MIN_RECT_WIDTH),
    h,
    fill: FOLIO_FILL[STATE_OF_SEVERITY[sev]!],
  }))
}

export interface FileLaneInput {
  readonly state: KernelState
  readonly id: string
  readonly domain: readonly [number, number]
  readonly y: number
  readonly width: number
  readonly zoom: { k: number; x: number }
  readonly changed: readonly { start: number; end: number }[]
}

export function layoutFileLane({ state, id, domain, y, width, zoom, changed }: FileLaneInput): Lane {
  const { gutter, right, header, folioRow, row, rowGap, axis } = METRICS
  const inode = state.inodes[id]
  const x0 = gutter
  const x1 = Math.max(gutter + 1, width - right)
  const scale = zoomedScale(domain, x0, x1, zoom)
  const [v0, v1] = visiblePages(scale, x0, x1, domain)
  const folioY = y + header
  const mmapY = folioY + folioRow + rowGap
  const axisY = mmapY + row + rowGap
  const clip: [number, number] = [x0, x1]
  let folioRects: Rect[] = []
  if (inode) {
    const layers = inodeLayers(state, id)
    folioRects =
      extentsInWindow(layers, v0, v1) <= EXACT_EXTENTS_LIMIT
        ? extentRects(
            stateRuns(layers, v0, v1).map((e) => ({ start: e.start, end: e.end, fill: FOLIO_FILL[e.state] })),
            scale,
            folioY,
            folioRow,
            clip,
          )
        : lodRects(inodeLod(state, id, layers), scale, x0, x1, folioY, folioRow)
  }
  const vmas = Object.values(state.vmas).filter((v) => state.files[v.file]?.inode === id)
  const bands: Band[] = vmas.flatMap((v) => {
    const a = Math.max(x0, scale(v.pgoff))
    const b = Math.min(x1, scale(v.pgoff + v.pages))
    if (b < x0 || a > x1) return []
    return [{ id: v.id, x: a, y: mmapY, w: Math.max(1, b - a), h: row, label: `mmap ${v.label}`, title: `mmap ${v.label}: pages ${hex(v.pgoff)}–${hex(v.pgoff + v.pages)} at ${hex(v.start)}` }]
  })
  const ticks = hexTicks([v0, v1], Math.max(2, Math.floor((x1 - x0) / 110))).map((t) => ({ x: scale(t), label: pageToHexAddress(t), title: `page ${hex(t)}` }))
  const names = inode ? inodeFileLabels(state, id) : []
  return {
    kind: 'file',
    id,
    title: `${names.join(', ') || id} · file offsets (${inode ? inode.sizePages : 0} pages)`,
    status: !inode ? 'not created yet' : inode.evicted ? 'evicted' : '',
    y,
    height: axisY + axis - y,
    domain,
    x0,
    x1,
    rows: [
      { label: 'folios', y: folioY, h: folioRow },
      { label: 'host mmap', y: mmapY, h: row },
    ],
    ticks,
    axisY,
    rects: [...folioRects, ...extentRects(vmas.map((v) => ({ start: v.pgoff, end: v.pgoff + v.pages, fill: 'vma' as const })), scale, mmapY, row, clip)],
    bands,
    scale,
    changed: spanBoxes(changed, scale, x0, x1, folioY, folioRow),
    breaks: [],
  }
}
