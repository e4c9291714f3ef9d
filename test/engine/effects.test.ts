/**
 * Effects: every state change a step makes is recorded with the kernel function, what it did and
 * the seed rule (StepResult.effects); a step that changes nothing records none.
 */
import { describe, expect, it } from 'vitest'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { runScenario, SCENARIO_FORMAT, validateScenario, type RunOutput, type ScenarioStep } from '../../src/engine/scenario'
import type { Effect, EffectObject, StepResult } from '../../src/engine/result'
import type { KernelState, Variant } from '../../src/engine/state'
import { alloc, attrs, boundVm, close, createGmem, createVm, fileNamed, kvm, MiB, poison, punch, region, vmNamed, access } from '../helpers/kvm'

function run(variant: Variant, steps: readonly ScenarioStep[], fixes = false): RunOutput & { res: (n: number) => StepResult } {
  const v = validateScenario(JSON.parse(JSON.stringify({ format: SCENARIO_FORMAT, title: 'effects', variant, fixes, steps })))
  if (!v.ok) throw new Error(v.errors.join('\n'))
  const out = runScenario(v.scenario, { fixes, keepStates: true })
  return { ...out, res: (n) => out.records[n - 1]!.result }
}

/** The effects of a step on objects of a kind, as [fn, seed, object] for compact expectations. */
const of = (r: StepResult, kind: EffectObject['kind']): Effect[] => r.effects.filter((e) => e.object.kind === kind)
const objects = (r: StepResult, kind: EffectObject['kind']): EffectObject[] => of(r, kind).map((e) => e.object)

/** JSON of a state without the step counter and the id allocator (a refused call may bump it). */
const key = (s: KernelState): string => JSON.stringify({ ...s, tick: 0, nextId: 0 })

