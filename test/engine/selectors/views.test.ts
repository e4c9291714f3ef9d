import { describe, expect, it } from 'vitest'
import { variantDef } from '../../../src/engine'
import { addressSpaces, bindingViews, changedSpans, firstDivergence, heldAfter, kernelLog, lastChangeStep, lifetimes, lockMoments, folioAt } from '../../../src/engine/selectors'
import { runBuiltin } from './helpers'

const gunyah = variantDef('gunyah-v17').constants
const kvm = variantDef('kvm-v11').constants

describe('address spaces and bindings', () => {
  const run = runBuiltin('gunyah-lend-vs-share')

  it('a Gunyah VM shows its bindings as regions and its provided folios as mappings', () => {
    const [space] = addressSpaces(run.states[8]!, gunyah)
    expect(space).toMatchObject({ label: 'vm0', family: 'gunyah', status: 'started' })
    expect(space!.regions.map((r) => [r.start, r.end, r.private])).toEqual([
      [0x80000, 0x80010, true],
      [0x90000, 0x90010, false],
    ])
    expect(space!.mappings.map((m) => [m.start, m.kind])).toEqual([
      [0x80001, 'private'],
      [0x90001, 'shared'],
    ])
  })

  it('bindings carry lend/share and RWX; the overlapping bind added none', () => {
    const views = bindingViews(run.states[5]!, gunyah)
    expect(views.map((b) => [b.access, b.rwx, b.pages[0], b.pages[1]])).toEqual([
      ['lend', 'RW-', 0, 16],
      ['share', 'RW-', 16, 32],
    ])
  })

  it('KVM bindings join a memslot gfn range to its file range', () => {
    const tour = runBuiltin('kvm-v11-tour')
    const views = bindingViews(tour.states[5]!, kvm)
    expect(views.length).toBeGreaterThan(0)
    expect(views[0]).toMatchObject({ access: 'private', stale: false })
  })
})

describe('changes, lifetimes, divergence, locks, log', () => {
  it('changedSpans marks the page a guest fault lends', () => {
    const run = runBuiltin('gunyah-lend-vs-share')
    const inode = Object.keys(run.states[7]!.inodes)[0]!
    const ch = changedSpans(run.states[6]!, run.states[7]!, gunyah)
    expect(ch.files[inode]).toEqual([{ start: 1, end: 2 }])
    expect(Object.values(ch.vms)[0]).toEqual([{ start: 0x80001, end: 0x80002 }])
  })

  it('lastChangeStep finds the step that last changed page 1', () => {
    const run = runBuiltin('gunyah-lend-vs-share')
    const inode = Object.keys(run.states[7]!.inodes)[0]!
    const key = (s: (typeof run.states)[number]) => JSON.stringify(folioAt(s, inode, 1))
    expect(lastChangeStep(run.states, 10, key)).toBe(7)
  })

  it('lifetimes: the gmem file lives on after close through its binding', () => {
    const run = runBuiltin('kvm-v11-tour')
    const rows = lifetimes(run.states)
    expect(rows.map((r) => r.kind)).toContain('memslot')
    const vm = rows.find((r) => r.kind === 'vm')!
    expect(vm.spans[0]!.from).toBe(1)
  })

  it('firstDivergence finds the release step of the v11 deadlock scenario', () => {
    const a = runBuiltin('lockdep-kvm-v11-release-vs-bind', false)
    const b = runBuiltin('lockdep-kvm-v11-release-vs-bind', true)
    expect(firstDivergence(a.records, b.records)).toBe(4)
    expect(firstDivergence(a.records, a.records)).toBeNull()
  })

  it('lockMoments shows what each task holds after each event; heldAfter is empty between steps', () => {
    const run = runBuiltin('lockdep-kvm-v11-release-vs-bind')
    const m = lockMoments(run.records[3]!.result.locks)
    expect(m[0]!.held).toEqual(['mapping.invalidate_lock'])
    expect(m[1]!.held).toEqual(['mapping.invalidate_lock', '&kvm->slots_lock'])
    expect(heldAfter(run.records, 4)).toEqual({})
  })

  it('kernelLog lists every line with its step', () => {
    const run = runBuiltin('kvm-v11-poison')
    const log = kernelLog(run.records)
    expect(log.length).toBeGreaterThan(0)
    expect(log.every((l) => l.step >= 1)).toBe(true)
  })
})
