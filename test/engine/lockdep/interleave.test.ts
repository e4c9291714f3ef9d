import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { analyzeRun, cpuStreams, findDeadlock, replaySchedule, scheduleOf, searchInterleavings, type StreamEvent } from '../../../src/engine/lockdep'
import { parseScenario, runScenario, validateScenario, type ScenarioStep } from '../../../src/engine/scenario'
import { runCli } from '../../../scripts/scenario_cli'
import { acq, BINDINGS, FOLIO, INV, nested, rel } from './helpers'
import type { LockdepEvent } from '../../../src/engine/lockdep'

function stream(cpu: number, step: number, op: string, events: readonly LockdepEvent[]): StreamEvent[] {
  return events.map((ev) => ({ cpu, step, op, ev: { ...ev, cpu, task: cpu ? 'vmm-cpu1' : 'vmm' } }))
}

const sc = JSON.parse(readFileSync('scenarios/lockdep-kvm-v11-release-vs-bind.json', 'utf8')) as { steps: ScenarioStep[] }

describe('two CPUs on kvm-v11 ops (B-K1)', () => {
  it('finds an interleaving of bind (CPU1) and release (CPU0) that deadlocks, and returns it as a scenario', () => {
    const r = findDeadlock({ variant: 'kvm-v11', setup: sc.steps.slice(0, 2), cpu0: [sc.steps[3]!], cpu1: [sc.steps[2]!] })
    expect(r.found).toBe(true)
    const out = r.scenario!
    expect(validateScenario(JSON.parse(JSON.stringify(out))).ok).toBe(true)
    expect(out.steps.map((s) => [s.op, s.cpu])).toEqual([
      ['KVM_CREATE_VM', undefined],
      ['KVM_CREATE_GUEST_MEMFD', undefined],
      ['KVM_SET_USER_MEMORY_REGION2', 1],
      ['close', 0],
    ])
    expect(scheduleOf(out)).toEqual([0, 1, 0, 1])
    expect(r.replay!.deadlock!.map((w) => [w.task, w.lock])).toEqual([
      ['vmm/1000', '&kvm->slots_lock [vm1]'],
      ['vmm-cpu1/1001', 'mapping.invalidate_lock [inode3]'],
    ])
  })

  it('with fixes on, no interleaving deadlocks (the search is exhaustive within its bound)', () => {
    const r = findDeadlock({ variant: 'kvm-v11', fixes: true, setup: sc.steps.slice(0, 2), cpu0: [sc.steps[3]!], cpu1: [sc.steps[2]!] })
    expect(r).toMatchObject({ found: false, exhaustive: true, mergesTried: 2 })
  })

  it('the built-in two-CPU scenario replays to the deadlock, and the runner prints it', () => {
    const file = 'scenarios/lockdep-kvm-v11-release-vs-bind-2cpu.json'
    const p = parseScenario(readFileSync(file, 'utf8'))
    if (!p.ok) throw new Error(p.errors.join('\n'))
    const run = runScenario(p.scenario)
    expect(run.expectFailures).toBe(0)
    expect(run.records[2]!.result.locks[0]).toMatchObject({ task: 'vmm-cpu1', cpu: 1 })
    const rep = replaySchedule(cpuStreams(run.records), scheduleOf(p.scenario)!)
    expect(rep.deadlock).toHaveLength(2)
    expect(rep.trace.map((t) => t.outcome)).toEqual(['acquired', 'acquired', 'waits', 'waits'])
    const human = runCli([file, '--no-locks'], (f) => readFileSync(f, 'utf8')).stdout
    expect(human).toContain('DEADLOCK: every task below waits for the next one:')
    const json = runCli([file, '--json'], (f) => readFileSync(f, 'utf8')).stdout.trim().split('\n')
    expect(JSON.parse(json[json.length - 1]!).summary.interleaving.deadlock).toHaveLength(2)
  })

  it('a schedule that runs one CPU after the other completes without deadlock', () => {
    const p = parseScenario(readFileSync('scenarios/lockdep-kvm-v11-release-vs-bind-2cpu.json', 'utf8'))
    if (!p.ok) throw new Error('invalid')
    const rep = replaySchedule(cpuStreams(runScenario(p.scenario).records), [])
    expect(rep).toMatchObject({ deadlock: null, completed: true })
  })

  it('validation takes cpu 0 or 1 and a schedule of 0s and 1s only', () => {
    const base = { format: 'gmemscope/scenario@1', title: 't', variant: 'kvm-v11', steps: [{ op: 'KVM_CREATE_VM', cpu: 1 }] }
    expect(validateScenario(base).ok).toBe(true)
    expect(validateScenario({ ...base, steps: [{ op: 'KVM_CREATE_VM', cpu: 2 }] })).toMatchObject({ ok: false, errors: ['steps[0].cpu: expected 0 or 1, got 2'] })
    expect(validateScenario({ ...base, schedule: [0, 2] }).ok).toBe(false)
    expect(validateScenario({ ...base, schedule: [0, 1, 1] }).ok).toBe(true)
  })
})

