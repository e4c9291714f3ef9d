import { act, fireEvent, screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it, vi } from 'vitest'
import { renderBuiltin } from '../helpers/renderApp'

describe('panels', () => {
  it('the kernel log lists every line with its step and jumps there', async () => {
    const user = userEvent.setup()
    const { store } = renderBuiltin('kvm-v11-poison', 0)
    await user.click(screen.getByRole('tab', { name: 'Kernel log' }))
    const log = within(screen.getByRole('region', { name: 'Kernel log' }))
    const first = log.getAllByRole('button', { name: /^go to step \d+$/ })[0]!
    const step = Number(first.textContent!.slice(1))
    await user.click(first)
    expect(store.getState().cursor).toBe(step)
  })

  it('the scrubber jumps, play advances and stops at the end', () => {
    const { store } = renderBuiltin('lockdep-kvm-v11-release-vs-bind', 0, { view: { speed: 250 } })
    fireEvent.change(screen.getByRole('slider', { name: 'Step' }), { target: { value: '3' } })
    expect(store.getState().cursor).toBe(3)
    vi.useFakeTimers()
    act(() => store.getState().setView({ playing: true }))
    act(() => vi.advanceTimersByTime(600))
    expect(store.getState().cursor).toBe(4)
    expect(store.getState().playing).toBe(false)
    vi.useRealTimers()
  })

  it('narration shows the step note; the fixes switch names the divergence', () => {
    const { store } = renderBuiltin('lockdep-kvm-v11-release-vs-bind', 1)
    expect(screen.getByLabelText('Narration')).toHaveTextContent('A VM with private memory')
    expect(screen.getByRole('button', { name: 'runs diverge at step 4' })).toBeInTheDocument()
    expect(store.getState().divergence).toBe(4)
  })

  it('selecting a page shows every field and the step that last changed it', async () => {
    const user = userEvent.setup()
    renderBuiltin('gunyah-lend-vs-share', 10)
    await user.click(screen.getByRole('button', { name: 'select g0 page 0x11' }))
    const sel = within(screen.getByRole('region', { name: 'Selection' }))
    expect(sel.getAllByText('shared').length).toBeGreaterThan(0)
    expect(sel.getByText('gunyah.access')).toBeInTheDocument()
    expect(sel.getByRole('button', { name: /step 10: host_access/ })).toBeInTheDocument()
  })

  it('lifetimes draw one row per object', () => {
    renderBuiltin('kvm-v11-tour', 5)
    expect(screen.getByRole('img', { name: /^Lifetimes of \d+ objects/ })).toBeInTheDocument()
  })

  it('the variant selector starts an empty scenario of that variant on the operation palette', async () => {
    const user = userEvent.setup()
    const { store } = renderBuiltin('kvm-v11-tour', 0)
    await user.selectOptions(screen.getByRole('combobox', { name: 'Variant' }), 'gunyah-v17')
    expect(store.getState().scenario).toMatchObject({ variant: 'gunyah-v17', steps: [] })
    expect(screen.getByRole('form', { name: 'Operation palette' })).toBeInTheDocument()
  })

  it('? opens the key sheet and Esc closes it', () => {
    const { store } = renderBuiltin('kvm-v11-tour', 0)
    fireEvent.keyDown(window, { key: '?' })
    expect(store.getState().help).toBe(true)
    expect(screen.getByRole('dialog', { name: 'Keyboard shortcuts', hidden: true })).toHaveTextContent('zoom to the selection')
    fireEvent.keyDown(window, { key: 'Escape' })
    expect(store.getState().help).toBe(false)
  })

  it('W zooms in, 0 fits; T toggles the theme', () => {
    const { store } = renderBuiltin('gunyah-lend-vs-share', 8)
    fireEvent.keyDown(window, { key: 'w' })
    expect(store.getState().zoom.k).toBeGreaterThan(1)
    fireEvent.keyDown(window, { key: '0' })
    expect(store.getState().zoom).toEqual({ k: 1, x: 0 })
    fireEvent.keyDown(window, { key: 't' })
    expect(document.documentElement.dataset.theme).toBe('dark')
  })

  it('a message is shown until dismissed', async () => {
    const user = userEvent.setup()
    const { store } = renderBuiltin('kvm-v11-tour', 0)
    act(() => store.getState().showMessage({ kind: 'error', title: 'bad thing', lines: ['steps[0].op: x'] }))
    expect(screen.getByRole('alert')).toHaveTextContent('steps[0].op: x')
    await user.click(screen.getByRole('button', { name: 'Dismiss' }))
    expect(screen.queryByRole('alert')).not.toBeInTheDocument()
  })
})
