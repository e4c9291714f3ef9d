import { render, screen, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { INODE, mixedFolioState } from '../../../bench/fixture'
import { runScenario, validateScenario } from '../../../src/engine/scenario'
import { AppStoreProvider, createAppStore } from '../../../src/store'
import { ExtentsTable } from '../../../src/ui/panels/ExtentsTable'
import { folioExtents } from '../../../src/engine/selectors'
import { leadingExtents, MAX_ROWS_PER_FILE } from '../../../src/ui/panels/ExtentsTable'
import { BUILTIN_SCENARIOS } from '../../../src/ui/scenarios'
import { renderBuiltin } from '../helpers/renderApp'

describe('ExtentsTable: the rows it shows without walking the whole file', () => {
  it('leadingExtents is the head of folioExtents (holes included) on every state of every built-in scenario', () => {
    let checked = 0
    for (const b of BUILTIN_SCENARIOS) {
      if (!b.ok) continue
      for (const fixes of [false, true]) {
        for (const state of runScenario(b.scenario, { keepStates: true, fixes }).states) {
          for (const id of Object.keys(state.inodes)) {
            const all = folioExtents(state, id, { holes: true })
            for (const max of [1, 3, MAX_ROWS_PER_FILE]) {
              const head = leadingExtents(state, id, max)
              expect(head.extents, `${b.id} ${id} max ${max}`).toEqual(all.slice(0, max))
              expect(head.more).toBe(all.length > max)
            }
            checked++
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(100)
  })

  it('on a file of 64 Ki distinct folios, it returns the first 200 extents and says there are more', () => {
    const state = mixedFolioState(1 << 16, 8)
    const head = leadingExtents(state, INODE, MAX_ROWS_PER_FILE)
    expect(head.more).toBe(true)
    expect(head.extents).toEqual(folioExtents(state, INODE, { holes: true, end: head.extents[head.extents.length - 1]!.end }))
  })

  it('the table lists every extent of a small file', () => {
    renderBuiltin('kvm-v11-tour', 10)
    const table = screen.getByRole('table', { name: 'Extents' })
    const rows = within(table).getAllByRole('row').slice(1)
    expect(rows.length).toBeGreaterThan(1)
    expect(within(table).queryByText(/more extents/)).toBeNull()
    expect(within(table).getByRole('button', { name: 'select g0 page 0x1' })).toBeInTheDocument()
  })

  it('past 200 rows, the table says there are more (after which page) without counting them', () => {
    const checked = validateScenario({ format: 'gmemscope/scenario@1', title: 'big', variant: 'gunyah-v17', steps: [{ op: 'GUNYAH_CREATE_VM', as: 'vm0' }] })
    if (!checked.ok) throw new Error(checked.errors.join('; '))
    const real = runScenario(checked.scenario, { keepStates: true })
    const big = mixedFolioState(1 << 16, 8)
    const store = createAppStore()
    store.setState({ scenario: checked.scenario, source: null, run: { ...real, states: [real.states[0]!, big], final: big }, cursor: 1, divergence: null })
    render(
      <AppStoreProvider store={store}>
        <ExtentsTable />
      </AppStoreProvider>,
    )
    const table = screen.getByRole('table', { name: 'Extents' })
    const rows = within(table).getAllByRole('row').slice(1)
    expect(rows).toHaveLength(MAX_ROWS_PER_FILE + 1)
    const last = leadingExtents(big, INODE, MAX_ROWS_PER_FILE).extents[MAX_ROWS_PER_FILE - 1]!
    expect(rows[MAX_ROWS_PER_FILE]).toHaveTextContent(`… more extents after page 0x${last.end.toString(16)} (the file holds ${big.inodes[INODE]!.folios.length.toLocaleString('en-US')} folio extents)`)
  })
})
