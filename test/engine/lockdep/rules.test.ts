import { describe, expect, it } from 'vitest'
import { createLockdep, lockdepObserve, weakCycles, type LockdepEvent, type LockdepOptions, type LockdepReport, type LockdepState } from '../../../src/engine/lockdep'
import { acq, BINDINGS, FOLIO, INV, MMU, nested, RCU, rel, SLOTS, SRCU, sync } from './helpers'

/** Feeds each list of events as one step; returns the final state and every report. */
function run(steps: readonly LockdepEvent[][], opts: LockdepOptions = {}): { state: LockdepState; reports: LockdepReport[] } {
  let state = createLockdep(opts)
  const reports: LockdepReport[] = []
  steps.forEach((events, i) => {
    const out = lockdepObserve(state, i + 1, 'test_op', events)
    state = out.state
    reports.push(...out.reports)
  })
  return { state, reports }
}

const edges = (s: LockdepState): string[] => Object.values(s.after).flat().map((e) => `${e.from} -> ${e.to}`)

describe('dependencies', () => {
  it('records an edge from the lock held to the lock taken, with step, op and trace', () => {
    const { state, reports } = run([nested([[SLOTS, 'vm1'], [INV, 'inode3', { fn: 'kvm_gmem_bind', stack: ['kvm_gmem_bind', 'kvm_vm_ioctl'] }]])])
    expect(reports).toEqual([])
    const e = state.after[SLOTS]![0]!
    expect(e).toMatchObject({ from: SLOTS, to: INV, step: 1, op: 'test_op', task: 'vmm' })
    expect(e.trace).toEqual(['down_write', 'kvm_gmem_bind', 'kvm_vm_ioctl'])
  })

  it('adds an edge only from the nearest held lock (indirect orders are implied)', () => {
    const { state } = run([nested([['A', 'a'], ['B', 'b'], ['C', 'c']])])
    expect(edges(state).sort()).toEqual(['A -> B', 'B -> C'])
  })

  it('a trylock adds no edge and cannot report, but held trylocks above the first blocking lock get edges', () => {
    const { state, reports } = run([
      nested([['A', 'a'], ['B', 'b', { trylock: true }]]),
      nested([['B', 'b'], ['A', 'a', { trylock: true }]]),
      nested([['C', 'c'], ['D', 'd', { trylock: true }], ['E', 'e']]),
    ])
    expect(reports).toEqual([])
    expect(edges(state).sort()).toEqual(['C -> E', 'D -> E'])
  })

  it('check=0 maps (rcu_read_lock) are held but skipped: no edges to or from them', () => {
    const { state, reports } = run([nested([[SLOTS, 'vm1'], [RCU, 'rcu', { mode: 'recursive-read' }], [MMU, 'vm1']])])
    expect(reports).toEqual([])
    expect(edges(state)).toEqual([`${SLOTS} -> ${MMU}`])
  })

  it('tracks classes, not instances: A(vm1)->B(vm1) and B(vm2)->A(vm2) is an ABBA', () => {
    const { reports } = run([nested([[SLOTS, 'vm1'], [INV, 'inode1']]), nested([[INV, 'inode2'], [SLOTS, 'vm2']])])
    expect(reports.map((r) => r.type)).toEqual(['circular'])
  })

  it('releasing a lock that is not on top re-acquires the ones above it, which records new edges', () => {
    const { state } = run([[acq('A', 'a'), acq('B', 'b'), acq('C', 'c'), rel('B', 'b'), rel('C', 'c'), rel('A', 'a')]])
    expect(edges(state).sort()).toEqual(['A -> B', 'A -> C', 'B -> C'])
  })

  it('is pure: the input state is not changed', () => {
    const s0 = run([nested([['A', 'a'], ['B', 'b']])]).state
    const snapshot = JSON.stringify(s0)
    lockdepObserve(s0, 2, 'x', nested([['B', 'b'], ['A', 'a']]))
    expect(JSON.stringify(s0)).toBe(snapshot)
  })
})

