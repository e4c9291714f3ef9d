import { useEffect, useId } from 'react'
import { selectCursor, selectRecords, selectStepCount, useAppStore, useAppStoreApi, SPEEDS } from '../../store'

/** Play/pause, speed and a scrubber over every step; failed steps and the divergence are ticked on it. */
export function Timeline() {
  const id = useId()
  const store = useAppStoreApi()
  const cursor = useAppStore(selectCursor)
  const count = useAppStore(selectStepCount)
  const records = useAppStore(selectRecords)
  const playing = useAppStore((s) => s.playing)
  const speed = useAppStore((s) => s.speed)
  const divergence = useAppStore((s) => s.divergence)
  useEffect(() => {
    if (!playing) return
    const t = setInterval(() => {
      const s = store.getState()
      if (s.cursor >= (s.run?.records.length ?? 0)) s.setView({ playing: false })
      else s.stepForward()
    }, speed)
    return () => clearInterval(t)
  }, [playing, speed, store])
  return (
    <div className="timeline" role="group" aria-label="Playback">
      <button type="button" aria-keyshortcuts="Space" aria-label={playing ? 'Pause' : 'Play'} onClick={() => store.getState().setView({ playing: !playing && count > 0 })}>
        {playing ? '❚❚' : '▶'}
      </button>
      <label htmlFor={`${id}-speed`} className="sr-only">
        Speed
      </label>
      <select id={`${id}-speed`} value={speed} onChange={(e) => store.getState().setView({ speed: Number(e.target.value) })} aria-keyshortcuts="- =">
        {SPEEDS.map((s) => (
          <option key={s} value={s}>
            {(1000 / s).toString()} step/s
          </option>
        ))}
      </select>
      <div className="scrubber">
        <label htmlFor={`${id}-scrub`} className="sr-only">
          Step
        </label>
        <input
          id={`${id}-scrub`}
          type="range"
          min={0}
          max={count}
          value={cursor}
          onChange={(e) => store.getState().jumpTo(Number(e.target.value))}
          aria-valuetext={`step ${cursor} of ${count}`}
        />
        <div className="marks" aria-hidden="true">
          {records.map((r) =>
            r.result.errno || r.result.signal || r.index === divergence ? (
              <span
                key={r.index}
                className={`mark${r.index === divergence ? ' diverge' : ''}${r.result.errno || r.result.signal ? ' failed' : ''}`}
                style={{ left: `${(r.index / Math.max(1, count)) * 100}%` }}
              />
            ) : null,
          )}
        </div>
      </div>
    </div>
  )
}