describe('two CPUs on lock-event sequences (Gunyah v17 shapes, synthetic)', () => {
  // B-G17-10: demand paging: bindings_lock R -> invalidate_lock S; MAP_MEM|UNMAP: invalidate_lock W -> bindings_lock W
  const demandPage = nested([[BINDINGS, 'vm1', { mode: 'read', fn: 'gunyah_gmem_demand_page' }], [INV, 'inode1', { mode: 'read', fn: 'gunyah_gmem_demand_page' }]])
  const unmap = nested([[INV, 'inode1', { fn: 'gunyah_gmem_remove_mapping' }], [BINDINGS, 'vm1', { fn: 'gunyah_gmem_trim_binding' }]])

  it('B-G17-10: bindings_lock (read) vs invalidate_lock (write) deadlocks', () => {
    const r = searchInterleavings([stream(0, 1, 'vcpu_fault', demandPage), stream(1, 2, 'GUNYAH_VM_MAP_MEM', unmap)])
    expect(r.schedule).not.toBeNull()
    const rep = replaySchedule([stream(0, 1, 'vcpu_fault', demandPage), stream(1, 2, 'GUNYAH_VM_MAP_MEM', unmap)], r.schedule!)
    expect(rep.deadlock!.map((w) => w.lock).sort()).toEqual(['&ghvm->bindings_lock [vm1]', 'mapping.invalidate_lock [inode1]'])
  })

  it('B-G17-11: folio lock vs invalidate_lock deadlocks (the folio lock is a real lock here)', () => {
    const launder = nested([[FOLIO, 'inode1:0', { fn: 'invalidate_inode_pages2_range' }], [INV, 'inode1', { mode: 'read', fn: 'gunyah_gmem_launder_range' }]])
    const reclaim = nested([[INV, 'inode1', { fn: 'gunyah_gmem_remove_mapping' }], [FOLIO, 'inode1:0', { fn: 'gunyah_vm_reclaim_range' }]])
    expect(searchInterleavings([stream(0, 1, 'fallocate', launder), stream(1, 2, 'GUNYAH_VM_MAP_MEM', reclaim)]).schedule).not.toBeNull()
  })

  it('two readers never deadlock each other (read vs read on both locks)', () => {
    const a = nested([[INV, 'i', { mode: 'read' }], [BINDINGS, 'v', { mode: 'read' }]])
    const b = nested([[BINDINGS, 'v', { mode: 'read' }], [INV, 'i', { mode: 'read' }]])
    expect(searchInterleavings([stream(0, 1, 'a', a), stream(1, 2, 'b', b)])).toMatchObject({ schedule: null, bounded: false })
  })

  it('a non-recursive reader waits behind a queued writer (rwsem fairness): r, W, r deadlocks; a recursive reader does not', () => {
    const twice = [acq(INV, 'i', { mode: 'read' }), acq(INV, 'i', { mode: 'read' }), rel(INV, 'i'), rel(INV, 'i')]
    const writer = nested([[INV, 'i']])
    expect(searchInterleavings([stream(0, 1, 'r', twice), stream(1, 2, 'w', writer)]).schedule).toEqual([0, 1, 0])
    const rec = [acq(INV, 'i', { mode: 'read' }), acq(INV, 'i', { mode: 'recursive-read' }), rel(INV, 'i'), rel(INV, 'i')]
    expect(searchInterleavings([stream(0, 1, 'r', rec), stream(1, 2, 'w', writer)]).schedule).toBeNull()
  })

  it('a trylock that would fail is not schedulable and never counts as waiting', () => {
    const a = [acq(INV, 'i'), acq(BINDINGS, 'v', { trylock: true }), rel(BINDINGS, 'v'), rel(INV, 'i')]
    const b = nested([[BINDINGS, 'v'], [INV, 'i']])
    expect(searchInterleavings([stream(0, 1, 'a', a), stream(1, 2, 'b', b)]).schedule).toBeNull()
  })
})

describe('two CPUs on Gunyah v17 ops (built-in scenarios)', () => {
  for (const [file, locks] of [
    ['scenarios/lockdep-gunyah-v17-bindings-vs-invalidate-2cpu.json', ['&ghvm->bindings_lock [ghvm1]', 'mapping.invalidate_lock [inode3]']],
    ['scenarios/lockdep-gunyah-v17-folio-vs-invalidate-2cpu.json', ['folio_lock [inode3:2]', 'mapping.invalidate_lock [inode3]']],
  ] as const) {
    it(`${file}: the schedule deadlocks, lockdep reports, and with fixes on no interleaving deadlocks`, () => {
      const p = parseScenario(readFileSync(file, 'utf8'))
      if (!p.ok) throw new Error(p.errors.join('\n'))
      const run = runScenario(p.scenario)
      expect(run.expectFailures).toBe(0)
      const rep = replaySchedule(cpuStreams(run.records), scheduleOf(p.scenario)!)
      expect(rep.deadlock!.map((w) => w.lock).sort()).toEqual([...locks].sort())
      expect(analyzeRun(run.records).reports.map((r) => r.type)).toEqual(['circular'])
      const steps = p.scenario.steps
      const setup = steps.filter((s) => s.cpu === undefined)
      const r = findDeadlock({ variant: 'gunyah-v17', fixes: true, setup, cpu0: steps.filter((s) => s.cpu === 0), cpu1: steps.filter((s) => s.cpu === 1) })
      expect(r).toMatchObject({ found: false, exhaustive: true })
    })
  }
})
