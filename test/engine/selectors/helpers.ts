import { readFileSync } from 'node:fs'
import { parseScenario, runScenario, type RunOutput } from '../../../src/engine/scenario'

/** Runs a built-in scenario by id, keeping every state. */
export function runBuiltin(id: string, fixes?: boolean): RunOutput {
  const parsed = parseScenario(readFileSync(new URL(`../../../scenarios/${id}.json`, import.meta.url), 'utf8'))
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'))
  return runScenario(parsed.scenario, { keepStates: true, fixes })
}
