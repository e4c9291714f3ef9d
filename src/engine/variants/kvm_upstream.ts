/**
 * The `kvm-upstream` variant: guest_memfd as in Linux 6.18 (KVM_MEM_GUEST_MEMFD memslots,
 * GUEST_MEMFD_FLAG_MMAP and _INIT_SHARED, KVM_SET_MEMORY_ATTRIBUTES, KVM_PRE_FAULT_MEMORY, the
 * fixed lock order and poison handling). docs/kvm-upstream.md; the native runner checks it
 * against a real kernel (npm run kdiff).
 *
 * The `kvm-v14-mmap` variant (variants/kvm_v14_mmap.ts) reuses these handlers: the differences
 * are decided inside kvm_upstream/ by the variant (create flags, host fault, cap).
 */
import type { Action } from '../actions'
import { asLoff, asU32, asU64, big } from '../u64'
import { registerConstants } from '../uapi'
import { registerOpSpecs, type OpSpec } from '../scenario/ops'
import { KVM_GMEM } from '../kvm/guest_mem'
import { kvmPutKvm } from '../kvm/kvm_lifetime'
import { memoryFailure } from '../mm/memory_failure'
import type { Variant } from '../state'
import { kvmGmemCreate, kvmGmemErrorFolio, kvmGmemFallocate, kvmGmemMmap, kvmGmemRelease } from '../kvm_upstream/guest_memfd'
import {
  hostConfig,
  kvmCheckExtension,
  kvmDevIoctlCreateVm,
  kvmVcpuRelease,
  kvmVmIoctlCreateVcpu,
  kvmVmIoctlSetMemAttributes,
  kvmVmIoctlSetMemoryRegion,
} from '../kvm_upstream/kvm_main'
import { kvmGuestAccess, kvmVcpuPreFaultMemory } from '../kvm_upstream/mmu'
import { hostAccess, sysFtruncate, sysLseek, sysMmap, sysPreadPwrite, sysReadWrite } from '../kvm_upstream/vfs'
import { KVM_UPSTREAM_CONSTANTS } from '../kvm_upstream/uapi'
import { kvmMmuNotifierInvalidateRange } from '../kvm/mmu_notifier'
import { registerVariant, type Handler, type VariantDef } from './registry'
import { COMMON_SYSCALLS, decodeMemAttributes, decodeMemoryRegion2, on, withVmOf } from './handlers'

const withVm = withVmOf('kvm-vm', 'KVM VM')

