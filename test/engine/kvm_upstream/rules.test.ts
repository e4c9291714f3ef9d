/**
 * kvm-upstream and kvm-v14-mmap rules, each positive and negative, through validateScenario →
 * runScenario (the runner's and the app's code path). The default simulated host has TDP,
 * SW_PROTECTED_VM and memory attributes; host_config narrows it.
 */
import { describe, expect, it } from 'vitest'
import { SCENARIO_FORMAT, runScenario, validateScenario, type ScenarioStep } from '../../../src/engine/scenario'
import type { StepResult } from '../../../src/engine/result'

function run(steps: ScenarioStep[], variant = 'kvm-upstream') {
  const parsed = validateScenario(JSON.parse(JSON.stringify({ format: SCENARIO_FORMAT, title: 't', variant, steps })))
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'))
  const out = runScenario(parsed.scenario, { keepStates: true })
  return { out, res: (n: number): StepResult => out.records[n - 1]!.result, final: out.final }
}

const VM = { op: 'KVM_CREATE_VM', as: 'vm' }
const PVM = { op: 'KVM_CREATE_VM', type: ['KVM_X86_SW_PROTECTED_VM'], as: 'vm' }
const gmem = (flags: unknown = [], size: unknown = '0x200000', as = 'g') => ({ op: 'KVM_CREATE_GUEST_MEMFD', vm: 'vm', size, flags, as })
const slot = (extra: Record<string, unknown> = {}) => ({
  op: 'KVM_SET_USER_MEMORY_REGION2', vm: 'vm', slot: 0, flags: ['KVM_MEM_GUEST_MEMFD'], guest_phys_addr: '0x100000', memory_size: '0x200000', guest_memfd: 'g', ...extra,
})

describe('create', () => {
  it('INIT_SHARED only on VMs without private memory', () => {
    const r = run([VM, gmem(['GUEST_MEMFD_FLAG_INIT_SHARED']), PVM, gmem(['GUEST_MEMFD_FLAG_INIT_SHARED']), gmem(['GUEST_MEMFD_FLAG_MMAP'])])
    expect(r.res(2).errno).toBeNull()
    expect(r.res(4).errno).toBe('EINVAL')
    expect(r.res(4).rule?.why).toContain('kvm_gmem_get_supported_flags')
    expect(r.res(5).errno).toBeNull()
  })
  it('size 0 is refused (B-K11 fixed), a page is fine', () => {
    const r = run([VM, gmem([], 0), gmem([], 4096)])
    expect(r.res(2).errno).toBe('EINVAL')
    expect(r.res(3).errno).toBeNull()
  })
  it('v14: MMAP only for the default VM type, no INIT_SHARED', () => {
    const r = run([PVM, gmem(['GUEST_MEMFD_FLAG_MMAP']), { ...VM, as: 'vm2' }, { ...gmem(3), vm: 'vm2' }, { ...gmem(['GUEST_MEMFD_FLAG_MMAP']), vm: 'vm2' }], 'kvm-v14-mmap')
    expect(r.res(2).errno).toBe('EINVAL')
    expect(r.res(4).errno).toBe('EINVAL')
    expect(r.res(5).errno).toBeNull()
  })
  it('the host decides the VM types', () => {
    const r = run([{ op: 'host_config', vm_types: 1 }, PVM, VM, { op: 'host_config' }])
    expect(r.res(2).errno).toBe('EINVAL')
    expect(r.res(3).errno).toBeNull()
    expect(r.res(4).errno).toBe('EBUSY')
  })
})

