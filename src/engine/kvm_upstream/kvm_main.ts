/**
 * virt/kvm/kvm_main.c and arch/x86/kvm/x86.c as in Linux 6.18 (kvm-upstream; kvm-v14-mmap shares
 * them): KVM_CREATE_VM, KVM_CHECK_EXTENSION, KVM_CREATE_VCPU, KVM_SET_USER_MEMORY_REGION2 with
 * KVM_MEM_GUEST_MEMFD (immutable memslots), KVM_SET_MEMORY_ATTRIBUTES, and the host's config.
 */
import { castDraft } from 'immer'
import type { OpCtx } from '../ctx'
import { EBUSY, EEXIST, EINVAL, ENOTTY } from '../errno'
import { rangeFind, rangeQuery, rangeStore } from '../rangemap'
import type { KvmVm, MemAttribute, Memslot } from '../state'
import { addU64, pageAligned, PAGE_SHIFT, toPages } from '../u64'
import { KVM_MEM_LOG_DIRTY_PAGES, KVM_MEM_READONLY, KVM_MEMORY_ATTRIBUTE_PRIVATE } from '../uapi'
import { allocFile, fdAlloc, newId } from '../fs/file_table'
import { kvmCreateVm, kvmGetKvm } from '../kvm/kvm_lifetime'
import type { UserMemoryRegion2 } from '../kvm/kvm_main'
import { kvmCheckMemslotOverlap, newMemslot, slotKey } from '../kvm/memslot'
import { kvmMmuInvalidateBegin, kvmMmuInvalidateEnd, kvmMmuInvalidateRangeAdd, kvmMmuLock, kvmMmuUnlock, kvmUnmapGfnRange, vmOf } from '../kvm/mmu'
import { KVM_MEM_MAX_NR_PAGES, KVM_MEM_SLOTS_NUM, KVM_MMU_MAX_GFN, KVM_USER_MEM_SLOTS, TASK_SIZE_MAX, memslotChangeText } from '../kvm/kvm_main'
import { hasPrivateMem, kvmGmemBind, kvmGmemGetSupportedFlags, kvmGmemUnbind, up } from './guest_memfd'
import { KVM_CAP, KVM_MEM_GUEST_MEMFD } from './uapi'

/** KVM_MAX_VCPU_IDS on x86 (kvm_max_vcpu_ids() with the default max_vcpu_ids) */
export const KVM_MAX_VCPU_IDS = 4096

export interface HostConfigArgs {
  readonly vmTypes: bigint
  readonly memoryAttributes: boolean
  readonly tdp: boolean
  readonly addressSpaces: bigint
}

/**
 * host_config: what `modprobe kvm` on this host gives (kernel config, module parameters). Only
 * before the first VM: -EBUSY afterwards, as a loaded module cannot be reconfigured.
 */
export function hostConfig(ctx: OpCtx, a: HostConfigArgs): number {
  return ctx.call('kvm_init', () => {
    if (Object.keys(ctx.s.vms).length) return ctx.refuse(-EBUSY, 'the host configuration is fixed once a VM exists', 'gmemscope host_config')
    if (a.vmTypes > 0xffffn || a.addressSpaces < 1n || a.addressSpaces > 2n) {
      return ctx.refuse(-EINVAL, 'vm_types is a bit mask of types 0-15; address_spaces is 1 or 2', 'gmemscope host_config')
    }
    ctx.s.kvmUpstream.host = {
      vmTypes: Number(a.vmTypes),
      memoryAttributes: a.memoryAttributes,
      tdp: a.tdp,
      addressSpaces: Number(a.addressSpaces),
    }
    ctx.effect({ kind: 'kernel', field: 'host' }, `KVM host configured: vm_types 0x${a.vmTypes.toString(16)}, memory attributes ${a.memoryAttributes}, tdp ${a.tdp}, ${a.addressSpaces} address space(s)`, 'gmemscope host_config')
    return 0
  })
}

function host(ctx: OpCtx) {
  return ctx.s.kvmUpstream.host
}

/** KVM_CREATE_VM → kvm_dev_ioctl_create_vm() → kvm_arch_init_vm(): the type must be supported. */
export function kvmDevIoctlCreateVm(ctx: OpCtx, type: bigint, label: string): number {
  return ctx.call('kvm_dev_ioctl_create_vm', () => {
    const supported = type < 32n && ((host(ctx).vmTypes >> Number(type)) & 1) === 1
    if (!supported) {
      return ctx.call('kvm_arch_init_vm', () => ctx.refuse(-EINVAL, '!kvm_is_vm_type_supported(type)', up(ctx, 'kvm_arch_init_vm')))
    }
    return kvmCreateVm(ctx, Number(type), label)
  })
}

