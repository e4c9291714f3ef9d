import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { analyzeRun } from '../../../src/engine/lockdep'
import { parseScenario, runScenario, type Scenario } from '../../../src/engine/scenario'
import { runCli } from '../../../scripts/scenario_cli'

const FILE = 'scenarios/lockdep-kvm-v11-release-vs-bind.json'

/** Isaku Yamahata's splat, quoted in seed 002 (lines 277-316), as posted (abridged with "..."). */
const SEED_SPLAT = `======================================================
WARNING: possible circular locking dependency detected
------------------------------------------------------
...

the existing dependency chain (in reverse order) is:

-> #1 (mapping.invalidate_lock#4){+.+.}-{4:4}:
       ...
       down_write+0x40/0xe0
       kvm_gmem_bind+0xd9/0x1b0 [kvm]
       __kvm_set_memory_region.part.0+0x4fc/0x620 [kvm]
       __kvm_set_memory_region+0x6b/0x90 [kvm]
       kvm_vm_ioctl+0x350/0xa00 [kvm]
       __x64_sys_ioctl+0x95/0xd0
       do_syscall_64+0x39/0x90
       entry_SYSCALL_64_after_hwframe+0x6e/0xd8

-> #0 (&kvm->slots_lock){+.+.}-{4:4}:
       ...
       mutex_lock_nested+0x1b/0x30
       kvm_gmem_release+0x56/0x1b0 [kvm]
       __fput+0x115/0x2e0
       ____fput+0xe/0x20
       task_work_run+0x5e/0xb0
       do_exit+0x2dd/0x5b0
       do_group_exit+0x3b/0xb0
       __x64_sys_exit_group+0x18/0x20
       do_syscall_64+0x39/0x90
       entry_SYSCALL_64_after_hwframe+0x6e/0xd8

other info that might help us debug this:

 Possible unsafe locking scenario:

       CPU0                    CPU1
       ----                    ----
  lock(mapping.invalidate_lock#4);
                               lock(&kvm->slots_lock);
                               lock(mapping.invalidate_lock#4);
  lock(&kvm->slots_lock);
`

/**
 * Frames of the splat the engine does not model: Isaku's release ran from process exit
 * (task_work after do_exit), the scenario's from close(2); `__kvm_set_memory_region.part.0` is
 * a compiler split of the function the engine calls __kvm_set_memory_region.
 */
const NOT_MODELLED = new Set(['____fput', 'task_work_run', 'do_exit', 'do_group_exit', '__x64_sys_exit_group', '__kvm_set_memory_region.part.0'])

const isFrame = (l: string): boolean => /^ {7}\S/.test(l)
const frameName = (l: string): string => l.trim().replace(/\+0x[0-9a-f]+\/0x[0-9a-f]+/, '').replace(/ \[\w+\]$/, '')

function load(fixes?: boolean): Scenario {
  const p = parseScenario(readFileSync(FILE, 'utf8'))
  if (!p.ok) throw new Error(p.errors.join('\n'))
  return fixes === undefined ? p.scenario : { ...p.scenario, fixes }
}