describe('memslots', () => {
  it('bind: EBADF for a closed fd, EINVAL for the rest', () => {
    const r = run([VM, gmem(), slot({ guest_memfd: 99 }), slot({ guest_memfd: 'vm' }), slot({ guest_memfd_offset: '0x1000' }), slot()])
    expect(r.res(3).errno).toBe('EBADF')
    expect(r.res(4).errno).toBe('EINVAL')
    expect(r.res(5).errno).toBe('EINVAL')
    expect(r.res(6).errno).toBeNull()
  })
  it('bind locks slots_lock → invalidate_lock', () => {
    const r = run([VM, gmem(), slot()])
    const acq = r.res(3).locks.filter((l) => l.kind === 'acquire').map((l) => l.cls)
    expect(acq.indexOf('&kvm->slots_lock')).toBeLessThan(acq.indexOf('mapping.invalidate_lock'))
  })
  it('guest_memfd slots are immutable (move, toggle off, toggle on); plain slots move', () => {
    const r = run([VM, gmem(), slot(), slot({ guest_phys_addr: '0x400000' }), slot({ flags: [] }), { ...slot({ slot: 1, flags: [], guest_phys_addr: '0x800000' }) }, slot({ slot: 1, guest_phys_addr: '0x800000', guest_memfd_offset: 0 }), slot({ slot: 1, flags: [], guest_phys_addr: '0xa00000' })])
    expect(r.res(4).errno).toBe('EINVAL')
    expect(r.res(5).errno).toBe('EINVAL')
    expect(r.res(7).errno).toBe('EINVAL')
    expect(r.res(8).errno).toBeNull()
  })
  it('READONLY and LOG_DIRTY_PAGES are not allowed with GUEST_MEMFD', () => {
    const r = run([VM, gmem(), slot({ flags: ['KVM_MEM_GUEST_MEMFD', 'KVM_MEM_READONLY'] }), slot({ flags: ['KVM_MEM_READONLY'], guest_memfd: 0 })])
    expect(r.res(3).errno).toBe('EINVAL')
    expect(r.res(4).errno).toBeNull()
  })
  it('an MMAP file makes the slot GMEM_ONLY', () => {
    const r = run([VM, gmem(['GUEST_MEMFD_FLAG_MMAP']), slot(), gmem([], '0x200000', 'g2'), slot({ slot: 1, guest_phys_addr: '0x400000', guest_memfd: 'g2' })])
    const slots = Object.values(r.final.vms)[0]!.memslots
    expect(slots['0:0']!.flags & (1 << 17)).not.toBe(0)
    expect(slots['0:1']!.flags & (1 << 17)).toBe(0)
  })
})

describe('release and lifetimes', () => {
  it('release takes slots_lock before invalidate_lock (B-K1 fixed) and the slot keeps nothing', () => {
    const r = run([VM, gmem(), slot(), { op: 'close', fd: 'g' }])
    const acq = r.res(4).locks.filter((l) => l.kind === 'acquire').map((l) => l.cls)
    expect(acq[0]).toBe('&kvm->slots_lock')
    expect(acq[1]).toBe('mapping.invalidate_lock')
    expect(Object.values(r.final.vms)[0]!.memslots['0:0']!.gmem.file).toBeNull()
  })
  it('the file pins the VM; a mapping pins the file; a vCPU pins the VM', () => {
    const r = run([VM, gmem(['GUEST_MEMFD_FLAG_MMAP', 'GUEST_MEMFD_FLAG_INIT_SHARED']), { op: 'mmap', fd: 'g', length: 4096, as: 'm' }, { op: 'close', fd: 'vm' }, { op: 'close', fd: 'g' }])
    expect(Object.values(r.out.states[4]!.vms)[0]!.destroyed).toBe(false)
    expect(Object.values(r.final.vms)[0]!.destroyed).toBe(false)
    const r2 = run([VM, { op: 'KVM_CREATE_VCPU', vm: 'vm', as: 'c' }, { op: 'close', fd: 'vm' }, { op: 'close', fd: 'c' }])
    expect(Object.values(r2.out.states[3]!.vms)[0]!.destroyed).toBe(false)
    expect(Object.values(r2.final.vms)[0]!.destroyed).toBe(true)
  })
})

describe('host mmap and faults', () => {
  const MS = ['GUEST_MEMFD_FLAG_MMAP', 'GUEST_MEMFD_FLAG_INIT_SHARED']
  it('ENODEV without MMAP, EINVAL for MAP_PRIVATE, EPERM for PROT_EXEC', () => {
    const r = run([VM, gmem(), { op: 'mmap', fd: 'g', length: 4096, as: 'a' }, gmem(MS, '0x200000', 'h'), { op: 'mmap', fd: 'h', length: 4096, flags: ['MAP_PRIVATE'], as: 'b' }, { op: 'mmap', fd: 'h', length: 4096, prot: ['PROT_EXEC'], as: 'c' }, { op: 'mmap', fd: 'h', length: 4096, as: 'd' }])
    expect(r.res(3).errno).toBe('ENODEV')
    expect(r.res(5).errno).toBe('EINVAL')
    expect(r.res(6).errno).toBe('EPERM')
    expect(r.res(7).errno).toBeNull()
  })
  it('SIGBUS past EOF and without INIT_SHARED; v14 faults without INIT_SHARED', () => {
    const steps = (flags: string[]) => [VM, gmem(flags, '0x2000'), { op: 'mmap', fd: 'g', length: '0x4000', as: 'm' }, { op: 'host_access', map: 'm', offset: '0x1000', write: true }, { op: 'host_access', map: 'm', offset: '0x2000' }]
    const up = run(steps(MS))
    expect(up.res(4).signal).toBeNull()
    expect(up.res(5).signal).toBe('SIGBUS')
    const priv = run(steps(['GUEST_MEMFD_FLAG_MMAP']))
    expect(priv.res(4).signal).toBe('SIGBUS')
    const v14 = run(steps(['GUEST_MEMFD_FLAG_MMAP']), 'kvm-v14-mmap')
    expect(v14.res(4).signal).toBeNull()
    expect(v14.res(5).signal).toBe('SIGBUS')
  })
})

