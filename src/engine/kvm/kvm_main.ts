/**
 * virt/kvm/kvm_main.c with the seed 002 changes: KVM_CREATE_VM, KVM_CREATE_GUEST_MEMFD dispatch,
 * KVM_SET_USER_MEMORY_REGION2 (check_memory_region_flags, __kvm_set_memory_region,
 * kvm_set_memslot) and KVM_SET_MEMORY_ATTRIBUTES (from the same series, which the private fault
 * path consults).
 */
import { castDraft } from 'immer'
import type { OpCtx } from '../ctx'
import { EEXIST, EINVAL, ENOMEM } from '../errno'
import { rangeStore } from '../rangemap'
import type { KvmVm, MemAttribute, Memslot } from '../state'
import { addU64, pageAligned, PAGE_SHIFT, toPages } from '../u64'
import {
  KVM_MEM_LOG_DIRTY_PAGES,
  KVM_MEM_PRIVATE,
  KVM_MEM_READONLY,
  KVM_MEMORY_ATTRIBUTE_PRIVATE,
  KVM_X86_DEFAULT_VM,
  KVM_X86_SW_PROTECTED_VM,
} from '../uapi'
import { newId } from '../fs/file_table'
import { kvmCreateVm } from './kvm_lifetime'
import { kvmGmemCreate } from './guest_mem'
import { kvmGmemBind, kvmGmemUnbind } from './guest_mem_bind'
import { kvmCheckMemslotOverlap, kvmSlotCanBePrivate, newMemslot, slotKey } from './memslot'
import {
  kvmMmuInvalidateBegin,
  kvmMmuInvalidateEnd,
  kvmMmuLock,
  kvmMmuUnlock,
  kvmMmuUnmapGfnRange,
  kvmUnmapGfnRange,
  vmOf,
} from './mmu'
import { shouldFail } from '../mm/filemap'

/** x86: KVM_ADDRESS_SPACE_NUM (normal + SMM) */
export const KVM_ADDRESS_SPACE_NUM = 2
/** KVM_MEM_SLOTS_NUM = SHRT_MAX */
export const KVM_MEM_SLOTS_NUM = 32767
/** x86: KVM_USER_MEM_SLOTS = KVM_MEM_SLOTS_NUM - KVM_INTERNAL_MEM_SLOTS (3) */
export const KVM_USER_MEM_SLOTS = 32764
/** x86: KVM_MEM_MAX_NR_PAGES = (1UL << 31) - 1 */
export const KVM_MEM_MAX_NR_PAGES = 2 ** 31 - 1
/** x86-64 with 4-level paging: TASK_SIZE_MAX, the end of the user address space */
export const TASK_SIZE_MAX = 0x7ffffffff000n
/** kvm_mmu_max_gfn() for a host with MAXPHYADDR 52 */
export const KVM_MMU_MAX_GFN = 2 ** 40 - 1

/** kvm_arch_has_private_mem(): x86 in v11, any VM type but KVM_X86_DEFAULT_VM. */
export function kvmArchHasPrivateMem(vm: KvmVm): boolean {
  return vm.type !== KVM_X86_DEFAULT_VM
}

/** kvm_is_vm_type_supported() (x86, v11 series). */
function kvmIsVmTypeSupported(type: bigint): boolean {
  return type === BigInt(KVM_X86_DEFAULT_VM) || type === BigInt(KVM_X86_SW_PROTECTED_VM)
}

/** KVM_CREATE_VM on /dev/kvm → kvm_dev_ioctl_create_vm(): a new VM and its fd. */
export function kvmDevIoctlCreateVm(ctx: OpCtx, type: bigint, label: string): number {
  return ctx.call('kvm_dev_ioctl_create_vm', () => {
    if (!ctx.call('kvm_arch_init_vm', () => kvmIsVmTypeSupported(type))) {
      return ctx.call('kvm_arch_init_vm', () => ctx.refuse(-EINVAL, '!kvm_is_vm_type_supported(type)', 'seed 002 series (x86 protected VMs)'))
    }
    return kvmCreateVm(ctx, Number(type), label)
  })
}

