/**
 * Imperative canvas drawing of layout rects: a fill colour plus the state's pattern (ux.md §7),
 * so the canvas is readable without colour. Knows nothing about the kernel.
 */
import { FILLS, type FillKind, type Pattern } from '../palette'
import type { Rect } from '../layout/rects'

const TILE = 8

function drawTile(ctx: CanvasRenderingContext2D, pattern: Pattern, color: string): void {
  ctx.clearRect(0, 0, TILE, TILE)
  ctx.strokeStyle = '#ffffff'
  ctx.fillStyle = color
  switch (pattern) {
    case 'solid':
      ctx.fillRect(0, 0, TILE, TILE)
      break
    case 'stripes':
      ctx.fillRect(0, 0, TILE, TILE)
      ctx.lineWidth = 2
      ctx.beginPath()
      ctx.moveTo(-2, TILE + 2)
      ctx.lineTo(TILE + 2, -2)
      ctx.moveTo(-2, 2)
      ctx.lineTo(2, -2)
      ctx.moveTo(TILE - 2, TILE + 2)
      ctx.lineTo(TILE + 2, TILE - 2)
      ctx.stroke()
      break
    case 'backstripes':
      ctx.fillRect(0, 0, TILE, TILE)
      ctx.strokeStyle = '#333333'
      ctx.lineWidth = 1.2
      ctx.beginPath()
      ctx.moveTo(-2, -2)
      ctx.lineTo(TILE + 2, TILE + 2)
      ctx.stroke()
      break
    case 'vstripes':
      ctx.fillRect(0, 0, TILE, TILE)
      ctx.lineWidth = 2
      ctx.beginPath()
      ctx.moveTo(TILE / 2, 0)
      ctx.lineTo(TILE / 2, TILE)
      ctx.stroke()
      break
    case 'crosshatch':
      ctx.fillRect(0, 0, TILE, TILE)
      ctx.lineWidth = 1.5
      ctx.beginPath()
      ctx.moveTo(0, 0)
      ctx.lineTo(TILE, TILE)
      ctx.moveTo(TILE, 0)
      ctx.lineTo(0, TILE)
      ctx.stroke()
      break
    case 'dots':
      ctx.globalAlpha = 0.35
      ctx.fillRect(0, 0, TILE, TILE)
      ctx.globalAlpha = 1
      ctx.beginPath()
      ctx.arc(TILE / 2, TILE / 2, 1.6, 0, Math.PI * 2)
      ctx.fill()
      break
    case 'hollow':
      ctx.globalAlpha = 0.25
      ctx.fillRect(0, 0, TILE, TILE)
      ctx.globalAlpha = 1
      break
    case 'none':
      break
  }
}

/** Canvas fill styles per kind, built once per context. */
export function fillStyles(ctx: CanvasRenderingContext2D): Map<FillKind, string | CanvasPattern> {
  const styles = new Map<FillKind, string | CanvasPattern>()
  const tile = ctx.canvas.ownerDocument.createElement('canvas')
  tile.width = TILE
  tile.height = TILE
  const tctx = tile.getContext('2d')
  for (const [kind, style] of Object.entries(FILLS) as [FillKind, (typeof FILLS)[FillKind]][]) {
    let fill: string | CanvasPattern = style.color
    if (tctx && style.pattern !== 'solid') {
      drawTile(tctx, style.pattern, style.color)
      fill = ctx.createPattern(tile, 'repeat') ?? style.color
    }
    styles.set(kind, fill)
  }
  return styles
}

/** Fill styles per context: built once, not per frame (FILLS does not change). */
const stylesCache = new WeakMap<CanvasRenderingContext2D, Map<FillKind, string | CanvasPattern>>()

/** One axis tick of a lane: a 4 px line from the axis and its hex label (drawn with the rects, see CanvasTick). */
export interface CanvasTick {
  readonly x: number
  /** y of the axis line */
  readonly axisY: number
  /** GPA lanes: ticks above the axis; file lanes: below */
  readonly above: boolean
  readonly label: string
  readonly align: CanvasTextAlign
}

/** Colours of the ticks, read from the canvas's CSS (the theme's --muted). */
export interface TickStyle {
  readonly line: string
  readonly text: string
}

/**
 * Clears the canvas and draws every rect (CSS pixels; `dpr` scales to device pixels), then the
 * axis ticks: they change on every zoom frame, so they live here rather than as SVG elements
 * that the browser would restyle, lay out and paint again each frame.
 */
export function drawRects(
  ctx: CanvasRenderingContext2D,
  rects: readonly Rect[],
  width: number,
  height: number,
  dpr: number,
  ticks: readonly CanvasTick[] = [],
  tickStyle: TickStyle = { line: '#777777', text: '#555555' },
): void {
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0)
  ctx.clearRect(0, 0, width, height)
  let styles = stylesCache.get(ctx)
  if (!styles) stylesCache.set(ctx, (styles = fillStyles(ctx)))
  for (const r of rects) {
    if (r.fill === 'absent') continue
    ctx.fillStyle = styles.get(r.fill) ?? FILLS[r.fill].color
    ctx.fillRect(r.x, r.y, r.w, r.h)
  }
  if (!ticks.length) return
  ctx.strokeStyle = tickStyle.line
  ctx.lineWidth = 1
  ctx.beginPath()
  for (const t of ticks) {
    const x = Math.round(t.x) + 0.5
    ctx.moveTo(x, t.above ? t.axisY - 4 : t.axisY)
    ctx.lineTo(x, t.above ? t.axisY : t.axisY + 4)
  }
  ctx.stroke()
  ctx.fillStyle = tickStyle.text
  ctx.font = '10px ui-monospace, monospace'
  ctx.textBaseline = 'alphabetic'
  for (const t of ticks) {
    ctx.textAlign = t.align
    ctx.fillText(t.label, t.x, t.above ? t.axisY - 6 : t.axisY + 14)
  }
}
