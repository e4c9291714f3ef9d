import { selectCurrentRecord, useAppStore } from '../../store'

/** The current step's note (the scenario's narration), or the scenario's description at step 0. */
export function Narration() {
  const record = useAppStore(selectCurrentRecord)
  const description = useAppStore((s) => s.scenario?.description)
  const text = record ? record.step.note : description
  return (
    <p className="narration" aria-live="polite" aria-label="Narration">
      {record ? <strong>Step {record.index}: </strong> : <strong>About: </strong>}
      {text ?? 'No note for this step.'}
    </p>
  )
}
