/**
 * The app store: a zustand vanilla store holding the timeline of one scenario run plus the view
 * (selection, zoom, playback, theme) and a message line for what went wrong.
 *
 * The engine is pure, so the whole run is computed once (runScenario with keepStates) and time
 * travel is moving `cursor` over `run.states`. Cursor 0 is the initial state, cursor n the state
 * after step n. The scenario stays the single source of truth: appending an op appends a step and
 * re-runs. The store never holds kernel rules: it only calls the engine.
 */
import { createStore, type StoreApi } from 'zustand/vanilla'
import { runScenario, validateScenario, type RunOutput, type Scenario, type ScenarioStep } from '../engine/scenario'
import { firstDivergence } from '../engine/selectors'
import { INITIAL_VIEW, type Message, type Selection, type ViewState } from './view'

export interface TimelineData {
  /** the loaded scenario (validated), or null before one is loaded */
  readonly scenario: Scenario | null
  /** a built-in id ("kvm-v11-tour"), or null for a custom (edited, imported) scenario */
  readonly source: string | null
  /** the run of `scenario` with `fixes`, states kept for every step */
  readonly run: RunOutput | null
  /** 0 = initial state, n = after step n */
  readonly cursor: number
  /** run the patch with its known bugs corrected ("fixed") or as written */
  readonly fixes: boolean
  /** the first step where the as-written and fixed runs differ (null: they agree) */
  readonly divergence: number | null
}

export interface TimelineActions {
  /** Runs `scenario` (with its own fixes flag, or `fixes`) and puts the cursor at `cursor` (default 0). */
  loadScenario(scenario: Scenario, source?: string | null, opts?: { fixes?: boolean; cursor?: number; keepView?: boolean }): void
  /** Re-runs the loaded scenario with or without fixes; the cursor stays where it is. */
  setFixes(fixes: boolean): void
  stepForward(): void
  stepBack(): void
  first(): void
  last(): void
  /** Moves the cursor to n, clamped to [0, number of steps]. */
  jumpTo(n: number): void
  /** Appends a step, validates, re-runs and moves to it. Returns the validation errors (none: done). */
  appendStep(step: ScenarioStep): string[]
  /** Removes the last step (undo of appendStep). */
  dropLastStep(): void
  /** Validates raw JSON and loads it as a custom scenario; on errors the session stays. */
  importScenario(json: unknown, where: string): boolean
  setView(patch: Partial<ViewState>): void
  select(selection: Selection | null): void
  hover(selection: Selection | null): void
  showMessage(message: Message | null): void
}

export type AppState = TimelineData & ViewState & TimelineActions
export type AppStore = StoreApi<AppState>

export interface AppStoreInit {
  readonly scenario?: Scenario
  readonly source?: string | null
  /** overrides the scenario's own fixes flag */
  readonly fixes?: boolean
  readonly cursor?: number
  readonly view?: Partial<ViewState>
}

function runOf(scenario: Scenario, fixes: boolean): RunOutput {
  return runScenario(scenario, { keepStates: true, fixes })
}

function divergenceOf(scenario: Scenario, run: RunOutput): number | null {
  const other = runScenario(scenario, { fixes: !run.fixes })
  return firstDivergence(run.records, other.records)
}

function clampCursor(run: RunOutput | null, n: number): number {
  const max = run ? run.records.length : 0
  if (!Number.isFinite(n)) return n > 0 ? max : 0
  return Math.min(max, Math.max(0, Math.trunc(n)))
}

function timelineOf(scenario: Scenario, fixes: boolean, cursor: number): Pick<TimelineData, 'run' | 'cursor' | 'fixes' | 'divergence'> {
  const run = runOf(scenario, fixes)
  return { run, fixes, cursor: clampCursor(run, cursor), divergence: divergenceOf(scenario, run) }
}

export function createAppStore(initial: AppStoreInit = {}): AppStore {
  const scenario = initial.scenario ?? null
  const fixes = initial.fixes ?? scenario?.fixes ?? false
  const timeline = scenario ? timelineOf(scenario, fixes, initial.cursor ?? 0) : { run: null, cursor: 0, fixes, divergence: null }
  return createStore<AppState>()((set, get) => ({
    scenario,
    source: initial.source ?? null,
    ...timeline,
    ...INITIAL_VIEW,
    ...initial.view,

    loadScenario(next, source = null, opts = {}) {
      const nextFixes = opts.fixes ?? next.fixes ?? false
      const view = opts.keepView ? {} : { selection: null, hovered: null, playing: false, zoom: INITIAL_VIEW.zoom }
      set({ scenario: next, source, ...view, ...timelineOf(next, nextFixes, opts.cursor ?? 0) })
    },
    setFixes(nextFixes) {
      const { scenario: current, cursor } = get()
      if (!current) {
        set({ fixes: nextFixes })
        return
      }
      set(timelineOf(current, nextFixes, cursor))
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
    appendStep(step) {
      const current = get().scenario
      if (!current) return ['no scenario loaded']
      const next = { ...current, steps: [...current.steps, step] }
      const checked = validateScenario(next)
      if (!checked.ok) return checked.errors
      get().loadScenario(checked.scenario, null, { fixes: get().fixes, cursor: next.steps.length, keepView: true })
      return []
    },
    dropLastStep() {
      const current = get().scenario
      if (!current || !current.steps.length) return
      const next = { ...current, steps: current.steps.slice(0, -1) }
      get().loadScenario(next, null, { fixes: get().fixes, cursor: Math.min(get().cursor, next.steps.length), keepView: true })
    },
    importScenario(json, where) {
      const checked = validateScenario(json)
      if (!checked.ok) {
        set({ message: { kind: 'error', title: `${where} is not a valid scenario; the current session is unchanged`, lines: checked.errors } })
        return false
      }
      get().loadScenario(checked.scenario, null)
      set({ message: { kind: 'info', title: `Loaded “${checked.scenario.title}” from ${where}`, lines: [] } })
      return true
    },
    setView(patch) {
      set(patch)
    },
    select(selection) {
      set({ selection })
    },
    hover(hovered) {
      if (JSON.stringify(hovered) !== JSON.stringify(get().hovered)) set({ hovered })
    },
    showMessage(message) {
      set({ message })
    },
  }))
}
