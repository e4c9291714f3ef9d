/**
 * Values derived from a whole run, computed once per run object (the run is immutable, so a
 * WeakMap keyed by it is a safe cache): the lanes' frame, lockdep, lifetimes, the kernel log.
 */
import { variantDef, type KernelState, type Variant } from '../engine'
import { analyzeRun, cpuStreams, replaySchedule, scheduleOf, type Replay, type RunAnalysis } from '../engine/lockdep'
import type { RunOutput, Scenario } from '../engine/scenario'

import { kernelLog, lifetimes, runFrame, type ChangedSpans, type LifetimeRow, type LogEntry, type RunFrame } from '../engine/selectors'
import { viewChanges } from '../engine/selectors/viewChanges'
import type { AppState } from './createAppStore'

function memo<T>(compute: (run: RunOutput, s: AppState) => T): (s: AppState) => T | null {
  const cache = new WeakMap<RunOutput, T>()
  return (s) => {
    if (!s.run) return null
    let v = cache.get(s.run)
    if (v === undefined) {
      v = compute(s.run, s)
      cache.set(s.run, v)
    }
    return v
  }
}

export const selectFrame = memo<RunFrame>((run, s) => runFrame(run.states, variantDef(s.scenario!.variant as Variant).constants))
export const selectLockdep = memo<RunAnalysis>((run) => analyzeRun(run.records))
export const selectLifetimes = memo<LifetimeRow[]>((run) => lifetimes(run.states))
export const selectKernelLog = memo<LogEntry[]>((run) => kernelLog(run.records))

/** Does the scenario run on two CPUs (a step with cpu 1, or a schedule)? */
export function isTwoCpu(scenario: Scenario | null): boolean {
  if (!scenario) return false
  return scheduleOf(scenario) !== null || scenario.steps.some((st) => (st as { cpu?: unknown }).cpu === 1)
}

/** The two-CPU replay of the run's lock events under the scenario's schedule (null for one CPU). */
export const selectReplay = memo<Replay | false>((run, s) => {
  if (!isTwoCpu(s.scenario)) return false
  return replaySchedule(cpuStreams(run.records), scheduleOf(s.scenario!) ?? [])
})

const NO_CHANGES: ChangedSpans = { files: {}, vms: {} }
const changesCache = new WeakMap<KernelState, { prev: KernelState; changes: ChangedSpans }>()

/**
 * What the step at the cursor changed (the memory view's "changed" outlines), once per state:
 * compared only where the step replaced extents, so a jump does not sweep the whole state.
 */
export function selectChanges(s: AppState): ChangedSpans {
  const cur = s.run?.states[s.cursor]
  const prev = s.cursor > 0 ? s.run?.states[s.cursor - 1] : undefined
  if (!cur || !prev) return NO_CHANGES
  const hit = changesCache.get(cur)
  if (hit && hit.prev === prev) return hit.changes
  const changes = viewChanges(prev, cur)
  changesCache.set(cur, { prev, changes })
  return changes
}

/** Per run and per key name: the key of every state computed so far (states are immutable). */
const lastChangeCache = new WeakMap<RunOutput, Map<string, (string | undefined)[]>>()

/**
 * The latest state index i ≤ cursor where key(states[i]) differs from key(states[i - 1]), or 0
 * (lastChangeStep of the engine's selectors), with every state's key memoised per run under
 * `keyName` (a string naming what `key` reads, e.g. the selection as JSON): moving the cursor with
 * the same selection only computes the keys of states not seen yet, instead of walking back over
 * every state each time.
 */
export function selectLastChange(s: AppState, keyName: string, key: (state: KernelState) => string): number {
  const run = s.run
  if (!run || !run.states[s.cursor]) return 0
  let perKey = lastChangeCache.get(run)
  if (!perKey) lastChangeCache.set(run, (perKey = new Map()))
  let keys = perKey.get(keyName)
  if (!keys) {
    perKey.set(keyName, (keys = []))
    // keep the cache small: a hover sweeps many keys
    if (perKey.size > 64) perKey.delete(perKey.keys().next().value!)
  }
  const at = (i: number) => (keys[i] ??= key(run.states[i]!))
  let k = at(s.cursor)
  for (let i = s.cursor; i > 0; i--) {
    const prev = at(i - 1)
    if (prev !== k) return i
    k = prev
  }
  return 0
}
