/**
 * The `kvm-v11` variant: KVM RFC v11 guest_memfd (seed 002) with KVM_MAP_MEMORY (seed 003).
 * Maps each action to the kernel entry point that handles it.
 */
import type { Action } from '../actions'
import { asLoff, asU64, big } from '../u64'
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
import { memoryFailure } from '../mm/memory_failure'
import { kvmMmuNotifierInvalidateRange } from '../kvm/mmu_notifier'
import { registerVariant, type Handler } from './registry'
import { COMMON_MM, COMMON_SYSCALLS, decodeMemAttributes, decodeMemoryRegion2, on, withVmOf } from './handlers'

/** The bugs of seed 002 that the fixes switch corrects (docs/bugs-kvm-v11.md). */
export const KVM_V11_BUGS = ['B-K1', 'B-K2', 'B-K3', 'B-K5', 'B-K7', 'B-K8', 'B-K9', 'B-K11', 'B-K12', 'B-K13'] as const

const withVm = withVmOf('kvm-vm', 'KVM VM')

export const KVM_V11_OPS = {
  KVM_CREATE_VM: on<'KVM_CREATE_VM'>((ctx, a) => kvmDevIoctlCreateVm(ctx, asU64(a.type), a.label ?? '')),
  KVM_CREATE_GUEST_MEMFD: on<'KVM_CREATE_GUEST_MEMFD'>((ctx, a) =>
    withVm(ctx, big(a.vm), (vm) => kvmVmIoctlCreateGuestMemfd(ctx, vm, asU64(a.size), asU64(a.flags), a.label ?? '')),
  ),
  KVM_SET_USER_MEMORY_REGION2: on<'KVM_SET_USER_MEMORY_REGION2'>((ctx, a) =>
    withVm(ctx, big(a.vm), (vm) => kvmVmIoctlSetMemoryRegion(ctx, vm, decodeMemoryRegion2(a))),
  ),
  KVM_SET_MEMORY_ATTRIBUTES: on<'KVM_SET_MEMORY_ATTRIBUTES'>((ctx, a) =>
    withVm(ctx, big(a.vm), (vm) => kvmVmIoctlSetMemAttributes(ctx, vm, decodeMemAttributes(a))),
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
  ...COMMON_SYSCALLS,
  ...COMMON_MM,
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
  mmuNotifier: kvmMmuNotifierInvalidateRange,
})
