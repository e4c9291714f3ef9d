import { useAppStore, useAppStoreApi } from '../../store'

/** As written ↔ fixed: re-runs the scenario with the seed bugs corrected (key V). */
export function FixesToggle() {
  const fixes = useAppStore((s) => s.fixes)
  const store = useAppStoreApi()
  return (
    <fieldset className="fixes-toggle" aria-keyshortcuts="V">
      <legend>Patch</legend>
      <label>
        <input type="radio" name="fixes" checked={!fixes} onChange={() => store.getState().setFixes(false)} />
        as written
      </label>
      <label>
        <input type="radio" name="fixes" checked={fixes} onChange={() => store.getState().setFixes(true)} />
        fixed
      </label>
    </fieldset>
  )
}