/** kvm_vm_ioctl(KVM_CREATE_GUEST_MEMFD) → kvm_gmem_create(). */
export function kvmVmIoctlCreateGuestMemfd(
  ctx: OpCtx,
  vmId: string,
  size: bigint,
  flags: bigint,
  label: string,
): number {
  return ctx.call('kvm_vm_ioctl', () => kvmGmemCreate(ctx, vmId, BigInt.asIntN(64, size), flags, label))
}

export interface UserMemoryRegion2 {
  readonly slot: bigint
  readonly flags: bigint
  readonly guestPhysAddr: bigint
  readonly memorySize: bigint
  readonly userspaceAddr: bigint
  readonly guestMemfd: bigint
  readonly guestMemfdOffset: bigint
}

/** check_memory_region_flags() as seed 002 changes it. */
function checkMemoryRegionFlags(ctx: OpCtx, vm: KvmVm, mem: UserMemoryRegion2): number {
  return ctx.call('check_memory_region_flags', () => {
    let validFlags = BigInt(KVM_MEM_LOG_DIRTY_PAGES)
    if (kvmArchHasPrivateMem(vm)) validFlags |= BigInt(KVM_MEM_PRIVATE)
    // seed 002: "Dirty logging private memory is not currently supported."
    if (mem.flags & BigInt(KVM_MEM_PRIVATE)) validFlags &= ~BigInt(KVM_MEM_LOG_DIRTY_PAGES)
    // B-K8: __KVM_HAVE_READONLY_MEM adds READONLY unconditionally, even next to PRIVATE.
    const privateReadonly = (mem.flags & BigInt(KVM_MEM_PRIVATE | KVM_MEM_READONLY)) === BigInt(KVM_MEM_PRIVATE | KVM_MEM_READONLY)
    const privateReadonlyFixed = privateReadonly ? !ctx.asWritten('B-K8') : false
    if (!privateReadonlyFixed) validFlags |= BigInt(KVM_MEM_READONLY)
    if (mem.flags & ~validFlags) {
      if (privateReadonlyFixed && mem.flags & BigInt(KVM_MEM_READONLY)) {
        return ctx.refuse(-EINVAL, 'KVM_MEM_READONLY with KVM_MEM_PRIVATE (fix of B-K8)', 'upstream check_memory_region_flags')
      }
      return ctx.refuse(-EINVAL, 'mem->flags & ~valid_flags')
    }
    return 0
  })
}

/** KVM_SET_USER_MEMORY_REGION2 → kvm_vm_ioctl_set_memory_region() → kvm_set_memory_region(). */
export function kvmVmIoctlSetMemoryRegion(ctx: OpCtx, vmId: string, mem: UserMemoryRegion2): number {
  return ctx.call('kvm_vm_ioctl', () =>
    ctx.call('kvm_vm_ioctl_set_memory_region', () => {
      if (Number(mem.slot & 0xffffn) >= KVM_USER_MEM_SLOTS) {
        return ctx.refuse(-EINVAL, '(u16)mem->slot >= KVM_USER_MEM_SLOTS', 'kvm_main.c')
      }
      return ctx.call('kvm_set_memory_region', () => {
        ctx.lock('slotsLock', vmId)
        const r = kvmSetMemoryRegionLocked(ctx, vmId, mem)
        ctx.unlock('slotsLock', vmId)
        return r
      })
    }),
  )
}

type MrChange = 'CREATE' | 'DELETE' | 'MOVE' | 'FLAGS_ONLY'