describe('kvm-v11 (seed 002)', () => {
  const r = kvm([...boundVm(), alloc('g', 0, 0x4000), access('vm', 0x100000), punch('g', 0, 0x2000), poison('g', 0x3000), close('g'), close('vm')])
  const s = r.state(4)
  const inode = fileNamed(s, 'g').inode!
  const g = fileNamed(s, 'g').id
  const vm = vmNamed(s, 'vm').id

  it('bind: the memslot is created and the file range bound, citing kvm_gmem_bind', () => {
    expect(objects(r.res(3), 'binding')).toEqual([{ kind: 'binding', file: g, start: 0, end: 512 }])
    expect(of(r.res(3), 'binding')[0]).toMatchObject({ fn: 'kvm_gmem_bind', seed: 'seed 002 kvm_gmem_bind' })
    expect(of(r.res(3), 'binding')[0]!.what).toMatch(/^bound: xa_store_range\(bindings, start, end - 1, slot/)
    expect(of(r.res(3), 'memslot')[0]).toMatchObject({ object: { kind: 'memslot', vm, key: '0:0' }, seed: 'seed 002 __kvm_set_memory_region' })
    expect(of(r.res(3), 'memslot')[0]!.what).toMatch(/^created \(KVM_MR_CREATE\)/)
    expect(objects(r.res(4), 'attributes')).toEqual([{ kind: 'attributes', vm, start: 0x100, end: 0x300 }])
  })

  it('fallocate: folios allocated and zeroed as one extent each', () => {
    const e = of(r.res(5), 'folios')
    expect(e.map((x) => [x.fn, x.what, x.seed])).toEqual([
      ['filemap_grab_folio', 'allocated (filemap_grab_folio: filemap_alloc_folio + filemap_add_folio, not uptodate)', 'seed 002 kvm_gmem_get_folio'],
      ['kvm_gmem_get_folio', 'zeroed (folio_mark_uptodate)', 'seed 002 kvm_gmem_get_folio'],
    ])
    expect(e.every((x) => JSON.stringify(x.object) === JSON.stringify({ kind: 'folios', inode, start: 0, end: 4 }))).toBe(true)
  })

  it('a private fault maps stage 2 from the guest_memfd', () => {
    expect(of(r.res(6), 'stage2')).toEqual([
      expect.objectContaining({ fn: 'kvm_tdp_mmu_map', seed: 'seed 002 kvm_gmem_get_pfn', object: { kind: 'stage2', vm, start: 0x100, end: 0x101 } }),
    ])
  })

  it('punch hole: zapped by kvm_mmu_unmap_gfn_range, truncated, and the invalidation counted', () => {
    const res = r.res(7)
    expect(of(res, 'stage2')).toEqual([
      expect.objectContaining({ what: 'zapped by kvm_mmu_unmap_gfn_range', seed: 'seed 002 kvm_gmem_invalidate_begin', object: { kind: 'stage2', vm, start: 0x100, end: 0x101 } }),
    ])
    expect(of(res, 'folios')).toEqual([
      expect.objectContaining({ fn: 'truncate_inode_pages_range', what: 'truncated (truncate_inode_pages_range)', seed: 'seed 002 kvm_gmem_punch_hole', object: { kind: 'folios', inode, start: 0, end: 2 } }),
    ])
    expect(of(res, 'vm').map((e) => e.fn)).toEqual(['kvm_mmu_invalidate_begin', 'kvm_mmu_invalidate_end'])
  })

  it('memory_failure marks the page HWPoison', () => {
    expect(of(r.res(8), 'folios')).toEqual([
      expect.objectContaining({ what: 'marked HWPoison by memory_failure (TestSetPageHWPoison)', object: { kind: 'folios', inode, start: 3, end: 4 } }),
    ])
  })

  it('close: release unbinds and evicts; closing the VM destroys it', () => {
    const rel = r.res(9)
    expect(of(rel, 'binding')[0]).toMatchObject({ fn: 'kvm_gmem_release', what: 'xa_destroy(&gmem->bindings)', seed: 'seed 002 kvm_gmem_release' })
    expect(of(rel, 'memslot')[0]).toMatchObject({ what: 'rcu_assign_pointer(slot->gmem.file, NULL)' })
    expect(of(rel, 'inode').map((e) => e.what)).toEqual([expect.stringMatching(/^list_del/), 'evicted: the last file is gone (iput → evict)'])
    expect(of(rel, 'folios').map((e) => e.what)).toEqual(['truncated (truncate_inode_pages_final)', 'truncated (truncate_inode_pages_final)'])
    expect(objects(rel, 'folios')).toEqual([
      { kind: 'folios', inode, start: 2, end: 3 },
      { kind: 'folios', inode, start: 3, end: 4 },
    ])
    expect(of(r.res(10), 'vm').map((e) => e.what)).toContain('destroyed: the last user is gone (kvm_destroy_vm)')
    expect(of(r.res(10), 'memslot')[0]!.what).toMatch(/^freed with the VM/)
  })

  it('refused calls record no effect', () => {
    const bad = kvm([createVm('vm'), createGmem('vm', 2 * MiB, 'g'), region({ offset: 0x1000 }), punch('g', 1, 0x1000), attrs('vm', 0x100000, 0), alloc('g', 0, 4 * MiB)])
    for (const n of [3, 4, 5, 6]) {
      expect(bad.res(n).errno).not.toBeNull()
      expect(bad.res(n).effects).toEqual([])
    }
  })
})

describe('kvm-upstream and kvm-v14-mmap (6.18 / seed 004)', () => {
  const steps = (flags: string[]): ScenarioStep[] => [
    { op: 'KVM_CREATE_VM', as: 'vm' },
    { op: 'KVM_CREATE_GUEST_MEMFD', vm: 'vm', size: '0x200000', flags, as: 'g' },
    { op: 'mmap', fd: 'g', length: '0x200000', as: 'm' },
    { op: 'host_access', map: 'm', offset: '0x3000', write: true },
    { op: 'KVM_SET_USER_MEMORY_REGION2', vm: 'vm', slot: 0, flags: ['KVM_MEM_GUEST_MEMFD'], guest_phys_addr: 0, memory_size: '0x200000', guest_memfd: 'g' },
    { op: 'guest_access', vm: 'vm', gpa: '0x3000' },
    { op: 'fallocate', fd: 'g', mode: ['FALLOC_FL_KEEP_SIZE', 'FALLOC_FL_PUNCH_HOLE'], offset: 0, len: '0x10000' },
    { op: 'KVM_SET_USER_MEMORY_REGION2', vm: 'vm', slot: 0, flags: ['KVM_MEM_GUEST_MEMFD'], guest_phys_addr: 0, memory_size: '0x200000', guest_memfd: 'g' },
  ]
  it.each([
    ['kvm-upstream', ['GUEST_MEMFD_FLAG_MMAP', 'GUEST_MEMFD_FLAG_INIT_SHARED'], 'upstream kvm_gmem_fault_user_mapping (6.18)'],
    ['kvm-v14-mmap', ['GUEST_MEMFD_FLAG_MMAP'], 'seed 004 / mid-2025 kvm_gmem_fault_user_mapping'],
  ] as const)('%s', (variant, flags, faultSeed) => {
    const r = run(variant, steps([...flags]))
    const s = r.states[2]!
    const inode = Object.values(s.inodes)[0]!.id
    const vm = Object.values(s.vms)[0]!.id
    expect(objects(r.res(3), 'vma')).toHaveLength(1)
    const fault = of(r.res(4), 'folios')
    expect(fault.map((e) => e.object)).toEqual([
      { kind: 'folios', inode, start: 3, end: 4 },
      { kind: 'folios', inode, start: 3, end: 4 },
    ])
    expect(fault[1]).toMatchObject({ what: 'zeroed (folio_mark_uptodate)', seed: faultSeed })
    expect(objects(r.res(5), 'binding')).toEqual([{ kind: 'binding', file: Object.values(s.files).find((f) => f.inode)!.id, start: 0, end: 512 }])
    expect(objects(r.res(6), 'stage2')).toEqual([{ kind: 'stage2', vm, start: 3, end: 4 }])
    expect(of(r.res(7), 'stage2')[0]!.what).toBe('zapped by kvm_mmu_unmap_gfn_range')
    expect(of(r.res(7), 'folios')[0]!.seed).toMatch(/kvm_gmem_punch_hole/)
    // "Private memslots are immutable": refused, nothing changes
    expect(r.res(8).errno).toBe('EINVAL')
    expect(r.res(8).effects).toEqual([])
  })
})

describe('gunyah-v17 (seed 000) and gunyah-v15 (seed 001)', () => {
  const lend = ['GUNYAH_MEM_FORCE_LEND', 'GUNYAH_MEM_ALLOW_READ', 'GUNYAH_MEM_ALLOW_WRITE']
  const steps: ScenarioStep[] = [
    { op: 'GUNYAH_CREATE_VM', as: 'vm0' },
    { op: 'GUNYAH_CREATE_GUEST_MEM', size: '0x40000', flags: [], as: 'g0' },
    { op: 'GUNYAH_VM_START', vm: 'vm0' },
    { op: 'GUNYAH_VM_MAP_MEM', vm: 'vm0', guest_addr: '0x80000000', flags: lend, guest_mem_fd: 'g0', offset: 0, size: '0x10000' },
    { op: 'guest_access', vm: 'vm0', gpa: '0x80002000', write: true },
    { op: 'guest_access', vm: 'vm0', gpa: '0x80002000', write: true },
    { op: 'GUNYAH_VM_MAP_MEM', vm: 'vm0', guest_addr: '0x80008000', flags: [...lend, 'GUNYAH_MEM_UNMAP'], guest_mem_fd: 'g0', offset: '0x8000', size: '0x8000' },
    { op: 'GUNYAH_VM_MAP_MEM', vm: 'vm0', guest_addr: '0x80000000', flags: lend, guest_mem_fd: 'g0', offset: 0, size: '0x1000' },
    { op: 'GUNYAH_VM_MAP_MEM', vm: 'vm0', guest_addr: '0x80000800', flags: lend, guest_mem_fd: 'g0', offset: 0, size: '0x1000' },
    { op: 'close', fd: 'vm0' },
  ]
  it.each([
    ['gunyah-v17', 'seed 000'],
    ['gunyah-v15', 'seed 001'],
  ] as const)('%s', (variant, seed) => {
    const r = run(variant, steps)
    const s = r.states[4]!
    const vm = Object.keys(s.gunyah.vms)[0]!
    const b = Object.keys(s.gunyah.bindings)[0]!
    const inode = Object.values(s.inodes)[0]!.id
    expect(of(r.res(1), 'vm')[0]).toMatchObject({ what: expect.stringMatching(/kref_init \(refs 1/), seed: `${seed} gunyah_vm_alloc` })
    expect(r.states[1]!.gunyah.vms[vm]!.refs).toBe(1)
    expect(of(r.res(3), 'vm').map((e) => e.what)).toContain('started: gunyah_vm_start()')
    expect(of(r.res(4), 'gunyah-binding').map((e) => e.what)).toEqual([expect.stringMatching(/^inserted: mtree_insert_range/), expect.stringMatching(/^bound: .* \(lend\)$/)])
    expect(of(r.res(4), 'gunyah-binding')[1]!.seed).toMatch(new RegExp(`^${seed}`))
    // the demand fault: folio allocated, lent to the VM and mapped in ghvm->mm
    const fault = r.res(5)
    expect(objects(fault, 'folios')[0]).toEqual({ kind: 'folios', inode, start: 2, end: 3 })
    expect(of(fault, 'pages')).toEqual([expect.objectContaining({ what: `lent to ${vm} (PG_private, direct map removed)`, object: { kind: 'pages', inode, start: 2, end: 3 } })])
    expect(of(fault, 'stage2')).toEqual([expect.objectContaining({ fn: 'gunyah_vm_provide_folio', object: { kind: 'stage2', vm, start: 0x80002, end: 0x80003 } })])
    // the second access finds the mapping: nothing changes
    expect(r.res(6).effects).toEqual([])
    // UNMAP of the second half trims the binding
    expect(of(r.res(7), 'gunyah-binding').some((e) => e.what.startsWith('trimmed'))).toBe(true)
    // an overlapping binding is refused; the binding kzalloc'ed for it leaks (B-G17-7 / B-G15-4), nothing else changes
    expect(r.res(8).errno).toBe('EEXIST')
    expect(objects(r.res(8), 'kernel')).toEqual([{ kind: 'kernel', field: 'leaked' }])
    expect(r.res(8).effects).toHaveLength(1)
    // refused before anything is allocated: no effect at all
    expect(r.res(9).errno).toBe('EINVAL')
    expect(r.res(9).effects).toEqual([])
    // closing the VM fd drops the last reference and tears the VM down
    const put = r.res(10)
    expect(of(put, 'vm').map((e) => e.what)).toEqual(["gunyah_vm_put(): kref_put drops the VM fd's reference (refs 0)", 'destroyed: _gunyah_vm_put() (the last reference)'])
    expect(r.states[10]!.gunyah.vms[vm]!.refs).toBe(0)
    expect(of(put, 'gunyah-binding').at(-1)!.what).toMatch(/^removed: kfree\(b\)/)
    expect(objects(put, 'gunyah-binding').every((o) => o.kind === 'gunyah-binding' && o.id === b)).toBe(true)
    if (variant === 'gunyah-v17') expect(of(put, 'pages')[0]!.what).toBe(`reclaimed from ${vm} (PG_private cleared, direct map restored)`)
  })
})

describe('every built-in scenario', () => {
  const dir = join(__dirname, '../../scenarios')
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'))
  it.each(files)('%s: a step has effects exactly when it changes the state', (f) => {
    const v = validateScenario(JSON.parse(readFileSync(join(dir, f), 'utf8')))
    if (!v.ok) throw new Error(v.errors.join('\n'))
    const out = runScenario(v.scenario, { fixes: v.scenario.fixes, keepStates: true })
    out.records.forEach((r, i) => {
      const changed = key(out.states[i]!) !== key(out.states[i + 1]!)
      expect({ step: i + 1, op: r.action.op, hasEffects: r.result.effects.length > 0 }).toEqual({ step: i + 1, op: r.action.op, hasEffects: changed })
      for (const e of r.result.effects) {
        expect(e.fn).not.toBe('?')
        expect(e.seed.length).toBeGreaterThan(0)
        expect(JSON.parse(JSON.stringify(e))).toEqual(e)
      }
    })
  })
})