/** kvm_supported_mem_attributes(): PRIVATE for !kvm or VMs with private memory, if compiled in. */
function kvmSupportedMemAttributes(ctx: OpCtx, vmId: string | null): bigint {
  if (!host(ctx).memoryAttributes) return 0n
  return vmId === null || hasPrivateMem(ctx, vmId) ? BigInt(KVM_MEMORY_ATTRIBUTE_PRIVATE) : 0n
}

/** KVM_CHECK_EXTENSION on /dev/kvm (vmId null) or a VM: the capabilities the model knows. */
export function kvmCheckExtension(ctx: OpCtx, vmId: string | null, cap: bigint): number {
  return ctx.call('kvm_vm_ioctl_check_extension_generic', () => {
    const h = host(ctx)
    switch (Number(cap)) {
      case KVM_CAP.KVM_CAP_NR_MEMSLOTS:
        return KVM_USER_MEM_SLOTS
      case KVM_CAP.KVM_CAP_READONLY_MEM:
      case KVM_CAP.KVM_CAP_USER_MEMORY2:
      case KVM_CAP.KVM_CAP_MEMORY_FAULT_INFO:
      case KVM_CAP.KVM_CAP_GUEST_MEMFD:
        return 1
      case KVM_CAP.KVM_CAP_MEMORY_ATTRIBUTES:
        return Number(kvmSupportedMemAttributes(ctx, vmId))
      case KVM_CAP.KVM_CAP_MULTI_ADDRESS_SPACE:
        // without CONFIG_KVM_SMM x86 has one address space and does not report the cap
        return h.addressSpaces > 1 ? h.addressSpaces : 0
      case KVM_CAP.KVM_CAP_VM_TYPES:
        return h.vmTypes
      case KVM_CAP.KVM_CAP_PRE_FAULT_MEMORY:
        return h.tdp ? 1 : 0
      case KVM_CAP.KVM_CAP_GUEST_MEMFD_FLAGS:
        // seed 004 named it KVM_CAP_GMEM_MMAP (a boolean); 6.18 returns the supported flags
        return ctx.s.variant === 'kvm-v14-mmap' ? (kvmGmemGetSupportedFlags(ctx, vmId) ? 1 : 0) : kvmGmemGetSupportedFlags(ctx, vmId)
      default:
        return 0
    }
  })
}

/** KVM_CREATE_VCPU → kvm_vm_ioctl_create_vcpu(): the vCPU fd holds a VM reference. */
export function kvmVmIoctlCreateVcpu(ctx: OpCtx, vmId: string, id: bigint, label: string): number {
  return ctx.call('kvm_vm_ioctl_create_vcpu', () => {
    const src = up(ctx, 'kvm_vm_ioctl_create_vcpu')
    if (id >= BigInt(KVM_MAX_VCPU_IDS)) return ctx.refuse(-EINVAL, 'id >= KVM_MAX_VCPU_IDS', src)
    const vcpuId = Number(id)
    if (Object.values(ctx.s.kvmUpstream.vcpus).some((v) => v.vm === vmId && v.vcpuId === vcpuId)) {
      return ctx.refuse(-EEXIST, 'kvm_get_vcpu_by_id(kvm, id)', src)
    }
    const vcpu = newId(ctx, 'vcpu')
    ctx.s.kvmUpstream.vcpus[vcpu] = { id: vcpu, vm: vmId, vcpuId }
    ctx.effect({ kind: 'vcpu', id: vcpu }, `created: vCPU ${vcpuId} (kvm_vm_ioctl_create_vcpu)`, src)
    kvmGetKvm(ctx, vmId) // for the vCPU fd
    const fileId = allocFile(ctx, { kind: 'kvm-vcpu', label: label || `kvm-vcpu:${vcpuId}`, vm: vmId, inode: null })
    return ctx.call('create_vcpu_fd', () => fdAlloc(ctx, fileId, true))
  })
}


/** check_memory_region_flags() (6.18): GUEST_MEMFD excludes LOG_DIRTY_PAGES and READONLY. */
function checkMemoryRegionFlags(ctx: OpCtx, mem: UserMemoryRegion2): number {
  return ctx.call('check_memory_region_flags', () => {
    let valid = BigInt(KVM_MEM_LOG_DIRTY_PAGES) | BigInt(KVM_MEM_GUEST_MEMFD)
    const gmem = (mem.flags & BigInt(KVM_MEM_GUEST_MEMFD)) !== 0n
    // "Dirty logging private memory is not currently supported."
    if (gmem) valid &= ~BigInt(KVM_MEM_LOG_DIRTY_PAGES)
    // "GUEST_MEMFD is incompatible with read-only memslots"
    if (!gmem) valid |= BigInt(KVM_MEM_READONLY)
    if (mem.flags & ~valid) return ctx.refuse(-EINVAL, 'mem->flags & ~valid_flags', up(ctx, 'check_memory_region_flags'))
    return 0
  })
}

