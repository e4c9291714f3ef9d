import { act, screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { linkClasses } from '../../../src/ui/panels/locks/LockReport'
import { renderBuiltin } from '../helpers/renderApp'

describe('lock panel', () => {
  it('edges appear at the step that created them; the report arrives with the cycle', async () => {
    const user = userEvent.setup()
    const { store, container } = renderBuiltin('lockdep-kvm-v11-release-vs-bind', 2)
    await user.click(screen.getByRole('tab', { name: 'Locks' }))
    const panel = within(screen.getByRole('region', { name: 'Locks' }))
    expect(container.querySelectorAll('g.dep')).toHaveLength(0)
    expect(panel.getByText(/Nothing yet: lockdep reports at/)).toBeInTheDocument()
    act(() => store.getState().jumpTo(3))
    expect(container.querySelectorAll('g.dep').length).toBeGreaterThan(0)
    expect(container.querySelectorAll('g.dep.closing')).toHaveLength(0)
    act(() => store.getState().jumpTo(4))
    expect(container.querySelectorAll('g.dep.closing')).toHaveLength(1)
    expect(container.querySelectorAll('g.dep.cycle')).toHaveLength(2)
    const report = within(panel.getByRole('region', { name: 'Lockdep report' }))
    expect(report.getByText(/possible circular locking dependency detected/)).toBeInTheDocument()
    await user.click(report.getAllByRole('button', { name: 'mapping.invalidate_lock#4' })[0]!)
    expect(store.getState().selection).toEqual({ kind: 'lock', cls: 'mapping.invalidate_lock' })
    expect(container.querySelectorAll('g.lock-node.selected')).toHaveLength(1)
  })

  it('held locks per task list each event of the step with what is held after it', async () => {
    const user = userEvent.setup()
    renderBuiltin('lockdep-kvm-v11-release-vs-bind', 4)
    await user.click(screen.getByRole('tab', { name: 'Locks' }))
    const table = screen.getByRole('table', { name: /Held locks during step 4/ })
    expect(within(table).getAllByRole('row')[1]).toHaveTextContent('mapping.invalidate_lock')
  })

  it('the two-CPU view shows the deadlock of the 2-CPU scenario', async () => {
    const user = userEvent.setup()
    renderBuiltin('lockdep-kvm-v11-release-vs-bind-2cpu', 4)
    await user.click(screen.getByRole('tab', { name: 'Locks' }))
    expect(within(screen.getByRole('region', { name: 'Two CPUs' })).getByText('DEADLOCK')).toBeInTheDocument()
  })

  it('pasted splats are parsed and listed', async () => {
    const user = userEvent.setup()
    renderBuiltin('kvm-v11-tour', 0)
    await user.click(screen.getByRole('tab', { name: 'Locks' }))
    const text = [
      '======================================================',
      'WARNING: possible circular locking dependency detected',
      '------------------------------------------------------',
      'a/1 is trying to acquire lock:',
      'ffff (b_lock){+.+.}-{3:3}, at: f',
      '',
      'but task is already holding lock:',
      'ffff (a_lock){+.+.}-{3:3}, at: g',
    ].join('\n')
    await user.click(screen.getByLabelText(/Paste a kernel log/))
    await user.paste(text)
    await user.click(screen.getByRole('button', { name: 'Parse splats' }))
    expect(within(screen.getByRole('region', { name: 'Imported splats' })).getByRole('list')).toHaveTextContent('possible circular locking dependency')
  })

  it('linkClasses() splits a line around parenthesised class names, longest first', () => {
    const names = [
      { id: 'a', name: 'mapping.invalidate_lock#4' },
      { id: 'b', name: '&kvm->slots_lock' },
    ]
    expect(linkClasses('  lock(mapping.invalidate_lock#4);', names)).toEqual(['  lock(', names[0], ');'])
    expect(linkClasses('no class here', names)).toEqual(['no class here'])
  })
})
