/**
 * Builds the render benchmark's file and its level-of-detail summary off the main thread: the
 * state (bench/fixture.ts), its folio extents (the app's selector) and the LOD pyramid. The typed
 * arrays are transferred, not copied.
 */
import { folioExtents } from '../src/engine/selectors/folios'
import { buildLod } from '../src/engine/selectors/lod'
import { INODE, mixedFolioState } from './fixture'

export interface LodRequest {
  readonly pages: number
  readonly poisoned: number
}

export interface LodReply {
  readonly pages: number
  readonly shift0: number
  readonly starts: Float64Array
  readonly ends: Float64Array
  readonly sev: Uint8Array
  readonly levels: Uint8Array[]
  readonly folioExtents: number
  /** the poisoned pages of the file (to check each one shows) */
  readonly poisoned: number[]
  readonly ms: { readonly state: number; readonly folioExtents: number; readonly lod: number }
}

self.onmessage = (e: MessageEvent<LodRequest>) => {
  const t0 = performance.now()
  const state = mixedFolioState(e.data.pages, e.data.poisoned)
  const t1 = performance.now()
  const extents = folioExtents(state, INODE)
  const t2 = performance.now()
  const lod = buildLod(extents, e.data.pages)
  const t3 = performance.now()
  const reply: LodReply = {
    pages: lod.pages,
    shift0: lod.shift0,
    starts: lod.starts,
    ends: lod.ends,
    sev: lod.sev,
    levels: [...lod.levels],
    folioExtents: extents.length,
    poisoned: extents.filter((x) => x.state === 'poisoned').map((x) => x.start),
    ms: { state: t1 - t0, folioExtents: t2 - t1, lod: t3 - t2 },
  }
  ;(self as unknown as Worker).postMessage(reply, [lod.starts.buffer, lod.ends.buffer, lod.sev.buffer, ...lod.levels.map((l) => l.buffer)])
}
