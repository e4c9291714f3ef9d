/** The step that last changed what the app shows for a page or object, walking back over a run. */
import type { KernelState } from '../state'

/**
 * The latest state index i ≤ cursor where key(states[i]) differs from key(states[i-1]), or 0 when
 * it never changed since the initial state.
 */
export function lastChangeStep(states: readonly KernelState[], cursor: number, key: (s: KernelState) => string): number {
  const now = states[cursor]
  if (!now) return 0
  let k = key(now)
  for (let i = cursor; i > 0; i--) {
    const prev = key(states[i - 1]!)
    if (prev !== k) return i
    k = prev
  }
  return 0
}
