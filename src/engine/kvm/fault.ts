/**
 * The x86 TDP page fault as the v11 series routes it (arch/x86/kvm/mmu/mmu.c): a private fault
 * goes to kvm_gmem_get_pfn(), a shared one through the memslot's userspace_addr; a mismatch with
 * the gfn's memory attribute exits to userspace with KVM_EXIT_MEMORY_FAULT. Also KVM_MAP_MEMORY
 * (seed 003), which runs the same fault on a range without running the vCPU.
 *
 * Faults work on runs of gfns that share a memslot and an attribute, so a whole slot can be
 * faulted in at the cost of one page.
 */
import type { OpCtx } from '../ctx'
import { EAGAIN, EFAULT, EINVAL, ENOENT, EOPNOTSUPP } from '../errno'
import { rangeFind, rangeLoad } from '../rangemap'
import { STAGE2_LINEAR, type KvmVm } from '../state'
import { PAGE_SHIFT, toInt } from '../u64'
import { KVM_MEM_READONLY, KVM_MEMORY_MAPPING_FLAG_PRIVATE, KVM_MEMORY_MAPPING_FLAG_WRITE } from '../uapi'
import { kvmGmemGetPfn } from './guest_mem_bind'
import { gfnToMemslot, kvmSlotCanBePrivate, nextMemslotStart } from './memslot'
import { kvmMapStage2, mmuInvalidateRetryGfn, vmOf } from './mmu'
import { KVM_MMU_MAX_GFN } from './kvm_main'

export interface FaultOutcome {
  /** 0 or a negative errno returned to KVM_RUN / the ioctl */
  readonly r: number
  /** pages of the run that were mapped */
  readonly done: number
  /** what userspace sees: a KVM exit, RET_PF_RETRY, or null when the guest just continues */
  readonly exit: 'KVM_EXIT_MEMORY_FAULT' | 'KVM_EXIT_MMIO' | 'RET_PF_RETRY' | null
}

function memIsPrivate(vm: KvmVm, gfn: number): boolean {
  return rangeLoad(vm.attributes, gfn)?.private ?? false
}

/** The end of the run from gfn whose pages share gfn's attribute (extents are maximal). */
function attributeRunEnd(vm: KvmVm, gfn: number, limit: number): number {
  const e = rangeFind(vm.attributes, gfn, limit)
  if (!e) return limit
  if (e.start > gfn) return e.start
  return Math.min(e.end, limit)
}

/** What kvm_faultin_pfn() decided for a run: an exit, or the pages to install. */
type Faultin =
  | { readonly kind: 'exit'; readonly outcome: FaultOutcome }
  | { readonly kind: 'map'; readonly count: number; readonly r: number; readonly install: () => void; readonly slotFlags: number }

/**
 * kvm_faultin_pfn(): resolves the pfns of gfns [gfn, end) — private ones from guest_memfd,
 * shared ones through the memslot's userspace_addr — or decides to exit to userspace.
 */
function kvmFaultinPfn(ctx: OpCtx, vmId: string, gfn: number, end: number, isPrivate: boolean): Faultin {
  return ctx.call('kvm_faultin_pfn', (): Faultin => {
    const vm = vmOf(ctx, vmId)
    const slot = gfnToMemslot(vm, gfn)
    const exit = (r: number, e: FaultOutcome['exit']): Faultin => ({ kind: 'exit', outcome: { r, done: 0, exit: e } })
    const series = 'seed 002 series (x86 private faults)'
    if (isPrivate !== memIsPrivate(vm, gfn)) {
      // kvm_mmu_prepare_memory_fault_exit(): the fault and the gfn's attribute disagree
      return exit(ctx.refuse(-EFAULT, `fault->is_private (${isPrivate}) != kvm_mem_is_private(kvm, gfn)`, series), 'KVM_EXIT_MEMORY_FAULT')
    }
    if (isPrivate) {
      if (!slot || !kvmSlotCanBePrivate(slot)) {
        return exit(ctx.refuse(-EFAULT, '!kvm_slot_can_be_private(fault->slot)', series), 'KVM_EXIT_MEMORY_FAULT')
      }
      const got = ctx.call('kvm_faultin_pfn_private', () => kvmGmemGetPfn(ctx, slot, gfn, end - gfn))
      if (got.done === 0) return exit(got.r, 'KVM_EXIT_MEMORY_FAULT')
      const writable = !(slot.flags & KVM_MEM_READONLY)
      const install = (): void => {
        for (const p of got.pages) {
          const g = slot.baseGfn + p.index - slot.gmem.pgoff
          kvmMapStage2(ctx, vmId, g, g + p.count, { backing: 'gmem', inode: got.inode, index: p.index, pfn: p.pfn, writable }, 'seed 002 kvm_gmem_get_pfn')
        }
      }
      return { kind: 'map', count: got.done, r: got.r, install, slotFlags: slot.flags }
    }
    if (!slot) {
      // __gfn_to_pfn_memslot(NULL) = KVM_PFN_NOSLOT: userspace emulates the access as MMIO.
      ctx.because('no memslot covers the gfn: the access is emulated as MMIO', 'arch/x86/kvm/mmu/mmu.c')
      return exit(0, 'KVM_EXIT_MMIO')
    }
    const hvaPage = Number(BigInt(slot.userspaceAddr) >> BigInt(PAGE_SHIFT)) + gfn - slot.baseGfn
    // hva_to_pfn(): the VMM's anonymous memory is not modelled page by page, so the slow path is
    // taken: get_user_pages_unlocked() faults the page in under mmap_lock (read).
    ctx.call('hva_to_pfn', () =>
      ctx.call('get_user_pages_unlocked', () => {
        ctx.lock('mmapLock', 'mm', 'read')
        ctx.unlock('mmapLock', 'mm')
      }),
    )
    const writable = !(slot.flags & KVM_MEM_READONLY)
    const install = (): void =>
      kvmMapStage2(ctx, vmId, gfn, end, { backing: 'hva', inode: null, index: hvaPage, pfn: hvaPage, writable }, series)
    return { kind: 'map', count: end - gfn, r: 0, install, slotFlags: slot.flags }
  })
}