/** KVM_SET_USER_MEMORY_REGION2 → kvm_vm_ioctl_set_memory_region() → kvm_set_memory_region() under slots_lock. */
export function kvmVmIoctlSetMemoryRegion(ctx: OpCtx, vmId: string, mem: UserMemoryRegion2): number {
  return ctx.call('kvm_vm_ioctl_set_memory_region', () => {
    if (Number(mem.slot & 0xffffn) >= KVM_USER_MEM_SLOTS) return ctx.refuse(-EINVAL, '(u16)mem->slot >= KVM_USER_MEM_SLOTS', up(ctx, 'kvm_vm_ioctl_set_memory_region'))
    ctx.lock('slotsLock', vmId)
    const r = ctx.call('kvm_set_memory_region', () => kvmSetMemoryRegionLocked(ctx, vmId, mem))
    ctx.unlock('slotsLock', vmId)
    return r
  })
}

type MrChange = 'CREATE' | 'DELETE' | 'MOVE' | 'FLAGS_ONLY'

function kvmSetMemoryRegionLocked(ctx: OpCtx, vmId: string, mem: UserMemoryRegion2): number {
  const src = up(ctx, 'kvm_set_memory_region')
  const r = checkMemoryRegionFlags(ctx, mem)
  if (r) return r
  const vm = vmOf(ctx, vmId)
  const asId = Number(mem.slot >> 16n)
  const id = Number(mem.slot & 0xffffn)
  const gmem = (mem.flags & BigInt(KVM_MEM_GUEST_MEMFD)) !== 0n
  if (!pageAligned(mem.memorySize)) return ctx.refuse(-EINVAL, 'mem->memory_size & (PAGE_SIZE - 1)', src)
  if (!pageAligned(mem.guestPhysAddr)) return ctx.refuse(-EINVAL, 'mem->guest_phys_addr & (PAGE_SIZE - 1)', src)
  if (!pageAligned(mem.userspaceAddr) || !(mem.memorySize <= TASK_SIZE_MAX && mem.userspaceAddr <= TASK_SIZE_MAX - mem.memorySize)) {
    return ctx.refuse(-EINVAL, '(mem->userspace_addr & (PAGE_SIZE - 1)) || !access_ok(userspace_addr, memory_size)', src)
  }
  if (gmem && (!pageAligned(mem.guestMemfdOffset) || addU64(mem.guestMemfdOffset, mem.memorySize) < mem.guestMemfdOffset)) {
    return ctx.refuse(-EINVAL, 'mem->guest_memfd_offset & (PAGE_SIZE - 1) || guest_memfd_offset + memory_size wraps', src)
  }
  if (asId >= ctx.s.kvmUpstream.host.addressSpaces || id >= KVM_MEM_SLOTS_NUM) {
    return ctx.refuse(-EINVAL, 'as_id >= kvm_arch_nr_memslot_as_ids(kvm) || id >= KVM_MEM_SLOTS_NUM', src)
  }
  if (addU64(mem.guestPhysAddr, mem.memorySize) < mem.guestPhysAddr) return ctx.refuse(-EINVAL, 'mem->guest_phys_addr + mem->memory_size < mem->guest_phys_addr', src)
  if (mem.memorySize >> BigInt(PAGE_SHIFT) > BigInt(KVM_MEM_MAX_NR_PAGES)) return ctx.refuse(-EINVAL, '(mem->memory_size >> PAGE_SHIFT) > KVM_MEM_MAX_NR_PAGES', src)
  const old = vm.memslots[slotKey(asId, id)]
  if (mem.memorySize === 0n) {
    if (!old || !old.npages) return ctx.refuse(-EINVAL, '!old || !old->npages: deleting a memslot that does not exist', src)
    return kvmSetMemslot(ctx, vmId, old, null, 'DELETE')
  }
  const baseGfn = toPages(mem.guestPhysAddr)
  const npages = toPages(mem.memorySize)
  let change: MrChange
  if (!old || !old.npages) {
    change = 'CREATE'
  } else {
    // "Private memslots are immutable, they can only be deleted."
    if (gmem) return ctx.refuse(-EINVAL, 'mem->flags & KVM_MEM_GUEST_MEMFD: guest_memfd memslots are immutable', src)
    if (mem.userspaceAddr !== BigInt(old.userspaceAddr) || npages !== old.npages || (Number(mem.flags) ^ old.flags) & (KVM_MEM_READONLY | KVM_MEM_GUEST_MEMFD)) {
      return ctx.refuse(-EINVAL, 'userspace_addr or npages differ, or (mem->flags ^ old->flags) & (KVM_MEM_READONLY | KVM_MEM_GUEST_MEMFD)', src)
    }
    if (baseGfn !== old.baseGfn) change = 'MOVE'
    else if (Number(mem.flags) !== old.flags) change = 'FLAGS_ONLY'
    else return 0
  }
  if ((change === 'CREATE' || change === 'MOVE') && kvmCheckMemslotOverlap(vm, asId, id, baseGfn, baseGfn + npages)) {
    return ctx.refuse(-EEXIST, 'kvm_check_memslot_overlap(slots, id, base_gfn, base_gfn + npages)', src)
  }
  const slot = newMemslot(newId(ctx, 'slot'), asId, id, baseGfn, npages, mem.flags, mem.userspaceAddr)
  if (gmem) {
    const b = kvmGmemBind(ctx, vmId, slot, mem.guestMemfd & 0xffffffffn, BigInt.asIntN(64, mem.guestMemfdOffset))
    if (b) return b
  }
  const s = kvmSetMemslot(ctx, vmId, old ?? null, slot, change)
  if (s && gmem) kvmGmemUnbind(ctx, slot)
  return s
}

