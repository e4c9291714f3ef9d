import { act, render, screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { AppStoreProvider, createAppStore } from '../../src/store'
import { PanelBoundary } from '../../src/ui/PanelBoundary'
import { renderApp } from './helpers/renderApp'

// The narration and the kernel log can be made to throw; everything else is the real app.
const crash = vi.hoisted(() => ({ narration: false as boolean | string, log: false }))
vi.mock('../../src/ui/panels/Narration', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/ui/panels/Narration')>()
  return {
    Narration: () => {
      if (crash.narration) throw new Error(typeof crash.narration === 'string' ? crash.narration : 'narration exploded')
      return real.Narration()
    },
  }
})
vi.mock('../../src/ui/panels/LogPanel', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/ui/panels/LogPanel')>()
  return {
    LogPanel: () => {
      if (crash.log) throw new TypeError('log exploded')
      return real.LogPanel()
    },
  }
})

/** Captures downloads: the file name and the Blob handed to URL.createObjectURL. */
function captureDownloads() {
  const blobs: Blob[] = []
  const names: string[] = []
  Object.assign(URL, { createObjectURL: (b: Blob) => (blobs.push(b), `blob:test/${blobs.length}`), revokeObjectURL: () => undefined })
  vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
    names.push(this.download)
  })
  return { blobs, names }
}

beforeEach(() => {
  crash.narration = false
  crash.log = false
  // React logs caught render errors; the boundary logs them too: keep the output quiet
  vi.spyOn(console, 'error').mockImplementation(() => undefined)
})
afterEach(() => {
  vi.restoreAllMocks()
})

describe('PanelBoundary', () => {
  it('a crashing view shows which panel failed and the error as text; the other panels still render', () => {
    crash.narration = '<img src=x onerror="window.pwned=1">'
    renderApp()
    const failed = screen.getByRole('alert', { name: 'Narration failed' })
    expect(failed).toHaveTextContent('The Narration panel failed; the rest of gmemscope still works.')
    expect(failed).toHaveTextContent('Error: <img src=x onerror="window.pwned=1">')
    expect(failed.querySelector('img')).toBeNull()
    // the rest of the app is there and works
    expect(screen.getByRole('heading', { level: 1, name: 'gmemscope' })).toBeInTheDocument()
    expect(screen.getByRole('heading', { level: 2, name: 'guest_memfd tour (KVM RFC v11)' })).toBeInTheDocument()
    expect(screen.getByRole('status')).toHaveTextContent('step 0 / 15')
    expect(screen.getByRole('heading', { name: 'Initial state' })).toBeInTheDocument()
    expect(screen.getByRole('tablist', { name: 'Panels' })).toBeInTheDocument()
  })

  it('Try again re-renders the panel; moving to another step resets it too', async () => {
    const user = userEvent.setup()
    crash.narration = true
    const { store } = renderApp()
    expect(screen.getByRole('alert', { name: 'Narration failed' })).toBeInTheDocument()
    await user.click(screen.getByRole('button', { name: 'Try again' }))
    expect(screen.getByRole('alert', { name: 'Narration failed' })).toBeInTheDocument()
    crash.narration = false
    await user.click(screen.getByRole('button', { name: 'Try again' }))
    expect(screen.queryByRole('alert', { name: 'Narration failed' })).not.toBeInTheDocument()

    crash.narration = true
    act(() => store.getState().jumpTo(2))
    expect(screen.getByRole('alert', { name: 'Narration failed' })).toBeInTheDocument()
    crash.narration = false
    act(() => store.getState().jumpTo(3))
    expect(screen.queryByRole('alert', { name: 'Narration failed' })).not.toBeInTheDocument()
    expect(screen.getByRole('status')).toHaveTextContent('step 3 / 15')
  })

  it('Export session downloads the current scenario as JSON', async () => {
    const user = userEvent.setup()
    const { blobs, names } = captureDownloads()
    crash.narration = true
    const { store } = renderApp()
    await user.click(screen.getByRole('button', { name: 'Export session' }))
    expect(names).toEqual(['kvm-v11-tour.json'])
    expect(JSON.parse(await blobs[0]!.text())).toEqual(JSON.parse(JSON.stringify(store.getState().scenario)))
    expect(screen.getByRole('alert', { name: 'Narration failed' })).toHaveTextContent('The scenario was downloaded as JSON.')
  })

  it('a crash in a side-panel tab is contained to that tab', async () => {
    const user = userEvent.setup()
    crash.log = true
    renderApp()
    await user.click(screen.getByRole('tab', { name: 'Kernel log' }))
    expect(screen.getByRole('alert', { name: 'Kernel log failed' })).toHaveTextContent('TypeError: log exploded')
    await user.click(screen.getByRole('tab', { name: 'Step' }))
    expect(screen.queryByRole('alert', { name: 'Kernel log failed' })).not.toBeInTheDocument()
    expect(screen.getByRole('region', { name: 'Step details' })).toBeInTheDocument()
    await user.keyboard('{ArrowRight}')
    expect(screen.getByRole('status')).toHaveTextContent('step 1 / 15')
  })

  it('a boundary on its own: siblings render, a thrown non-Error is shown as text, export with no scenario says so', async () => {
    const user = userEvent.setup()
    const store = createAppStore({})
    const Bad = () => {
      throw 'a string, not an Error'
    }
    render(
      <AppStoreProvider store={store}>
        <PanelBoundary name="Bad" store={store}>
          <Bad />
        </PanelBoundary>
        <PanelBoundary name="Good" store={store}>
          <p>still here</p>
        </PanelBoundary>
      </AppStoreProvider>,
    )
    const failed = within(screen.getByRole('alert', { name: 'Bad failed' }))
    expect(failed.getByText('a string, not an Error')).toBeInTheDocument()
    expect(screen.getByText('still here')).toBeInTheDocument()
    await user.click(failed.getByRole('button', { name: 'Export session' }))
    expect(failed.getByRole('status')).toHaveTextContent('No scenario is loaded: nothing to export.')
  })
})
