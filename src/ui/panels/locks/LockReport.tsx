import type { LockdepReport } from '../../../engine/lockdep'
import { useAppStore, useAppStoreApi } from '../../../store'

/** Splits a report line around the class names it mentions, so each can link to its graph node. */
export function linkClasses(line: string, names: readonly { id: string; name: string }[]): (string | { id: string; name: string })[] {
  const sorted = [...names].sort((a, b) => b.name.length - a.name.length)
  const out: (string | { id: string; name: string })[] = []
  let rest = line
  for (;;) {
    let best: { at: number; n: { id: string; name: string } } | null = null
    for (const n of sorted) {
      const at = rest.indexOf(`(${n.name})`)
      if (at >= 0 && (!best || at < best.at)) best = { at: at + 1, n }
    }
    if (!best) break
    out.push(rest.slice(0, best.at), best.n)
    rest = rest.slice(best.at + best.n.name.length)
  }
  out.push(rest)
  return out.filter((x) => x !== '')
}

/** A lockdep report as the kernel prints it, with class names linked to the graph and the step linked to the timeline. */
export function LockReport({ report, names }: { report: LockdepReport; names: readonly { id: string; name: string }[] }) {
  const store = useAppStoreApi()
  const cursor = useAppStore((s) => s.cursor)
  return (
    <section className="lock-report" aria-label="Lockdep report">
      <p>
        Reported at{' '}
        <button type="button" className="link" onClick={() => store.getState().jumpTo(report.step)}>
          step {report.step}: {report.op}
        </button>{' '}
        ({report.task}/{report.pid}, CPU {report.cpu}){cursor < report.step ? ' — not yet reached' : ''}
        {report.beyondLockdep && ' — involves the folio lock, which the kernel’s lockdep cannot see'}
      </p>
      <pre className="log report-text">
        {report.text.split('\n').map((line, i) => (
          <div key={i}>
            {linkClasses(line, names).map((part, j) =>
              typeof part === 'string' ? (
                <span key={j}>{part}</span>
              ) : (
                <button key={j} type="button" className="link cls" onClick={() => store.getState().select({ kind: 'lock', cls: part.id })}>
                  {part.name}
                </button>
              ),
            )}
          </div>
        ))}
      </pre>
    </section>
  )
}
