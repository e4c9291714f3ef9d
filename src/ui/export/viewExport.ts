/**
 * The memory view as a standalone SVG (and PNG): the canvas rects become SVG rects with the
 * legend's pattern fills, over a copy of the overlay. Built with DOM calls, never innerHTML.
 */
import type { Rect } from '../viz/layout/rects'

const NS = 'http://www.w3.org/2000/svg'

const STYLE = `
text { font: 11px system-ui, sans-serif; fill: #1a1a1a; }
.lane-title { font-weight: 600; font-size: 12px; }
.tick text { font: 10px monospace; fill: #555; }
.axis, .tick line { stroke: #777; }
.row-frame { fill: none; stroke: #8a8a8a; stroke-dasharray: 3 2; }
.band rect { fill: none; stroke: #1a1a1a; stroke-width: 1.5; }
.ribbon { fill: #cc79a7; fill-opacity: 0.2; stroke: #cc79a7; }
.ribbon.stale { stroke-dasharray: 4 3; }
.ribbon.share { fill: #009e73; stroke: #009e73; }
.ribbon-tag { font-size: 10px; font-weight: 600; }
.changed { fill: none; stroke: #000; stroke-width: 2; }
.selected { fill: none; stroke: #cc79a7; stroke-width: 3; }
`

/** A standalone SVG document string of the view, or null when nothing is drawn. */
export function memoryViewSvg(root: ParentNode, rects: readonly Rect[]): string | null {
  const overlay = root.querySelector('svg.memory-overlay')
  const defs = root.querySelector('.legend svg.defs defs')
  if (!overlay) return null
  const svg = document.createElementNS(NS, 'svg')
  svg.setAttribute('xmlns', NS)
  svg.setAttribute('width', overlay.getAttribute('width') ?? '800')
  svg.setAttribute('height', overlay.getAttribute('height') ?? '400')
  const style = document.createElementNS(NS, 'style')
  style.textContent = STYLE
  svg.append(style)
  if (defs) svg.append(defs.cloneNode(true))
  const bg = document.createElementNS(NS, 'rect')
  bg.setAttribute('width', '100%')
  bg.setAttribute('height', '100%')
  bg.setAttribute('fill', '#ffffff')
  svg.append(bg)
  const g = document.createElementNS(NS, 'g')
  for (const r of rects) {
    if (r.fill === 'absent') continue
    const el = document.createElementNS(NS, 'rect')
    el.setAttribute('x', String(r.x))
    el.setAttribute('y', String(r.y))
    el.setAttribute('width', String(r.w))
    el.setAttribute('height', String(r.h))
    el.setAttribute('fill', `url(#fill-${r.fill})`)
    g.append(el)
  }
  svg.append(g)
  for (const child of Array.from(overlay.childNodes)) svg.append(child.cloneNode(true))
  return new XMLSerializer().serializeToString(svg)
}

/** Renders SVG text to a PNG blob. */
export function svgToPng(svgText: string, width: number, height: number, scale = 2): Promise<Blob> {
  return new Promise((resolve, reject) => {
    const img = new Image()
    const url = URL.createObjectURL(new Blob([svgText], { type: 'image/svg+xml' }))
    img.onload = () => {
      const canvas = document.createElement('canvas')
      canvas.width = Math.round(width * scale)
      canvas.height = Math.round(height * scale)
      const ctx = canvas.getContext('2d')
      if (!ctx) return reject(new Error('no 2d canvas'))
      ctx.scale(scale, scale)
      ctx.drawImage(img, 0, 0)
      URL.revokeObjectURL(url)
      canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG encoding failed'))), 'image/png')
    }
    img.onerror = () => reject(new Error('the SVG could not be rendered'))
    img.src = url
  })
}
