/** Horizontal zoom arithmetic (pixel' = k * pixel + x), kept so the lanes always fill [x0, x1]. */
import type { Zoom } from '../../store'

export const MAX_ZOOM = 1e7

/** Clamps k to [1, MAX_ZOOM] and x so that [x0, x1] stays covered. */
export function clampZoom(z: Zoom, x0: number, x1: number): Zoom {
  const k = Math.min(MAX_ZOOM, Math.max(1, z.k))
  const x = Math.min(x0 * (1 - k), Math.max(x1 * (1 - k), z.x))
  return { k, x }
}

/** Zooms by `factor` around the pixel `cx`. */
export function zoomAround(z: Zoom, factor: number, cx: number, x0: number, x1: number): Zoom {
  const k = z.k * factor
  return clampZoom({ k, x: cx - (cx - z.x) * (k / z.k) }, x0, x1)
}

/** Pans by `dx` pixels. */
export function panBy(z: Zoom, dx: number, x0: number, x1: number): Zoom {
  return clampZoom({ k: z.k, x: z.x + dx }, x0, x1)
}

/** The zoom that shows the unzoomed pixel span [a, b] across [x0, x1] (with a margin). */
export function zoomToSpan(a: number, b: number, x0: number, x1: number): Zoom {
  const w = Math.max(0.5, b - a)
  const k = ((x1 - x0) * 0.8) / w
  const cx = (a + b) / 2
  return clampZoom({ k, x: (x0 + x1) / 2 - cx * k }, x0, x1)
}

export const FIT: Zoom = { k: 1, x: 0 }
