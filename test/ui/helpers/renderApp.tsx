import { render } from '@testing-library/react'
import { vi } from 'vitest'
import tourJson from '../../../scenarios/kvm-v11-tour.json'
import { validateScenario, type Scenario } from '../../../src/engine/scenario'
import { createAppStore, type AppStoreInit } from '../../../src/store'
import { App } from '../../../src/ui/App'
import { BUILTIN_SCENARIOS } from '../../../src/ui/scenarios'

/** The built-in tour, parsed by the engine. */
export function tourScenario(): Scenario {
  const parsed = validateScenario(tourJson)
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'))
  return parsed.scenario
}

/** jsdom has no canvas: make getContext return null quietly instead of logging "not implemented". */
export function quietCanvas(): void {
  vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue(null)
}

/** Renders the whole app on a fresh real store (tour loaded unless `init` says otherwise). */
export function renderApp(init: AppStoreInit = {}) {
  quietCanvas()
  const store = createAppStore({ scenario: tourScenario(), source: 'kvm-v11-tour', ...init })
  return { store, ...render(<App store={store} />) }
}

/** A built-in scenario by id, parsed by the engine. */
export function builtinScenario(id: string): Scenario {
  const entry = BUILTIN_SCENARIOS.find((b) => b.id === id)
  if (!entry || !entry.ok) throw new Error(`no valid built-in ${id}`)
  return entry.scenario
}

/** Renders the app on a built-in scenario at a step. */
export function renderBuiltin(id: string, cursor = 0, init: AppStoreInit = {}) {
  quietCanvas()
  const store = createAppStore({ scenario: builtinScenario(id), source: id, cursor, ...init })
  return { store, ...render(<App store={store} />) }
}
