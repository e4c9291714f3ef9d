import { useAppStore, useAppStoreApi } from '../store'
import { handleKey } from './keys'

/** Zoom buttons for the memory view (the same actions as W, S, F and 0). */
export function ViewControls() {
  const store = useAppStoreApi()
  const zoom = useAppStore((s) => s.zoom)
  const hasSelection = useAppStore((s) => s.selection !== null)
  return (
    <div className="view-controls" role="group" aria-label="Zoom">
      <button type="button" aria-keyshortcuts="W" onClick={() => handleKey(store, 'w')}>
        Zoom in
      </button>
      <button type="button" aria-keyshortcuts="S" disabled={zoom.k <= 1} onClick={() => handleKey(store, 's')}>
        Zoom out
      </button>
      <button type="button" aria-keyshortcuts="0" disabled={zoom.k === 1 && zoom.x === 0} onClick={() => handleKey(store, '0')}>
        Fit to view
      </button>
      <button type="button" aria-keyshortcuts="F" disabled={!hasSelection} onClick={() => handleKey(store, 'f')}>
        Zoom to selection
      </button>
      <span className="zoom-level">{zoom.k.toFixed(zoom.k < 10 ? 1 : 0)}×</span>
      <span className="hint">Drag to pan, Ctrl/Shift+wheel to zoom.</span>
    </div>
  )
}
