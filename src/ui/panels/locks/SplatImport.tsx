import { useId, useState } from 'react'
import { parseSplats, splatInputProblem, type ParsedSplat } from '../../../engine/lockdep/splat/parse'
import { SplatGraph } from './SplatGraph'

/** Paste a kernel log: each lockdep splat in it is parsed and drawn as a graph beside its chain and text. */
export function SplatImport() {
  const id = useId()
  const [text, setText] = useState('')
  const [splats, setSplats] = useState<ParsedSplat[] | null>(null)
  const [problem, setProblem] = useState<string | null>(null)
  return (
    <section className="splat-import" aria-label="Imported splats">
      <label htmlFor={id}>Paste a kernel log with lockdep splats</label>
      <textarea id={id} rows={4} value={text} onChange={(e) => setText(e.target.value)} spellCheck={false} />
      <button
        type="button"
        onClick={() => {
          const why = splatInputProblem(text)
          setProblem(why)
          setSplats(why === null ? parseSplats(text) : null)
        }}
      >
        Parse splats
      </button>
      {problem !== null && (
        <p className="message error" role="alert">
          The paste was not parsed: {problem}.
        </p>
      )}
      {splats && splats.length === 0 && (
        <p className="none" role="status">
          No lockdep splat found in the pasted text (a report starts at a line like “WARNING: possible circular locking dependency detected” and needs
          its lock lines; a truncated or garbled report gives nothing).
        </p>
      )}
      {splats && splats.length > 0 && (
        <ol className="splats">
          {splats.map((s, i) => (
            <li key={i}>
              <strong>{s.title}</strong> {s.task ? `(${s.task.comm}/${s.task.pid})` : ''}
              <div>classes: {s.classes.map((c) => <code key={c}>{c}</code>).reduce<React.ReactNode[]>((a, c, j) => (j ? [...a, ' → ', c] : [c]), [])}</div>
              <div className="splat-view">
                <SplatGraph splat={s} index={i} />
                <div className="splat-text">
                  {s.chain.length > 0 && (
                    <ul>
                      {s.chain.map((c) => (
                        <li key={c.index}>
                          #{c.index} <code>{c.class}</code> at {c.frames.slice(0, 3).join(' < ')}
                        </li>
                      ))}
                    </ul>
                  )}
                  <details>
                    <summary>Report text</summary>
                    <pre>{s.raw}</pre>
                  </details>
                </div>
              </div>
            </li>
          ))}
        </ol>
      )}
    </section>
  )
}
