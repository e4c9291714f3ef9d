/** Where two runs of one scenario (as written, fixed) first differ. */
import type { StepResult } from '../result'

export interface DivergenceRecord {
  readonly index: number
  readonly result: StepResult
}

/** What a step did, without the bug list (which names the bugs on the path either way). */
export function outcomeKey(r: StepResult): string {
  return JSON.stringify([
    String(r.ret),
    r.errno,
    r.signal,
    r.exit,
    r.log.map((l) => l.text),
    r.locks.map((e) => `${e.kind} ${e.cls} ${e.instance} ${e.mode}`),
  ])
}

/** The 1-based index of the first step whose outcome differs, or null when the runs agree. */
export function firstDivergence(a: readonly DivergenceRecord[], b: readonly DivergenceRecord[]): number | null {
  const n = Math.max(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a[i]
    const y = b[i]
    if (!x || !y) return i + 1
    if (outcomeKey(x.result) !== outcomeKey(y.result)) return x.index
  }
  return null
}
