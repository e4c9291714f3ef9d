/**
 * Differential test: the kvm-upstream suite in test/kdiff/ through the engine and the real kernel.
 * Runs only where /dev/kvm and gcc exist; elsewhere one test says why it did not run.
 */
import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { buildRunner, expandFiles, kdiffFile, kdiffUnavailable, probeHost } from '../../scripts/kdiff_core'
import { parseScenario, runScenario } from '../../src/engine/scenario'
import { readFileSync } from 'node:fs'

const SUITE = join(__dirname)
const why = kdiffUnavailable()
const files = expandFiles([SUITE])

describe('kdiff suite (engine only)', () => {
  it('has at least 60 valid kvm-upstream scenarios whose expects hold on the host kdiff was written on', () => {
    expect(files.length).toBeGreaterThanOrEqual(60)
    for (const f of files) {
      const parsed = parseScenario(readFileSync(f, 'utf8'))
      expect(parsed.ok, f).toBe(true)
      if (!parsed.ok) continue
      // the suite's expects describe the reference host (no SW_PROTECTED_VM, no attributes, shadow paging, no SMM)
      const host = { op: 'host_config', vm_types: 1, memory_attributes: false, tdp: false, address_spaces: 1 }
      const run = runScenario({ ...parsed.scenario, steps: [host, ...parsed.scenario.steps] })
      expect(run.expectFailures, f).toBe(0)
    }
  })
})

if (why) {
  describe('kdiff against the kernel', () => {
    it(`does not run here: ${why}`, () => {
      expect(why).toBeTruthy()
    })
  })
} else {
  describe('kdiff against the kernel', () => {
    const runner = buildRunner()
    const host = probeHost(runner)
    for (const file of files) {
      it(`agrees with the kernel: ${file.split('/').pop()}`, () => {
        const r = kdiffFile(file, runner, host)
        expect(r.disagreements).toEqual([])
      })
    }
  })
}
