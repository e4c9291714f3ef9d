/**
 * Time travel: a 10,000-step session loaded into the app store, then jumps to random steps.
 *
 * "store" is the store's jumpTo alone (the run keeps every state, structurally shared by the
 * engine's Immer drafts, so a jump moves the cursor). "view" adds what the memory view recomputes
 * when the cursor moves: the changed spans against the previous state and the layout of every
 * lane (src/ui/viz/layout/memory.ts) at the full-file zoom.
 */
import { performance } from 'node:perf_hooks'
import { changedSpans } from '../src/engine/selectors'
import { createAppStore } from '../src/store/createAppStore'
import { selectFrame } from '../src/store/derived'
import { selectConstants, selectCurrentState, selectPreviousState } from '../src/store/selectors'
import { layoutMemory } from '../src/ui/viz/layout/memory'
import { longScenario } from './bench_scenario'
import { collect, keep, prng, stats, type Stats } from './bench_stats'

export interface TimelineFigures {
  readonly steps: number
  readonly pages: number
  readonly jumps: number
  /** createAppStore: both runs (as written and fixed) and the run's frame */
  readonly loadMs: number
  /** heap growth for the loaded session (MiB), after GC when exposed */
  readonly heapMiB: number
  readonly store: Stats
  readonly view: Stats
}

const WIDTH = 1280

export function measureTimeline(pages: number, steps: number, jumps = 300): TimelineFigures {
  const scenario = longScenario(pages, steps)
  collect()
  const heap0 = process.memoryUsage().heapUsed
  const t0 = performance.now()
  const store = createAppStore({ scenario })
  const frame = selectFrame(store.getState())
  const loadMs = performance.now() - t0
  collect()
  const heapMiB = (process.memoryUsage().heapUsed - heap0) / 2 ** 20
  if (!frame) throw new Error('bench: no frame')
  const constants = selectConstants(store.getState())
  const rand = prng(7)
  const targets = Array.from({ length: jumps + 20 }, () => 1 + Math.floor(rand() * steps))
  const storeMs: number[] = []
  const viewMs: number[] = []
  targets.forEach((n, i) => {
    const a = performance.now()
    store.getState().jumpTo(n)
    const b = performance.now()
    const s = store.getState()
    const cur = selectCurrentState(s)!
    const changes = changedSpans(selectPreviousState(s), cur, constants)
    keep(layoutMemory(cur, constants, WIDTH, frame, s.zoom, changes))
    const c = performance.now()
    if (i >= 20) {
      // the first 20 jumps warm the JIT
      storeMs.push(b - a)
      viewMs.push(c - a)
    }
  })
  keep(store)
  return { steps, pages, jumps, loadMs, heapMiB, store: stats(storeMs), view: stats(viewMs) }
}