/** __kvm_set_memory_region(): the checks in the order of kvm_main.c with seed 002's additions. */
function kvmSetMemoryRegionLocked(ctx: OpCtx, vmId: string, mem: UserMemoryRegion2): number {
  return ctx.call('__kvm_set_memory_region', () => {
    const vm = vmOf(ctx, vmId)
    const r = checkMemoryRegionFlags(ctx, vm, mem)
    if (r) return r
    const asId = Number(mem.slot >> 16n)
    const id = Number(mem.slot & 0xffffn)
    const isPrivate = (mem.flags & BigInt(KVM_MEM_PRIVATE)) !== 0n
    if (!pageAligned(mem.memorySize)) return ctx.refuse(-EINVAL, 'mem->memory_size & (PAGE_SIZE - 1)', 'kvm_main.c')
    if (!pageAligned(mem.guestPhysAddr)) return ctx.refuse(-EINVAL, 'mem->guest_phys_addr & (PAGE_SIZE - 1)', 'kvm_main.c')
    if (
      !pageAligned(mem.userspaceAddr) ||
      !(mem.memorySize <= TASK_SIZE_MAX && mem.userspaceAddr <= TASK_SIZE_MAX - mem.memorySize)
    ) {
      return ctx.refuse(-EINVAL, 'userspace_addr unaligned or !access_ok(userspace_addr, memory_size)', 'kvm_main.c')
    }
    // seed 002: gmem_offset must be page aligned and gmem_offset + memory_size must not wrap
    if (
      isPrivate &&
      (!pageAligned(mem.guestMemfdOffset) || addU64(mem.guestMemfdOffset, mem.memorySize) < mem.guestMemfdOffset)
    ) {
      return ctx.refuse(-EINVAL, 'gmem_offset & (PAGE_SIZE - 1) || gmem_offset + memory_size < gmem_offset')
    }
    if (asId >= KVM_ADDRESS_SPACE_NUM || id >= KVM_MEM_SLOTS_NUM) {
      return ctx.refuse(-EINVAL, 'as_id >= KVM_ADDRESS_SPACE_NUM || id >= KVM_MEM_SLOTS_NUM', 'kvm_main.c')
    }
    if (addU64(mem.guestPhysAddr, mem.memorySize) < mem.guestPhysAddr) {
      return ctx.refuse(-EINVAL, 'guest_phys_addr + memory_size < guest_phys_addr', 'kvm_main.c')
    }
    if (mem.memorySize >> BigInt(PAGE_SHIFT) > BigInt(KVM_MEM_MAX_NR_PAGES)) {
      return ctx.refuse(-EINVAL, '(memory_size >> PAGE_SHIFT) > KVM_MEM_MAX_NR_PAGES', 'kvm_main.c')
    }
    const key = slotKey(asId, id)
    const old = vm.memslots[key]
    if (mem.memorySize === 0n) {
      if (!old || !old.npages) return ctx.refuse(-EINVAL, 'deleting a memslot that does not exist', 'kvm_main.c')
      return kvmSetMemslot(ctx, vmId, old, null, 'DELETE')
    }
    const baseGfn = toPages(mem.guestPhysAddr)
    const npages = toPages(mem.memorySize)
    let change: MrChange
    if (!old || !old.npages) {
      change = 'CREATE'
    } else {
      // seed 002: "Private memslots are immutable, they can only be deleted."
      if (isPrivate) return ctx.refuse(-EINVAL, 'mem->flags & KVM_MEM_PRIVATE: private memslots are immutable')
      // B-K5: the check looks only at the new flags; turning PRIVATE off is not caught.
      if (old.flags & KVM_MEM_PRIVATE && !ctx.asWritten('B-K5')) {
        return ctx.refuse(-EINVAL, '(mem->flags ^ old->flags) & KVM_MEM_PRIVATE (fix of B-K5)', 'upstream __kvm_set_memory_region')
      }
      if (
        mem.userspaceAddr !== BigInt(old.userspaceAddr) ||
        npages !== old.npages ||
        (Number(mem.flags) ^ old.flags) & KVM_MEM_READONLY
      ) {
        return ctx.refuse(-EINVAL, 'modify: userspace_addr, npages or READONLY differ', 'kvm_main.c')
      }
      if (baseGfn !== old.baseGfn) change = 'MOVE'
      else if (Number(mem.flags) !== old.flags) change = 'FLAGS_ONLY'
      else return 0
    }
    if ((change === 'CREATE' || change === 'MOVE') && kvmCheckMemslotOverlap(vm, asId, id, baseGfn, baseGfn + npages)) {
      return ctx.refuse(-EEXIST, 'kvm_check_memslot_overlap(): the gfn range overlaps another memslot', 'kvm_main.c')
    }
    const newSlot = newMemslot(newId(ctx, 'slot'), asId, id, baseGfn, npages, mem.flags, mem.userspaceAddr)
    if (isPrivate) {
      const b = kvmGmemBind(ctx, vmId, newSlot, mem.guestMemfd & 0xffffffffn, BigInt.asIntN(64, mem.guestMemfdOffset))
      if (b) return b
    }
    const s = kvmSetMemslot(ctx, vmId, old ?? null, newSlot, change)
    if (s) {
      // out_restricted: kvm_gmem_unbind(new)
      if (isPrivate) kvmGmemUnbind(ctx, newSlot)
      return s
    }
    return 0
  })
}

