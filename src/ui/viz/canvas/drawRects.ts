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

/** Clears the canvas and draws every rect (CSS pixels; `dpr` scales to device pixels). */
export function drawRects(ctx: CanvasRenderingContext2D, rects: readonly Rect[], width: number, height: number, dpr: number): void {
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0)
  ctx.clearRect(0, 0, width, height)
  const styles = fillStyles(ctx)
  for (const r of rects) {
    if (r.fill === 'absent') continue
    ctx.fillStyle = styles.get(r.fill) ?? FILLS[r.fill].color
    ctx.fillRect(r.x, r.y, r.w, r.h)
  }
}
