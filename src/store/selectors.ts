/** Narrow reads of the app store. Each returns a value already in the store (stable identity). */
import type { KernelState } from '../engine'
import { variantDef, type Variant } from '../engine'
import type { StepRecord } from '../engine/scenario'
import type { ConstantTable } from '../engine/uapi'
import type { AppState } from './createAppStore'

/** The kernel state at the cursor (the initial state at cursor 0). */
export function selectCurrentState(s: AppState): KernelState | null {
  return s.run?.states[s.cursor] ?? null
}

/** The record of the step that led to the current state (null at cursor 0). */
export function selectCurrentRecord(s: AppState): StepRecord | null {
  if (!s.run || s.cursor === 0) return null
  return s.run.records[s.cursor - 1] ?? null
}

/** The state before the current step (null at cursor 0): the base of "what changed". */
export function selectPreviousState(s: AppState): KernelState | null {
  if (!s.run || s.cursor === 0) return null
  return s.run.states[s.cursor - 1] ?? null
}

export function selectRecords(s: AppState): readonly StepRecord[] {
  return s.run?.records ?? EMPTY_RECORDS
}

export function selectStepCount(s: AppState): number {
  return s.run?.records.length ?? 0
}

export function selectCursor(s: AppState): number {
  return s.cursor
}

export function selectCanStepBack(s: AppState): boolean {
  return s.cursor > 0
}

export function selectCanStepForward(s: AppState): boolean {
  return s.cursor < selectStepCount(s)
}

/** The uapi constant names of the scenario's variant (for strace-style call text). */
export function selectConstants(s: AppState): ConstantTable {
  if (!s.scenario) return EMPTY_CONSTANTS
  return variantDef(s.scenario.variant as Variant).constants
}

/** How many steps of the run did not meet their expect. */
export function selectExpectFailures(s: AppState): number {
  return s.run?.expectFailures ?? 0
}

const EMPTY_RECORDS: readonly StepRecord[] = []
const EMPTY_CONSTANTS: ConstantTable = {}