/** kvm_arch_flush_shadow_memslot(): x86 zaps the slot's SPTEs under mmu_lock. */
function kvmArchFlushShadowMemslot(ctx: OpCtx, vmId: string, slot: Memslot): void {
  ctx.call('kvm_arch_flush_shadow_memslot', () =>
    ctx.call('kvm_mmu_zap_all_fast', () => {
      kvmMmuLock(ctx, vmId)
      kvmUnmapGfnRange(ctx, vmId, slot.baseGfn, slot.baseGfn + slot.npages, 'arch/x86/kvm/mmu/mmu.c kvm_arch_flush_shadow_memslot')
      kvmMmuUnlock(ctx, vmId)
    }),
  )
}

/**
 * kvm_set_memslot(): installs the change. DELETE and MOVE first invalidate and zap the old
 * slot; the commit frees the old slot, and only DELETE goes through kvm_free_memslot() (which
 * unbinds private slots): MOVE and FLAGS_ONLY kfree() it directly (B-K5).
 */
function kvmSetMemslot(
  ctx: OpCtx,
  vmId: string,
  old: Memslot | null,
  next: Memslot | null,
  change: MrChange,
): number {
  return ctx.call('kvm_set_memslot', () => {
    ctx.lock('slotsArchLock', vmId)
    if (change === 'DELETE' || change === 'MOVE') {
      if (shouldFail(ctx, 'failslab')) {
        ctx.unlock('slotsArchLock', vmId)
        return ctx.refuse(-ENOMEM, 'kzalloc(invalid_slot) failed', 'kvm_main.c')
      }
      ctx.call('kvm_invalidate_memslot', () => {
        ctx.call('kvm_swap_active_memslots', () => {
      ctx.unlock('slotsArchLock', vmId)
      // synchronize_srcu_expedited(&kvm->srcu): no vCPU may still see the old memslots
      ctx.sync('kvmSrcu', vmId)
    })
        kvmArchFlushShadowMemslot(ctx, vmId, old!)
        ctx.lock('slotsArchLock', vmId)
      })
    }
    if ((change === 'CREATE' || change === 'MOVE') && next) {
      if (next.baseGfn + next.npages - 1 > KVM_MMU_MAX_GFN) {
        ctx.unlock('slotsArchLock', vmId)
        return ctx.call('kvm_arch_prepare_memory_region', () =>
          ctx.refuse(-EINVAL, 'new->base_gfn + new->npages - 1 > kvm_mmu_max_gfn()', 'arch/x86/kvm/x86.c'),
        )
      }
    }
    const vm = ctx.s.vms[vmId]!
    const key = old ? slotKey(old.asId, old.id) : slotKey(next!.asId, next!.id)
    ctx.call('kvm_swap_active_memslots', () => {
      ctx.unlock('slotsArchLock', vmId)
      // synchronize_srcu_expedited(&kvm->srcu): no vCPU may still see the old memslots
      ctx.sync('kvmSrcu', vmId)
    })
    if (next) vm.memslots[key] = castDraft(next)
    else delete vm.memslots[key]
    vm.nrMemslotPages += (next?.npages ?? 0) - (old?.npages ?? 0)
    ctx.effect({ kind: 'memslot', vm: vmId, key }, memslotChangeText(change, old, next), memslotChangeSeed(change, next))
    ctx.call('kvm_commit_memory_region', () => {
      if (!old) return
      if (change === 'DELETE') {
        ctx.call('kvm_free_memslot', () => {
          if (kvmSlotCanBePrivate(old)) kvmGmemUnbind(ctx, old)
        })
      } else if (old.gmem.file !== null && kvmSlotCanBePrivate(old)) {
        // kfree(old) without kvm_gmem_unbind(): the gmem xarray still points at it.
        vm.freedMemslots[old.uid] = castDraft(old)
        ctx.effect({ kind: 'memslot', vm: vmId, key }, 'the old slot is kfree()d with its guest_memfd binding in place (B-K5)', 'seed 002 kvm_set_memslot')
        ctx.because('the old private memslot is kfree()d without kvm_gmem_unbind(): the guest_memfd xarray now points at freed memory (B-K5)')
      }
    })
    return 0
  })
}

