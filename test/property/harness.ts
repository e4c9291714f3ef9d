/**
 * Runs one generated step list and checks every property of issue 8 on it:
 *
 * - the scenario validates, and serialised and parsed again it is the same scenario;
 * - the reducer never throws (an exception is an engine bug) and never mutates its input
 *   (the input state and action are deep-frozen, and compared before and after);
 * - after every step, `checkInvariants` and `checkStep` (src/engine/invariants.ts) find nothing,
 *   except, running as written, violations explained by a seed bug the run went through;
 * - replaying the action list from a fresh kernel reproduces every state and result, and so does
 *   running the parsed scenario through `runScenario` (the app's and the runner's path).
 *
 * Shared by the vitest properties (test/property/*.test.ts), the named regressions and
 * scripts/fuzz.ts. A failure throws `PropertyFailure` with the steps needed to reproduce it.
 */
import type { Action } from '../../src/engine/actions'
import { checkInvariants, checkStep, type Violation } from '../../src/engine/invariants'
import { taskForCpu } from '../../src/engine/lockdep/tasks'
import type { StepResult } from '../../src/engine/result'
import { lowerStep, OP_SPECS, parseScenario, runScenario, SCENARIO_FORMAT, type Handle, type Scenario, type ScenarioStep } from '../../src/engine/scenario'
import { initialState, type Variant } from '../../src/engine/state'
import { step as engineStep } from '../../src/engine/step'
import { big } from '../../src/engine/u64'
import { variantDef } from '../../src/engine/variants/registry'
import { knownEngineBug } from './known_engine_bugs'

export class PropertyFailure extends Error {
  constructor(
    readonly kind: 'invalid' | 'roundtrip' | 'throw' | 'mutation' | 'invariant' | 'replay',
    message: string,
    readonly steps: readonly ScenarioStep[],
    readonly failedStep: number | null,
  ) {
    super(message)
  }
}

export interface SequenceReport {
  readonly steps: number
  /** violations accepted because the run went through a seed bug that breaks them (as written only) */
  readonly explained: readonly { readonly step: number; readonly violation: Violation; readonly bugs: readonly string[] }[]
  /** every seed bug the run went through */
  readonly bugsTaken: readonly string[]
  /** violations accepted as known, still unfixed engine bugs (test/property/known_engine_bugs.ts) */
  readonly engineBugs: readonly { readonly step: number; readonly id: string; readonly violation: Violation }[]
}

export interface CheckOptions {
  /** accept the known engine bugs (default true); the regression tests turn this off */
  readonly allowKnownEngineBugs?: boolean
}

export function scenarioOf(variant: Variant, fixes: boolean, steps: readonly ScenarioStep[], title = 'property'): Scenario {
  return { format: SCENARIO_FORMAT, title, variant, fixes, steps }
}

export function deepFreeze<T>(x: T): T {
  if (x && typeof x === 'object' && !Object.isFrozen(x)) {
    Object.freeze(x)
    for (const v of Object.values(x)) deepFreeze(v)
  }
  return x
}

function handleOf(s: ScenarioStep, action: Action, r: StepResult): Handle | null {
  const creates = OP_SPECS[s.op]?.creates
  if (!creates || s.as === undefined) return null
  return { kind: creates, value: Number(r.ret), length: action.op === 'mmap' ? Number(big(action.length)) : 0 }
}

function describeStep(i: number, s: ScenarioStep): string {
  return `#${i + 1} ${JSON.stringify(s)}`
}

/** Runs the steps with every check; throws PropertyFailure on the first property that fails. */
export function checkSequence(variant: Variant, fixes: boolean, steps: readonly ScenarioStep[], opts: CheckOptions = {}): SequenceReport {
  const fail = (kind: PropertyFailure['kind'], msg: string, at: number | null = null): never => {
    throw new PropertyFailure(kind, `[${variant}${fixes ? ' --fixes' : ''}] ${msg}`, steps, at)
  }
  // 1. validation and the serialisation round trip
  const text = JSON.stringify(scenarioOf(variant, fixes, steps))
  const parsed = parseScenario(text)
  if (!parsed.ok) return fail('invalid', `the generated scenario does not validate: ${parsed.errors.slice(0, 3).join('; ')}`)
  if (JSON.stringify(parsed.scenario) !== text) fail('roundtrip', 'the scenario parsed back differs from the one serialised')

  // 2. step by step, with the invariants
  const constants = variantDef(variant).constants
  let state = deepFreeze(initialState(variant, fixes))
  const env = new Map<string, Handle>()
  const actions: Action[] = []
  const states: string[] = [JSON.stringify(state)]
  const results: string[] = []
  const bugsTaken = new Set<string>()
  const explained: { step: number; violation: Violation; bugs: string[] }[] = []
  const engineBugs: { step: number; id: string; violation: Violation }[] = []
  const ops: string[] = []
  parsed.scenario.steps.forEach((s, i) => {
    const action = deepFreeze(lowerStep(s, env, constants))
    const before = states[states.length - 1]!
    let out: ReturnType<typeof engineStep>
    try {
      out = engineStep(state, action, taskForCpu(s.cpu))
    } catch (e) {
      return fail(e instanceof TypeError && /read.only|frozen|not extensible/i.test(e.message) ? 'mutation' : 'throw', `${describeStep(i, s)} threw: ${(e as Error).message}`, i + 1)
    }
    if (JSON.stringify(state) !== before) fail('mutation', `${describeStep(i, s)} mutated its input state`, i + 1)
    for (const b of out.result.bugs) bugsTaken.add(b)
    ops.push(s.op)
    const violations = [...checkInvariants(out.state), ...checkStep(state, action, out)]
    for (const v of violations) {
      const bugs = v.seedBugs.filter((b) => bugsTaken.has(b))
      if (fixes || bugs.length === 0) {
        const known = opts.allowKnownEngineBugs === false ? undefined : knownEngineBug({ variant, fixes, invariant: v.invariant, message: v.message, ops, state: out.state, all: violations })
        if (known) {
          engineBugs.push({ step: i + 1, id: known.id, violation: v })
          continue
        }
        fail('invariant', `${describeStep(i, s)}: invariant ${v.invariant} broken${fixes ? ' with fixes on' : ' and no known seed bug explains it'}: ${v.message}`, i + 1)
      }
      explained.push({ step: i + 1, violation: v, bugs })
    }
    const h = handleOf(s, action, out.result)
    if (h && s.as !== undefined) env.set(s.as, h)
    actions.push(action)
    state = out.state
    states.push(JSON.stringify(state))
    results.push(JSON.stringify(out.result))
  })

  // 3. replaying the action list reproduces every state and result
  let again = initialState(variant, fixes)
  actions.forEach((a, i) => {
    const out = engineStep(again, a, taskForCpu(parsed.scenario.steps[i]!.cpu))
    again = out.state
    if (JSON.stringify(again) !== states[i + 1]) fail('replay', `replaying the actions gives another state after step #${i + 1}`, i + 1)
    if (JSON.stringify(out.result) !== results[i]) fail('replay', `replaying the actions gives another result at step #${i + 1}`, i + 1)
  })
  // ... and so does the runner's path
  const run = runScenario(parsed.scenario, { fixes })
  if (JSON.stringify(run.final) !== states[states.length - 1]) fail('replay', 'runScenario ends in another state than stepping the actions')
  return { steps: steps.length, explained, bugsTaken: [...bugsTaken].sort(), engineBugs }
}
