import { useId } from 'react'
import { useAppStore, useAppStoreApi } from '../../store'
import { BUILTIN_SCENARIOS, type BuiltinScenario } from '../scenarios'

/** Picks a built-in scenario; invalid ones are listed and show their validation errors. */
export function ScenarioPicker({
  scenarios = BUILTIN_SCENARIOS,
  onInvalid,
}: {
  scenarios?: readonly BuiltinScenario[]
  onInvalid: (entry: BuiltinScenario | null) => void
}) {
  const id = useId()
  const store = useAppStoreApi()
  const source = useAppStore((s) => s.source)
  return (
    <div className="scenario-picker">
      <label htmlFor={id}>Scenario</label>
      <select
        id={id}
        value={source ?? ''}
        onChange={(e) => {
          const entry = scenarios.find((b) => b.id === e.target.value)
          if (!entry) return
          if (entry.ok) {
            store.getState().loadScenario(entry.scenario, entry.id)
            onInvalid(null)
          } else onInvalid(entry)
        }}
      >
        {source === null && <option value="">(none)</option>}
        {scenarios.map((b) => (
          <option key={b.id} value={b.id}>
            {b.title}
            {b.ok ? '' : ' (invalid)'}
          </option>
        ))}
      </select>
    </div>
  )
}
