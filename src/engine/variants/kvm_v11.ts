/**
 * The `kvm-v11` variant: KVM RFC v11 guest_memfd (seed 002) with KVM_MAP_MEMORY (seed 003).
 * Maps each action to the kernel entry point that handles it.
 */
import type { OpCtx } from '../ctx'
import type { Action } from '../actions'
import { EBADF, ENOTTY } from '../errno'
import { fdget } from '../fs/file_table'
import { sysClose, sysFallocate } from '../fs/open'
import { asLoff, asU32, asU64, big } from '../u64'
import { constantsOf } from '../uapi'
import { kvmGmemFallocate, kvmGmemRelease, KVM_GMEM } from '../kvm/guest_mem'
import { kvmGmemErrorPage } from '../kvm/guest_mem_bind'
import {
  kvmDevIoctlCreateVm,
  kvmVmIoctlCreateGuestMemfd,
  kvmVmIoctlSetMemAttributes,
  kvmVmIoctlSetMemoryRegion,
} from '../kvm/kvm_main'
import { kvmGuestAccess, kvmVcpuMapMemory } from '../kvm/fault'
import { kvmPutKvm } from '../kvm/kvm_lifetime'
import { hostAccess, sysMmap, sysMunmap } from '../mm/mmap'
import { memoryFailure } from '../mm/memory_failure'
import { registerVariant, type Handler } from './registry'

/** The bugs of seed 002 that the fixes switch corrects (docs/bugs-kvm-v11.md). */
export const KVM_V11_BUGS = ['B-K1', 'B-K2', 'B-K3', 'B-K5', 'B-K7', 'B-K8', 'B-K9', 'B-K11', 'B-K12', 'B-K13'] as const

/**
 * The VM behind an fd for a VM ioctl: -EBADF if the fd is not open, -ENOTTY if the file has no
 * such ioctl (a guest_memfd has no unlocked_ioctl).
 */
export function kvmVmFromFd(ctx: OpCtx, fd: bigint): string | number {
  const file = fdget(ctx, fd)
  if (!file) return ctx.refuse(-EBADF, 'fdget(fd) failed: not an open fd', 'fs/ioctl.c')
  if (file.kind !== 'kvm-vm') return ctx.refuse(-ENOTTY, 'the file has no such ioctl (not a KVM VM fd)', 'fs/ioctl.c vfs_ioctl')
  return file.vm
}

function withVm(ctx: OpCtx, fd: bigint, body: (vmId: string) => number): number {
  const vm = kvmVmFromFd(ctx, fd)
  return typeof vm === 'number' ? vm : body(vm)
}

/** Narrows the action to one op for a handler. */
function on<O extends Action['op']>(fn: (ctx: OpCtx, a: Extract<Action, { op: O }>) => number): Handler {
  return fn as Handler
}

export const KVM_V11_OPS = {
  KVM_CREATE_VM: on<'KVM_CREATE_VM'>((ctx, a) => kvmDevIoctlCreateVm(ctx, asU64(a.type), a.label ?? '')),
  KVM_CREATE_GUEST_MEMFD: on<'KVM_CREATE_GUEST_MEMFD'>((ctx, a) =>
    withVm(ctx, big(a.vm), (vm) => kvmVmIoctlCreateGuestMemfd(ctx, vm, asU64(a.size), asU64(a.flags), a.label ?? '')),
  ),
  KVM_SET_USER_MEMORY_REGION2: on<'KVM_SET_USER_MEMORY_REGION2'>((ctx, a) =>
    withVm(ctx, big(a.vm), (vm) =>
      kvmVmIoctlSetMemoryRegion(ctx, vm, {
        slot: asU32(a.slot),
        flags: asU32(a.flags),
        guestPhysAddr: asU64(a.guest_phys_addr),
        memorySize: asU64(a.memory_size),
        userspaceAddr: asU64(a.userspace_addr),
        guestMemfd: asU32(a.guest_memfd),
        guestMemfdOffset: asU64(a.guest_memfd_offset),
      }),
    ),
  ),
  KVM_SET_MEMORY_ATTRIBUTES: on<'KVM_SET_MEMORY_ATTRIBUTES'>((ctx, a) =>
    withVm(ctx, big(a.vm), (vm) =>
      kvmVmIoctlSetMemAttributes(ctx, vm, {
        address: asU64(a.address),
        size: asU64(a.size),
        attributes: asU64(a.attributes),
        flags: asU64(a.flags),
      }),
    ),
  ),
  KVM_MAP_MEMORY: on<'KVM_MAP_MEMORY'>((ctx, a) =>
    withVm(ctx, big(a.vm), (vm) =>
      kvmVcpuMapMemory(ctx, vm, {
        baseGfn: asU64(a.base_gfn),
        nrPages: asU64(a.nr_pages),
        flags: asU64(a.flags),
        source: asU64(a.source),
      }),
    ),
  ),
  fallocate: on<'fallocate'>((ctx, a) => sysFallocate(ctx, big(a.fd), big(a.mode), asLoff(a.offset), asLoff(a.len))),
  mmap: on<'mmap'>((ctx, a) =>
    sysMmap(ctx, big(a.fd), asU64(a.offset), asU64(a.length), asU64(a.prot), asU64(a.flags), a.label ?? ''),
  ),
  munmap: on<'munmap'>((ctx, a) => sysMunmap(ctx, asU64(a.addr), asU64(a.length))),
  host_access: on<'host_access'>((ctx, a) => {
    // Not a syscall: the access either completes or raises a signal, which the result carries.
    ctx.signal = hostAccess(ctx, asU64(a.addr), a.write)
    return 0
  }),
  guest_access: on<'guest_access'>((ctx, a) =>
    withVm(ctx, big(a.vm), (vm) => {
      const out = kvmGuestAccess(ctx, vm, asU64(a.gpa), a.write, a.private)
      ctx.exit = out.exit
      return out.r
    }),
  ),
  memory_failure: on<'memory_failure'>((ctx, a) =>
    memoryFailure(ctx, big(a.fd), asLoff(a.offset), (c, inode, index) => kvmGmemErrorPage(c, inode, index)),
  ),
  close: on<'close'>((ctx, a) => sysClose(ctx, big(a.fd))),
  inject: on<'inject'>((ctx, a) => {
    ctx.s.inject[a.kind] = (ctx.s.inject[a.kind] ?? 0) + 1
    return 0
  }),
} satisfies Partial<Record<Action['op'], Handler>>

registerVariant({
  variant: 'kvm-v11',
  title: 'KVM RFC v11 guest_memfd (seed 002, KVM_MAP_MEMORY from seed 003)',
  seed: 'seed 002',
  ops: KVM_V11_OPS,
  fops: {
    [KVM_GMEM]: {
      regular: true,
      release: kvmGmemRelease,
      fallocate: kvmGmemFallocate,
      // kvm_gmem_fops has no .mmap: mmap() fails with -ENODEV (seed 002)
    },
    'kvm-vm': {
      regular: false,
      // kvm_vm_release() → kvm_put_kvm()
      release: (ctx, fileId) => ctx.call('kvm_vm_release', () => kvmPutKvm(ctx, ctx.s.files[fileId]!.vm)),
    },
  },
  constants: constantsOf('kvm-v11'),
  bugs: KVM_V11_BUGS,
})
