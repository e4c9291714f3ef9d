/**
 * The render benchmark page (npm run bench drives it in headless Chromium).
 *
 * A worker builds a file of 1 Mi folios in mixed states and its level-of-detail summary
 * (src/engine/selectors/lod.ts); the main thread only draws. Each frame asks the summary for the
 * most severe state of every MIN_RECT_WIDTH-pixel column of the visible pages (exact, O(columns ·
 * log pages)) and draws the runs with the app's canvas drawer (src/ui/viz/canvas/drawRects.ts),
 * under the app's page scale and zoom arithmetic. Then it zooms in and out while panning for a
 * few seconds, timing every frame. Results land in `window.__benchResult`.
 *
 * Query: ?pages=1048576&poisoned=64&seconds=5
 */
import { columnRuns, lodColumns, STATE_OF_SEVERITY, type LodSummary } from '../src/engine/selectors/lod'
import { drawRects } from '../src/ui/viz/canvas/drawRects'
import { METRICS } from '../src/ui/viz/layout/lanes'
import { MIN_RECT_WIDTH, type Rect } from '../src/ui/viz/layout/rects'
import { zoomedScale } from '../src/ui/viz/layout/scale'
import { clampZoom } from '../src/ui/viz/zoomMath'
import type { LodReply, LodRequest } from './lod.worker'

export interface FrameStats {
  readonly frames: number
  readonly median: number
  readonly p95: number
  readonly max: number
  /** share of frames over 16.7 ms */
  readonly over16: number
  /** share of frames over 25 ms (1.5 frames at 60 Hz: a frame missed, whatever the timer's jitter) */
  readonly over25: number
}

export interface RenderResult {
  readonly pages: number
  readonly folioExtents: number
  readonly lodExtents: number
  readonly width: number
  readonly columns: number
  /** navigation start → first frame drawn */
  readonly firstRenderMs: number
  /** worker: state, folio extents, LOD summary; startup: page load, worker start and transfer; main: first draw */
  readonly breakdown: { readonly state: number; readonly folioExtents: number; readonly lod: number; readonly startup: number; readonly firstDraw: number }
  /** main-thread long tasks (> 50 ms) between page start and the first frame */
  readonly longTasksBeforeFirstRender: number
  readonly seconds: number
  readonly maxZoom: number
  /** main-thread work per frame: LOD query, rects, drawRects and a forced raster */
  readonly work: FrameStats
  /** requestAnimationFrame intervals (what the screen gets) */
  readonly interval: FrameStats
  /** poisoned pages, and how many of them fall in a poisoned (red) column of the full-file frame */
  readonly poisonedPages: number
  readonly poisonedVisibleAtFit: number
}

declare global {
  interface Window {
    __benchResult?: RenderResult
    __benchError?: string
  }
}

const params = new URLSearchParams(location.search)
const PAGES = Number(params.get('pages') ?? 1 << 20)
const POISONED = Number(params.get('poisoned') ?? 64)
const SECONDS = Number(params.get('seconds') ?? 5)
const WIDTH = 1280
const HEIGHT = 60
const MAX_ZOOM = 2 ** 16

const longTasks: number[] = []
try {
  new PerformanceObserver((l) => l.getEntries().forEach((e) => longTasks.push(e.startTime))).observe({ type: 'longtask', buffered: true })
} catch {
  // no longtask support: the count stays 0
}

function frameStats(xs: number[]): FrameStats {
  const s = [...xs].sort((a, b) => a - b)
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN
  return { frames: s.length, median: at(50), p95: at(95), max: s[s.length - 1] ?? NaN, over16: s.filter((x) => x > 16.7).length / Math.max(1, s.length), over25: s.filter((x) => x > 25).length / Math.max(1, s.length) }
}

const canvas = document.getElementById('lane') as HTMLCanvasElement
const dpr = window.devicePixelRatio || 1
canvas.width = WIDTH * dpr
canvas.height = HEIGHT * dpr
canvas.style.width = `${WIDTH}px`
canvas.style.height = `${HEIGHT}px`
const ctx = canvas.getContext('2d')!
const x0 = METRICS.gutter
const x1 = WIDTH - METRICS.right
const columns = Math.floor((x1 - x0) / MIN_RECT_WIDTH)
const colBuf = new Uint8Array(columns)
const FILL = STATE_OF_SEVERITY

