import { render, screen, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { App } from '../../src/ui/App'
import { BUILTIN_SCENARIOS, DEFAULT_SCENARIO_ID } from '../../src/ui/scenarios'
import { quietCanvas } from './helpers/renderApp'

describe('App', () => {
  it('renders the gmemscope heading', () => {
    quietCanvas()
    render(<App />)
    expect(screen.getByRole('heading', { level: 1, name: 'gmemscope' })).toBeInTheDocument()
  })

  it('opens the built-in tour by default, at the initial state', () => {
    quietCanvas()
    render(<App />)
    expect(screen.getByRole('heading', { level: 2, name: 'guest_memfd tour (KVM RFC v11)' })).toBeInTheDocument()
    expect(screen.getByLabelText('Scenario')).toHaveValue(DEFAULT_SCENARIO_ID)
    expect(screen.getByRole('heading', { name: 'Initial state' })).toBeInTheDocument()
    expect(screen.getByRole('status')).toHaveTextContent('step 0 / 15')
  })

  it('lists every built-in scenario by title in the picker, and all of them are valid', () => {
    quietCanvas()
    render(<App />)
    const options = within(screen.getByRole('combobox', { name: 'Scenario' })).getAllByRole('option').map((o) => o.textContent)
    expect([...options].sort()).toEqual(BUILTIN_SCENARIOS.map((b) => b.title + (b.ok ? '' : ' (invalid)')).sort())
    expect(BUILTIN_SCENARIOS.filter((b) => !b.ok).map((b) => b.id)).toEqual([])
    expect(screen.queryByRole('alert')).not.toBeInTheDocument()
  })
})
