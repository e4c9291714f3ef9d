import { describe, it, expect } from 'vitest'
import { gmem, gmemFile, last, LEND, map, RW, run, SHARE, start, touch, vm } from './helpers'

describe('gunyahGuestMemCreate (S7)', () => {
  it('creates a VM-agnostic memfd on /dev/gunyah, GHMF_CLOEXEC sets close-on-exec', () => {
    const out = run([gmem('0x10000', 'g0', ['GHMF_CLOEXEC'])])
    expect(last(out).errno).toBeNull()
    expect(out.final.fds[String(last(out).ret)]!.cloexec).toBe(true)
    expect(gmemFile(out.final).vm).toBe('')
  })
  it('!PAGE_ALIGNED(size) → -EINVAL', () => expect(last(run([gmem('0x1001')])).errno).toBe('EINVAL'))
  it('unknown flags → -EINVAL', () => expect(last(run([gmem('0x1000', 'g0', [] as string[]), { op: 'GUNYAH_CREATE_GUEST_MEM', size: 4096, flags: 4 }])).errno).toBe('EINVAL'))
})

describe('gunyahGmemModifyMapping (seed 000 l.472) argument checks, in order', () => {
  const base = [vm(), gmem('0x10000')]
  it('fget fails → -EINVAL, not -EBADF', () => expect(last(run([...base, map('vm0', '0x80000000', LEND, '99', 0, '0x1000')])).errno).toBe('EINVAL'))
  it('a file that is not a gunyah gmem → -EINVAL', () => expect(last(run([...base, map('vm0', '0x80000000', LEND, 'vm0', 0, '0x1000')])).errno).toBe('EINVAL'))
  it('flags outside RWX|UNMAP|ACCESS → -EINVAL', () => expect(last(run([...base, map('vm0', '0x80000000', 0x231, 'g0', 0, '0x1000')])).errno).toBe('EINVAL'))
  it('no RWX bit → -EINVAL', () => expect(last(run([...base, map('vm0', '0x80000000', ['GUNYAH_MEM_FORCE_LEND'], 'g0', 0, '0x1000')])).errno).toBe('EINVAL'))
  it('access 3 → -EINVAL', () => expect(last(run([...base, map('vm0', '0x80000000', 0x33, 'g0', 0, '0x1000')])).errno).toBe('EINVAL'))
  it('unaligned guest_addr → -EINVAL', () => expect(last(run([...base, map('vm0', '0x80000800', LEND, 'g0', 0, '0x1000')])).errno).toBe('EINVAL'))
  it('valid → 0, and the fget() reference stays with the binding', () => {
    const out = run([...base, map('vm0', '0x80000000', LEND, 'g0', 0, '0x1000')])
    expect(last(out).errno).toBeNull()
    expect(gmemFile(out.final).fCount).toBe(2)
  })
  it('a failed add drops the fget() reference', () => {
    const out = run([...base, map('vm0', '0x80000800', LEND, 'g0', 0, '0x1000')])
    expect(gmemFile(out.final).fCount).toBe(1)
  })
})

describe('gunyahGmemInitBinding (seed 000 l.274)', () => {
  const huge = [vm(), gmem('0x400000', 'g0', ['GHMF_ALLOW_HUGEPAGE'])]
  it('GHMF_ALLOW_HUGEPAGE requires 2 MiB alignment of guest_addr', () => {
    const r = last(run([...huge, map('vm0', '0x80001000', LEND, 'g0', 0, '0x200000')]))
    expect(r.errno).toBe('EINVAL')
    expect(r.rule?.seed).toBe('seed 000 l.283')
  })
  it('2 MiB aligned binding of a hugepage file is accepted', () => expect(last(run([...huge, map('vm0', '0x80000000', LEND, 'g0', 0, '0x200000')])).errno).toBeNull())
  it('B-G17-13: a binding past i_size is accepted as written, refused fixed', () => {
    const steps = [vm(), gmem('0x1000'), map('vm0', '0x80000000', LEND, 'g0', 0, '0x100000')]
    expect(last(run(steps)).errno).toBeNull()
    expect(last(run(steps, { fixes: true })).errno).toBe('EINVAL')
  })
  it('B-G17-13: size 0 fails in the maple tree as written, in init_binding fixed', () => {
    const steps = [vm(), gmem('0x1000'), map('vm0', '0x80000000', LEND, 'g0', 0, 0)]
    expect(last(run(steps)).rule?.fn).toBe('mtree_insert_range')
    expect(last(run(steps, { fixes: true })).rule?.fn).toBe('gunyah_gmem_init_binding')
  })
})