/**
 * kvm_tdp_page_fault() for gfns [gfn, gfn + count): one run that ends at the first memslot or
 * attribute boundary, the first failing page, or the count. Returns how far it got.
 */
export function kvmTdpPageFault(
  ctx: OpCtx,
  vmId: string,
  gfn: number,
  count: number,
  write: boolean,
  isPrivate: boolean,
): FaultOutcome {
  return ctx.call('kvm_tdp_page_fault', () => {
    const vm = vmOf(ctx, vmId)
    const slot = gfnToMemslot(vm, gfn)
    const limit = Math.min(gfn + count, slot ? slot.baseGfn + slot.npages : nextMemslotStart(vm, gfn))
    const end = attributeRunEnd(vm, gfn, limit)
    const f = kvmFaultinPfn(ctx, vmId, gfn, end, isPrivate)
    if (f.kind === 'exit') return f.outcome
    if (write && f.slotFlags & KVM_MEM_READONLY) {
      ctx.because('write fault on a KVM_MEM_READONLY memslot: emulated as MMIO', 'arch/x86/kvm/mmu/mmu.c')
      return { r: 0, done: 0, exit: 'KVM_EXIT_MMIO' }
    }
    const retry = ctx.call('kvm_tdp_mmu_page_fault', () => {
      ctx.lock('mmuLock', vmId, 'read')
      const stale = ctx.call('is_page_fault_stale', () => mmuInvalidateRetryGfn(ctx, vmId, gfn))
      if (!stale) ctx.call('kvm_tdp_mmu_map', f.install)
      ctx.unlock('mmuLock', vmId)
      return stale
    })
    if (retry) {
      const mmu = vmOf(ctx, vmId).mmu
      ctx.because(
        `mmu_invalidate_retry_gfn(): mmu_invalidate_in_progress = ${mmu.inProgress}; the vCPU retries this fault for as long as it stays raised`,
        'include/linux/kvm_host.h',
      )
      return { r: 0, done: 0, exit: 'RET_PF_RETRY' }
    }
    if (f.r) return { r: f.r, done: f.count, exit: 'KVM_EXIT_MEMORY_FAULT' }
    return { r: 0, done: f.count, exit: null }
  })
}

export interface GuestAccessOutcome {
  readonly r: number
  readonly exit: string | null
}

/**
 * A vCPU touches gpa. A present stage-2 mapping (writable, for a write) serves it without a
 * fault; otherwise KVM_RUN takes the TDP fault under kvm->srcu.
 */
export function kvmGuestAccess(ctx: OpCtx, vmId: string, gpa: bigint, write: boolean, isPrivate: boolean): GuestAccessOutcome {
  return ctx.call('kvm_arch_vcpu_ioctl_run', () => {
    const gfnBig = gpa >> BigInt(PAGE_SHIFT)
    if (gfnBig > BigInt(KVM_MMU_MAX_GFN)) {
      ctx.because('gpa beyond the guest physical address width: emulated as MMIO', 'arch/x86/kvm/mmu/mmu.c')
      return { r: 0, exit: 'KVM_EXIT_MMIO' }
    }
    const gfn = Number(gfnBig)
    const spte = rangeLoad(vmOf(ctx, vmId).stage2, gfn, STAGE2_LINEAR)
    if (spte && (!write || spte.writable) && (spte.backing === 'gmem') === isPrivate) {
      // The stage-2 mapping is present: the access needs no fault and takes no lock.
      const folio = spte.inode ? rangeLoad(ctx.s.inodes[spte.inode]?.folios ?? [], spte.index) : undefined
      if (folio?.hwpoison) {
        ctx.err(`kvm: the guest accessed poisoned pfn 0x${spte.pfn.toString(16)} through a stage-2 mapping left in place`)
        ctx.because('kvm_gmem_error_page() zapped nothing, so the poisoned page stays mapped (B-K3)')
      }
      return { r: 0, exit: null }
    }
    ctx.lock('kvmSrcu', vmId, 'recursive-read')
    const out = ctx.call('kvm_mmu_page_fault', () => kvmTdpPageFault(ctx, vmId, gfn, 1, write, isPrivate))
    ctx.unlock('kvmSrcu', vmId)
    return { r: out.r, exit: out.exit }
  })
}

