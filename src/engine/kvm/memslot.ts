/** Memslot lookups (include/linux/kvm_host.h): by id, by gfn, and by allocation (uid). */
import { current, isDraft } from 'immer'
import type { KvmVm, Memslot } from '../state'
import { KVM_MEM_PRIVATE } from '../uapi'

export function slotKey(asId: number, id: number): string {
  return `${asId}:${id}`
}

/** kvm_slot_can_be_private() */
export function kvmSlotCanBePrivate(slot: Memslot | undefined): boolean {
  return !!slot && (slot.flags & KVM_MEM_PRIVATE) !== 0
}

/**
 * The memslots as they are now, without making an Immer proxy of each one: lookups only read
 * them (a caller that changes a slot goes through vm.memslots itself).
 */
function slotsOf(vm: KvmVm): readonly Memslot[] {
  return Object.values(isDraft(vm.memslots) ? current(vm.memslots) : vm.memslots)
}

/** gfn_to_memslot() in address space 0 (the vCPU's normal, non-SMM view). */
export function gfnToMemslot(vm: KvmVm, gfn: number, asId = 0): Memslot | undefined {
  for (const slot of slotsOf(vm)) {
    if (slot.asId === asId && gfn >= slot.baseGfn && gfn < slot.baseGfn + slot.npages) return slot
  }
  return undefined
}

/** The first gfn above `gfn` where a memslot of the address space starts (for MMIO runs). */
export function nextMemslotStart(vm: KvmVm, gfn: number, asId = 0): number {
  let next = Number.MAX_SAFE_INTEGER
  for (const slot of slotsOf(vm)) {
    if (slot.asId === asId && slot.baseGfn > gfn) next = Math.min(next, slot.baseGfn)
  }
  return next
}

/** The memslot a pointer refers to: live, or already freed (a use-after-free). */
export function slotByUid(vm: KvmVm, uid: string): { slot: Memslot; freed: boolean } | undefined {
  for (const slot of slotsOf(vm)) if (slot.uid === uid) return { slot, freed: false }
  const freed = vm.freedMemslots[uid]
  return freed ? { slot: freed, freed: true } : undefined
}

/** Where a live memslot is stored, by uid. */
export function slotKeyByUid(vm: KvmVm, uid: string): string | undefined {
  return Object.entries(vm.memslots).find(([, s]) => s.uid === uid)?.[0]
}

/** A new `struct kvm_memory_slot` for the region (kzalloc'ed: not bound to any guest_memfd yet). */
export function newMemslot(
  uid: string,
  asId: number,
  id: number,
  baseGfn: number,
  npages: number,
  flags: bigint,
  userspaceAddr: bigint,
): Memslot & { gmem: { file: string | null; pgoff: number } } {
  return { uid, asId, id, baseGfn, npages, flags: Number(flags), userspaceAddr: `0x${userspaceAddr.toString(16)}`, gmem: { file: null, pgoff: 0 } }
}

/** kvm_check_memslot_overlap(): another slot of the address space covers part of [start, end). */
export function kvmCheckMemslotOverlap(vm: KvmVm, asId: number, id: number, start: number, end: number): boolean {
  return Object.values(vm.memslots).some((s) => s.asId === asId && s.id !== id && s.baseGfn < end && start < s.baseGfn + s.npages)
}
