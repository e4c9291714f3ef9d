import { selectKernelLog, useAppStore, useAppStoreApi } from '../../store'

/** The kernel log of the whole run (WARN, BUG, memory failure, signals), each line with its step; lines after the cursor are dimmed. */
export function LogPanel() {
  const store = useAppStoreApi()
  const log = useAppStore(selectKernelLog)
  const cursor = useAppStore((s) => s.cursor)
  if (!log || !log.length) return <p className="none">The kernel printed nothing in this run.</p>
  return (
    <section className="log-panel" aria-label="Kernel log">
      <ol className="log">
        {log.map((l, i) => (
          <li key={i} className={`log-${l.level}${l.step > cursor ? ' future' : ''}${l.step === cursor ? ' current' : ''}`}>
            <button type="button" className="link step-ref" onClick={() => store.getState().jumpTo(l.step)} aria-label={`go to step ${l.step}`}>
              #{l.step}
            </button>{' '}
            <code>{l.text}</code>
          </li>
        ))}
      </ol>
    </section>
  )
}
