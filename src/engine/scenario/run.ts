/**
 * Running a scenario: each step is lowered, stepped through the engine, and checked against its
 * expect. The app and the command-line runner share this code path.
 */
import type { Action } from '../actions'
import type { StepResult } from '../result'
import { initialState, type KernelState, type Variant } from '../state'
import { step as engineStep } from '../step'
import { big } from '../u64'
import { variantDef } from '../variants/registry'
import { taskForCpu } from '../lockdep/tasks'
import { lowerStep, type Handle } from './lower'
import { OP_SPECS } from './ops'
import type { Expect, Scenario, ScenarioStep } from './types'

export interface StepRecord {
  /** 1-based step number (steps[index - 1] in the file) */
  readonly index: number
  readonly step: ScenarioStep
  readonly action: Action
  readonly result: StepResult
  readonly expectOk: boolean
  readonly mismatches: readonly string[]
}

export interface RunOptions {
  /** overrides the scenario's fixes flag */
  readonly fixes?: boolean
  /** keep the state after every step (for time travel) */
  readonly keepStates?: boolean
}

export interface RunOutput {
  readonly records: readonly StepRecord[]
  /** states[0] is the initial state, states[n] the state after step n (with keepStates) */
  readonly states: readonly KernelState[]
  readonly final: KernelState
  readonly fixes: boolean
  readonly expectFailures: number
}

/** Compares a result with the step's expect; returns what differs. */
export function checkExpect(expect: Expect | undefined, r: StepResult): string[] {
  if (!expect) return []
  const out: string[] = []
  if ('errno' in expect && (expect.errno ?? null) !== r.errno) {
    out.push(`errno: expected ${expect.errno ?? 'success (null)'}, got ${r.errno ?? 'success (null)'}`)
  }
  if ('ret' in expect && expect.ret !== undefined && big(expect.ret) !== big(r.ret)) {
    out.push(`ret: expected ${String(expect.ret)}, got ${String(r.ret)}`)
  }
  if ('signal' in expect && (expect.signal ?? null) !== r.signal) {
    out.push(`signal: expected ${expect.signal ?? 'none'}, got ${r.signal ?? 'none'}`)
  }
  if ('exit' in expect && (expect.exit ?? null) !== r.exit) {
    out.push(`exit: expected ${expect.exit ?? 'none'}, got ${r.exit ?? 'none'}`)
  }
  return out
}

/** The handle a creating step leaves behind for its name. */
function handleOf(step: ScenarioStep, action: Action, r: StepResult): Handle | null {
  const creates = OP_SPECS[step.op]?.creates
  if (!creates || step.as === undefined) return null
  const value = Number(r.ret)
  const length = action.op === 'mmap' ? Number(big(action.length)) : 0
  return { kind: creates, value, length }
}

/** Runs a validated scenario from a fresh kernel. */
export function runScenario(scenario: Scenario, opts: RunOptions = {}): RunOutput {
  const fixes = opts.fixes ?? scenario.fixes ?? false
  const variant = scenario.variant as Variant
  const constants = variantDef(variant).constants
  let state = initialState(variant, fixes)
  const states: KernelState[] = opts.keepStates ? [state] : []
  const records: StepRecord[] = []
  const env = new Map<string, Handle>()
  let expectFailures = 0
  scenario.steps.forEach((s, i) => {
    const action = lowerStep(s, env, constants)
    const out = engineStep(state, action, taskForCpu(s.cpu))
    state = out.state
    if (opts.keepStates) states.push(state)
    const mismatches = checkExpect(s.expect, out.result)
    if (mismatches.length) expectFailures++
    const h = handleOf(s, action, out.result)
    if (h && s.as !== undefined) env.set(s.as, h)
    records.push({ index: i + 1, step: s, action, result: out.result, expectOk: mismatches.length === 0, mismatches })
  })
  return { records, states, final: state, fixes, expectFailures }
}
