/**
 * arch/x86/kvm/mmu/mmu.c and virt/kvm/kvm_main.c as in Linux 6.18: the TDP fault for one gfn
 * (private faults, and every fault on a KVM_MEMSLOT_GMEM_ONLY slot, come from guest_memfd; a
 * fault whose is_private disagrees with the gfn's attribute exits with KVM_EXIT_MEMORY_FAULT) and
 * KVM_PRE_FAULT_MEMORY, which replaced seed 003's KVM_MAP_MEMORY.
 */
import type { OpCtx } from '../ctx'
import { EFAULT, EINVAL, EIO, ENOENT, ENOSPC, EOPNOTSUPP } from '../errno'
import { rangeLoad } from '../rangemap'
import { STAGE2_LINEAR, type KvmVm, type Memslot } from '../state'
import { addU64, pageAligned, PAGE_SHIFT, toInt } from '../u64'
import { KVM_MEM_READONLY, KVM_X86_DEFAULT_VM, KVM_X86_SW_PROTECTED_VM } from '../uapi'
import { gfnToMemslot } from '../kvm/memslot'
import { kvmMapStage2, mmuInvalidateRetryGfn, vmOf } from '../kvm/mmu'
import { KVM_MMU_MAX_GFN } from '../kvm/kvm_main'
import { findVma } from '../mm/mmap'
import { hasPrivateMem, kvmGmemGetPfn, up } from './guest_memfd'
import { KVM_MEM_GUEST_MEMFD, KVM_MEMSLOT_GMEM_ONLY } from './uapi'
import { kvmVmIoctlCreateVcpu } from './kvm_main'

/** The outcome of one fault, in the kernel's RET_PF_* terms (or a negative errno). */
export type PfOutcome =
  | { readonly kind: 'fixed' }
  | { readonly kind: 'emulate'; readonly why: string }
  | { readonly kind: 'retry' }
  | { readonly kind: 'error'; readonly r: number; readonly memoryFault: boolean }

function memIsPrivate(vm: KvmVm, gfn: number): boolean {
  return rangeLoad(vm.attributes, gfn)?.private ?? false
}

function gmemOnly(slot: Memslot): boolean {
  return (slot.flags & KVM_MEMSLOT_GMEM_ONLY) !== 0
}

/**
 * kvm_tdp_page_fault() → kvm_mmu_faultin_pfn() → kvm_tdp_mmu_map() for one gfn. `isPrivate` is
 * the fault's is_private (the hardware's view for CoCo types; KVM_PRE_FAULT_MEMORY derives it
 * from the attribute).
 */
export function kvmTdpPageFault(ctx: OpCtx, vmId: string, gfn: number, write: boolean, isPrivate: boolean): PfOutcome {
  return ctx.call('kvm_tdp_page_fault', (): PfOutcome => {
    const src = up(ctx, 'kvm_mmu_faultin_pfn')
    const vm = vmOf(ctx, vmId)
    const slot = gfnToMemslot(vm, gfn)
    if (!slot) return { kind: 'emulate', why: 'kvm_handle_noslot_fault(): no memslot, emulated MMIO (RET_PF_EMULATE)' }
    if (isPrivate !== memIsPrivate(vm, gfn)) {
      ctx.refuse(-EFAULT, 'fault->is_private != kvm_mem_is_private(kvm, fault->gfn): kvm_mmu_prepare_memory_fault_exit()', src)
      return { kind: 'error', r: -EFAULT, memoryFault: true }
    }
    let install: () => void
    if (isPrivate || gmemOnly(slot)) {
      if (!(slot.flags & KVM_MEM_GUEST_MEMFD)) {
        ctx.refuse(-EFAULT, '!kvm_slot_has_gmem(fault->slot): kvm_mmu_prepare_memory_fault_exit()', src)
        return { kind: 'error', r: -EFAULT, memoryFault: true }
      }
      const got = ctx.call('kvm_mmu_faultin_pfn_gmem', () => kvmGmemGetPfn(ctx, slot, gfn))
      if (got.r) return { kind: 'error', r: got.r, memoryFault: true }
      install = () => kvmMapStage2(ctx, vmId, gfn, gfn + 1, { backing: 'gmem', inode: got.inode, index: got.index, pfn: got.pfn, writable: !(slot.flags & KVM_MEM_READONLY) }, up(ctx, 'kvm_mmu_faultin_pfn_gmem'))
    } else {
      // __kvm_faultin_pfn(): the shared page through the slot's userspace_addr
      const hva = BigInt(slot.userspaceAddr) + (BigInt(gfn - slot.baseGfn) << BigInt(PAGE_SHIFT))
      // hva_to_pfn() → get_user_pages_unlocked(): the VMA lookup and fault under mmap_lock (read)
      ctx.lock('mmapLock', 'mm', 'read')
      const vma = ctx.call('hva_to_pfn', () => findVma(ctx, hva))
      ctx.unlock('mmapLock', 'mm')
      if (!vma) {
        ctx.refuse(-EFAULT, 'hva_to_pfn(): no VMA at the memslot\'s userspace_addr (KVM_PFN_ERR_FAULT)', up(ctx, 'kvm_handle_error_pfn'))
        return { kind: 'error', r: -EFAULT, memoryFault: false }
      }
      if (write && slot.flags & KVM_MEM_READONLY) return { kind: 'emulate', why: 'write to a KVM_MEM_READONLY memslot: emulated MMIO' }
      const page = Number(hva >> BigInt(PAGE_SHIFT))
      install = () => kvmMapStage2(ctx, vmId, gfn, gfn + 1, { backing: 'hva', inode: null, index: page, pfn: page, writable: !(slot.flags & KVM_MEM_READONLY) }, up(ctx, '__kvm_faultin_pfn'))
    }
    const stale = ctx.call('kvm_tdp_mmu_page_fault', () => {
      ctx.lock('mmuLock', vmId, 'read')
      const s = ctx.call('is_page_fault_stale', () => mmuInvalidateRetryGfn(ctx, vmId, gfn))
      if (!s) ctx.call('kvm_tdp_mmu_map', install)
      ctx.unlock('mmuLock', vmId)
      return s
    })
    return stale ? { kind: 'retry' } : { kind: 'fixed' }
  })
}

