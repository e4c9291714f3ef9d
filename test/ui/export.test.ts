import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseScenario, runScenario } from '../../src/engine/scenario'
import { vitestFileName, vitestSpec } from '../../src/ui/export/vitestExport'

describe('export as a vitest test', () => {
  it('embeds the scenario as JSON and asserts every step', () => {
    const parsed = parseScenario(readFileSync(new URL('../../scenarios/lockdep-kvm-v11-release-vs-bind.json', import.meta.url), 'utf8'))
    if (!parsed.ok) throw new Error(parsed.errors.join('\n'))
    const run = runScenario(parsed.scenario)
    const text = vitestSpec(parsed.scenario, run)
    expect(vitestFileName(parsed.scenario)).toMatch(/^lockdep-kvm-gmem-release-vs-kvm-gmem-bind.*\.test\.ts$/)
    expect(text).toContain(`const SCENARIO = ${JSON.stringify(parsed.scenario, null, 2)}`)
    expect(text.match(/it\("#\d+ /g)).toHaveLength(4)
    expect(text).toContain('runScenario(parsed.scenario, { fixes: false })')
  })
})
