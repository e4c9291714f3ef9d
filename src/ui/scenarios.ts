/**
 * The built-in scenarios: every scenarios/*.json, bundled at build time and validated by the
 * engine. Invalid files stay in the list with their errors so the app can show them.
 */
import { validateScenario, type Scenario } from '../engine/scenario'

export const DEFAULT_SCENARIO_ID = 'kvm-v11-tour'

export type BuiltinScenario =
  | { readonly id: string; readonly title: string; readonly ok: true; readonly scenario: Scenario }
  | { readonly id: string; readonly title: string; readonly ok: false; readonly errors: readonly string[] }

const FILES = import.meta.glob<unknown>('../../scenarios/*.json', { eager: true, import: 'default' })

/** "../../scenarios/kvm-v11-tour.json" → "kvm-v11-tour" */
export function scenarioIdOf(path: string): string {
  return path.replace(/^.*\//, '').replace(/\.json$/, '')
}

/** Validates raw scenario files (by path) into picker entries, sorted by id. */
export function builtinScenariosFrom(files: Readonly<Record<string, unknown>>): BuiltinScenario[] {
  return Object.entries(files)
    .map(([path, json]): BuiltinScenario => {
      const id = scenarioIdOf(path)
      const checked = validateScenario(json)
      if (checked.ok) return { id, title: checked.scenario.title, ok: true, scenario: checked.scenario }
      const raw = json as { title?: unknown } | null
      const title = raw && typeof raw.title === 'string' ? raw.title : id
      return { id, title, ok: false, errors: checked.errors }
    })
    .sort((a, b) => (a.id === DEFAULT_SCENARIO_ID ? -1 : b.id === DEFAULT_SCENARIO_ID ? 1 : a.id.localeCompare(b.id)))
}

export const BUILTIN_SCENARIOS: readonly BuiltinScenario[] = builtinScenariosFrom(FILES)

export function findBuiltin(id: string): BuiltinScenario | undefined {
  return BUILTIN_SCENARIOS.find((b) => b.id === id)
}

/** The scenario the app opens with: the tour, or the first valid built-in. */
export function defaultBuiltin(): { id: string; scenario: Scenario } | null {
  const preferred = findBuiltin(DEFAULT_SCENARIO_ID)
  const pick = preferred?.ok ? preferred : BUILTIN_SCENARIOS.find((b) => b.ok)
  return pick && pick.ok ? { id: pick.id, scenario: pick.scenario } : null
}