/** kvm_set_memslot(): invalidate (DELETE, MOVE), x86 prepare, swap, commit; DELETE unbinds. */
function kvmSetMemslot(ctx: OpCtx, vmId: string, old: Memslot | null, next: Memslot | null, change: MrChange): number {
  return ctx.call('kvm_set_memslot', () => {
    ctx.lock('slotsArchLock', vmId)
    if (change === 'DELETE' || change === 'MOVE') {
      ctx.call('kvm_invalidate_memslot', () => {
        ctx.call('kvm_swap_active_memslots', () => ctx.unlock('slotsArchLock', vmId))
        ctx.call('kvm_arch_flush_shadow_memslot', () => {
          kvmMmuLock(ctx, vmId)
          kvmUnmapGfnRange(ctx, vmId, old!.baseGfn, old!.baseGfn + old!.npages, up(ctx, 'kvm_invalidate_memslot'))
          kvmMmuUnlock(ctx, vmId)
        })
        ctx.lock('slotsArchLock', vmId)
      })
    }
    if ((change === 'CREATE' || change === 'MOVE') && next && next.baseGfn + next.npages - 1 > KVM_MMU_MAX_GFN) {
      ctx.unlock('slotsArchLock', vmId)
      return ctx.call('kvm_arch_prepare_memory_region', () => ctx.refuse(-EINVAL, 'new->base_gfn + new->npages - 1 > kvm_mmu_max_gfn()', up(ctx, 'kvm_arch_prepare_memory_region')))
    }
    const vm = ctx.s.vms[vmId]!
    const key = old ? slotKey(old.asId, old.id) : slotKey(next!.asId, next!.id)
    ctx.call('kvm_swap_active_memslots', () => ctx.unlock('slotsArchLock', vmId))
    if (next) vm.memslots[key] = castDraft(next)
    else delete vm.memslots[key]
    vm.nrMemslotPages += (next?.npages ?? 0) - (old?.npages ?? 0)
    ctx.effect({ kind: 'memslot', vm: vmId, key }, memslotChangeText(change, old, next), up(ctx, 'kvm_set_memslot'))
    ctx.call('kvm_commit_memory_region', () => {
      if (change === 'CREATE' || change === 'DELETE') {
        // kvm_arch_commit_memory_region(): kvm_mmu_change_mmu_pages(kvm_mmu_calculate_default_mmu_pages())
        const KVM_PERMILLE_MMU_PAGES = 20
        const KVM_MIN_ALLOC_MMU_PAGES = 64
        ctx.s.kvmUpstream.nMaxMmuPages[vmId] = Math.max(KVM_MIN_ALLOC_MMU_PAGES, Math.floor((vm.nrMemslotPages * KVM_PERMILLE_MMU_PAGES) / 1000))
        ctx.effect({ kind: 'vm', id: vmId }, `kvm_mmu_change_mmu_pages(): n_max_mmu_pages ${ctx.s.kvmUpstream.nMaxMmuPages[vmId]}`, up(ctx, 'kvm_arch_commit_memory_region'))
      }
      if (old && change === 'DELETE') {
        ctx.call('kvm_free_memslot', () => {
          if (old.flags & KVM_MEM_GUEST_MEMFD) kvmGmemUnbind(ctx, { ...old, gmem: { ...old.gmem } })
        })
      }
    })
    return 0
  })
}

