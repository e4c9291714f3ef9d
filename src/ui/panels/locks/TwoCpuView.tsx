import type { Replay } from '../../../engine/lockdep'
import { useAppStore, useAppStoreApi } from '../../../store'

/** The two-CPU interleaving of the run's lock events: who runs, who waits for whom, and the deadlock. */
export function TwoCpuView({ replay }: { replay: Replay }) {
  const store = useAppStoreApi()
  const cursor = useAppStore((s) => s.cursor)
  return (
    <section className="two-cpu" aria-label="Two CPUs">
      <table>
        <caption>Two-CPU interleaving (schedule replayed over both CPUs’ lock events)</caption>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">CPU 0</th>
            <th scope="col">CPU 1</th>
          </tr>
        </thead>
        <tbody>
          {replay.trace.map((t) => {
            const cell = (
              <td className={`${t.outcome}${t.step === cursor ? ' current' : ''}`}>
                <button type="button" className="link" onClick={() => store.getState().jumpTo(t.step)}>
                  #{t.step}
                </button>{' '}
                {t.kind === 'release' ? 'unlock' : 'lock'} <code>{t.lock}</code> — {t.outcome.replace('-', ' ')}
                {t.blockedBy.length ? ` for ${t.blockedBy.join(', ')}` : ''}
              </td>
            )
            return (
              <tr key={t.k}>
                <td>{t.k}</td>
                {t.cpu === 0 ? cell : <td />}
                {t.cpu === 1 ? cell : <td />}
              </tr>
            )
          })}
        </tbody>
      </table>
      {replay.deadlock ? (
        <div className="deadlock" role="note">
          <strong>DEADLOCK</strong>: every task waits for the next one.
          <ul>
            {replay.deadlock.map((w) => (
              <li key={w.cpu}>
                {w.task} (CPU {w.cpu}, step {w.step} {w.op}, in {w.fn}) waits for <code>{w.lock}</code>: {w.heldBy.map((h) => `${h.task} ${h.how}`).join('; ')}
              </li>
            ))}
          </ul>
        </div>
      ) : (
        <p>{replay.completed ? 'No deadlock: both CPUs ran to completion.' : 'No deadlock, but a CPU cannot proceed.'}</p>
      )}
    </section>
  )
}
