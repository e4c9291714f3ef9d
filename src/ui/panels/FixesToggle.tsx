import { useAppStore, useAppStoreApi } from '../../store'

/** As written ↔ fixed: re-runs the scenario with the seed bugs corrected (key V), and says where the runs diverge. */
export function FixesToggle() {
  const fixes = useAppStore((s) => s.fixes)
  const divergence = useAppStore((s) => s.divergence)
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
      {divergence === null ? (
        <span className="diverge-note">same in both</span>
      ) : (
        <button type="button" className="link diverge-note" onClick={() => store.getState().jumpTo(divergence)}>
          runs diverge at step {divergence}
        </button>
      )}
    </fieldset>
  )
}
