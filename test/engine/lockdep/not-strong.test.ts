import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { analyzeRun } from '../../../src/engine/lockdep'
import { parseScenario, runScenario } from '../../../src/engine/scenario'

function run(file: string) {
  const parsed = parseScenario(readFileSync(file, 'utf8'))
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'))
  return runScenario(parsed.scenario, { keepStates: true })
}

describe('a cycle through kvm->srcu that is not strong (scenarios/lockdep-kvm-v11-srcu-not-strong.json)', () => {
  const out = run('scenarios/lockdep-kvm-v11-srcu-not-strong.json')
  const analysis = analyzeRun(out.records)

  it('the shared fault takes mmap_lock (read) inside srcu, and munmap takes srcu inside mmap_lock (write)', () => {
    const fault = out.records[2]!.result.locks.filter((e) => e.kind === 'acquire').map((e) => `${e.cls}:${e.mode}`)
    expect(fault.indexOf('&kvm->srcu:recursive-read')).toBeLessThan(fault.indexOf('&mm->mmap_lock:read'))
    const unmap = out.records[3]!.result.locks.filter((e) => e.kind === 'acquire').map((e) => `${e.cls}:${e.mode}`)
    expect(unmap[0]).toBe('&mm->mmap_lock:write')
    expect(unmap).toContain('&kvm->srcu:recursive-read')
  })

  it('lockdep reports nothing, and names the cycle it skipped with the reason', () => {
    expect(analysis.reports).toEqual([])
    const weak = analysis.weakCycles.find((w) => w.classes.includes('&mm->mmap_lock'))
    expect(weak?.classes).toEqual(['&kvm->srcu', '&mm->mmap_lock', '&kvm->srcu'])
    expect(weak?.reason).toMatch(/not a strong cycle/)
  })

  it('the MMU notifier zaps the shared stage-2 mapping of the unmapped host page', () => {
    expect(out.states[3]!.vms['vm1']!.stage2.length).toBe(1)
    expect(out.states[4]!.vms['vm1']!.stage2.length).toBe(0)
  })
})