/** A vCPU touches gpa (KVM_RUN): a present SPTE needs no fault; otherwise the TDP fault under kvm->srcu. */
export function kvmGuestAccess(ctx: OpCtx, vmId: string, gpa: bigint, write: boolean, isPrivate: boolean): { r: number; exit: string | null } {
  return ctx.call('kvm_arch_vcpu_ioctl_run', () => {
    const gfnBig = gpa >> BigInt(PAGE_SHIFT)
    if (gfnBig > BigInt(KVM_MMU_MAX_GFN)) return { r: 0, exit: 'KVM_EXIT_MMIO' }
    const gfn = Number(gfnBig)
    const spte = rangeLoad(vmOf(ctx, vmId).stage2, gfn, STAGE2_LINEAR)
    if (spte && (!write || spte.writable)) return { r: 0, exit: null }
    ctx.lock('kvmSrcu', vmId, 'recursive-read')
    const out = ctx.call('kvm_mmu_page_fault', () => kvmTdpPageFault(ctx, vmId, gfn, write, isPrivate))
    ctx.unlock('kvmSrcu', vmId)
    switch (out.kind) {
      case 'fixed':
        return { r: 0, exit: null }
      case 'retry':
        return { r: 0, exit: 'RET_PF_RETRY' }
      case 'emulate':
        ctx.because(out.why, up(ctx, 'kvm_mmu_page_fault'))
        return { r: 0, exit: 'KVM_EXIT_MMIO' }
      case 'error':
        return { r: out.r, exit: out.memoryFault ? 'KVM_EXIT_MEMORY_FAULT' : null }
    }
  })
}

export interface PreFaultArgs {
  readonly gpa: bigint
  readonly size: bigint
  readonly flags: bigint
}

/** The VM's vCPU 0, created (KVM_CREATE_VCPU, with its own fd) the first time a step needs it. */
export function vcpu0(ctx: OpCtx, vmId: string): number {
  const exists = Object.values(ctx.s.kvmUpstream.vcpus).some((v) => v.vm === vmId && v.vcpuId === 0)
  if (exists) return 0
  const r = kvmVmIoctlCreateVcpu(ctx, vmId, 0n, 'kvm-vcpu:0 (implicit)')
  return r < 0 ? r : 0
}

/**
 * KVM_PRE_FAULT_MEMORY (vCPU 0) → kvm_vcpu_pre_fault_memory(): flags must be 0, gpa and size page
 * aligned and size > 0 without wrap; then one kvm_arch_vcpu_pre_fault_memory() per page (order-0
 * folios map 4 KiB) until done or an error. Returns 0 if at least one page was processed (with
 * gpa/size advanced in `out`), else the error. x86: -EOPNOTSUPP without pre_fault_allowed or on
 * shadow paging; no memslot → RET_PF_EMULATE → -ENOENT.
 */
