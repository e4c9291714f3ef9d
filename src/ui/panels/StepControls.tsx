import {
  selectCanStepBack,
  selectCanStepForward,
  selectCursor,
  selectStepCount,
  useAppStore,
  useAppStoreApi,
} from '../../store'

function Icon({ d }: { d: string }) {
  return (
    <svg width={14} height={14} viewBox="0 0 14 14" aria-hidden="true">
      <path d={d} fill="currentColor" stroke="currentColor" strokeWidth={1.5} strokeLinejoin="round" />
    </svg>
  )
}

/** First / back / forward / last, with the position; the keys are in useTimelineKeys. */
export function StepControls() {
  const store = useAppStoreApi()
  const cursor = useAppStore(selectCursor)
  const count = useAppStore(selectStepCount)
  const canBack = useAppStore(selectCanStepBack)
  const canForward = useAppStore(selectCanStepForward)
  const act = store.getState()
  return (
    <div className="step-controls" role="group" aria-label="Timeline">
      <button type="button" aria-label="First step" aria-keyshortcuts="Home" disabled={!canBack} onClick={act.first}>
        <Icon d="M3 2v10M12 2 5 7l7 5z" />
      </button>
      <button
        type="button"
        aria-label="Step back"
        aria-keyshortcuts="ArrowLeft k"
        disabled={!canBack}
        onClick={act.stepBack}
      >
        <Icon d="M11 2 4 7l7 5z" />
      </button>
      <output className="position" aria-live="polite">
        step {cursor} / {count}
      </output>
      <button
        type="button"
        aria-label="Step forward"
        aria-keyshortcuts="ArrowRight j"
        disabled={!canForward}
        onClick={act.stepForward}
      >
        <Icon d="m3 2 7 5-7 5z" />
      </button>
      <button type="button" aria-label="Last step" aria-keyshortcuts="End" disabled={!canForward} onClick={act.last}>
        <Icon d="M11 2v10M2 2l7 5-7 5z" />
      </button>
    </div>
  )
}