describe('circular dependencies and read modes', () => {
  it('reports a write/write ABBA, with the chain in reverse order', () => {
    const { reports } = run([nested([['A', 'a'], ['B', 'b']]), nested([['B', 'b'], ['A', 'a']])])
    expect(reports).toHaveLength(1)
    expect(reports[0]).toMatchObject({ type: 'circular', step: 2, classes: ['B', 'A'] })
    expect(reports[0]!.cycle).toEqual([
      { from: 'A', to: 'B', closing: false },
      { from: 'B', to: 'A', closing: true },
    ])
  })

  it('reports a non-recursive read cycle (r(X) W(Y) vs r(Y) W(X) is strong)', () => {
    const { reports } = run([nested([[INV, 'i', { mode: 'read' }], [BINDINGS, 'vm']]), nested([[BINDINGS, 'vm', { mode: 'read' }], [INV, 'i']])])
    expect(reports.map((r) => r.type)).toEqual(['circular'])
    expect(reports[0]!.text).toContain('  rlock(&ghvm->bindings_lock);')
  })

  it('does not report a cycle through a recursive reader (not strong), and explains why', () => {
    const { state, reports } = run([
      nested([['&kvm->lock', 'vm1'], [SRCU, 'vm1', { mode: 'recursive-read' }]]),
      nested([[SRCU, 'vm1', { mode: 'recursive-read' }], ['&kvm->lock', 'vm1']]),
    ])
    expect(reports).toEqual([])
    const weak = weakCycles(state)
    expect(weak).toHaveLength(1)
    expect([...weak[0]!.types].sort()).toEqual(['ER', 'SN'])
    expect(weak[0]!.reason).toMatch(/&kvm->srcu is reached only as a recursive reader/)
  })

  it('does report srcu once synchronize_srcu (lock_sync) is under the mutex (splat 04)', () => {
    const { reports } = run([
      [acq('&kvm->lock', 'vm1', { fn: 'kvm_create_vm' }), sync(SRCU, 'vm1', { fn: '__synchronize_srcu' }), rel('&kvm->lock', 'vm1')],
      [acq(SRCU, 'vm1', { mode: 'recursive-read', fn: 'vcpu_enter_guest' }), acq('&kvm->lock', 'vm1', { fn: 'kvm_xen_set_evtchn' })],
    ])
    expect(reports).toHaveLength(1)
    const t = reports[0]!.text
    expect(t).toContain('-> #1 (&kvm->srcu)')
    expect(t).toContain('       lock_sync\n')
    expect(t).toContain('-{0:0}')
    expect(t).toContain('  rlock(&kvm->srcu);\n                               lock(&kvm->lock);\n                               lock(&kvm->srcu);\n  lock(&kvm->lock);')
  })

  it('prints sync( for a lock_sync that closes the cycle', () => {
    const { reports } = run([
      nested([[SRCU, 'vm1', { mode: 'recursive-read' }], ['&kvm->lock', 'vm1']]),
      [acq('&kvm->lock', 'vm1'), sync(SRCU, 'vm1')],
    ])
    expect(reports[0]!.text).toContain('  sync(&kvm->srcu);')
  })

  it('prints "Chain exists of" for three classes, naming SRC --> PARENT --> TGT', () => {
    const { reports } = run([nested([['A', 'a'], ['B', 'b']]), nested([['B', 'b'], ['C', 'c']]), nested([['C', 'c'], ['A', 'a']])])
    expect(reports[0]!.classes).toEqual(['C', 'B', 'A'])
    expect(reports[0]!.text).toContain('Chain exists of:\n  A --> B --> C\n')
    expect(reports[0]!.text).toContain('  lock(C);\n                               lock(B);\n                               lock(C);\n  lock(A);')
  })

  it('prints no "Chain exists of" for two classes', () => {
    const { reports } = run([nested([['A', 'a'], ['B', 'b']]), nested([['B', 'b'], ['A', 'a']])])
    expect(reports[0]!.text).not.toContain('Chain exists of')
  })
})

describe('recursive locking', () => {
  it('reports the same class taken twice (two instances), with the kernel layout', () => {
    const { reports } = run([[acq(INV, 'inode1'), acq(INV, 'inode2')]])
    expect(reports.map((r) => r.type)).toEqual(['recursive'])
    const lines = reports[0]!.text.split('\n')
    expect(lines[0]).toBe('='.repeat(44))
    expect(lines[1]).toBe('WARNING: possible recursive locking detected')
    expect(reports[0]!.text).toContain(' Possible unsafe locking scenario:\n\n       CPU0\n       ----\n  lock(mapping.invalidate_lock#4);\n  lock(mapping.invalidate_lock#4);\n\n *** DEADLOCK ***\n\n May be due to missing lock nesting notation\n')
  })

  it('allows a recursive read under a read of the same class', () => {
    expect(run([[acq(SRCU, 'a', { mode: 'read' }), acq(SRCU, 'b', { mode: 'recursive-read' })]]).reports).toEqual([])
    expect(run([[acq(SRCU, 'a', { mode: 'recursive-read' }), acq(SRCU, 'b', { mode: 'recursive-read' })]]).reports).toEqual([])
  })

  it('reports a non-recursive read under a read, and a recursive read under a write', () => {
    expect(run([[acq(INV, 'i', { mode: 'read' }), acq(INV, 'i', { mode: 'read' })]]).reports.map((r) => r.type)).toEqual(['recursive'])
    expect(run([[acq(SRCU, 'a'), acq(SRCU, 'a', { mode: 'recursive-read' })]]).reports.map((r) => r.type)).toEqual(['recursive'])
  })

  it('a trylock of a held class is not reported', () => {
    expect(run([[acq(INV, 'i1'), acq(INV, 'i2', { trylock: true })]]).reports).toEqual([])
  })

  it('a subclass (lock_nested) is a different class: no report, and it prints /N', () => {
    const { state, reports } = run([[acq(INV, 'i1'), { ...acq(INV, 'i2'), subclass: 1 }]])
    expect(reports).toEqual([])
    expect(state.classes[`${INV}/1`]).toMatchObject({ version: 4, subclass: 1 })
  })
})

