import { useEffect, useRef } from 'react'
import { useAppStore, useAppStoreApi } from '../../store'
import { KEYMAP } from '../keys'

/** The `?` cheat sheet of every key. */
export function HelpDialog() {
  const open = useAppStore((s) => s.help)
  const store = useAppStoreApi()
  const ref = useRef<HTMLDialogElement>(null)
  useEffect(() => {
    const d = ref.current
    if (!d) return
    if (open && !d.open) {
      if (typeof d.showModal === 'function') d.showModal()
      else d.setAttribute('open', '')
    } else if (!open && d.open) {
      if (typeof d.close === 'function') d.close()
      else d.removeAttribute('open')
    }
  }, [open])
  return (
    <dialog ref={ref} className="help" aria-label="Keyboard shortcuts" onClose={() => store.getState().setView({ help: false })}>
      <h2>Keyboard shortcuts</h2>
      <table>
        <tbody>
          {KEYMAP.map((k) => (
            <tr key={k.keys}>
              <th scope="row">
                <kbd>{k.keys}</kbd>
              </th>
              <td>{k.what}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <button type="button" onClick={() => store.getState().setView({ help: false })}>
        Close
      </button>
    </dialog>
  )
}
