/**
 * The VM's lifetime (virt/kvm/kvm_main.c): users_count, held by the VM fd and by every
 * guest_memfd of the VM ("the file pins KVM, not the other way 'round", seed 002).
 */
import { castDraft } from 'immer'
import type { OpCtx } from '../ctx'
import { allocFile, fdAlloc, newId } from '../fs/file_table'
import { kvmSlotCanBePrivate } from './memslot'
import { kvmGmemUnbind } from './guest_mem_bind'

/**
 * kvm_create_vm() + anon_inode_getfile("kvm-vm"): a new VM with one user (its fd), and the fd,
 * opened with O_CLOEXEC as kvm_dev_ioctl_create_vm() does.
 */
export function kvmCreateVm(ctx: OpCtx, type: number, label: string): number {
  const vmId = newId(ctx, 'vm')
  ctx.s.vms[vmId] = {
    id: vmId,
    label,
    type,
    usersCount: 1,
    destroyed: false,
    memslots: {},
    freedMemslots: {},
    nrMemslotPages: 0,
    attributes: [],
    stage2: [],
    mmu: { inProgress: 0, seq: 0, rangeStart: null, rangeEnd: null },
  }
  ctx.effect({ kind: 'vm', id: vmId }, 'created: kvm_create_vm(), users_count 1 (the VM fd)', 'virt/kvm/kvm_main.c kvm_create_vm')
  const fileId = allocFile(ctx, { kind: 'kvm-vm', label, vm: vmId, inode: null })
  return fdAlloc(ctx, fileId, true)
}

/** kvm_get_kvm() */
export function kvmGetKvm(ctx: OpCtx, vmId: string): void {
  const vm = ctx.s.vms[vmId]!
  vm.usersCount++
  // seed 002: "The file pins KVM, not the other way 'round."
  ctx.effect({ kind: 'vm', id: vmId }, `kvm_get_kvm(): users_count ${vm.usersCount}`, ctx.cite())
}

/** kvm_put_kvm(): the last reference destroys the VM. */
export function kvmPutKvm(ctx: OpCtx, vmId: string): void {
  ctx.call('kvm_put_kvm', () => {
    const vm = ctx.s.vms[vmId]!
    vm.usersCount--
    ctx.effect({ kind: 'vm', id: vmId }, `kvm_put_kvm(): users_count ${vm.usersCount}`, 'virt/kvm/kvm_main.c kvm_put_kvm')
    if (vm.usersCount === 0) kvmDestroyVm(ctx, vmId)
  })
}

/**
 * kvm_destroy_vm(): frees the memslots (kvm_free_memslot unbinds private ones, a no-op once
 * their files are closed, which they must be: each holds a reference) and the page tables.
 */
export function kvmDestroyVm(ctx: OpCtx, vmId: string): void {
  ctx.call('kvm_destroy_vm', () => {
    const vm = ctx.s.vms[vmId]!
    for (const slot of Object.values(vm.memslots)) {
      ctx.call('kvm_free_memslot', () => {
        if (kvmSlotCanBePrivate(slot)) kvmGmemUnbind(ctx, slot)
      })
    }
    const src = 'virt/kvm/kvm_main.c kvm_destroy_vm'
    for (const key of Object.keys(vm.memslots)) ctx.effect({ kind: 'memslot', vm: vmId, key }, 'freed with the VM (kvm_free_memslots)', src)
    const s2 = vm.stage2
    if (s2.length) ctx.effect({ kind: 'stage2', vm: vmId, start: s2[0]!.start, end: s2[s2.length - 1]!.end }, 'page tables freed with the VM (kvm_arch_destroy_vm)', src)
    vm.memslots = {}
    vm.stage2 = castDraft([])
    vm.nrMemslotPages = 0
    vm.destroyed = true
    ctx.effect({ kind: 'vm', id: vmId }, 'destroyed: the last user is gone (kvm_destroy_vm)', src)
    ctx.info(`kvm: VM ${vm.label || vmId} destroyed`)
  })
}