/** What kvm_set_memslot() did to the slot, for the effect it records. */
export function memslotChangeText(change: string, old: Memslot | null, next: Memslot | null): string {
  const range = (m: Memslot): string => `gfn 0x${m.baseGfn.toString(16)}+${m.npages}`
  switch (change) {
    case 'CREATE':
      return `created (KVM_MR_CREATE): ${range(next!)}${next!.gmem.file ? `, bound to ${next!.gmem.file} at page ${next!.gmem.pgoff}` : ''}`
    case 'DELETE':
      return `deleted (KVM_MR_DELETE): ${range(old!)}`
    case 'MOVE':
      return `moved (KVM_MR_MOVE): ${range(old!)} → ${range(next!)}`
    default:
      return `flags changed (KVM_MR_FLAGS_ONLY): 0x${old!.flags.toString(16)} → 0x${next!.flags.toString(16)}`
  }
}

/** The rule behind a memslot change: private (guest_memfd) slots come from the seed's bind. */
function memslotChangeSeed(change: string, next: Memslot | null): string {
  return change === 'CREATE' && next && next.flags & KVM_MEM_PRIVATE ? 'seed 002 __kvm_set_memory_region' : 'virt/kvm/kvm_main.c kvm_set_memslot'
}

export interface MemoryAttributes {
  readonly address: bigint
  readonly size: bigint
  readonly attributes: bigint
  readonly flags: bigint
}

/** kvm_supported_mem_attributes(): PRIVATE only for VMs with private memory (seed 002). */
function kvmSupportedMemAttributes(vm: KvmVm): bigint {
  return kvmArchHasPrivateMem(vm) ? BigInt(KVM_MEMORY_ATTRIBUTE_PRIVATE) : 0n
}

/**
 * KVM_SET_MEMORY_ATTRIBUTES → kvm_vm_ioctl_set_mem_attributes() (same series as seed 002):
 * sets gfns private or shared under slots_lock, zapping their mappings between
 * invalidate_begin and invalidate_end.
 */
export function kvmVmIoctlSetMemAttributes(ctx: OpCtx, vmId: string, a: MemoryAttributes): number {
  return ctx.call('kvm_vm_ioctl_set_mem_attributes', () => {
    const vm = vmOf(ctx, vmId)
    const seed = 'seed 002 series (KVM: Introduce per-page memory attributes)'
    if (a.flags) return ctx.refuse(-EINVAL, 'attrs->flags != 0', seed)
    if (a.attributes & ~kvmSupportedMemAttributes(vm)) return ctx.refuse(-EINVAL, 'attrs->attributes & ~kvm_supported_mem_attributes(kvm)', seed)
    if (a.size === 0n || addU64(a.address, a.size) < a.address) return ctx.refuse(-EINVAL, 'attrs->size == 0 || address + size wraps', seed)
    if (!pageAligned(a.address) || !pageAligned(a.size)) return ctx.refuse(-EINVAL, '!PAGE_ALIGNED(address) || !PAGE_ALIGNED(size)', seed)
    const start = toPages(a.address)
    const end = toPages(a.address + a.size)
    return ctx.call('kvm_vm_set_mem_attributes', () => {
      ctx.lock('slotsLock', vmId)
      ctx.call('kvm_handle_gfn_range', () => {
        kvmMmuLock(ctx, vmId)
        kvmMmuInvalidateBegin(ctx, vmId)
        kvmMmuUnmapGfnRange(ctx, vmId, start, end)
        kvmMmuUnlock(ctx, vmId)
      })
      const v = ctx.s.vms[vmId]!
      const value: MemAttribute | null = a.attributes ? { private: true } : null
      v.attributes = castDraft(rangeStore(v.attributes as KvmVm['attributes'], start, end, value))
      ctx.effect({ kind: 'attributes', vm: vmId, start, end }, `attributes set: ${value ? 'KVM_MEMORY_ATTRIBUTE_PRIVATE' : 'shared (0)'}`, seed)
      ctx.call('kvm_handle_gfn_range', () => {
        kvmMmuLock(ctx, vmId)
        kvmMmuInvalidateEnd(ctx, vmId)
        kvmMmuUnlock(ctx, vmId)
      })
      ctx.unlock('slotsLock', vmId)
      return 0
    })
  })
}
