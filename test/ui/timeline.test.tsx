import { act, fireEvent, screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { renderApp, tourScenario } from './helpers/renderApp'

function details() {
  return within(screen.getByRole('region', { name: 'Step details' }))
}

function extentRows() {
  const table = screen.getByRole('table', { name: 'Extents' })
  return within(table)
    .getAllByRole('row')
    .slice(1)
    .map((r) => within(r).getAllByRole('cell').map((c) => c.textContent?.trim()))
}

describe('timeline', { timeout: 20_000 }, () => {
  it('the step buttons move through the run and change the shown step', async () => {
    const user = userEvent.setup()
    renderApp()
    expect(screen.getByRole('button', { name: 'Step back' })).toBeDisabled()
    await user.click(screen.getByRole('button', { name: 'Step forward' }))
    expect(details().getByRole('heading', { name: /^Step 1: KVM_CREATE_VM/ })).toBeInTheDocument()
    expect(screen.getByRole('status')).toHaveTextContent('step 1 / 15')
    await user.click(screen.getByRole('button', { name: 'Last step' }))
    expect(details().getByRole('heading', { name: /^Step 15: close/ })).toBeInTheDocument()
    expect(screen.getByRole('button', { name: 'Step forward' })).toBeDisabled()
    await user.click(screen.getByRole('button', { name: 'Step back' }))
    expect(details().getByRole('heading', { name: /^Step 14:/ })).toBeInTheDocument()
    await user.click(screen.getByRole('button', { name: 'First step' }))
    expect(details().getByRole('heading', { name: 'Initial state' })).toBeInTheDocument()
  })

  it('the keyboard steps: ArrowRight / j forward, ArrowLeft / k back, Home / End', () => {
    const { store } = renderApp()
    fireEvent.keyDown(window, { key: 'ArrowRight' })
    fireEvent.keyDown(window, { key: 'j' })
    expect(store.getState().cursor).toBe(2)
    fireEvent.keyDown(window, { key: 'ArrowLeft' })
    expect(store.getState().cursor).toBe(1)
    fireEvent.keyDown(window, { key: 'End' })
    expect(store.getState().cursor).toBe(15)
    fireEvent.keyDown(window, { key: 'k' })
    expect(store.getState().cursor).toBe(14)
    fireEvent.keyDown(window, { key: 'Home' })
    expect(store.getState().cursor).toBe(0)
    expect(details().getByRole('heading', { name: 'Initial state' })).toBeInTheDocument()
  })

  it('keys typed into the scenario picker do not step', () => {
    const { store } = renderApp()
    fireEvent.keyDown(screen.getByLabelText('Scenario'), { key: 'ArrowRight' })
    expect(store.getState().cursor).toBe(0)
  })

  it('clicking a step in the list jumps to it and marks it current', async () => {
    const user = userEvent.setup()
    renderApp()
    const list = within(screen.getByRole('navigation', { name: 'Steps' }))
    await user.click(list.getByRole('button', { name: /^#9 fallocate/ }))
    expect(details().getByRole('heading', { name: /^Step 9: fallocate/ })).toBeInTheDocument()
    expect(list.getByRole('button', { name: /^#9 / })).toHaveAttribute('aria-current', 'step')
    expect(list.getByRole('button', { name: /^#8 / })).not.toHaveAttribute('aria-current')
  })

  it('stepping changes the extents table', () => {
    const { store } = renderApp()
    expect(extentRows()).toEqual([['No guest memory file.']])
    act(() => store.getState().jumpTo(2))
    expect(extentRows()).toEqual([['g0', '0x0', '0x200', '512', 'absent', '—', '—', '—']])
    act(() => store.getState().jumpTo(6))
    expect(extentRows()).toEqual([
      ['g0', '0x0', '0x1', '1', 'allocated', 'not mapped', '—', '0x100001'],
      ['g0', '0x1', '0x2', '1', 'lent', 'no access', 'vm0', '0x100000'],
      ['g0', '0x2', '0x100', '254', 'allocated', 'not mapped', '—', '0x100002'],
      ['g0', '0x100', '0x200', '256', 'absent', '—', '—', '—'],
    ])
    act(() => store.getState().jumpTo(9))
    expect(extentRows().map((r) => r[4])).toEqual(['absent', 'allocated', 'absent'])
    act(() => store.getState().jumpTo(13))
    expect(extentRows()).toEqual([['g0 (closed)', 'evicted: no pages']])
  })

  it('a failing step shows its errno, rule and the ✓ of its expect', () => {
    const { store } = renderApp()
    act(() => store.getState().jumpTo(7))
    const d = details()
    expect(d.getByRole('heading', { name: /^Step 7: fallocate/ })).toHaveTextContent('✓')
    expect(d.getByText('EINVAL', { selector: '.errno' })).toBeInTheDocument()
    expect(d.getByText(/= -1/)).toHaveTextContent('= -1 EINVAL (Invalid argument)')
    expect(within(d.getByRole('region', { name: 'Rule' })).getByText('kvm_gmem_allocate')).toBeInTheDocument()
    expect(d.getByText(/Dedicated guest is immutable by default/)).toBeInTheDocument()
    const item = within(screen.getByRole('navigation', { name: 'Steps' })).getByRole('button', { name: /^#7 / })
    expect(within(item).getByText('EINVAL')).toHaveClass('errno')
  })

  it('a step whose expect does not hold is marked ✗ with what differed', () => {
    const tour = tourScenario()
    const steps = tour.steps.map((st, i) => (i === 6 ? { ...st, expect: { errno: null } } : st))
    const { store } = renderApp({ scenario: { ...tour, steps } })
    act(() => store.getState().jumpTo(7))
    expect(details().getByRole('img', { name: /^expect failed: errno: expected success \(null\), got EINVAL/ })).toHaveTextContent('✗')
    expect(details().getByRole('list', { name: 'Expect mismatches' })).toHaveTextContent('errno: expected success (null), got EINVAL')
    expect(screen.getByText(/1 expect failures/)).toBeInTheDocument()
  })

  it('a step that succeeds shows no errno; lock events and seed bugs are listed', () => {
    const { store } = renderApp()
    act(() => store.getState().jumpTo(13))
    const d = details()
    expect(d.queryByText('EINVAL')).not.toBeInTheDocument()
    expect(d.getByRole('region', { name: 'Seed bugs' })).toHaveTextContent('B-K1')
    const locks = within(d.getByRole('region', { name: 'Lock events' })).getAllByRole('listitem')
    expect(locks[0]).toHaveTextContent('lock mapping.invalidate_lock [inode3] in kvm_gmem_release')
  })

  it('the fixes toggle re-runs the scenario (release takes slots_lock first when fixed)', async () => {
    const user = userEvent.setup()
    const { store } = renderApp({ cursor: 13 })
    const firstLock = () => within(details().getByRole('region', { name: 'Lock events' })).getAllByRole('listitem')[0]
    expect(screen.getByRole('radio', { name: 'as written' })).toBeChecked()
    expect(firstLock()).toHaveTextContent('mapping.invalidate_lock')
    await user.click(screen.getByRole('radio', { name: 'fixed' }))
    expect(store.getState().fixes).toBe(true)
    expect(store.getState().run?.fixes).toBe(true)
    expect(store.getState().cursor).toBe(13)
    expect(firstLock()).toHaveTextContent('&kvm->slots_lock')
    fireEvent.keyDown(window, { key: 'v' })
    expect(screen.getByRole('radio', { name: 'as written' })).toBeChecked()
    expect(firstLock()).toHaveTextContent('mapping.invalidate_lock')
  })

  it('the memory view shows VM and file lanes with a binding once the slot is bound', () => {
    const { store } = renderApp()
    expect(screen.getAllByText(/not created yet/).length).toBeGreaterThan(0)
    act(() => store.getState().jumpTo(3))
    expect(screen.getByRole('img', { name: /^1 VM address spaces, 1 guest memory files, 1 bindings/ })).toBeInTheDocument()
    expect(screen.getByText(/vm0 · VM guest physical addresses/)).toBeInTheDocument()
    expect(screen.getByText(/g0 · file offsets \(512 pages\)/)).toBeInTheDocument()
    expect(screen.getByText('slot 0')).toBeInTheDocument()
  })

  it('the legend names every folio state in words', () => {
    renderApp()
    const legend = within(screen.getByRole('region', { name: 'Legend' }))
    for (const label of ['absent (no folio)', 'allocated', 'lent / private', 'shared (guest and host)', 'host-mapped', 'reclaimed', 'poisoned (hwpoison)']) {
      expect(legend.getByText(label, { exact: false })).toBeInTheDocument()
    }
  })
})