export interface MemoryAttributes {
  readonly address: bigint
  readonly size: bigint
  readonly attributes: bigint
  readonly flags: bigint
}

/**
 * KVM_SET_MEMORY_ATTRIBUTES → kvm_vm_ioctl_set_mem_attributes() → kvm_vm_set_mem_attributes():
 * -ENOTTY without CONFIG_KVM_GENERIC_MEMORY_ATTRIBUTES; unchanged ranges return early; the
 * invalidation covers only gfns inside memslots (kvm_handle_gfn_range).
 */
export function kvmVmIoctlSetMemAttributes(ctx: OpCtx, vmId: string, a: MemoryAttributes): number {
  if (!host(ctx).memoryAttributes) {
    return ctx.call('kvm_arch_vm_ioctl', () => ctx.refuse(-ENOTTY, 'no CONFIG_KVM_GENERIC_MEMORY_ATTRIBUTES: KVM_SET_MEMORY_ATTRIBUTES is not a known ioctl', up(ctx, 'kvm_vm_ioctl')))
  }
  return ctx.call('kvm_vm_ioctl_set_mem_attributes', () => {
    const src = up(ctx, 'kvm_vm_ioctl_set_mem_attributes')
    if (a.flags) return ctx.refuse(-EINVAL, 'attrs->flags', src)
    if (a.attributes & ~kvmSupportedMemAttributes(ctx, vmId)) return ctx.refuse(-EINVAL, 'attrs->attributes & ~kvm_supported_mem_attributes(kvm)', src)
    if (a.size === 0n || addU64(a.address, a.size) < a.address) return ctx.refuse(-EINVAL, 'attrs->size == 0 || attrs->address + attrs->size < attrs->address', src)
    if (!pageAligned(a.address) || !pageAligned(a.size)) return ctx.refuse(-EINVAL, '!PAGE_ALIGNED(attrs->address) || !PAGE_ALIGNED(attrs->size)', src)
    const start = toPages(a.address)
    const end = toPages(a.address + a.size)
    const priv = a.attributes !== 0n
    return ctx.call('kvm_vm_set_mem_attributes', () => {
      ctx.lock('slotsLock', vmId)
      const vm = vmOf(ctx, vmId)
      const covered = rangeQuery(vm.attributes, start, end).reduce((n, e) => n + e.end - e.start, 0)
      const unchanged = priv ? covered === end - start : !rangeFind(vm.attributes, start, end)
      if (!unchanged) {
        const inSlots = Object.values(vm.memslots)
          .filter((s) => s.asId === 0 && s.baseGfn < end && start < s.baseGfn + s.npages)
          .map((s) => [Math.max(s.baseGfn, start), Math.min(s.baseGfn + s.npages, end)] as const)
        const handle = (body: () => void): void =>
          ctx.call('kvm_handle_gfn_range', () => {
            if (!inSlots.length) return
            kvmMmuLock(ctx, vmId)
            body()
            kvmMmuUnlock(ctx, vmId)
          })
        handle(() => {
          kvmMmuInvalidateBegin(ctx, vmId)
          for (const [s, e] of inSlots) {
            ctx.call('kvm_pre_set_memory_attributes', () => {
              kvmMmuInvalidateRangeAdd(ctx, vmId, s, e)
              kvmUnmapGfnRange(ctx, vmId, s, e, src)
            })
          }
        })
        const v = ctx.s.vms[vmId]!
        const value: MemAttribute | null = priv ? { private: true } : null
        v.attributes = castDraft(rangeStore(v.attributes as KvmVm['attributes'], start, end, value))
        ctx.effect({ kind: 'attributes', vm: vmId, start, end }, `attributes set: ${value ? 'KVM_MEMORY_ATTRIBUTE_PRIVATE' : 'shared (0)'}`, src)
        handle(() => kvmMmuInvalidateEnd(ctx, vmId))
      }
      ctx.unlock('slotsLock', vmId)
      return 0
    })
  })
}

/** kvm_vcpu_release(): the vCPU fd's VM reference. */
export function kvmVcpuRelease(ctx: OpCtx, vmId: string, put: (ctx: OpCtx, vmId: string) => void): void {
  ctx.call('kvm_vcpu_release', () => put(ctx, vmId))
}