describe('attributes, faults, poison, pre-fault', () => {
  it('attribute mismatch exits with KVM_EXIT_MEMORY_FAULT; matching faults map', () => {
    const r = run([PVM, gmem(), slot(), { op: 'KVM_SET_MEMORY_ATTRIBUTES', vm: 'vm', address: '0x100000', size: '0x200000', attributes: ['KVM_MEMORY_ATTRIBUTE_PRIVATE'] }, { op: 'guest_access', vm: 'vm', gpa: '0x100000', private: false }, { op: 'guest_access', vm: 'vm', gpa: '0x100000', private: true }])
    expect(r.res(5).exit).toBe('KVM_EXIT_MEMORY_FAULT')
    expect(r.res(5).errno).toBe('EFAULT')
    expect(r.res(6).errno).toBeNull()
  })
  it('KVM_SET_MEMORY_ATTRIBUTES: ENOTTY without the config, EINVAL for PRIVATE on a default VM', () => {
    const r = run([{ op: 'host_config', memory_attributes: false }, VM, { op: 'KVM_SET_MEMORY_ATTRIBUTES', vm: 'vm', address: 0, size: 4096 }])
    expect(r.res(3).errno).toBe('ENOTTY')
    const r2 = run([VM, { op: 'KVM_SET_MEMORY_ATTRIBUTES', vm: 'vm', address: 0, size: 4096, attributes: ['KVM_MEMORY_ATTRIBUTE_PRIVATE'] }, { op: 'KVM_SET_MEMORY_ATTRIBUTES', vm: 'vm', address: 0, size: 4096 }])
    expect(r2.res(2).errno).toBe('EINVAL')
    expect(r2.res(3).errno).toBeNull()
  })
  it('poison: zap, keep the page, MF_DELAYED, then -EHWPOISON', () => {
    const r = run([PVM, gmem(), slot(), { op: 'KVM_SET_MEMORY_ATTRIBUTES', vm: 'vm', address: '0x100000', size: '0x200000', attributes: ['KVM_MEMORY_ATTRIBUTE_PRIVATE'] }, { op: 'guest_access', vm: 'vm', gpa: '0x100000', private: true }, { op: 'memory_failure', fd: 'g', offset: 0 }, { op: 'guest_access', vm: 'vm', gpa: '0x100000', private: true }])
    expect(r.res(6).errno).toBeNull()
    expect(r.res(6).log.some((l) => l.text.includes('Delayed'))).toBe(true)
    expect(r.res(7).errno).toBe('EHWPOISON')
  })
  it('pre-fault: 0 on partial progress with gpa/size advanced; the error when nothing was done; EOPNOTSUPP on shadow paging', () => {
    const r = run([VM, gmem(['GUEST_MEMFD_FLAG_MMAP'], '0x2000'), slot({ memory_size: '0x2000' }), { op: 'KVM_PRE_FAULT_MEMORY', vm: 'vm', gpa: '0x100000', size: '0x4000' }, { op: 'KVM_PRE_FAULT_MEMORY', vm: 'vm', gpa: '0x102000', size: '0x2000' }])
    expect(r.res(4).errno).toBeNull()
    expect(r.res(4).out).toEqual({ gpa: 0x102000, size: 0x2000 })
    expect(r.res(5).errno).toBe('ENOENT')
    const s = run([{ op: 'host_config', tdp: false }, VM, { op: 'KVM_PRE_FAULT_MEMORY', vm: 'vm', gpa: 0, size: 4096 }, gmem(), slot(), { op: 'KVM_PRE_FAULT_MEMORY', vm: 'vm', gpa: '0x100000', size: 4096 }])
    expect(s.res(3).errno).toBe('ENOSPC')
    expect(s.res(6).errno).toBe('EOPNOTSUPP')
  })
})

describe('file operations', () => {
  it('read/write EINVAL, pread/pwrite/lseek ESPIPE, ftruncate EINVAL; the VM fd lseeks', () => {
    const r = run([VM, gmem(), { op: 'read', fd: 'g' }, { op: 'pwrite', fd: 'g' }, { op: 'lseek', fd: 'g' }, { op: 'ftruncate', fd: 'g', length: 0 }, { op: 'lseek', fd: 'vm' }, { op: 'read', fd: 99 }])
    expect([3, 4, 5, 6, 7, 8].map((n) => r.res(n).errno)).toEqual(['EINVAL', 'ESPIPE', 'ESPIPE', 'EINVAL', null, 'EBADF'])
  })
})
