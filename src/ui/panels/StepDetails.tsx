import { formatCall, type StepRecord } from '../../engine/scenario'
import type { LockEvent } from '../../engine'
import { selectConstants, selectCurrentRecord, useAppStore } from '../../store'
import { ExpectMark, StepResult } from './StepResult'

function lockVerb(e: LockEvent): string {
  if (e.kind === 'release') return 'unlock'
  if (e.kind === 'sync') return 'sync (wait for readers)'
  return e.mode === 'write' ? 'lock' : e.mode === 'read' ? 'read-lock' : 'recursive read-lock'
}

function LockEvents({ locks }: { locks: readonly LockEvent[] }) {
  if (!locks.length) return <p className="none">No locks taken.</p>
  return (
    <ol className="locks">
      {locks.map((e, i) => (
        <li key={i} className={`lock ${e.kind}`} title={e.stack.join(' < ')}>
          <span className="lock-verb">{lockVerb(e)}</span> <code>{e.cls}</code>{' '}
          <span className="lock-instance">[{e.instance}]</span> <span className="lock-fn">in {e.fn}</span>
        </li>
      ))}
    </ol>
  )
}

function RecordDetails({ record }: { record: StepRecord }) {
  const constants = useAppStore(selectConstants)
  const variant = useAppStore((s) => s.scenario?.variant)
  const r = record.result
  return (
    <>
      <h2>
        Step {record.index}: {record.step.op} <ExpectMark record={record} />
      </h2>
      <p className="call">
        <code>{formatCall(record, constants, variant)}</code> <StepResult record={record} />
      </p>
      {record.mismatches.length > 0 && (
        <ul className="mismatches" aria-label="Expect mismatches">
          {record.mismatches.map((m) => (
            <li key={m}>✗ {m}</li>
          ))}
        </ul>
      )}
      {record.step.note && <p className="note">{record.step.note}</p>}
      {r.rule && (
        <section aria-label="Rule" className="rule">
          <h3>Rule</h3>
          <p>
            <code>{r.rule.fn}</code>: {r.rule.why} <cite>[{r.rule.seed}]</cite>
          </p>
        </section>
      )}
      {r.bugs.length > 0 && (
        <section aria-label="Seed bugs" className="bugs">
          <h3>Seed bugs on this path</h3>
          <p>{r.bugs.join(', ')}</p>
        </section>
      )}
      {r.log.length > 0 && (
        <section aria-label="Kernel log">
          <h3>Kernel log</h3>
          <pre className="log">
            {r.log.map((l, i) => (
              <div key={i} className={`log-${l.level}`}>
                {l.text}
              </div>
            ))}
          </pre>
        </section>
      )}
      <section aria-label="Lock events">
        <h3>Lock events ({r.locks.length})</h3>
        <LockEvents locks={r.locks} />
      </section>
    </>
  )
}

/** What the current step did and why: narration, rule, log, locks, seed bugs. */
export function StepDetails() {
  const record = useAppStore(selectCurrentRecord)
  const description = useAppStore((s) => s.scenario?.description)
  return (
    <section className="step-details" aria-label="Step details">
      {record ? (
        <RecordDetails record={record} />
      ) : (
        <>
          <h2>Initial state</h2>
          {description && <p className="note">{description}</p>}
          <p className="hint">Press → (or j) to run the first step.</p>
        </>
      )}
    </section>
  )
}
