import { useAppStore, useAppStoreApi } from '../../store'

/** What went wrong (a bad file, link or saved session) or what just happened, until dismissed. */
export function MessageBanner() {
  const message = useAppStore((s) => s.message)
  const store = useAppStoreApi()
  if (!message) return null
  return (
    <section className={`message ${message.kind}`} role={message.kind === 'error' ? 'alert' : undefined} aria-label="Message">
      <strong>{message.title}</strong>
      {message.lines.length > 0 && (
        <ul>
          {message.lines.map((l, i) => (
            <li key={i}>
              <code>{l}</code>
            </li>
          ))}
        </ul>
      )}
      <button type="button" onClick={() => store.getState().showMessage(null)}>
        Dismiss
      </button>
    </section>
  )
}
