/**
 * Time travel: a 10,000-step session loaded into the app store, then jumps to random steps.
 *
 * "store" is the store's jumpTo alone (the run keeps every state, structurally shared by the
 * engine's Immer drafts, so a jump moves the cursor). "view" adds what the memory view recomputes
 * when the cursor moves, as the app does it: the changed spans against the previous state
 * (`selectChanges`, src/store/derived.ts) and the layout of every lane (src/ui/viz/layout/memory.ts)
 * at the full-file zoom. The engine's whole-state `changedSpans` is timed beside it for comparison.
 *
 * "last changed": with a file page selected, the details panel looks for the step that last
 * changed it, keying every state by its fields (SelectionDetails' selectionFields) — walking back
 * over every state on each jump, or memoised per run (`selectLastChange`).
 */
import { performance } from 'node:perf_hooks'
import { changedSpans } from '../src/engine/selectors'
import { createAppStore } from '../src/store/createAppStore'
import { selectChanges, selectFrame, selectLastChange } from '../src/store/derived'
import { lastChangeStep } from '../src/engine/selectors'
import type { KernelState } from '../src/engine'
import type { Selection } from '../src/store/view'
import { selectionFields } from '../src/ui/panels/SelectionDetails'
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
  /** selectChanges alone (part of view) */
  readonly changes: Stats
  /** the engine's changedSpans (whole-state sweep), for comparison */
  readonly changesSweep: Stats
  /** "last changed" of a selected page: walk back over every state per jump */
  readonly lastChangeWalk: Stats
  /** the same, memoised per run */
  readonly lastChangeMemo: Stats
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
  const changesMs: number[] = []
  const sweepMs: number[] = []
  targets.forEach((n, i) => {
    const a = performance.now()
    store.getState().jumpTo(n)
    const b = performance.now()
    const s = store.getState()
    const cur = selectCurrentState(s)!
    const changes = selectChanges(s)
    const b2 = performance.now()
    keep(layoutMemory(cur, constants, WIDTH, frame, s.zoom, changes))
    const c = performance.now()
    keep(changedSpans(selectPreviousState(s), cur, constants))
    const d = performance.now()
    if (i >= 20) {
      // the first 20 jumps warm the JIT
      storeMs.push(b - a)
      viewMs.push(c - a)
      changesMs.push(b2 - b)
      sweepMs.push(d - c)
    }
  })
  // "last changed" of a selected page in the middle of the file (a few jumps: the walk is slow)
  const inode = frame.inodes[0]!
  const sel: Selection = { kind: 'folio', inode: inode.id, page: Math.floor(inode.domain[1] / 2) + 3 }
  const key = (st: KernelState) => JSON.stringify(selectionFields(st, sel, constants))
  const walkMs: number[] = []
  const memoMs: number[] = []
  const lookups = targets.slice(0, Math.max(8, Math.min(40, Math.floor(jumps / 10))))
  for (const n of lookups) {
    store.getState().jumpTo(n)
    const s = store.getState()
    const a = performance.now()
    const w = lastChangeStep(s.run!.states, s.cursor, key)
    const b = performance.now()
    const m = selectLastChange(s, JSON.stringify(sel), key)
    const c = performance.now()
    if (w !== m) throw new Error(`bench: selectLastChange ${m} ≠ lastChangeStep ${w}`)
    walkMs.push(b - a)
    memoMs.push(c - b)
  }
  keep(store)
  return {
    steps,
    pages,
    jumps,
    loadMs,
    heapMiB,
    store: stats(storeMs),
    view: stats(viewMs),
    changes: stats(changesMs),
    changesSweep: stats(sweepMs),
    lastChangeWalk: stats(walkMs),
    lastChangeMemo: stats(memoMs),
  }
}
