import { describe, it, expect } from 'vitest'
import { acquires, gmem, gmemFile, last, LEND, map, mm, RW, run, SHARE, start, touch, vm, type Step } from './helpers'

const V15 = { variant: 'gunyah-v15' as const }
const FIX = { variant: 'gunyah-v15' as const, fixes: true }
const DEF = ['GUNYAH_MEM_DEFAULT_ACCESS', ...RW]
const two: Step[] = [vm('vm1'), vm('vm2'), gmem('0x40000', 'g'), gmem('0x40000', 'h'), map('vm1', '0x100000', DEF, 'g', 0, '0x4000')]

describe('gunyahGmemBindingAllowedOverlap (seed 001)', () => {
  it('B-G15-3 as written: a lend binding forbids a disjoint second binding in the same VM', () => {
    const steps = [...two, map('vm1', '0x200000', DEF, 'g', '0x4000', '0x4000')]
    expect(last(run(steps, V15)).errno).toBe('EEXIST')
    expect(last(run(steps, FIX)).errno).toBeNull()
  })
  it('B-G15-3 as written: overlapping share bindings of one VM are allowed (an alias)', () => {
    const steps = [vm('vm1'), gmem('0x40000', 'g'), map('vm1', '0x100000', SHARE, 'g', 0, '0x4000'), map('vm1', '0x200000', SHARE, 'g', 0, '0x4000')]
    expect(last(run(steps, V15)).errno).toBeNull()
    expect(last(run(steps, FIX)).errno).toBe('EEXIST')
  })
  it('B-G15-2 as written: disjoint file ranges across VMs are refused', () => {
    const steps = [...two, map('vm2', '0x100000', LEND, 'g', '0x8000', '0x4000')]
    expect(last(run(steps, V15)).errno).toBe('EEXIST')
    expect(last(run(steps, FIX)).errno).toBeNull()
  })
  it('B-G15-2 as written: the same pages can be bound in two VMs', () => {
    const steps = [...two, map('vm2', '0x300000', LEND, 'g', 0, '0x4000')]
    expect(last(run(steps, V15)).errno).toBeNull()
    expect(last(run(steps, FIX)).errno).toBe('EEXIST')
  })
  it('B-G15-1: a same-file gfn overlap passes the dead test and is refused by mem_layout as written, by allowed_overlap fixed', () => {
    const steps = [vm('vm1'), gmem('0x40000', 'g'), map('vm1', '0x100000', SHARE, 'g', 0, '0x4000'), map('vm1', '0x102000', SHARE, 'g', '0x8000', '0x4000')]
    const w = last(run(steps, V15))
    expect(w.errno).toBe('EEXIST')
    expect(w.rule?.fn).toBe('mtree_insert_range')
    const f = last(run(steps, FIX))
    expect(f.errno).toBe('EEXIST')
    expect(f.rule?.fn).toBe('gunyah_gmem_add_mapping')
  })
})

describe('gunyahGmemAddMappingV15', () => {
  it('B-G15-4: the binding leaks on -EEXIST as written, freed fixed', () => {
    const steps = [...two, map('vm1', '0x200000', DEF, 'g', 0, '0x4000')]
    expect(run(steps, V15).final.gunyah.leaked).toHaveLength(1)
    expect(run(steps, FIX).final.gunyah.leaked).toHaveLength(0)
  })
  it('gunyah_gmem_modify_binding always fputs: the binding holds no file reference', () => {
    expect(gmemFile(run(two, V15).final).fCount).toBe(1)
  })
})

describe('gunyahGmemRemoveMappingV15', () => {
  const base: Step[] = [vm(), gmem('0x10000'), map('vm0', '0x80000000', LEND, 'g0', 0, '0x8000'), start(), touch('vm0', '0x80001000')]
  const unmap = (off: string, size: string, ga: string): Step => map('vm0', ga, [...LEND, 'GUNYAH_MEM_UNMAP'], 'g0', off, size)
  it('B-G15-5 as written: UNMAP leaves the page with the guest; fixed it is reclaimed', () => {
    const steps = [...base, unmap('0', '0x8000', '0x80000000')]
    expect(mm(run(steps, V15).final)).toHaveLength(1)
    expect(mm(run(steps, FIX).final)).toHaveLength(0)
  })
  it('B-G15-7 as written: full removal takes no mem_lock; fixed it does', () => {
    const steps = [...base, unmap('0', '0x8000', '0x80000000')]
    expect(acquires(last(run(steps, V15)).locks)).toEqual(['mapping.invalidate_lock:write'])
    expect(acquires(last(run(steps, FIX)).locks)).toContain('&ghvm->mem_lock:write')
  })
  it('keep the start ("shrink the end") under mem_lock', () => {
    const out = run([...base, unmap('0x4000', '0x4000', '0x80004000')], V15)
    expect(Object.values(out.final.gunyah.bindings)[0]).toMatchObject({ gfn: 0x80000, nr: 4 })
    expect(acquires(last(out).locks)).toContain('&ghvm->mem_lock:write')
  })
  it('keep the end ("shrink the beginning")', () => {
    const out = run([...base, unmap('0', '0x4000', '0x80000000')], V15)
    expect(Object.values(out.final.gunyah.bindings)[0]).toMatchObject({ gfn: 0x80004, iOff: 4, nr: 4 })
  })
  it('hole in the middle → -EINVAL; i_off mismatch → keeps searching → -ENOENT', () => {
    expect(last(run([...base, unmap('0x2000', '0x2000', '0x80002000')], V15)).errno).toBe('EINVAL')
    expect(last(run([...base, unmap('0x2000', '0x2000', '0x80000000')], V15)).errno).toBe('ENOENT')
  })
})

describe('gunyahGmemReleaseV15 (seed 001)', () => {
  const steps: Step[] = [vm(), gmem('0x10000'), map('vm0', '0x80000000', LEND, 'g0', 0, '0x8000'), start(), touch('vm0', '0x80001000'), { op: 'close', fd: 'g0' }]
  it('B-G15-6 as written: the file is truncated while the guest keeps its page', () => {
    const out = run(steps, V15)
    expect(mm(out.final)).toHaveLength(1)
    expect(Object.keys(out.final.gunyah.bindings)).toHaveLength(0)
  })
  it('B-G15-6 fixed: reclaimed under invalidate_lock and mem_lock first', () => {
    const out = run(steps, FIX)
    expect(mm(out.final)).toHaveLength(0)
    expect(acquires(last(out).locks).slice(0, 2)).toEqual(['mapping.invalidate_lock:write', '&ghvm->mem_lock:write'])
  })
  it('demand paging in v15 runs under mem_lock (read), no invalidate_lock', () => {
    const seq = acquires(last(run(steps.slice(0, 5), V15)).locks)
    expect(seq[0]).toBe('&ghvm->mem_lock:read')
    expect(seq).not.toContain('mapping.invalidate_lock:read')
  })
})
