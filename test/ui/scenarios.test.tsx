import { render, screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { App } from '../../src/ui/App'
import { builtinScenariosFrom } from '../../src/ui/scenarios'
import { createAppStore } from '../../src/store'
import { quietCanvas, tourScenario } from './helpers/renderApp'

describe('built-in scenarios', () => {
  const tour = tourScenario()
  const files = {
    '../../scenarios/kvm-v11-tour.json': tour,
    '../../scenarios/broken.json': { ...tour, title: 'Broken one', steps: [{ op: 'fallocate', fd: 'nope' }] },
    '../../scenarios/a-short.json': { ...tour, title: 'Short', steps: tour.steps.slice(0, 2) },
  }

  it('builtinScenariosFrom() validates each file, tour first', () => {
    const list = builtinScenariosFrom(files)
    expect(list.map((b) => [b.id, b.title, b.ok])).toEqual([
      ['kvm-v11-tour', tour.title, true],
      ['a-short', 'Short', true],
      ['broken', 'Broken one', false],
    ])
    const broken = list[2]!
    expect(!broken.ok && broken.errors.some((e) => e.startsWith('steps[0].fd: unknown name "nope"'))).toBe(true)
  })

  it('the picker loads another scenario and shows the errors of an invalid one', async () => {
    quietCanvas()
    const user = userEvent.setup()
    const scenarios = builtinScenariosFrom(files)
    const store = createAppStore({ scenario: tour, source: 'kvm-v11-tour', cursor: 4 })
    render(<App store={store} scenarios={scenarios} />)
    // Invalid built-ins are reported up front.
    expect(within(screen.getByRole('alert')).getByText(/steps\[0\]\.fd: unknown name "nope"/)).toBeInTheDocument()
    await user.selectOptions(screen.getByLabelText('Scenario'), 'a-short')
    expect(store.getState().scenario?.title).toBe('Short')
    expect(store.getState().cursor).toBe(0)
    expect(screen.getByRole('status')).toHaveTextContent('step 0 / 2')
    await user.selectOptions(screen.getByLabelText('Scenario'), 'broken')
    expect(store.getState().scenario?.title).toBe('Short')
    expect(screen.getByRole('heading', { name: 'scenarios/broken.json is not a valid scenario' })).toBeInTheDocument()
  })
})
