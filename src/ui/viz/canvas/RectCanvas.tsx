import { useEffect, useRef } from 'react'
import type { Rect } from '../layout/rects'
import { drawRects, type CanvasTick, type TickStyle } from './drawRects'

const NO_TICKS: readonly CanvasTick[] = []

/** The theme's tick colours, from the canvas's computed style (CSS custom properties). */
function tickStyle(canvas: HTMLCanvasElement): TickStyle {
  const css = getComputedStyle(canvas)
  return { line: '#777777', text: css.getPropertyValue('--muted').trim() || '#555555' }
}

/** A canvas sized to width × height CSS pixels that draws `rects` (dense spans of the view) and the lanes' axis ticks. */
export function RectCanvas({ rects, ticks = NO_TICKS, width, height }: { rects: readonly Rect[]; ticks?: readonly CanvasTick[]; width: number; height: number }) {
  const ref = useRef<HTMLCanvasElement>(null)
  const dpr = typeof window !== 'undefined' ? window.devicePixelRatio || 1 : 1
  useEffect(() => {
    const canvas = ref.current
    if (!canvas) return
    const ctx = canvas.getContext('2d')
    if (!ctx) return
    const frame = requestAnimationFrame(() => drawRects(ctx, rects, width, height, dpr, ticks, tickStyle(canvas)))
    return () => cancelAnimationFrame(frame)
  }, [rects, ticks, width, height, dpr])
  return (
    <canvas
      ref={ref}
      className="rect-canvas"
      width={Math.round(width * dpr)}
      height={Math.round(height * dpr)}
      style={{ width, height }}
      aria-hidden="true"
    />
  )
}
