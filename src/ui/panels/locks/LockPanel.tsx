import { selectLockdep, selectReplay, useAppStore, useAppStoreApi } from '../../../store'
import { HeldLocks } from './HeldLocks'
import { LockGraph } from './LockGraph'
import { LockReport } from './LockReport'
import { SplatImport } from './SplatImport'
import { TwoCpuView } from './TwoCpuView'

/** Locks: held locks per task, the dependency graph, lockdep's reports, the two-CPU view, imported splats. */
export function LockPanel() {
  const store = useAppStoreApi()
  const analysis = useAppStore(selectLockdep)
  const replay = useAppStore(selectReplay)
  const cursor = useAppStore((s) => s.cursor)
  if (!analysis) return <p className="none">No scenario loaded.</p>
  const names = analysis.graph.nodes.map((n) => ({ id: n.id, name: n.name }))
  const shown = analysis.reports.filter((r) => r.step <= cursor)
  return (
    <section className="lock-panel" aria-label="Locks">
      <h3>Held locks</h3>
      <HeldLocks />
      <h3>Dependency graph</h3>
      <LockGraph analysis={analysis} />
      <h3>Lockdep reports ({shown.length})</h3>
      {analysis.reports.length === 0 && <p className="none">lockdep reports nothing for this run.</p>}
      {analysis.reports.length > 0 && shown.length === 0 && (
        <p className="none">
          Nothing yet: lockdep reports at{' '}
          {analysis.reports.map((r) => (
            <button key={r.step} type="button" className="link" onClick={() => store.getState().jumpTo(r.step)}>
              step {r.step}
            </button>
          ))}
          .
        </p>
      )}
      {shown.map((r, i) => (
        <LockReport key={i} report={r} names={names} />
      ))}
      {replay && (
        <>
          <h3>Two CPUs</h3>
          <TwoCpuView replay={replay} />
        </>
      )}
      <h3>Imported splats</h3>
      <SplatImport />
    </section>
  )
}
