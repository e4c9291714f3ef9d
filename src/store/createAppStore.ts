/**
 * The app store: a zustand vanilla store holding the timeline of one scenario run.
 *
 * The engine is pure, so the whole run is computed once (runScenario with keepStates) and time
 * travel is moving `cursor` over `run.states`. Cursor 0 is the initial state, cursor n the state
 * after step n. The store never holds kernel rules: it only calls the engine.
 */
import { createStore, type StoreApi } from 'zustand/vanilla'
import { runScenario, type RunOutput, type Scenario } from '../engine/scenario'

export interface TimelineData {
  /** the loaded scenario (validated), or null before one is loaded */
  readonly scenario: Scenario | null
  /** where the scenario came from (a built-in id such as "kvm-v11-tour"), for the picker */
  readonly source: string | null
  /** the run of `scenario` with `fixes`, states kept for every step */
  readonly run: RunOutput | null
  /** 0 = initial state, n = after step n */
  readonly cursor: number
  /** run the patch with its known bugs corrected ("fixed") or as written */
  readonly fixes: boolean
}

export interface TimelineActions {
  /** Runs `scenario` (with its own fixes flag) and puts the cursor at the initial state. */
  loadScenario(scenario: Scenario, source?: string | null): void
  /** Re-runs the loaded scenario with or without fixes; the cursor stays where it is. */
  setFixes(fixes: boolean): void
  stepForward(): void
  stepBack(): void
  first(): void
  last(): void
  /** Moves the cursor to n, clamped to [0, number of steps]. */
  jumpTo(n: number): void
}

export type AppState = TimelineData & TimelineActions
export type AppStore = StoreApi<AppState>

export interface AppStoreInit {
  readonly scenario?: Scenario
  readonly source?: string | null
  /** overrides the scenario's own fixes flag */
  readonly fixes?: boolean
  readonly cursor?: number
}

function runOf(scenario: Scenario, fixes: boolean): RunOutput {
  return runScenario(scenario, { keepStates: true, fixes })
}

function clampCursor(run: RunOutput | null, n: number): number {
  const max = run ? run.records.length : 0
  if (!Number.isFinite(n)) return n > 0 ? max : 0
  return Math.min(max, Math.max(0, Math.trunc(n)))
}

export function createAppStore(initial: AppStoreInit = {}): AppStore {
  const scenario = initial.scenario ?? null
  const fixes = initial.fixes ?? scenario?.fixes ?? false
  const run = scenario ? runOf(scenario, fixes) : null
  return createStore<AppState>()((set, get) => ({
    scenario,
    source: initial.source ?? null,
    run,
    cursor: clampCursor(run, initial.cursor ?? 0),
    fixes,

    loadScenario(next, source = null) {
      const nextFixes = next.fixes ?? false
      set({ scenario: next, source, fixes: nextFixes, run: runOf(next, nextFixes), cursor: 0 })
    },
    setFixes(nextFixes) {
      const { scenario: current, cursor } = get()
      if (!current) {
        set({ fixes: nextFixes })
        return
      }
      const nextRun = runOf(current, nextFixes)
      set({ fixes: nextFixes, run: nextRun, cursor: clampCursor(nextRun, cursor) })
    },
    stepForward() {
      get().jumpTo(get().cursor + 1)
    },
    stepBack() {
      get().jumpTo(get().cursor - 1)
    },
    first() {
      get().jumpTo(0)
    },
    last() {
      get().jumpTo(Infinity)
    },
    jumpTo(n) {
      const cursor = clampCursor(get().run, n)
      if (cursor !== get().cursor) set({ cursor })
    },
  }))
}