/** seed 003: KVM_MEMORY_MAPPING_FLAG_* */
const MAP_MEMORY_VALID_FLAGS = 0xfn
/** Pages KVM_MAP_MEMORY processes per call before returning -EAGAIN (gmemscope's decision). */
export const KVM_MAP_MEMORY_BATCH = 512

export interface MapMemoryArgs {
  readonly baseGfn: bigint
  readonly nrPages: bigint
  readonly flags: bigint
  readonly source: bigint
}

/**
 * KVM_MAP_MEMORY (seed 003, a vCPU ioctl): pre-populates [base_gfn, base_gfn + nr_pages) by
 * synthetic faults. The review left its semantics open; gmemscope decides (docs/scenario-format.md):
 * at most KVM_MAP_MEMORY_BATCH pages per call, then -EAGAIN with base_gfn/nr_pages advanced; an
 * error stops at the failing gfn with the fields pointing at it; `source` is refused with
 * -EOPNOTSUPP because no simulated VM type can populate (encrypt and measure) contents.
 */
export function kvmVcpuMapMemory(ctx: OpCtx, vmId: string, args: MapMemoryArgs): number {
  return ctx.call('kvm_vcpu_map_memory', () => {
    const seed = 'seed 003'
    const setOut = (gfn: bigint, left: bigint): void => {
      ctx.out = { base_gfn: toInt(gfn), nr_pages: toInt(left), flags: toInt(args.flags), source: toInt(args.source) }
    }
    if (args.flags & ~MAP_MEMORY_VALID_FLAGS) return ctx.refuse(-EINVAL, 'flags & ~KVM_MEMORY_MAPPING_FLAG_*', seed)
    if (args.source !== 0n) return ctx.refuse(-EOPNOTSUPP, 'source != 0: this VM type cannot populate contents', seed)
    if (args.nrPages === 0n) {
      setOut(args.baseGfn, 0n)
      return 0
    }
    const endBig = args.baseGfn + args.nrPages
    if (endBig - 1n > BigInt(KVM_MMU_MAX_GFN)) return ctx.refuse(-EINVAL, 'base_gfn + nr_pages beyond the guest physical address width', seed)
    const write = (args.flags & BigInt(KVM_MEMORY_MAPPING_FLAG_WRITE)) !== 0n
    const isPrivate = (args.flags & BigInt(KVM_MEMORY_MAPPING_FLAG_PRIVATE)) !== 0n
    let gfn = Number(args.baseGfn)
    const stop = Number(args.baseGfn + (args.nrPages < BigInt(KVM_MAP_MEMORY_BATCH) ? args.nrPages : BigInt(KVM_MAP_MEMORY_BATCH)))
    const end = Number(endBig)
    ctx.lock('kvmSrcu', vmId, 'recursive-read')
    let r = 0
    while (gfn < stop) {
      const vm = vmOf(ctx, vmId)
      if (!gfnToMemslot(vm, gfn)) {
        r = ctx.refuse(-ENOENT, 'no memslot covers base_gfn', seed)
        break
      }
      const out = ctx.call('kvm_mmu_map_page', () => kvmTdpPageFault(ctx, vmId, gfn, stop - gfn, write, isPrivate))
      gfn += out.done
      if (out.exit === 'RET_PF_RETRY') {
        r = ctx.refuse(-EAGAIN, 'the fault must be retried: an invalidation is in progress', seed)
        break
      }
      if (out.exit === 'KVM_EXIT_MMIO') {
        r = ctx.refuse(-EFAULT, 'the range cannot be mapped (read-only or emulated)', seed)
        break
      }
      if (out.r) {
        r = out.r
        ctx.exit = out.exit
        break
      }
    }
    ctx.unlock('kvmSrcu', vmId)
    setOut(BigInt(gfn), BigInt(end - gfn))
    if (r) return r
    if (gfn < end) return ctx.refuse(-EAGAIN, `nr_pages is large: ${KVM_MAP_MEMORY_BATCH} pages done, base_gfn and nr_pages now point at the rest`, seed)
    return 0
  })
}
