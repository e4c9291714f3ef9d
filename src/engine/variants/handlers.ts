/**
 * Pieces every variant's action table shares: typing a handler for one op, resolving the VM fd
 * of a VM ioctl, decoding uapi structs, and the syscalls whose entry points are the same in every
 * variant (their differences live in each file's f_op).
 */
import type { Action } from '../actions'
import type { OpCtx } from '../ctx'
import { EBADF, ENOTTY } from '../errno'
import { fdget } from '../fs/file_table'
import { sysClose, sysFallocate } from '../fs/open'
import { hostAccess, sysMmap, sysMunmap } from '../mm/mmap'
import { asLoff, asU32, asU64, big } from '../u64'
import type { Handler } from './registry'

/** Narrows the action to one op for a handler. */
export function on<O extends Action['op']>(fn: (ctx: OpCtx, a: Extract<Action, { op: O }>) => number): Handler {
  return fn as Handler
}

/**
 * A VM ioctl's target: -EBADF if the fd is not open, -ENOTTY if the file has no such ioctl
 * (not a VM of this kind: a guest_memfd has no unlocked_ioctl).
 */
export function vmFromFd(ctx: OpCtx, fd: bigint, kind: string, what: string): string | number {
  const file = fdget(ctx, fd)
  if (!file) return ctx.refuse(-EBADF, 'fdget(fd) failed: not an open fd', 'fs/ioctl.c')
  if (file.kind !== kind) return ctx.refuse(-ENOTTY, `the file has no such ioctl (not a ${what} fd)`, 'fs/ioctl.c vfs_ioctl')
  return file.vm
}

/** Runs `body` on the VM behind a VM fd of `kind`, or returns the errno of vmFromFd. */
export function withVmOf(kind: string, what: string) {
  return (ctx: OpCtx, fd: bigint, body: (vmId: string) => number): number => {
    const vm = vmFromFd(ctx, fd, kind, what)
    return typeof vm === 'number' ? vm : body(vm)
  }
}

/** struct kvm_userspace_memory_region2, as the ioctl copies it in. */
export function decodeMemoryRegion2(a: Extract<Action, { op: 'KVM_SET_USER_MEMORY_REGION2' }>) {
  return {
    slot: asU32(a.slot),
    flags: asU32(a.flags),
    guestPhysAddr: asU64(a.guest_phys_addr),
    memorySize: asU64(a.memory_size),
    userspaceAddr: asU64(a.userspace_addr),
    guestMemfd: asU32(a.guest_memfd),
    guestMemfdOffset: asU64(a.guest_memfd_offset),
  }
}

/** struct kvm_memory_attributes */
export function decodeMemAttributes(a: Extract<Action, { op: 'KVM_SET_MEMORY_ATTRIBUTES' }>) {
  return { address: asU64(a.address), size: asU64(a.size), attributes: asU64(a.attributes), flags: asU64(a.flags) }
}

/** The file syscalls and stimuli whose entry points every variant shares. */
export const COMMON_SYSCALLS = {
  fallocate: on<'fallocate'>((ctx, a) => sysFallocate(ctx, big(a.fd), big(a.mode), asLoff(a.offset), asLoff(a.len))),
  munmap: on<'munmap'>((ctx, a) => sysMunmap(ctx, asU64(a.addr), asU64(a.length))),
  close: on<'close'>((ctx, a) => sysClose(ctx, big(a.fd))),
  inject: on<'inject'>((ctx, a) => {
    ctx.s.inject[a.kind] = (ctx.s.inject[a.kind] ?? 0) + 1
    ctx.call('gmemscope_inject', () => ctx.effect({ kind: 'kernel', field: 'inject' }, `armed: the next ${a.kind} fails`, 'gmemscope fault injection'))
    return 0
  }),
}

/** mmap(2) and a host access through mm/mmap.ts (kvm-upstream has its own VFS paths). */
export const COMMON_MM = {
  mmap: on<'mmap'>((ctx, a) => sysMmap(ctx, big(a.fd), asU64(a.offset), asU64(a.length), asU64(a.prot), asU64(a.flags), a.label ?? '')),
  host_access: on<'host_access'>((ctx, a) => {
    // Not a syscall: the access either completes or raises a signal, which the result carries.
    ctx.signal = hostAccess(ctx, asU64(a.addr), a.write)
    return 0
  }),
}
