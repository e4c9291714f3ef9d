import { useMemo } from 'react'
import { selectCurrentState, useAppStore } from '../../store'
import { folioStateExtents } from '../viz/layout/folioStates'
import { inodeFileLabels } from '../viz/layout/fileLane'
import { hex } from '../viz/layout/scale'
import { Swatch } from '../viz/Legend'
import { FOLIO_FILL } from '../viz/layout/fileLane'

/** Rows shown per file before the table says how many more there are. */
export const MAX_ROWS_PER_FILE = 200

/** The accessible twin of the file lanes: every folio extent (and hole) of every file. */
export function ExtentsTable() {
  const state = useAppStore(selectCurrentState)
  const files = useMemo(
    () =>
      state
        ? Object.values(state.inodes).map((inode) => ({
            inode,
            name: inodeFileLabels(state, inode.id).join(', ') || inode.id,
            // An evicted inode with no folios left has no pages to list, not one big hole.
            extents: inode.evicted && inode.folios.length === 0 ? [] : folioStateExtents(state, inode.id, { holes: true }),
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
          <th scope="col">pfn</th>
        </tr>
      </thead>
      <tbody>
        {files.length === 0 && (
          <tr>
            <td colSpan={6}>No guest_memfd file.</td>
          </tr>
        )}
        {files.flatMap(({ inode, name, extents }) => {
          const rows = extents.slice(0, MAX_ROWS_PER_FILE).map((e) => (
            <tr key={`${inode.id}:${e.start}`} data-state={e.state}>
              <td>{name}</td>
              <td>{hex(e.start)}</td>
              <td>{hex(e.end)}</td>
              <td>{e.end - e.start}</td>
              <td>
                <Swatch kind={FOLIO_FILL[e.state]} /> {e.state}
              </td>
              <td>{e.pfn === null ? '—' : hex(e.pfn)}</td>
            </tr>
          ))
          if (extents.length === 0) {
            rows.push(
              <tr key={`${inode.id}:empty`}>
                <td>{name}</td>
                <td colSpan={5}>{inode.evicted ? 'evicted: no pages' : 'no pages'}</td>
              </tr>,
            )
          } else if (extents.length > MAX_ROWS_PER_FILE) {
            rows.push(
              <tr key={`${inode.id}:more`}>
                <td>{name}</td>
                <td colSpan={5}>… {extents.length - MAX_ROWS_PER_FILE} more extents</td>
              </tr>,
            )
          }
          return rows
        })}
      </tbody>
    </table>
  )
}
