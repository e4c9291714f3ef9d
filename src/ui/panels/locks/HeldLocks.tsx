import { useMemo } from 'react'
import { heldAfter, lockMoments } from '../../../engine/selectors'
import { selectCurrentRecord, useAppStore } from '../../../store'

/** Held locks per task through the current step: each lock event with what the task holds after it. */
export function HeldLocks() {
  const record = useAppStore(selectCurrentRecord)
  const run = useAppStore((s) => s.run)
  const moments = useMemo(() => {
    if (!record || !run) return []
    return lockMoments(record.result.locks, heldAfter(run.records, record.index - 1))
  }, [record, run])
  if (!record) return <p className="none">Initial state: no task holds a lock.</p>
  if (!moments.length) return <p className="none">Step {record.index} takes no lock.</p>
  return (
    <table className="held-locks">
      <caption>Held locks during step {record.index}</caption>
      <thead>
        <tr>
          <th scope="col">task: event (in function)</th>
          <th scope="col">held after it</th>
        </tr>
      </thead>
      <tbody>
        {moments.map((m, i) => (
          <tr key={i} className={m.event.kind}>
            <td>
              {m.event.task}/CPU{m.event.cpu}: {m.event.kind === 'release' ? 'unlock' : m.event.mode === 'write' ? 'lock' : 'read-lock'} <code>{m.event.cls}</code> [{m.event.instance}]{' '}
              <span className="muted">({m.event.fn})</span>
            </td>
            <td>{m.held.length ? m.held.join(' → ') : '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
