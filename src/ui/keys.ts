/** The keyboard map (ux.md §6) and its handler. Keys are ignored while a form control has focus. */
import { bindingViews } from '../engine/selectors'
import { selectConstants, selectCurrentState, selectFrame, selectRecords, SPEEDS, type AppStore } from '../store'
import { METRICS } from './viz/layout/lanes'
import { pageScale, segmentScale } from './viz/layout/scale'
import { FIT, panBy, zoomAround, zoomToSpan } from './viz/zoomMath'

export const KEYMAP: readonly { keys: string; what: string }[] = [
  { keys: '→ j .', what: 'step forward' },
  { keys: '← k ,', what: 'step back' },
  { keys: 'Shift+→ / Shift+←', what: 'next / previous interesting step (error, signal, kernel log)' },
  { keys: 'Home / End', what: 'first / last step' },
  { keys: 'Space', what: 'play / pause' },
  { keys: '- / =', what: 'slower / faster' },
  { keys: 'W / S', what: 'zoom in / out' },
  { keys: 'A / D', what: 'pan left / right' },
  { keys: 'F', what: 'zoom to the selection (again: fit)' },
  { keys: '0', what: 'fit to view' },
  { keys: 'V', what: 'as written ↔ fixed' },
  { keys: 'L', what: 'lock panel' },
  { keys: 'T', what: 'light / dark theme' },
  { keys: '?', what: 'this sheet' },
  { keys: 'Esc', what: 'clear the selection, close this sheet' },
]

function isEditable(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false
  const tag = target.tagName
  return tag === 'INPUT' || tag === 'SELECT' || tag === 'TEXTAREA' || target.isContentEditable
}

function viewSpan(): [number, number] {
  const w = Number(document.querySelector('svg.memory-overlay')?.getAttribute('width') ?? 720)
  return [METRICS.gutter, Math.max(METRICS.gutter + 1, w - METRICS.right)]
}

/** The unzoomed pixel span of the selection, for "zoom to selection". */
function selectionSpan(store: AppStore, x0: number, x1: number): [number, number] | null {
  const s = store.getState()
  const sel = s.selection
  const frame = selectFrame(s)
  const state = selectCurrentState(s)
  if (!sel || !frame || !state) return null
  const span = (domain: readonly [number, number], a: number, b: number): [number, number] => {
    const sc = pageScale(domain, [x0, x1])
    return [sc(a), sc(b)]
  }
  if (sel.kind === 'folio') {
    const f = frame.inodes.find((x) => x.id === sel.inode)
    return f ? span(f.domain, sel.page, sel.page + 1) : null
  }
  if (sel.kind === 'gfn') {
    const f = frame.vms.find((x) => x.id === sel.vm)
    if (!f) return null
    const sc = segmentScale(f.segments, x0, x1)
    return [sc(sel.gfn), sc(sel.gfn + 1)]
  }
  if (sel.kind === 'binding') {
    const b = bindingViews(state, selectConstants(s)).find((x) => x.id === sel.id)
    const f = b && frame.inodes.find((x) => x.id === b.inode)
    return b && f ? span(f.domain, b.pages[0], b.pages[1]) : null
  }
  return null
}

function interesting(store: AppStore, dir: 1 | -1): number | null {
  const s = store.getState()
  const recs = selectRecords(s)
  const hit = (i: number) => {
    const r = recs[i - 1]
    return r && (r.result.errno || r.result.signal || r.result.log.length || i === s.divergence)
  }
  for (let i = s.cursor + dir; i >= 0 && i <= recs.length; i += dir) if (hit(i)) return i
  return null
}

/** Runs the action of `key`; returns whether it was handled. */
export function handleKey(store: AppStore, key: string, shift = false): boolean {
  const s = store.getState()
  const [x0, x1] = viewSpan()
  const cx = (x0 + x1) / 2
  switch (key) {
    case 'ArrowRight':
    case 'ArrowLeft': {
      const dir = key === 'ArrowRight' ? 1 : -1
      if (shift) {
        const n = interesting(store, dir)
        if (n !== null) s.jumpTo(n)
      } else s.jumpTo(s.cursor + dir)
      return true
    }
    case 'j':
    case '.':
      s.stepForward()
      return true
    case 'k':
    case ',':
      s.stepBack()
      return true
    case 'Home':
      s.first()
      return true
    case 'End':
      s.last()
      return true
    case ' ':
      s.setView({ playing: !s.playing })
      return true
    case '-':
    case '=':
    case '+': {
      const i = SPEEDS.indexOf(s.speed as (typeof SPEEDS)[number])
      const j = Math.min(SPEEDS.length - 1, Math.max(0, (i < 0 ? 1 : i) + (key === '-' ? -1 : 1)))
      s.setView({ speed: SPEEDS[j] })
      return true
    }
    case 'w':
    case 'W':
      s.setView({ zoom: zoomAround(s.zoom, 1.6, cx, x0, x1) })
      return true
    case 's':
    case 'S':
      s.setView({ zoom: zoomAround(s.zoom, 1 / 1.6, cx, x0, x1) })
      return true
    case 'a':
    case 'A':
      s.setView({ zoom: panBy(s.zoom, (x1 - x0) * 0.2, x0, x1) })
      return true
    case 'd':
    case 'D':
      s.setView({ zoom: panBy(s.zoom, -(x1 - x0) * 0.2, x0, x1) })
      return true
    case 'f':
    case 'F': {
      const span = selectionSpan(store, x0, x1)
      const target = span ? zoomToSpan(span[0], span[1], x0, x1) : FIT
      const same = Math.abs(target.k - s.zoom.k) < 1e-6 && Math.abs(target.x - s.zoom.x) < 1e-3
      s.setView({ zoom: same ? FIT : target })
      return true
    }
    case '0':
      s.setView({ zoom: FIT })
      return true
    case 'v':
    case 'V':
      s.setFixes(!s.fixes)
      return true
    case 'l':
    case 'L':
      s.setView({ tab: s.tab === 'locks' ? 'step' : 'locks' })
      return true
    case 't':
    case 'T':
      s.setView({ theme: s.theme === 'dark' ? 'light' : 'dark' })
      return true
    case '?':
      s.setView({ help: !s.help })
      return true
    case 'Escape':
      if (s.help) s.setView({ help: false })
      else s.select(null)
      return true
    default:
      return false
  }
}

/** Kept for the timeline tests: the step keys only. */
export function handleTimelineKey(store: AppStore, key: string): boolean {
  return handleKey(store, key)
}

export function attachKeys(store: AppStore): () => void {
  const onKey = (e: KeyboardEvent) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || isEditable(e.target)) return
    if (e.key === ' ' && e.target instanceof HTMLButtonElement) return
    if (handleKey(store, e.key, e.shiftKey)) e.preventDefault()
  }
  window.addEventListener('keydown', onKey)
  return () => window.removeEventListener('keydown', onKey)
}
