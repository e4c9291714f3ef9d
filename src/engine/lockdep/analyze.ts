/** Lockdep over a whole scenario run: per-step reports and the final graph. */
import { createLockdep, lockdepObserve } from './check'
import { exportGraph, weakCycles, type WeakCycle } from './graph'
import type { LockdepEvent, LockdepGraph, LockdepOptions, LockdepReport, LockdepState } from './types'

/** What analyzeRun needs of a step record (StepRecord fits). */
export interface RunRecordLike {
  readonly index: number
  readonly step: { readonly op: string }
  readonly result: { readonly locks: readonly LockdepEvent[] }
}

export interface StepLockdep {
  readonly step: number
  readonly op: string
  readonly reports: readonly LockdepReport[]
  /** lockdep is still on after this step */
  readonly debugLocks: boolean
}

export interface RunAnalysis {
  readonly steps: readonly StepLockdep[]
  readonly reports: readonly LockdepReport[]
  readonly graph: LockdepGraph
  readonly state: LockdepState
  /** cycles of the class graph lockdep does not report (not strong), with the reason */
  readonly weakCycles: readonly WeakCycle[]
}

export function analyzeRun(records: readonly RunRecordLike[], opts: LockdepOptions = {}): RunAnalysis {
  let state = createLockdep(opts)
  const steps: StepLockdep[] = []
  const reports: LockdepReport[] = []
  for (const rec of records) {
    const out = lockdepObserve(state, rec.index, rec.step.op, rec.result.locks)
    state = out.state
    reports.push(...out.reports)
    steps.push({ step: rec.index, op: rec.step.op, reports: out.reports, debugLocks: state.debugLocks })
  }
  const first = reports.find((r) => r.type === 'circular')
  return { steps, reports, graph: exportGraph(state, first ? first.cycle : []), state, weakCycles: weakCycles(state) }
}
