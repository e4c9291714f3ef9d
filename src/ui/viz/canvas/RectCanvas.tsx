import { useEffect, useRef } from 'react'
import type { Rect } from '../layout/rects'
import { drawRects } from './drawRects'

/** A canvas sized to width × height CSS pixels that draws `rects` (dense spans of the view). */
export function RectCanvas({ rects, width, height }: { rects: readonly Rect[]; width: number; height: number }) {
  const ref = useRef<HTMLCanvasElement>(null)
  const dpr = typeof window !== 'undefined' ? window.devicePixelRatio || 1 : 1
  useEffect(() => {
    const canvas = ref.current
    if (!canvas) return
    const ctx = canvas.getContext('2d')
    if (!ctx) return
    const frame = requestAnimationFrame(() => drawRects(ctx, rects, width, height, dpr))
    return () => cancelAnimationFrame(frame)
  }, [rects, width, height, dpr])
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