export function kvmVcpuPreFaultMemory(ctx: OpCtx, vmId: string, a: PreFaultArgs): number {
  const v = vcpu0(ctx, vmId)
  if (v < 0) return v
  return ctx.call('kvm_vcpu_ioctl', () =>
    ctx.call('kvm_vcpu_pre_fault_memory', () => {
      const src = up(ctx, 'kvm_vcpu_pre_fault_memory')
      let gpa = a.gpa
      let size = a.size
      const setOut = (): void => {
        ctx.out = { gpa: toInt(gpa), size: toInt(size) }
      }
      setOut()
      if (a.flags) return ctx.refuse(-EINVAL, 'range->flags', src)
      if (!pageAligned(a.gpa) || !pageAligned(a.size) || addU64(a.gpa, a.size) <= a.gpa) {
        return ctx.refuse(-EINVAL, '!PAGE_ALIGNED(range->gpa) || !PAGE_ALIGNED(range->size) || range->gpa + range->size <= range->gpa', src)
      }
      const full = size
      let r = 0
      ctx.lock('kvmSrcu', vmId, 'recursive-read')
      while (size > 0n) {
        r = ctx.call('kvm_arch_vcpu_pre_fault_memory', () => archPreFault(ctx, vmId, gpa))
        if (r < 0) break
        gpa += BigInt(r)
        size -= BigInt(r)
      }
      ctx.unlock('kvmSrcu', vmId)
      setOut()
      if (full !== size) {
        if (r < 0) {
          ctx.rule = null
          ctx.because(`stopped after ${(full - size) >> BigInt(PAGE_SHIFT)} page(s): "Return success if at least one page was mapped successfully"`, src)
        }
        return 0
      }
      return r
    }),
  )
}

/** kvm_arch_vcpu_pre_fault_memory() (x86): one mapping at gpa; returns the bytes covered or an errno. */
function archPreFault(ctx: OpCtx, vmId: string, gpa: bigint): number {
  const src = up(ctx, 'kvm_arch_vcpu_pre_fault_memory')
  const vm = vmOf(ctx, vmId)
  const preFaultAllowed = vm.type === KVM_X86_DEFAULT_VM || vm.type === KVM_X86_SW_PROTECTED_VM
  if (!preFaultAllowed) return ctx.refuse(-EOPNOTSUPP, '!vcpu->kvm->arch.pre_fault_allowed', src)
  if (!ctx.s.kvmUpstream.host.tdp) {
    // kvm_mmu_reload() → kvm_mmu_load() → mmu_alloc_shadow_roots() → make_mmu_pages_available()
    const r = ctx.call('kvm_mmu_reload', () =>
      ctx.call('make_mmu_pages_available', () =>
        (ctx.s.kvmUpstream.nMaxMmuPages[vmId] ?? 0) === 0
          ? ctx.refuse(-ENOSPC, '!kvm_mmu_available_pages(vcpu->kvm): n_max_mmu_pages is 0 until the first memslot', up(ctx, 'make_mmu_pages_available'))
          : 0,
      ),
    )
    if (r) return r
  }
  return ctx.call('kvm_tdp_map_page', () => {
    // "Restrict to TDP page fault, since that's the only case where the MMU is indexed by GPA."
    if (!ctx.s.kvmUpstream.host.tdp) return ctx.refuse(-EOPNOTSUPP, 'vcpu->arch.mmu->page_fault != kvm_tdp_page_fault (shadow paging)', up(ctx, 'kvm_tdp_map_page'))
    const gfnBig = gpa >> BigInt(PAGE_SHIFT)
    if (gfnBig > BigInt(KVM_MMU_MAX_GFN)) return ctx.refuse(-ENOENT, 'the gpa is beyond the guest physical width: RET_PF_EMULATE', up(ctx, 'kvm_tdp_map_page'))
    const gfn = Number(gfnBig)
    const isPrivate = hasPrivateMem(ctx, vmId) && (rangeLoad(vm.attributes, gfn)?.private ?? false)
    for (;;) {
      const out = kvmTdpPageFault(ctx, vmId, gfn, false, isPrivate)
      switch (out.kind) {
        case 'fixed':
          return 4096
        case 'emulate':
          return ctx.refuse(-ENOENT, `RET_PF_EMULATE: ${out.why}`, up(ctx, 'kvm_tdp_map_page'))
        case 'error':
          return out.r
        case 'retry':
          // do { ... } while (r == RET_PF_RETRY): nothing else runs, so an invalidation in progress never ends
          return ctx.refuse(-EIO, 'RET_PF_RETRY while an invalidation is in progress (the simulated host cannot wait)', 'gmemscope')
      }
    }
  })
}