export const KVM_UPSTREAM_OPS = {
  host_config: on<'host_config'>((ctx, a) =>
    hostConfig(ctx, { vmTypes: asU64(a.vm_types), memoryAttributes: a.memory_attributes, tdp: a.tdp, addressSpaces: asU64(a.address_spaces) }),
  ),
  KVM_CHECK_EXTENSION: on<'KVM_CHECK_EXTENSION'>((ctx, a) => {
    const fd = BigInt.asIntN(64, big(a.vm))
    if (fd === -1n) return ctx.call('kvm_dev_ioctl', () => kvmCheckExtension(ctx, null, asU64(a.cap)))
    return withVm(ctx, big(a.vm), (vm) => ctx.call('kvm_vm_ioctl', () => kvmCheckExtension(ctx, vm, asU64(a.cap))))
  }),
  KVM_CREATE_VM: on<'KVM_CREATE_VM'>((ctx, a) => kvmDevIoctlCreateVm(ctx, asU64(a.type), a.label ?? '')),
  KVM_CREATE_VCPU: on<'KVM_CREATE_VCPU'>((ctx, a) =>
    withVm(ctx, big(a.vm), (vm) => ctx.call('kvm_vm_ioctl', () => kvmVmIoctlCreateVcpu(ctx, vm, asU64(a.id), a.label ?? ''))),
  ),
  KVM_CREATE_GUEST_MEMFD: on<'KVM_CREATE_GUEST_MEMFD'>((ctx, a) =>
    withVm(ctx, big(a.vm), (vm) => ctx.call('kvm_vm_ioctl', () => kvmGmemCreate(ctx, vm, BigInt.asIntN(64, asU64(a.size)), asU64(a.flags), a.label ?? ''))),
  ),
  KVM_SET_USER_MEMORY_REGION2: on<'KVM_SET_USER_MEMORY_REGION2'>((ctx, a) =>
    withVm(ctx, big(a.vm), (vm) =>
      ctx.call('kvm_vm_ioctl', () =>
        kvmVmIoctlSetMemoryRegion(ctx, vm, decodeMemoryRegion2(a)),
      ),
    ),
  ),
  KVM_SET_MEMORY_ATTRIBUTES: on<'KVM_SET_MEMORY_ATTRIBUTES'>((ctx, a) =>
    withVm(ctx, big(a.vm), (vm) =>
      ctx.call('kvm_vm_ioctl', () =>
        kvmVmIoctlSetMemAttributes(ctx, vm, decodeMemAttributes(a)),
      ),
    ),
  ),
  KVM_PRE_FAULT_MEMORY: on<'KVM_PRE_FAULT_MEMORY'>((ctx, a) =>
    withVm(ctx, big(a.vm), (vm) => kvmVcpuPreFaultMemory(ctx, vm, { gpa: asU64(a.gpa), size: asU64(a.size), flags: asU64(a.flags) })),
  ),
  ...COMMON_SYSCALLS,
  mmap: on<'mmap'>((ctx, a) => sysMmap(ctx, big(a.fd), asU64(a.offset), asU64(a.length), asU64(a.prot), asU64(a.flags), a.label ?? '')),
  host_access: on<'host_access'>((ctx, a) => {
    // the access returns nothing: its outcome is the signal (the native runner reports ret 0 too)
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
  read: on<'read'>((ctx, a) => sysReadWrite(ctx, 'read', big(a.fd))),
  write: on<'write'>((ctx, a) => sysReadWrite(ctx, 'write', big(a.fd))),
  pread: on<'pread'>((ctx, a) => sysPreadPwrite(ctx, 'pread', big(a.fd), asLoff(a.offset))),
  pwrite: on<'pwrite'>((ctx, a) => sysPreadPwrite(ctx, 'pwrite', big(a.fd), asLoff(a.offset))),
  lseek: on<'lseek'>((ctx, a) => sysLseek(ctx, big(a.fd), asLoff(a.offset), asU32(a.whence))),
  ftruncate: on<'ftruncate'>((ctx, a) => sysFtruncate(ctx, big(a.fd), asLoff(a.length))),
  memory_failure: on<'memory_failure'>((ctx, a) => memoryFailure(ctx, big(a.fd), asLoff(a.offset), (c, inode, index) => kvmGmemErrorFolio(c, inode, index))),
} satisfies Partial<Record<Action['op'], Handler>>

const f = (name: string, kind: OpSpec['fields'][number]['kind'], extra: Partial<OpSpec['fields'][number]> = {}) => ({ name, kind, ...extra })

/** The scenario ops these variants add (docs/kvm-upstream.md). */
export const KVM_UPSTREAM_OP_SPECS: Record<string, OpSpec> = {
  host_config: {
    op: 'host_config',
    help: 'what the simulated host supports (before the first VM): KVM_CAP_VM_TYPES bits, CONFIG_KVM_GENERIC_MEMORY_ATTRIBUTES, tdp_enabled, memslot address spaces (2 with SMM)',
    fields: [
      f('vm_types', 'u64', { default: 3 }),
      f('memory_attributes', 'bool', { default: true }),
      f('tdp', 'bool', { default: true }),
      f('address_spaces', 'u64', { default: 2 }),
    ],
  },
  KVM_CHECK_EXTENSION: {
    op: 'KVM_CHECK_EXTENSION',
    help: 'ioctl(vm, KVM_CHECK_EXTENSION, cap); vm -1 (the default) asks /dev/kvm',
    fields: [f('vm', 'fd', { default: -1 }), f('cap', 'flags', { group: 'cap' })],
  },
  KVM_CREATE_VCPU: {
    op: 'KVM_CREATE_VCPU',
    help: 'ioctl(vm, KVM_CREATE_VCPU, id): a vCPU fd (it holds a reference on the VM)',
    creates: 'fd',
    fields: [f('vm', 'fd'), f('id', 'u64', { default: 0 })],
  },
  KVM_PRE_FAULT_MEMORY: {
    op: 'KVM_PRE_FAULT_MEMORY',
    help: 'ioctl(vcpu 0 of vm, KVM_PRE_FAULT_MEMORY, {gpa, size, flags}): map guest memory ahead of time; vCPU 0 is created on first use',
    fields: [f('vm', 'fd'), f('gpa', 'u64', { hex: true }), f('size', 'u64', { hex: true }), f('flags', 'flags', { group: 'preFaultFlags', default: 0 })],
  },
  read: { op: 'read', help: 'read(fd, buf, count)', fields: [f('fd', 'fd'), f('count', 'u64', { default: 4096 })] },
  write: { op: 'write', help: 'write(fd, buf, count)', fields: [f('fd', 'fd'), f('count', 'u64', { default: 4096 })] },
  pread: { op: 'pread', help: 'pread64(fd, buf, count, offset)', fields: [f('fd', 'fd'), f('count', 'u64', { default: 4096 }), f('offset', 's64', { hex: true, default: 0 })] },
  pwrite: { op: 'pwrite', help: 'pwrite64(fd, buf, count, offset)', fields: [f('fd', 'fd'), f('count', 'u64', { default: 4096 }), f('offset', 's64', { hex: true, default: 0 })] },
  lseek: { op: 'lseek', help: 'lseek(fd, offset, whence)', fields: [f('fd', 'fd'), f('offset', 's64', { default: 0 }), f('whence', 'flags', { group: 'whence', default: 0 })] },
  ftruncate: { op: 'ftruncate', help: 'ftruncate(fd, length)', fields: [f('fd', 'fd'), f('length', 's64', { hex: true })] },
}

registerOpSpecs(KVM_UPSTREAM_OP_SPECS)

/** The file operations of these variants' files. */
export const KVM_UPSTREAM_FOPS: VariantDef['fops'] = {
  [KVM_GMEM]: {
    regular: true,
    release: kvmGmemRelease,
    fallocate: kvmGmemFallocate,
    mmap: kvmGmemMmap,
  },
  'kvm-vm': {
    regular: false,
    release: (ctx, fileId) => ctx.call('kvm_vm_release', () => kvmPutKvm(ctx, ctx.s.files[fileId]!.vm)),
  },
  'kvm-vcpu': {
    regular: false,
    release: (ctx, fileId) => kvmVcpuRelease(ctx, ctx.s.files[fileId]!.vm, kvmPutKvm),
  },
}

export function registerKvmUpstreamLike(variant: Variant, title: string, seed: string, constants: typeof KVM_UPSTREAM_CONSTANTS): void {
  registerConstants(variant, constants)
  registerVariant({ variant, title, seed, ops: KVM_UPSTREAM_OPS, fops: KVM_UPSTREAM_FOPS, constants, bugs: [], mmuNotifier: kvmMmuNotifierInvalidateRange })
}

registerKvmUpstreamLike('kvm-upstream', 'guest_memfd in Linux 6.18 (upstream)', 'upstream 6.18', KVM_UPSTREAM_CONSTANTS)