describe('wait context', () => {
  it('reports a sleeping lock taken under a spinning one (mutex under kvm->mmu_lock)', () => {
    const { reports } = run([[acq(MMU, 'vm1', { fn: 'kvm_mmu_zap' }), acq(SLOTS, 'vm1', { fn: 'bad_fn' })]])
    expect(reports.map((r) => r.type)).toEqual(['invalid-wait-context'])
    expect(reports[0]!.text).toBe(
      [
        '=============================',
        '[ BUG: Invalid wait context ]',
        '6.5.0-rc2-gmemscope #1 Not tainted',
        '-----------------------------',
        'vmm/1000 is trying to lock:',
        reports[0]!.text.split('\n')[5],
        'other info that might help us debug this:',
        'context-{5:5}',
        '1 lock held by vmm/1000:',
        reports[0]!.text.split('\n')[9],
        'stack backtrace:',
        ...reports[0]!.text.split('\n').slice(11),
      ].join('\n'),
    )
    expect(reports[0]!.text.split('\n')[5]).toMatch(/^ffff8880[0-9a-f]{8} \(&kvm->slots_lock\)\{\+\.\+\.\}-\{4:4\}, at: bad_fn$/)
    expect(reports[0]!.text.split('\n')[9]).toMatch(/^ #0: ffff8880[0-9a-f]{8} \(&kvm->mmu_lock\)\{\+\.\+\.\}-\{3:3\}, at: kvm_mmu_zap \[kvm\]$/)
  })

  it('allows a spinning lock under a sleeping one, SRCU (INV) anywhere, and trylocks', () => {
    expect(run([nested([[SLOTS, 'vm1'], [MMU, 'vm1']])]).reports).toEqual([])
    expect(run([nested([[MMU, 'vm1'], [SRCU, 'vm1', { mode: 'recursive-read' }]])]).reports).toEqual([])
    expect(run([nested([[MMU, 'vm1'], [SLOTS, 'vm1', { trylock: true }]])]).reports).toEqual([])
  })

  it('reports a mutex inside an RCU read section, and uses {3:3} numbering without raw-lock nesting', () => {
    const { reports } = run([[acq(RCU, 'rcu', { mode: 'recursive-read' }), acq(SLOTS, 'vm1')]], { rawLockNesting: false })
    expect(reports.map((r) => r.type)).toEqual(['invalid-wait-context'])
    expect(reports[0]!.text).toContain('context-{4:4}')
    expect(reports[0]!.text).toContain('(&kvm->slots_lock){+.+.}-{3:3}')
    expect(reports[0]!.text).toMatch(/ #0: ffffffff8[0-9a-f]{7} \(rcu_read_lock\)\{\.\.\.\.\}-\{1:2\}/)
  })
})

describe('one-shot, usage bits, names, folio lock', () => {
  it('turns itself off after the first report, unless oneShot is false', () => {
    const steps = [nested([['A', 'a'], ['B', 'b']]), nested([['B', 'b'], ['A', 'a']]), [acq('C', 'c'), acq('C', 'c2')]]
    const one = run(steps)
    expect(one.reports.map((r) => r.type)).toEqual(['circular'])
    expect(one.state.debugLocks).toBe(false)
    expect(run(steps, { oneShot: false }).reports.map((r) => r.type)).toEqual(['circular', 'recursive'])
  })

  it('derives usage bits for process context with irqs on', () => {
    const { state } = run([nested([[INV, 'i']]), nested([[SRCU, 'vm', { mode: 'recursive-read' }]]), nested([['M', 'm', { mode: 'read' }]]), nested([['M', 'm']])])
    const usage = (id: string): number => state.classes[id]!.usage
    expect(usage(INV)).toBe(1 | 4)
    expect(usage(SRCU)).toBe(2 | 8)
    expect(usage('M')).toBe(15)
  })

  it('numbers same-name classes after the pre-registered ones', () => {
    expect(run([nested([[INV, 'i']])]).state.classes[INV]!.version).toBe(4)
    expect(run([nested([[INV, 'i']])], { preRegistered: {} }).state.classes[INV]!.version).toBe(1)
  })

  it('ignores the folio lock unless trackFolioLock, and labels such reports as beyond lockdep (B-G17-11 shape)', () => {
    const steps = [
      nested([[INV, 'inode1'], [FOLIO, 'inode1:0']]), // reclaim_range under invalidate_lock
      nested([[FOLIO, 'inode1:0'], [INV, 'inode1', { mode: 'read' }]]), // launder under the folio lock
    ]
    expect(run(steps).reports).toEqual([])
    const { reports } = run(steps, { trackFolioLock: true })
    expect(reports).toHaveLength(1)
    expect(reports[0]).toMatchObject({ type: 'circular', beyondLockdep: true, classes: ['folio_lock', 'mapping.invalidate_lock#4'] })
  })

  it('re-validates a chain only when it is new (same sequence twice: edges unchanged)', () => {
    const a = run([nested([['A', 'a'], ['B', 'b']])]).state
    const b = lockdepObserve(a, 2, 'again', nested([['A', 'a'], ['B', 'b']])).state
    expect(b.after).toEqual(a.after)
  })
})
