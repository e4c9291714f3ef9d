import { useEffect, useRef } from 'react'
import { formatCall } from '../../engine/scenario'
import { selectConstants, selectCursor, selectRecords, useAppStore, useAppStoreApi } from '../../store'
import { ExpectMark, StepResult } from './StepResult'

/** Every step of the run; the current one is marked, clicking one jumps there. */
export function StepList() {
  const store = useAppStoreApi()
  const records = useAppStore(selectRecords)
  const cursor = useAppStore(selectCursor)
  const constants = useAppStore(selectConstants)
  const variant = useAppStore((s) => s.scenario?.variant)
  const divergence = useAppStore((s) => s.divergence)
  const listRef = useRef<HTMLOListElement>(null)
  useEffect(() => {
    const current = listRef.current?.querySelector('[aria-current="step"]')
    if (current && 'scrollIntoView' in current && typeof current.scrollIntoView === 'function') {
      current.scrollIntoView({ block: 'nearest' })
    }
  }, [cursor])
  return (
    <nav className="step-list" aria-label="Steps">
      <ol ref={listRef}>
        <li>
          <button
            type="button"
            className="step"
            aria-current={cursor === 0 ? 'step' : undefined}
            onClick={() => store.getState().jumpTo(0)}
          >
            <span className="step-no">#0</span> <span className="step-op">initial state</span>
          </button>
        </li>
        {records.map((r) => (
          <li key={r.index}>
            <button
              type="button"
              className={r.result.errno || r.result.signal ? 'step failed' : 'step'}
              aria-current={cursor === r.index ? 'step' : undefined}
              onClick={() => store.getState().jumpTo(r.index)}
            >
              <span className="step-no">#{r.index}</span> <span className="step-op">{r.step.op}</span>{' '}
              <ExpectMark record={r} />
              {r.index === divergence && <span className="diverge"> ◆ as written ≠ fixed</span>}
              <span className="step-call">
                <code>{formatCall(r, constants, variant)}</code> <StepResult record={r} />
              </span>
            </button>
          </li>
        ))}
      </ol>
    </nav>
  )
}
