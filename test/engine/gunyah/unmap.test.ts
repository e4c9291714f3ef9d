import { describe, it, expect } from 'vitest'
import { acquires, gmem, gmemFile, last, LEND, map, mm, run, start, touch, UNMAP, vm, type Step } from './helpers'

const setup: Step[] = [vm(), gmem('0x40000'), start(), map('vm0', '0x80010000', LEND, 'g0', '0x10000', '0x10000'), map('vm0', '0x80020000', LEND, 'g0', '0x20000', '0x10000')]
const bindings = (out: ReturnType<typeof run>) =>
  Object.values(out.final.gunyah.bindings)
    .map((b) => [b.gfn, b.iOff, b.nr])
    .sort((a, b) => a[0]! - b[0]!)

describe('gunyahGmemTrimBinding (seed 000 l.302): the four cases', () => {
  it('remove all: the binding is freed', () => {
    const out = run([...setup, map('vm0', '0x80010000', UNMAP, 'g0', '0x10000', '0x10000')])
    expect(last(out).errno).toBeNull()
    expect(bindings(out)).toEqual([[0x80020, 0x20, 0x10]])
  })
  it('keep the start', () => {
    const out = run([...setup, map('vm0', '0x80018000', UNMAP, 'g0', '0x18000', '0x8000')])
    expect(bindings(out)).toEqual([[0x80010, 0x10, 8], [0x80020, 0x20, 0x10]])
  })
  it('keep the end', () => {
    const out = run([...setup, map('vm0', '0x80010000', UNMAP, 'g0', '0x10000', '0x8000')])
    expect(bindings(out)).toEqual([[0x80018, 0x18, 8], [0x80020, 0x20, 0x10]])
  })
  it('a hole in the middle → -EINVAL, binding unchanged', () => {
    const out = run([...setup, map('vm0', '0x80012000', UNMAP, 'g0', '0x12000', '0x2000')])
    expect(last(out).errno).toBe('EINVAL')
    expect(bindings(out)).toEqual([[0x80010, 0x10, 0x10], [0x80020, 0x20, 0x10]])
  })
  it('takes invalidate_lock (write) then bindings_lock (write): the UNMAP side of B-G17-10', () => {
    const seq = acquires(last(run([...setup, map('vm0', '0x80010000', UNMAP, 'g0', '0x10000', '0x10000')])).locks)
    expect(seq.slice(0, 2)).toEqual(['mapping.invalidate_lock:write', '&ghvm->bindings_lock:write'])
  })
})

describe('gunyahGmemRemoveMapping (seed 000 l.347)', () => {
  it('flags must be exactly equal (B-G17-18): DEFAULT does not remove FORCE_LEND → -ENOENT', () => {
    const flags = ['GUNYAH_MEM_DEFAULT_ACCESS', 'GUNYAH_MEM_ALLOW_READ', 'GUNYAH_MEM_ALLOW_WRITE', 'GUNYAH_MEM_UNMAP']
    expect(last(run([...setup, map('vm0', '0x80010000', flags, 'g0', '0x10000', '0x10000')])).errno).toBe('ENOENT')
  })
  it('i_off mismatch → break → -ENOENT (l.382)', () => {
    const r = last(run([...setup, map('vm0', '0x80010000', UNMAP, 'g0', '0x12000', '0x2000')]))
    expect(r.errno).toBe('ENOENT')
    expect(r.rule?.seed).toBe('seed 000 l.382')
  })
  it('a range no binding contains → -ENOENT', () => expect(last(run([...setup, map('vm0', '0x90000000', UNMAP, 'g0', 0, '0x1000')])).errno).toBe('ENOENT'))
  it('RWX is still required with UNMAP → -EINVAL', () => expect(last(run([...setup, map('vm0', '0x80010000', ['GUNYAH_MEM_FORCE_LEND', 'GUNYAH_MEM_UNMAP'], 'g0', '0x10000', '0x10000')])).errno).toBe('EINVAL'))
})

describe('B-G17-1: trim reclaims with an end gfn as the count', () => {
  const steps = [...setup, touch('vm0', '0x8001c000'), touch('vm0', '0x80021000'), map('vm0', '0x80018000', UNMAP, 'g0', '0x18000', '0x8000')]
  it('as written, keeping b1 start also reclaims b2 page 0x21', () => {
    const out = run(steps)
    expect(mm(out.final)).toHaveLength(0)
    expect(last(out).bugs).toContain('B-G17-1')
  })
  it('fixed, only the removed tail is reclaimed', () => {
    const out = run(steps, { fixes: true })
    expect(mm(out.final).map((e) => e.start)).toEqual([0x80021])
  })
})

describe('B-G17-8: a successful UNMAP leaks its fget() reference', () => {
  const steps = [vm(), gmem('0x10000'), map('vm0', '0x80000000', LEND, 'g0', 0, '0x10000'), map('vm0', '0x80000000', UNMAP, 'g0', 0, '0x10000'), { op: 'close', fd: 'g0' }]
  it('as written the file is never released', () => {
    const f = gmemFile(run(steps).final)
    expect(f.fCount).toBe(1)
    expect(f.released).toBe(false)
  })
  it('fixed, the last close releases it', () => {
    const f = gmemFile(run(steps, { fixes: true }).final)
    expect(f.fCount).toBe(0)
    expect(f.released).toBe(true)
  })
})

describe('B-G17-16: mtree_insert_range fails after the trim erased the binding', () => {
  const steps = [...setup, { op: 'inject', kind: 'failslab' }, map('vm0', '0x80018000', UNMAP, 'g0', '0x18000', '0x8000')]
  it('as written the binding is left off the VM tree but on the file list', () => {
    const out = run(steps)
    expect(last(out).errno).toBe('ENOMEM')
    expect(Object.values(out.final.gunyah.bindings).filter((b) => b.orphan)).toHaveLength(1)
  })
  it('fixed the binding is unchanged', () => {
    const out = run(steps, { fixes: true })
    expect(last(out).errno).toBe('ENOMEM')
    expect(bindings(out)).toEqual([[0x80010, 0x10, 0x10], [0x80020, 0x20, 0x10]])
  })
})