describe('gunyahGmemAddMapping (seed 000 l.418)', () => {
  const base = [vm('vm1'), vm('vm2'), gmem('0x20000'), map('vm1', '0x80000000', SHARE, 'g0', 0, '0x8000')]
  it('gunyahGmemBindingOverlaps: file-offset overlap in another VM → -EEXIST', () => {
    const r = last(run([...base, map('vm2', '0x80000000', SHARE, 'g0', '0x4000', '0x8000')]))
    expect(r.errno).toBe('EEXIST')
    expect(r.rule?.seed).toBe('seed 000 l.450')
  })
  it('gunyahGmemBindingOverlaps: adjacent file ranges are disjoint (half-open)', () => expect(last(run([...base, map('vm2', '0x80000000', SHARE, 'g0', '0x8000', '0x8000')])).errno).toBeNull())
  it('mtree_insert_range: gfn overlap in the same VM → -EEXIST', () => {
    const r = last(run([...base, gmem('0x10000', 'h'), map('vm1', '0x80004000', SHARE, 'h', 0, '0x4000')]))
    expect(r.errno).toBe('EEXIST')
    expect(r.rule?.fn).toBe('mtree_insert_range')
  })
  it('list_add puts the newest binding at the head of i_private_list', () => {
    const out = run([...base, map('vm2', '0x90000000', LEND, 'g0', '0x8000', '0x8000')])
    const inode = Object.values(out.final.inodes)[0]!
    expect(inode.privateList.map((id) => out.final.gunyah.vms[out.final.gunyah.bindings[id]!.vm]!.label)).toEqual(['vm2', 'vm1'])
  })
  it('B-G17-7: a failed add leaks the kzalloc()ed binding as written, frees it fixed', () => {
    const steps = [...base, map('vm2', '0x80000000', SHARE, 'g0', 0, '0x1000')]
    expect(run(steps).final.gunyah.leaked).toHaveLength(1)
    expect(run(steps, { fixes: true }).final.gunyah.leaked).toHaveLength(0)
  })
  it('failslab on kzalloc → -ENOMEM', () => expect(last(run([...base, { op: 'inject', kind: 'failslab' }, map('vm2', '0x90000000', LEND, 'g0', '0x8000', '0x1000')])).errno).toBe('ENOMEM'))
})

describe('gunyahVmEnsureStarted / setup_demand_paging (S8)', () => {
  it('registers only lend bindings (DEFAULT counts as lend)', () => {
    const out = run([vm(), gmem('0x20000'), map('vm0', '0x80000000', ['GUNYAH_MEM_DEFAULT_ACCESS', ...RW], 'g0', 0, '0x8000'), map('vm0', '0x90000000', SHARE, 'g0', '0x8000', '0x8000'), start()])
    expect(Object.values(out.final.gunyah.vms)[0]!.demandPaging).toEqual([[0x80000, 8]])
  })
  it('a guest access starts the VM like gunyah_vcpu_run', () => {
    const out = run([vm(), gmem('0x10000'), map('vm0', '0x80000000', LEND, 'g0', 0, '0x1000'), touch('vm0', '0x80000000')])
    expect(Object.values(out.final.gunyah.vms)[0]!.started).toBe(true)
  })
})
