/**
 * The app benchmark page (npm run bench drives it in headless Chromium): the REAL app (<App>,
 * every panel, the memory view with its own layout and canvas) on the render bench's file of
 * 1 Mi folios in mixed states (bench/fixture.ts).
 *
 * A million distinct folios is not something a short scenario makes, so this test-only entry
 * (not shipped: index.html does not load it) runs a one-step gunyah-v17 scenario and puts the
 * fixture state after its step, then opens the app on step 1. It measures the time to first
 * render (navigation start → the memory view's canvas drawn), then zooms with the app's own
 * "Zoom in" / "Zoom out" buttons (and the D key to pan) for a few seconds, one action per
 * animation frame, timing each frame's whole main-thread task: the canvas draw of the last
 * action (and a forced raster), the next action (React's update of every subscriber, the memory
 * view's layout) and the browser's style, layout and paint of the page. Results land in
 * `window.__appBenchResult`.
 *
 * Query: ?pages=1048576&poisoned=64&seconds=5
 */
import { flushSync } from 'react-dom'
import { createRoot } from 'react-dom/client'
import '../src/styles/app.css'
import { runScenario, validateScenario } from '../src/engine/scenario'
import { variantDef } from '../src/engine'
import { folioExtents, lifetimes, runFrame } from '../src/engine/selectors'
import { buildInodeLod, inodeLayers } from '../src/engine/selectors/folioLayers'
import { viewChanges } from '../src/engine/selectors/viewChanges'
import { createAppStore } from '../src/store'
import { App } from '../src/ui/App'
import { INODE, mixedFolioState } from './fixture'
import type { FrameStats } from './render'

export interface AppBenchResult {
  readonly pages: number
  readonly width: number
  /** navigation start → the memory view's canvas drawn */
  readonly firstRenderMs: number
  readonly breakdown: {
    /** page load until this script runs */
    readonly startup: number
    /** building the 1 Mi-folio state (the bench's, not the app's, cost) */
    readonly state: number
    /** createAppStore + loading the run */
    readonly store: number
    /** React render and commit of the whole app (every panel), then the first canvas draw */
    readonly render: number
    readonly firstDraw: number
  }
  /** what parts of that render cost, timed again on their own after the run */
  readonly parts: {
    /** the memory view's LOD summary of the file (built once per state, memoised) */
    readonly lod: number
    /** the "changed this step" spans against the previous state */
    readonly changes: number
    /** folioExtents of the whole file with holes: what the Extents table computes per state */
    readonly extentsTable: number
    /** the run's lane frame (runFrame over every state) */
    readonly frame: number
    /** the Lifetimes panel's rows (lifetimes over every state) */
    readonly lifetimes: number
  }
  readonly seconds: number
  readonly actions: number
  readonly maxZoom: number
  /** each frame's whole main-thread task (scripts, style, layout, paint) */
  readonly work: FrameStats
  /** its scripts alone: the canvas draw, the action and React's update (rAF callbacks and their microtasks) */
  readonly script: FrameStats
  readonly interval: FrameStats
  /** poisoned pages, and how many fall in a poisoned rect of the app's folio row at full-file zoom */
  readonly poisonedPages: number
  readonly poisonedVisibleAtFit: number
}

declare global {
  interface Window {
    __appBenchResult?: AppBenchResult
    __appBenchError?: string
  }
}

const params = new URLSearchParams(location.search)
const PAGES = Number(params.get('pages') ?? 1 << 20)
const POISONED = Number(params.get('poisoned') ?? 64)
const SECONDS = Number(params.get('seconds') ?? 5)
/** zoom in until at least this, then out to 1×, and again */
const TARGET_ZOOM = 2 ** 16

function frameStats(xs: number[]): FrameStats {
  const s = [...xs].sort((a, b) => a - b)
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN
  return { frames: s.length, median: at(50), p95: at(95), max: s[s.length - 1] ?? NaN, over16: s.filter((x) => x > 16.7).length / Math.max(1, s.length), over25: s.filter((x) => x > 25).length / Math.max(1, s.length) }
}

const nextFrame = () => new Promise<number>((ok) => requestAnimationFrame(ok))

function button(name: string): HTMLButtonElement {
  const b = [...document.querySelectorAll<HTMLButtonElement>('.view-controls button')].find((x) => x.textContent?.trim() === name)
  if (!b) throw new Error(`app bench: no "${name}" button`)
  return b
}

