/**
 * KVM_CREATE_VM and KVM_CREATE_GUEST_MEMFD (seed 002 l.3627–3715, l.3995–4004), the gmem fops
 * (l.3546–3550) and the create-path bugs B-K7 and B-K11.
 */
import { describe, it, expect } from 'vitest'
import { both, createGmem, createVm, fileNamed, inject, inodeOf, kvm, logText, MiB, mmap, vmNamed } from '../../helpers/kvm'

describe('KVM_CREATE_VM', () => {
  it.each([
    ['KVM_X86_DEFAULT_VM', ['KVM_X86_DEFAULT_VM'], 0],
    ['KVM_X86_SW_PROTECTED_VM', ['KVM_X86_SW_PROTECTED_VM'], 1],
  ])('kvm_dev_ioctl_create_vm: type %s → a VM fd', (_name, type, num) => {
    const run = kvm([createVm('vm', type)])
    expect(run.last.errno).toBeNull()
    expect(Number(run.last.ret)).toBeGreaterThanOrEqual(3)
    const vm = vmNamed(run.final, 'vm')
    expect(vm.type).toBe(num)
    expect(vm.usersCount).toBe(1)
    expect(vm.destroyed).toBe(false)
    expect(run.final.fds[String(run.last.ret)]).toBeDefined()
  })

  it.each([2, 3, 0x100, '0xffffffffffffffff'])('kvm_arch_init_vm: unsupported type %s → EINVAL', (type) => {
    const run = kvm([createVm('vm', type as number)])
    expect(run.last.errno).toBe('EINVAL')
    expect(Object.keys(run.final.vms)).toHaveLength(0)
  })
})