describe('B-K1: kvm_gmem_release vs kvm_gmem_bind (seed 002 splat)', () => {
  const run = runScenario(load())
  const a = analyzeRun(run.records)

  it('runs every step as expected and reports once, at the close', () => {
    expect(run.expectFailures).toBe(0)
    expect(a.reports).toHaveLength(1)
    expect(a.reports[0]).toMatchObject({ type: 'circular', step: 4, op: 'close', classes: ['mapping.invalidate_lock#4', '&kvm->slots_lock'], beyondLockdep: false })
    expect(a.steps.map((s) => s.reports.length)).toEqual([0, 0, 0, 1])
  })

  it('matches the seed splat line by line (ignoring addresses, offsets and frames the engine does not model)', () => {
    const ours = a.reports[0]!.text.split('\n')
    let j = 0
    let section = ''
    for (const line of SEED_SPLAT.split('\n')) {
      if (line.trim() === '...') continue
      if (line.startsWith('-> #')) section = line
      if (isFrame(line)) {
        const f = frameName(line)
        if (NOT_MODELLED.has(f)) continue
        // the frame must come later in the same chain entry of our report
        while (j < ours.length && !(isFrame(ours[j]!) && frameName(ours[j]!) === f)) {
          expect(ours[j]!.startsWith('-> #') && ours[j] !== section, `frame ${f} of ${section} not found before ${ours[j]}`).toBe(false)
          j++
        }
        expect(j < ours.length, `frame ${f} missing`).toBe(true)
        j++
        continue
      }
      // a non-frame line: the next non-frame line of ours that is not a header/ident line the post left out
      while (j < ours.length && ours[j] !== line) {
        expect(isFrame(ours[j]!) || line === '' || !ours[j]!.startsWith('-> #') || ours[j] === line, `expected "${line}", at "${ours[j]}"`).toBe(true)
        j++
      }
      expect(ours[j], `line "${line}" not found in order`).toBe(line)
      j++
    }
  })

  it('prints the parts the abridged post left out in the kernel layout', () => {
    const t = a.reports[0]!.text
    expect(t).toMatch(/^={54}\nWARNING: possible circular locking dependency detected\n6\.5\.0-rc2-gmemscope #1 Not tainted\n-{54}\nvmm\/1000 is trying to acquire lock:\nffff8880[0-9a-f]{8} \(&kvm->slots_lock\)\{\+\.\+\.\}-\{4:4\}, at: kvm_gmem_release \[kvm\]\n\nbut task is already holding lock:\nffff8880[0-9a-f]{8} \(mapping\.invalidate_lock#4\)\{\+\.\+\.\}-\{4:4\}, at: kvm_gmem_release \[kvm\]\n\nwhich lock already depends on the new lock\.\n\n\nthe existing/)
    expect(t).toMatch(/\n \*\*\* DEADLOCK \*\*\*\n\n1 lock held by vmm\/1000:\n #0: ffff8880[0-9a-f]{8} \(mapping\.invalidate_lock#4\)\{\+\.\+\.\}-\{4:4\}, at: kvm_gmem_release \[kvm\]\n\nstack backtrace:\nCPU: 0 PID: 1000 Comm: vmm Not tainted 6\.5\.0-rc2-gmemscope #1\n/)
    expect(t).not.toContain('Chain exists of')
  })

  it('exports the graph with the cycle highlighted', () => {
    const inv = a.graph.nodes.find((n) => n.name === 'mapping.invalidate_lock#4')!
    expect(inv).toMatchObject({ usage: '{+.+.}', wait: '{4:4}' })
    const e = a.graph.edges.find((x) => x.inCycle)!
    expect(e).toMatchObject({ from: '&kvm->slots_lock', to: 'mapping.invalidate_lock', step: 3, op: 'KVM_SET_USER_MEMORY_REGION2', types: ['EN'] })
    expect(e.trace.slice(0, 2)).toEqual(['down_write', 'kvm_gmem_bind'])
    expect(a.graph.cycle).toContainEqual({ from: 'mapping.invalidate_lock', to: '&kvm->slots_lock', closing: true })
    expect(JSON.parse(JSON.stringify(a.graph))).toEqual(a.graph)
  })

  it('with fixes on, lockdep stays silent (as does the -fixed scenario)', () => {
    const fixed = analyzeRun(runScenario(load(true)).records)
    expect(fixed.reports).toEqual([])
    expect(fixed.state.debugLocks).toBe(true)
    const p = parseScenario(readFileSync('scenarios/lockdep-kvm-v11-release-vs-bind-fixed.json', 'utf8'))
    expect(p.ok).toBe(true)
    if (p.ok) expect(analyzeRun(runScenario(p.scenario).records).reports).toEqual([])
  })

  it('the runner adds "lockdep" to each step and "lockdepReports" to the summary', () => {
    const out = runCli([FILE, '--json'], (p) => readFileSync(p, 'utf8'))
    const lines = out.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(lines[2]!.lockdep).toEqual([])
    expect(lines[3]!.lockdep).toEqual([{ type: 'circular', classes: ['mapping.invalidate_lock#4', '&kvm->slots_lock'], text: a.reports[0]!.text }])
    expect((lines[4]!.summary as Record<string, unknown>).lockdepReports).toBe(1)
    const human = runCli([FILE, '--no-locks'], (p) => readFileSync(p, 'utf8')).stdout
    expect(human).toContain('    lockdep: circular\n    | ======================================================\n    | WARNING: possible circular locking dependency detected\n')
    expect(runCli([FILE, '--fixes', '--json'], (p) => readFileSync(p, 'utf8')).stdout).toContain('"lockdepReports":0')
  })
})
