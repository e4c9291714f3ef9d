import { screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { buildStep, variantOps } from '../../../src/ui/panels/opForm'
import { renderBuiltin } from '../helpers/renderApp'

describe('operation palette', () => {
  it('offers every op of the variant', () => {
    expect(variantOps('gunyah-v17')).toEqual(expect.arrayContaining(['GUNYAH_VM_MAP_MEM', 'GUNYAH_VM_START', 'mmap', 'close']))
    expect(variantOps('kvm-v11')).toContain('KVM_SET_USER_MEMORY_REGION2')
    expect(variantOps('kvm-v11')).not.toContain('GUNYAH_VM_START')
  })

  it('buildStep() keeps names, numbers and hex strings, and omits empty optional fields', () => {
    expect(buildStep('mmap', { fd: 'g0', length: '0x1000', offset: '' }, { as: 'm' })).toEqual({
      op: 'mmap', fd: 'g0', length: '0x1000', prot: ['PROT_READ', 'PROT_WRITE'], flags: ['MAP_SHARED'], as: 'm',
    })
    expect(buildStep('close', { fd: '3' }, { cpu: 1 })).toEqual({ op: 'close', fd: 3, cpu: 1 })
  })

  it('appending a rejected op makes a visible step with its errno', async () => {
    const user = userEvent.setup()
    const { store } = renderBuiltin('kvm-v11-tour', 0)
    await user.click(screen.getByRole('tab', { name: 'Operations' }))
    const form = within(screen.getByRole('form', { name: 'Operation palette' }))
    await user.selectOptions(form.getByLabelText('Operation'), 'close')
    await user.type(form.getByLabelText('fd'), '99')
    await user.click(form.getByRole('button', { name: 'Append step' }))
    const s = store.getState()
    expect(s.scenario!.steps).toHaveLength(16)
    expect(s.cursor).toBe(16)
    expect(s.source).toBeNull()
    expect(s.run!.records[15]!.result.errno).toBe('EBADF')
  })

  it('an invalid step is refused with the validator’s path and message', async () => {
    const user = userEvent.setup()
    const { store } = renderBuiltin('kvm-v11-tour', 0)
    await user.click(screen.getByRole('tab', { name: 'Operations' }))
    const form = within(screen.getByRole('form', { name: 'Operation palette' }))
    await user.selectOptions(form.getByLabelText('Operation'), 'close')
    await user.type(form.getByLabelText('fd'), 'nosuch')
    await user.click(form.getByRole('button', { name: 'Append step' }))
    expect(form.getByRole('alert', { name: 'Step errors' })).toHaveTextContent('steps[15].fd: unknown name "nosuch"')
    expect(store.getState().scenario!.steps).toHaveLength(15)
  })
})
