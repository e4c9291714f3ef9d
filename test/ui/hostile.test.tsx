/**
 * Hostile text in the UI: names, notes, titles and splat text are rendered as text; storage
 * problems reach the message banner; a splat paste beyond the parser's limits says why.
 */
import { act, render, screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { MAX_SPLAT_TEXT } from '../../src/engine/lockdep/splat/parse'
import { SESSION_KEY } from '../../src/store/share'
import { App } from '../../src/ui/App'
import { bootStore, syncSession } from '../../src/ui/session'
import { quietCanvas, renderApp, tourScenario } from './helpers/renderApp'

const HTML = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'

describe('hostile text', () => {
  it('a scenario title, description, note and names with markup are shown as text', () => {
    const base = tourScenario()
    const steps = base.steps.map((s, i) => (i === 0 ? { ...s, note: HTML } : s))
    const { container } = renderApp({ scenario: { ...base, title: HTML, description: HTML, steps }, cursor: 1 })
    expect(container.querySelector('.scenario-title h2.title')).toHaveTextContent(HTML)
    expect(container.textContent!.split(HTML).length - 1).toBeGreaterThanOrEqual(2) // the title and step 1's note
    expect(container.querySelector('img[src="x"]')).toBeNull()
    expect(container.querySelector('script')).toBeNull()
    expect((window as { __pwned?: number }).__pwned).toBeUndefined()
  })

  it('a pasted splat that is garbage, truncated or too large says why nothing was parsed', async () => {
    const user = userEvent.setup()
    renderApp()
    await user.click(screen.getByRole('tab', { name: 'Locks' }))
    const region = within(screen.getByRole('region', { name: 'Imported splats' }))
    const box = region.getByLabelText(/Paste a kernel log/)
    await user.click(box)
    await user.paste(`garbage ${HTML}\n\u0000\u202e`)
    await user.click(region.getByRole('button', { name: 'Parse splats' }))
    expect(region.getByRole('status')).toHaveTextContent('No lockdep splat found in the pasted text')
    await user.clear(box)
    await user.paste('======\nWARNING: possible circular locking dependency detected\n')
    await user.click(region.getByRole('button', { name: 'Parse splats' }))
    expect(region.getByRole('status')).toHaveTextContent('truncated')
    // too large: set the value directly (typing a megabyte is slow)
    await user.clear(box)
    await user.click(box)
    await user.paste('x'.repeat(MAX_SPLAT_TEXT + 1))
    await user.click(region.getByRole('button', { name: 'Parse splats' }))
    expect(region.getByRole('alert')).toHaveTextContent(`The paste was not parsed: ${MAX_SPLAT_TEXT + 1} characters is more than the limit of ${MAX_SPLAT_TEXT}.`)
    expect(region.queryByRole('status')).toBeNull()
  })
})

describe('storage problems reach the message banner', () => {
  it('a full storage while saving and a corrupt saved entry: both shown, the app renders', () => {
    quietCanvas()
    const m = new Map([[SESSION_KEY, '{"v":99}']])
    const storage = {
      getItem: (k: string) => m.get(k) ?? null,
      setItem: (k: string, v: string) => {
        if (k === SESSION_KEY) throw new DOMException('full', 'QuotaExceededError')
        m.set(k, v)
      },
      removeItem: (k: string) => void m.delete(k),
    }
    const store = bootStore({ search: '', hash: '', storage })
    act(() => void syncSession(store, storage, null))
    render(<App store={store} />)
    const banner = screen.getByRole('alert', { name: 'Message' })
    expect(banner).toHaveTextContent('the saved session was unreadable and has been set aside')
    expect(banner).toHaveTextContent('saved by a newer version of gmemscope')
    expect(banner).toHaveTextContent('The session could not be saved (localStorage is full)')
    expect(banner).toHaveTextContent('QuotaExceededError: full')
    expect(screen.getByRole('heading', { level: 1, name: 'gmemscope' })).toBeInTheDocument()
    expect(screen.getByRole('status')).toHaveTextContent(/^step 0 \//)
  })
})