async function main(): Promise<void> {
  const t0 = performance.now()
  const big = mixedFolioState(PAGES, POISONED)
  const t1 = performance.now()
  const checked = validateScenario({
    format: 'gmemscope/scenario@1',
    title: `App bench: ${PAGES.toLocaleString('en-US')} folios in mixed states`,
    variant: 'gunyah-v17',
    steps: [{ op: 'GUNYAH_CREATE_VM', as: 'vm0' }],
  })
  if (!checked.ok) throw new Error(checked.errors.join('; '))
  const real = runScenario(checked.scenario, { keepStates: true })
  const store = createAppStore()
  store.setState({ scenario: checked.scenario, source: null, run: { ...real, states: [real.states[0]!, big], final: big }, cursor: 1, divergence: null })
  const t2 = performance.now()
  const root = createRoot(document.getElementById('root')!)
  flushSync(() => root.render(<App store={store} />))
  const t3 = performance.now()
  // RectCanvas draws in the animation frame after its commit
  await nextFrame()
  const canvas = document.querySelector<HTMLCanvasElement>('canvas.rect-canvas')
  if (!canvas) throw new Error('app bench: the memory view drew no canvas')
  const ctx = canvas.getContext('2d')!
  ctx.getImageData(0, 0, 1, 1)
  const firstRenderMs = performance.now()
  const firstDraw = firstRenderMs - t3

  // every poisoned page must fall in a poisoned rect at full-file zoom (read back from the canvas's colours)
  const overlay = document.querySelector<SVGSVGElement>('svg.memory-overlay')!
  const width = Number(overlay.getAttribute('width'))
  const poisoned = big.inodes[INODE]!.folios.filter((f) => f.value.hwpoison).map((f) => f.start)
  const x0 = 128
  const x1 = width - 16
  const row = document.querySelector<SVGRectElement>(`g.lane-file rect.row-frame`)!
  const rowY = Number(row.getAttribute('y')) + Number(row.getAttribute('height')) / 2
  const dpr = window.devicePixelRatio || 1
  const img = ctx.getImageData(0, 0, canvas.width, canvas.height)
  // vermilion #D55E00 (poisoned) with its white crosshatch: look for the colour within the 2 px column
  const isRed = (x: number) => {
    for (let dx = -1; dx <= 2; dx++)
      for (let dy = -8; dy <= 8; dy++) {
        const px = Math.round((x + dx) * dpr)
        const py = Math.round((rowY + dy) * dpr)
        const i = (py * canvas.width + px) * 4
        if (Math.abs(img.data[i]! - 0xd5) < 8 && Math.abs(img.data[i + 1]! - 0x5e) < 8 && img.data[i + 2]! < 8) return true
      }
    return false
  }
  const poisonedVisibleAtFit = poisoned.filter((p) => isRed(x0 + (p / PAGES) * (x1 - x0))).length

  // zoom with the app's own controls, one action per frame
  const zoomIn = button('Zoom in')
  const zoomOut = button('Zoom out')
  const work: number[] = []
  const script: number[] = []
  const interval: number[] = []
  let maxZoom = 1
  let actions = 0
  let dir = 1
  await new Promise<void>((resolve, reject) => {
    let start = -1
    let lastFrame = -1
    let preAt = 0
    let scriptAt = 0
    const channel = new MessageChannel()
    let done = false
    // posted from the frame's last rAF callback: runs once the frame's rendering task (rAF
    // callbacks, then style, layout and paint of the DOM) is over
    channel.port1.onmessage = () => {
      work.push(performance.now() - preAt)
      script.push(scriptAt - preAt)
      if (done) {
        channel.port1.close()
        resolve()
      }
    }
    const act = () => {
      const k = store.getState().zoom.k
      maxZoom = Math.max(maxZoom, k)
      if (dir > 0 && k >= TARGET_ZOOM) dir = -1
      else if (dir < 0 && k <= 1) dir = 1
      if (actions % 5 === 4 && k > 1) {
        // pan with the app's key (a native listener: React renders in a microtask of this task)
        window.dispatchEvent(new KeyboardEvent('keydown', { key: 'd' }))
      } else (dir > 0 ? zoomIn : zoomOut).click()
      actions++
    }
    const pre = (now: number) => {
      if (start < 0) start = now
      if (lastFrame >= 0) interval.push(now - lastFrame)
      lastFrame = now
      preAt = performance.now()
    }
    const after = (now: number) => {
      try {
        // the canvas drew between pre and here (RectCanvas's callback); force its raster
        ctx.getImageData(0, 0, 1, 1)
        if (now - start < SECONDS * 1000) {
          requestAnimationFrame(pre)
          act()
          // after the action's RectCanvas callback (queued by its commit, possibly in a microtask)
          queueMicrotask(() => queueMicrotask(() => requestAnimationFrame(after)))
        } else done = true
        scriptAt = performance.now()
        channel.port2.postMessage(0)
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)))
      }
    }
    requestAnimationFrame(pre)
    requestAnimationFrame(after)
  })

  // the parts of the first render, timed on their own
  const p0 = performance.now()
  buildInodeLod(inodeLayers(big, INODE), PAGES)
  const p1 = performance.now()
  viewChanges(real.states[0]!, big)
  const p2 = performance.now()
  folioExtents(big, INODE, { holes: true })
  const p3 = performance.now()
  const states = store.getState().run!.states
  runFrame(states, variantDef('gunyah-v17').constants)
  const p4 = performance.now()
  lifetimes(states)
  const p5 = performance.now()

  window.__appBenchResult = {
    pages: PAGES,
    width,
    firstRenderMs,
    breakdown: { startup: t0, state: t1 - t0, store: t2 - t1, render: t3 - t2, firstDraw },
    parts: { lod: p1 - p0, changes: p2 - p1, extentsTable: p3 - p2, frame: p4 - p3, lifetimes: p5 - p4 },
    seconds: SECONDS,
    actions,
    maxZoom,
    work: frameStats(work),
    script: frameStats(script),
    interval: frameStats(interval),
    poisonedPages: poisoned.length,
    poisonedVisibleAtFit,
  }
}

main().catch((e: unknown) => {
  window.__appBenchError = String(e instanceof Error ? (e.stack ?? e.message) : e)
})
