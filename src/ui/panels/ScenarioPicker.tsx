import { useId } from 'react'
import { registeredVariants } from '../../engine'
import { SCENARIO_FORMAT } from '../../engine/scenario'
import { useAppStore, useAppStoreApi } from '../../store'
import { BUILTIN_SCENARIOS, type BuiltinScenario } from '../scenarios'

/** The scenario library (every built-in, grouped by variant) and the variant selector. */
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
  const variant = useAppStore((s) => s.scenario?.variant ?? '')
  const groups = new Map<string, BuiltinScenario[]>()
  for (const b of scenarios) {
    const v = b.ok ? b.scenario.variant : 'invalid'
    groups.set(v, [...(groups.get(v) ?? []), b])
  }
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
        {source === null && <option value="">(custom)</option>}
        {[...groups.entries()].map(([v, list]) => (
          <optgroup key={v} label={v}>
            {list.map((b) => (
              <option key={b.id} value={b.id} title={b.ok ? b.scenario.description : undefined}>
                {b.title}
                {b.ok ? '' : ' (invalid)'}
              </option>
            ))}
          </optgroup>
        ))}
      </select>
      <label htmlFor={`${id}-variant`}>Variant</label>
      <select
        id={`${id}-variant`}
        value={variant}
        onChange={(e) => {
          const v = e.target.value
          store.getState().loadScenario({ format: SCENARIO_FORMAT, title: `New ${v} scenario`, variant: v, steps: [] }, null)
          store.getState().setView({ tab: 'ops' })
        }}
      >
        {variant === '' && <option value="">(none)</option>}
        {registeredVariants().map((v) => (
          <option key={v}>{v}</option>
        ))}
      </select>
    </div>
  )
}
