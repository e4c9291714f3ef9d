import { act, screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { bindingViews, lastChangeStep } from '../../../src/engine/selectors'
import type { KernelState } from '../../../src/engine'
import { createAppStore, selectConstants, type Selection } from '../../../src/store'
import { selectEffectIndex, selectLastChangeOf } from '../../../src/store/derived'
import { selectionFields } from '../../../src/ui/panels/SelectionDetails'
import { BUILTIN_SCENARIOS } from '../../../src/ui/scenarios'
import { renderBuiltin } from '../helpers/renderApp'

function selection() {
  return within(screen.getByRole('region', { name: 'Selection' }))
}

function lastChanged() {
  return within(selection().getByLabelText('Last changed'))
}

describe('SelectionDetails: the rule that last changed the selection, from the effect index', () => {
  it('kvm-v11-tour: file page 1 of g0 at step 10 was refaulted by step 10 (seed 002)', async () => {
    const user = userEvent.setup()
    const { store } = renderBuiltin('kvm-v11-tour', 10)
    await user.click(screen.getByRole('button', { name: 'select g0 page 0x1' }))
    const last = lastChanged()
    expect(last.getByRole('button', { name: 'step 10: guest_access' })).toBeInTheDocument()
    expect(last.getByText('filemap_grab_folio')).toBeInTheDocument()
    expect(last.getByText('kvm_tdp_mmu_map')).toBeInTheDocument()
    expect(selection().getByLabelText('Last changed')).toHaveTextContent(/allocated \(filemap_grab_folio.*\[seed 002 kvm_gmem_get_folio\]/)
    // steps that changed nothing of the page leave the answer where it was
    act(() => store.getState().jumpTo(12))
    expect(lastChanged().getByRole('button', { name: 'step 10: guest_access' })).toBeInTheDocument()
  })

  it('kvm-v11-tour: the punch at step 9 is what last changed page 1 at step 9, and the button jumps there', async () => {
    const user = userEvent.setup()
    const { store } = renderBuiltin('kvm-v11-tour', 9)
    const inode = Object.keys(store.getState().run!.states[9]!.inodes)[0]!
    act(() => store.getState().select({ kind: 'folio', inode, page: 1 }))
    expect(selection().getByLabelText('Last changed')).toHaveTextContent(/truncate_inode_pages_range: truncated .*\[seed 002 kvm_gmem_punch_hole\]/)
    expect(selection().getByLabelText('Last changed')).toHaveTextContent(/kvm_mmu_unmap_gfn_range: zapped/)
    act(() => store.getState().jumpTo(13))
    await user.click(lastChanged().getByRole('button', { name: 'step 13: close' }))
    expect(store.getState().cursor).toBe(13)
  })

  it('gunyah-lend-vs-share: a lent page shows the lend, with its S6 citation', async () => {
    const user = userEvent.setup()
    const { store } = renderBuiltin('gunyah-lend-vs-share', 11)
    await user.click(screen.getByRole('button', { name: 'select g0 page 0x1' }))
    expect(selection().getAllByText('lent').length).toBeGreaterThan(0)
    const last = lastChanged()
    expect(last.getByRole('button', { name: 'step 7: guest_access' })).toBeInTheDocument()
    expect(selection().getByLabelText('Last changed')).toHaveTextContent(/gunyah_vm_provide_folio: lent to ghvm1 .*\[v17 20\/35 vm_mgr_mem\.c \(S6\)\]/)
    // the mmap of the lent half reclaims it
    act(() => store.getState().jumpTo(12))
    expect(lastChanged().getByRole('button', { name: 'step 12: mmap' })).toBeInTheDocument()
    expect(selection().getByLabelText('Last changed')).toHaveTextContent(/__gunyah_vm_reclaim_folio_locked: reclaimed from ghvm1/)
  })

  it('gunyah-lend-vs-share: a host PTE is a change of the page (seen through its VMA)', async () => {
    const user = userEvent.setup()
    renderBuiltin('gunyah-lend-vs-share', 10)
    await user.click(screen.getByRole('button', { name: 'select g0 page 0x11' }))
    expect(lastChanged().getByRole('button', { name: /step 10: host_access/ })).toBeInTheDocument()
    expect(selection().getByLabelText('Last changed')).toHaveTextContent(/gunyah_gmem_host_fault: host PTE installed for file page 0x11/)
  })

  it('a gfn, a binding and a lock class', () => {
    const { store } = renderBuiltin('kvm-v11-tour', 11)
    const state = store.getState().run!.states[11]!
    const vm = Object.keys(state.vms)[0]!
    act(() => store.getState().select({ kind: 'gfn', vm, gfn: 0x101 }))
    expect(lastChanged().getByRole('button', { name: 'step 10: guest_access' })).toBeInTheDocument()
    expect(selection().getByLabelText('Last changed')).toHaveTextContent(/kvm_tdp_mmu_map: mapped by kvm_tdp_mmu_map/)

    const binding = bindingViews(state, selectConstants(store.getState()))[0]!
    act(() => store.getState().select({ kind: 'binding', id: binding.id }))
    expect(lastChanged().getByRole('button', { name: 'step 3: KVM_SET_USER_MEMORY_REGION2' })).toBeInTheDocument()
    expect(selection().getByLabelText('Last changed')).toHaveTextContent(/kvm_gmem_bind: bound: .*\[seed 002 kvm_gmem_bind\]/)
    expect(selection().getByLabelText('Last changed')).toHaveTextContent(/kvm_set_memslot: created/)

    const records = store.getState().run!.records
    const cls = records[0]!.result.locks[0]?.cls ?? records.flatMap((r) => r.result.locks)[0]!.cls
    const expected = records.slice(0, 11).reduce((last, r, i) => (r.result.locks.some((e) => e.cls === cls) ? i + 1 : last), 0)
    act(() => store.getState().select({ kind: 'lock', cls }))
    expect(lastChanged().getByRole('button', { name: new RegExp(`^step ${expected}: `) })).toBeInTheDocument()
  })

  it('before anything touched it: unchanged since the initial state', () => {
    const { store } = renderBuiltin('kvm-v11-tour', 1)
    act(() => store.getState().select({ kind: 'gfn', vm: 'vm1', gfn: 0x101 }))
    expect(selection().getByLabelText('Last changed')).toHaveTextContent('Unchanged since the initial state.')
  })
})

describe('selectLastChangeOf', () => {
  it('never misses a change the panel shows: the step is at or after the walk-back over the fields, on every built-in scenario', () => {
    let checked = 0
    for (const b of BUILTIN_SCENARIOS) {
      if (!b.ok) continue
      const store = createAppStore({ scenario: b.scenario, source: b.id })
      const run = store.getState().run!
      const constants = selectConstants(store.getState())
      expect(selectEffectIndex(store.getState())).toBe(selectEffectIndex(store.getState()))
      for (let cursor = 1; cursor < run.states.length; cursor++) {
        store.setState({ cursor })
        const st = run.states[cursor]!
        const sels: Selection[] = []
        for (const [id, inode] of Object.entries(st.inodes)) for (let p = 0; p < Math.min(20, inode.sizePages); p++) sels.push({ kind: 'folio', inode: id, page: p })
        for (const vm of Object.values(st.vms)) for (const m of Object.values(vm.memslots)) for (let g = m.baseGfn; g < m.baseGfn + Math.min(8, m.npages); g++) sels.push({ kind: 'gfn', vm: vm.id, gfn: g })
        for (const vm of Object.values(st.gunyah?.vms ?? {})) for (const e of vm.bindings) for (let g = e.start; g < Math.min(e.end, e.start + 8); g++) sels.push({ kind: 'gfn', vm: vm.id, gfn: g })
        for (const v of bindingViews(st, constants)) sels.push({ kind: 'binding', id: v.id })
        for (const sel of sels) {
          const walk = lastChangeStep(run.states, cursor, (s: KernelState) => JSON.stringify(selectionFields(s, sel, constants)))
          const hit = selectLastChangeOf(store.getState(), sel)
          expect(hit?.step ?? 0, `${b.id} at ${cursor}: ${JSON.stringify(sel)}`).toBeGreaterThanOrEqual(walk)
          if (hit) {
            expect(hit.step).toBeLessThanOrEqual(cursor)
            expect(hit.effects.length).toBeGreaterThan(0)
          }
          checked++
        }
      }
    }
    expect(checked).toBeGreaterThan(1000)
  }, 120_000)
})
