/**
 * Values derived from a whole run, computed once per run object (the run is immutable, so a
 * WeakMap keyed by it is a safe cache): the lanes' frame, lockdep, lifetimes, the kernel log.
 */
import { variantDef, type Variant } from '../engine'
import { analyzeRun, cpuStreams, replaySchedule, scheduleOf, type Replay, type RunAnalysis } from '../engine/lockdep'
import type { RunOutput, Scenario } from '../engine/scenario'

import { kernelLog, lifetimes, runFrame, type LifetimeRow, type LogEntry, type RunFrame } from '../engine/selectors'
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