describe('KVM_CREATE_GUEST_MEMFD', () => {
  it('kvm_gmem_create: valid size, no flags → an O_RDWR fd without CLOEXEC whose file pins the VM (l.3674)', () => {
    const run = kvm([createVm(), createGmem('vm', 2 * MiB)])
    expect(run.last.errno).toBeNull()
    const fd = String(run.last.ret)
    expect(run.final.fds[fd]?.cloexec).toBe(false)
    const g = fileNamed(run.final, 'g')
    expect(g.kind).toMatch(/gmem/)
    expect(g.released).toBe(false)
    expect(g.bindings).toEqual([])
    expect(g.vm).toBe(vmNamed(run.final, 'vm').id)
    const inode = inodeOf(run.final, 'g')
    expect(inode.sizePages).toBe(512)
    expect(inode.flags).toBe(0)
    expect(inode.folios).toEqual([])
    expect(inode.privateList).toContain(g.id)
    // kvm_get_kvm(kvm): the gmem file holds a VM reference
    expect(vmNamed(run.final, 'vm').usersCount).toBe(2)
  })

  it('kvm_gmem_create: no check of kvm_arch_has_private_mem → a default VM gets a guest_memfd too (l.3702–3715)', () => {
    const run = kvm([createVm('vm', ['KVM_X86_DEFAULT_VM']), createGmem('vm', 2 * MiB)])
    expect(run.last.errno).toBeNull()
  })

  it.each([1, 2, 0x80, '0x8000000000000000'])('kvm_gmem_create: flags & ~valid_flags (flags=%s) → EINVAL (l.3708)', (flags) => {
    const run = kvm([createVm(), createGmem('vm', 2 * MiB, 'g', flags as number)])
    expect(run.last.errno).toBe('EINVAL')
    expect(run.last.rule?.fn).toBe('kvm_gmem_create')
  })

  it('kvm_gmem_create: the flags check comes before the size check (l.3708 then l.3711)', () => {
    const run = kvm([createVm(), createGmem('vm', 0x1001, 'g', 1)])
    expect(run.last.errno).toBe('EINVAL')
    expect(run.last.rule?.why).toMatch(/flag/i)
  })

  it.each([
    ['unaligned', 0x1001],
    ['unaligned small', 1],
    ['negative (loff_t)', '0x8000000000000000'],
    ['negative and aligned', '0xfffffffffffff000'],
  ])('kvm_gmem_is_valid_size: size %s → EINVAL (l.3696)', (_what, size) => {
    const run = kvm([createVm(), createGmem('vm', size)])
    expect(run.last.errno).toBe('EINVAL')
    expect(run.last.rule?.fn).toMatch(/kvm_gmem_(create|is_valid_size)/)
    expect(vmNamed(run.final, 'vm').usersCount).toBe(1)
  })

  it('kvm_gmem_is_valid_size: a large aligned size (1 TiB) is accepted without allocating anything', () => {
    const run = kvm([createVm(), createGmem('vm', '0x10000000000')])
    expect(run.last.errno).toBeNull()
    expect(inodeOf(run.final, 'g').sizePages).toBe(2 ** 28)
    expect(inodeOf(run.final, 'g').folios).toEqual([])
  })

  it('kvm_gmem_is_valid_size (B-K11): size 0 → an fd as written, EINVAL with the fixes (l.3696)', () => {
    const { asWritten, fixed } = both([createVm(), createGmem('vm', 0)])
    expect(asWritten.last.errno).toBeNull()
    expect(Number(asWritten.last.ret)).toBeGreaterThanOrEqual(3)
    expect(asWritten.last.bugs).toContain('B-K11')
    expect(fixed.last.errno).toBe('EINVAL')
    expect(fixed.last.bugs).toContain('B-K11')
  })

  it('vfs_ioctl: KVM_CREATE_GUEST_MEMFD on a guest_memfd fd (no unlocked_ioctl) → ENOTTY', () => {
    const run = kvm([createVm(), createGmem('vm', 2 * MiB), createGmem('g', 2 * MiB, 'g2')])
    expect(run.last.errno).toBe('ENOTTY')
  })

  it('fdget: KVM_CREATE_GUEST_MEMFD on a closed / never opened fd → EBADF', () => {
    const run = kvm([createVm(), { op: 'KVM_CREATE_GUEST_MEMFD', vm: 99, size: 4096, as: 'g' }])
    expect(run.last.errno).toBe('EBADF')
  })

  it('kvm_gmem_fops has no .mmap: mmap → ENODEV (l.3546–3550)', () => {
    const run = kvm([createVm(), createGmem('vm', 2 * MiB), mmap('g')])
    expect(run.last.errno).toBe('ENODEV')
    expect(Object.keys(run.final.vmas)).toHaveLength(0)
  })

  it('__kvm_gmem_create (B-K7): failslab on the gmem kzalloc → NULL-deref oops (SIGKILL, taint) as written, ENOMEM with the fixes (l.3668–3690)', () => {
    const steps = [createVm(), inject('failslab'), createGmem('vm', 2 * MiB)]
    const { asWritten, fixed } = both(steps)
    expect(asWritten.last.signal).toBe('SIGKILL')
    expect(asWritten.last.bugs).toContain('B-K7')
    expect(asWritten.final.taint.length).toBeGreaterThan(0)
    expect(logText(asWritten.last)).toMatch(/BUG|NULL pointer|Oops/i)
    expect(fixed.last.errno).toBe('ENOMEM')
    expect(fixed.last.signal).toBeNull()
    expect(fixed.final.taint).toEqual([])
    expect(fixed.last.bugs).toContain('B-K7')
    // nothing was left behind: no VM reference, no fd
    expect(vmNamed(fixed.final, 'vm').usersCount).toBe(1)
    expect(Object.keys(fixed.final.fds)).toHaveLength(1)
  })

  it('inject is one-shot: the create after a failed one succeeds (fixed)', () => {
    const run = kvm([createVm(), inject('failslab'), createGmem('vm', 2 * MiB), createGmem('vm', 2 * MiB, 'g2')], { fixes: true })
    expect(run.res(3).errno).toBe('ENOMEM')
    expect(run.res(4).errno).toBeNull()
  })
})