/** One frame: visible pages → column severities → rects → canvas. Returns the rects drawn. */
function draw(lod: LodSummary, zoom: { k: number; x: number }): Rect[] {
  const scale = zoomedScale([0, lod.pages], x0, x1, zoom)
  const p0 = Math.max(0, scale.invert(x0))
  const p1 = Math.min(lod.pages, scale.invert(x1))
  const cols = lodColumns(lod, p0, p1, columns, colBuf)
  const rects: Rect[] = columnRuns(cols).map(([a, b, s]) => ({ x: x0 + a * MIN_RECT_WIDTH, y: 8, w: (b - a) * MIN_RECT_WIDTH, h: 26, fill: FILL[s]! }))
  drawRects(ctx, rects, WIDTH, HEIGHT, dpr)
  // force the raster now, so the frame's cost includes the pixels
  ctx.getImageData(0, 0, 1, 1)
  return rects
}

/** The zoom at time t: in to MAX_ZOOM and out again, twice, while the focus pans over the file. */
function zoomAt(t: number, pages: number): { k: number; x: number } {
  const phase = (t / (SECONDS * 500)) * Math.PI
  const k = Math.exp(Math.log(MAX_ZOOM) * (0.5 - 0.5 * Math.cos(2 * phase)))
  const focus = (0.1 + 0.8 * (t / (SECONDS * 1000))) * pages
  const X = x0 + (focus / pages) * (x1 - x0)
  const mid = (x0 + x1) / 2
  return clampZoom({ k, x: mid - k * X }, x0, x1)
}

async function main(): Promise<void> {
  const worker = new Worker(new URL('./lod.worker.ts', import.meta.url), { type: 'module' })
  const reply = await new Promise<LodReply>((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<LodReply>) => resolve(e.data)
    worker.onerror = (e) => reject(new Error(e.message))
    worker.postMessage({ pages: PAGES, poisoned: POISONED } satisfies LodRequest)
  })
  worker.terminate()
  const lod: LodSummary = { pages: reply.pages, shift0: reply.shift0, starts: reply.starts, ends: reply.ends, sev: reply.sev, levels: reply.levels }
  const workerMs = reply.ms.state + reply.ms.folioExtents + reply.ms.lod
  const a = performance.now()
  const fitRects = draw(lod, { k: 1, x: 0 })
  const firstRenderMs = performance.now()
  const firstDraw = firstRenderMs - a
  const longTasksBeforeFirstRender = longTasks.filter((t) => t < firstRenderMs).length
  const red = fitRects.filter((r) => r.fill === 'poisoned')
  const fitScale = zoomedScale([0, lod.pages], x0, x1, { k: 1, x: 0 })
  const poisonedVisibleAtFit = reply.poisoned.filter((p) => red.some((r) => fitScale(p) >= r.x - 1e-9 && fitScale(p) < r.x + r.w)).length
  ;(document.getElementById('status') as HTMLElement).textContent = `first render ${firstRenderMs.toFixed(0)} ms; zooming…`

  const work: number[] = []
  const interval: number[] = []
  await new Promise<void>((resolve) => {
    let start = -1
    let last = -1
    const frame = (now: number) => {
      if (start < 0) start = now
      const t = now - start
      if (last >= 0) interval.push(now - last)
      last = now
      const w0 = performance.now()
      draw(lod, zoomAt(t, lod.pages))
      work.push(performance.now() - w0)
      if (t < SECONDS * 1000) requestAnimationFrame(frame)
      else resolve()
    }
    requestAnimationFrame(frame)
  })
  window.__benchResult = {
    pages: PAGES,
    folioExtents: reply.folioExtents,
    lodExtents: lod.sev.length,
    width: WIDTH,
    columns,
    firstRenderMs,
    breakdown: { ...reply.ms, startup: Math.max(0, firstRenderMs - firstDraw - workerMs), firstDraw },
    longTasksBeforeFirstRender,
    seconds: SECONDS,
    maxZoom: MAX_ZOOM,
    work: frameStats(work),
    interval: frameStats(interval),
    poisonedPages: reply.poisoned.length,
    poisonedVisibleAtFit,
  }
  ;(document.getElementById('status') as HTMLElement).textContent = 'done'
}

main().catch((e: unknown) => {
  window.__benchError = String(e instanceof Error ? (e.stack ?? e.message) : e)
})
