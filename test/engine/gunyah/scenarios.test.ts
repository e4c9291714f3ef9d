import { describe, it, expect } from 'vitest'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseScenario, runScenario } from '../../../src/engine/scenario'
import '../../../src/engine/step'

const DIR = join(__dirname, '../../../scenarios')

describe('built-in Gunyah scenarios', () => {
  for (const name of readdirSync(DIR).filter((f) => f.startsWith('gunyah-') && f.endsWith('.json'))) {
    it(`${name} passes in its own fixes mode`, () => {
      const parsed = parseScenario(readFileSync(join(DIR, name), 'utf8'))
      if (!parsed.ok) throw new Error(parsed.errors.join('\n'))
      const out = runScenario(parsed.scenario)
      expect(out.records.filter((r) => !r.expectOk).map((r) => `#${r.index}: ${r.mismatches.join('; ')}`)).toEqual([])
      expect(parsed.scenario.steps.every((s) => s.note && s.expect)).toBe(true)
    })
  }
})
