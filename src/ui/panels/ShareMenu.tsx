import { useId, useRef } from 'react'
import { MAX_SCENARIO_TEXT, parseScenario } from '../../engine/scenario'
import { changedSpans } from '../../engine/selectors'
import { selectConstants, selectCurrentState, selectFrame, selectPreviousState, useAppStoreApi } from '../../store'
import { encodeShareUrl } from '../../store/share'
import { download, downloadText } from '../export/download'
import { memoryViewSvg, svgToPng } from '../export/viewExport'
import { vitestFileName, vitestSpec } from '../export/vitestExport'
import { layoutMemory } from '../viz/layout/memory'
import { exportBaseName, exportScenarioJson } from './exportScenario'

/** Link, import and export: scenario JSON, the views as SVG/PNG, the scenario as a vitest spec. */
export function ShareMenu() {
  const id = useId()
  const store = useAppStoreApi()
  const file = useRef<HTMLInputElement>(null)
  const info = (title: string, lines: string[] = []) => store.getState().showMessage({ kind: 'info', title, lines })
  const fail = (title: string, lines: string[] = []) => store.getState().showMessage({ kind: 'error', title, lines })
  const svgText = (): { text: string; w: number; h: number } | null => {
    const s = store.getState()
    const state = selectCurrentState(s)
    const frame = selectFrame(s)
    const overlay = document.querySelector('svg.memory-overlay')
    if (!state || !frame || !overlay) return null
    const width = Number(overlay.getAttribute('width'))
    const layout = layoutMemory(state, selectConstants(s), width, frame, s.zoom, changedSpans(selectPreviousState(s), state, selectConstants(s)))
    const text = memoryViewSvg(document, [...layout.gpaLanes, ...layout.fileLanes].flatMap((l) => l.rects))
    return text ? { text, w: layout.width, h: layout.height } : null
  }
  const base = () => exportBaseName(store.getState())
  return (
    <details className="share-menu">
      <summary>Share / export</summary>
      <div className="menu" role="group" aria-label="Share and export">
      <button
        type="button"
        onClick={() => {
          const s = store.getState()
          const url = `${location.origin}${location.pathname}${encodeShareUrl(s)}`
          void navigator.clipboard?.writeText(url).catch(() => undefined)
          info('Link to this step (copied to the clipboard when allowed):', [url])
        }}
      >
        Copy link
      </button>
      <label htmlFor={id} className="button-like">
        Import JSON
      </label>
      <input
        id={id}
        ref={file}
        type="file"
        accept="application/json,.json"
        className="sr-only"
        onChange={async (e) => {
          const f = e.target.files?.[0]
          e.target.value = ''
          if (!f) return
          const name = f.name.slice(0, 120)
          // a UTF-8 file of N bytes is at most N characters: the size bounds the text before it is read
          if (f.size > MAX_SCENARIO_TEXT) {
            fail(`${name} is too large; the current session is unchanged`, [`(file): ${f.size} bytes is more than the limit of ${MAX_SCENARIO_TEXT}`])
            return
          }
          let text: string
          try {
            text = await f.text()
          } catch (err) {
            fail(`${name} could not be read; the current session is unchanged`, [String((err as Error)?.message ?? err)])
            return
          }
          const parsed = parseScenario(text)
          if (!parsed.ok) {
            fail(`${name} is not a valid scenario; the current session is unchanged`, parsed.errors)
            return
          }
          const json: unknown = parsed.scenario
          store.getState().importScenario(json, name)
        }}
      />
      <button
        type="button"
        onClick={() => {
          exportScenarioJson(store.getState())
        }}
      >
        Export JSON
      </button>
      <button
        type="button"
        onClick={() => {
          const svg = svgText()
          if (!svg) return fail('Nothing to export: the memory view is empty')
          downloadText(`${base()}-step${store.getState().cursor}.svg`, svg.text, 'image/svg+xml')
        }}
      >
        Export SVG
      </button>
      <button
        type="button"
        onClick={() => {
          const svg = svgText()
          if (!svg) return fail('Nothing to export: the memory view is empty')
          svgToPng(svg.text, svg.w, svg.h)
            .then((png) => download(`${base()}-step${store.getState().cursor}.png`, png))
            .catch((err: Error) => fail('PNG export failed', [err.message]))
        }}
      >
        Export PNG
      </button>
      <button
        type="button"
        onClick={() => {
          const { scenario, run } = store.getState()
          if (scenario && run) downloadText(vitestFileName(scenario), vitestSpec(scenario, run), 'text/typescript')
        }}
      >
        Export test
      </button>
      </div>
    </details>
  )
}
