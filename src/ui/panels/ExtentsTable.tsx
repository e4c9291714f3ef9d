import { useMemo } from 'react'
import { folioExtents, type FolioExtent } from '../../engine/selectors'
import { selectCurrentState, useAppStore, useAppStoreApi } from '../../store'
import { FOLIO_FILL, inodeFileLabels } from '../viz/layout/fileLane'
import { hex } from '../viz/layout/scale'
import { Swatch } from '../viz/Legend'

/** Rows shown per file before the table says how many more there are. */
export const MAX_ROWS_PER_FILE = 200

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
            extents: inode.evicted && inode.folios.length === 0 ? [] : folioExtents(state, inode.id, { holes: true }),
          }))
        : [],
    [state],
  )
  return (
    <table className="extents">
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
        {files.flatMap(({ inode, name, extents }) => {
          const rows = extents.slice(0, MAX_ROWS_PER_FILE).map((e) => (
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
          } else if (extents.length > MAX_ROWS_PER_FILE) {
            rows.push(
              <tr key={`${inode.id}:more`}>
                <td>{name}</td>
                <td colSpan={7}>… {extents.length - MAX_ROWS_PER_FILE} more extents</td>
              </tr>,
            )
          }
          return rows
        })}
      </tbody>
    </table>
  )
}
