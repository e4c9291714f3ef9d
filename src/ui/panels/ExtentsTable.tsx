import { useMemo } from 'react'
import type { KernelState } from '../../engine'
import { inodeExtent, sameRun, type FolioExtent } from '../../engine/selectors'
import { FOLIO_STATE_OF_CODE, forEachPiece, inodeLayers } from '../../engine/selectors/folioLayers'
import { selectCurrentState, useAppStore, useAppStoreApi } from '../../store'
import { FOLIO_FILL, inodeFileLabels } from '../viz/layout/fileLane'
import { hex } from '../viz/layout/scale'
import { Swatch } from '../viz/Legend'

/** Rows shown per file before the table says how many more there are. */
export const MAX_ROWS_PER_FILE = 200

/** The first pages of the first window; each further window doubles (pieces, not pages, cost). */
const FIRST_WINDOW = 4096

/**
 * The first `max` extents of `folioExtents(state, inodeId, { holes: true })`, and whether there
 * are more, without walking the rest of the file: the layers' pieces are streamed window by
 * window from page 0 (forEachPiece binary-searches each layer to the window) and merged as
 * folioExtents merges them, stopping once a (max + 1)-th extent starts. O(layers · log extents
 * per window + the pieces of the rows shown).
 */
export function leadingExtents(state: KernelState, inodeId: string, max: number): { extents: FolioExtent[]; more: boolean } {
  const inode = state.inodes[inodeId]
  if (!inode) return { extents: [], more: false }
  const hi = inodeExtent(state, inodeId)
  const layers = inodeLayers(state, inodeId)
  const folios = inode.folios
  const gpages = layers.gpages
  const labels = layers.guests.map((g) => g.label)
  const out: FolioExtent[] = []
  let fi = 0
  let gi = 0
  let more = false
  const visit = (p: { start: number; end: number; code: number; host: FolioExtent['host']; guests: number }) => {
    if (more) return
    const guests = p.guests ? labels.filter((_, i) => p.guests & (1 << Math.min(30, i))) : []
    let ext: FolioExtent
    if (!p.code) ext = { start: p.start, end: p.end, state: 'absent', pfn: null, order: null, owner: null, host: 'unmapped', guests }
    else {
      while (fi < folios.length && folios[fi]!.end <= p.start) fi++
      while (gi < gpages.length && gpages[gi]!.end <= p.start) gi++
      const f = folios[fi]!
      const g = gpages[gi] && gpages[gi]!.start <= p.start ? gpages[gi]!.value : null
      ext = {
        start: p.start,
        end: p.end,
        state: FOLIO_STATE_OF_CODE[p.code]!,
        pfn: f.value.pfn + (p.start - f.start),
        order: f.value.order,
        owner: g ? (g.owner === 'host' ? 'host' : (state.gunyah?.vms?.[g.owner]?.label ?? state.vms[g.owner]?.label ?? g.owner)) : null,
        host: p.host,
        guests,
      }
    }
    const last = out[out.length - 1]
    if (last && sameRun(last, ext)) out[out.length - 1] = { ...last, end: ext.end }
    else if (out.length === max) more = true
    else out.push(ext)
  }
  for (let lo = 0, w = FIRST_WINDOW; lo < hi && !more; lo += w, w *= 2) forEachPiece(layers, lo, Math.min(hi, lo + w), visit)
  return { extents: out, more }
}

function hostText(e: FolioExtent): string {
  if (e.state === 'absent') return '—'
  return e.host === 'mapped' ? 'mapped' : e.host === 'no' ? 'no access' : 'not mapped'
}

/** The accessible twin of the file lanes: every folio extent (and hole) of every file, with who may touch it. */
export function ExtentsTable() {
  const store = useAppStoreApi()
  const state = useAppStore(selectCurrentState)
  const files = useMemo(
    () =>
      state
        ? Object.values(state.inodes).map((inode) => ({
            inode,
            name: inodeFileLabels(state, inode.id).join(', ') || inode.id,
            // An evicted inode with no folios left has no pages to list, not one big hole.
            ...(inode.evicted && inode.folios.length === 0 ? { extents: [], more: false } : leadingExtents(state, inode.id, MAX_ROWS_PER_FILE)),
          }))
        : [],
    [state],
  )
  return (
    // contain: content — when the page is laid out again (the zoom label changes on every zoom
    // frame), the table's 200 rows are not repainted with it
    <table className="extents" style={{ contain: 'content' }}>
      <caption>Extents</caption>
      <thead>
        <tr>
          <th scope="col">file</th>
          <th scope="col">start</th>
          <th scope="col">end</th>
          <th scope="col">pages</th>
          <th scope="col">state</th>
          <th scope="col">host</th>
          <th scope="col">guest</th>
          <th scope="col">pfn</th>
        </tr>
      </thead>
      <tbody>
        {files.length === 0 && (
          <tr>
            <td colSpan={8}>No guest memory file.</td>
          </tr>
        )}
        {files.flatMap(({ inode, name, extents, more }) => {
          const rows = extents.map((e) => (
            <tr key={`${inode.id}:${e.start}`} data-state={e.state}>
              <td>{name}</td>
              <td>
                <button type="button" className="link" aria-label={`select ${name} page ${hex(e.start)}`} onClick={() => store.getState().select({ kind: 'folio', inode: inode.id, page: e.start })}>
                  {hex(e.start)}
                </button>
              </td>
              <td>{hex(e.end)}</td>
              <td>{e.end - e.start}</td>
              <td>
                <Swatch kind={FOLIO_FILL[e.state]} /> {e.state}
              </td>
              <td>{hostText(e)}</td>
              <td>{e.guests.join(', ') || '—'}</td>
              <td>{e.pfn === null ? '—' : hex(e.pfn)}</td>
            </tr>
          ))
          if (extents.length === 0) {
            rows.push(
              <tr key={`${inode.id}:empty`}>
                <td>{name}</td>
                <td colSpan={7}>{inode.evicted ? 'evicted: no pages' : 'no pages'}</td>
              </tr>,
            )
          } else if (more) {
            // not counted: that would walk the whole file (the memory view shows it all)
            rows.push(
              <tr key={`${inode.id}:more`}>
                <td>{name}</td>
                <td colSpan={7}>
                  … more extents after page {hex(extents[extents.length - 1]!.end)} (the file holds {inode.folios.length.toLocaleString('en-US')} folio extents)
                </td>
              </tr>,
            )
          }
          return rows
        })}
      </tbody>
    </table>
  )
}
