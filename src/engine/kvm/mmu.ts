/**
 * KVM's MMU as guest_memfd sees it: the invalidation bookkeeping (virt/kvm/kvm_main.c
 * kvm_mmu_invalidate_*) and the stage-2 page tables (arch/x86/kvm/mmu), kept as extents by gfn.
 */
import { castDraft } from 'immer'
import type { OpCtx } from '../ctx'
import { STAGE2_LINEAR, type KvmVm, type Stage2Page } from '../state'
import { rangeQuery, rangeStore } from '../rangemap'

export function vmOf(ctx: OpCtx, vmId: string): KvmVm {
  const vm = ctx.s.vms[vmId]
  if (!vm) throw new Error(`engine bug: no vm ${vmId}`)
  return vm as KvmVm
}

/** KVM_MMU_LOCK(kvm): write_lock(&kvm->mmu_lock) on x86. */
export function kvmMmuLock(ctx: OpCtx, vmId: string): void {
  ctx.lock('mmuLock', vmId, 'write')
}

export function kvmMmuUnlock(ctx: OpCtx, vmId: string): void {
  ctx.unlock('mmuLock', vmId)
}

/** kvm_mmu_invalidate_begin(): in_progress++, and the range is reset when it becomes 1. */
export function kvmMmuInvalidateBegin(ctx: OpCtx, vmId: string): void {
  ctx.call('kvm_mmu_invalidate_begin', () => {
    ctx.assertHeld('mmuLock', vmId)
    const mmu = ctx.s.vms[vmId]!.mmu
    mmu.inProgress++
    if (mmu.inProgress === 1) {
      mmu.rangeStart = null
      mmu.rangeEnd = null
    }
    ctx.effect({ kind: 'vm', id: vmId }, `mmu_invalidate_in_progress++ (now ${mmu.inProgress})`, 'virt/kvm/kvm_main.c kvm_mmu_invalidate_begin')
  })
}

/** kvm_mmu_invalidate_range_add(): widens the range under invalidation. */
export function kvmMmuInvalidateRangeAdd(ctx: OpCtx, vmId: string, start: number, end: number): void {
  const mmu = ctx.s.vms[vmId]!.mmu
  if (mmu.rangeStart === null || mmu.rangeEnd === null) {
    mmu.rangeStart = start
    mmu.rangeEnd = end
  } else {
    mmu.rangeStart = Math.min(mmu.rangeStart, start)
    mmu.rangeEnd = Math.max(mmu.rangeEnd, end)
  }
}

/** kvm_mmu_invalidate_end(): seq++, in_progress--. */
export function kvmMmuInvalidateEnd(ctx: OpCtx, vmId: string): void {
  ctx.call('kvm_mmu_invalidate_end', () => {
    ctx.assertHeld('mmuLock', vmId)
    const mmu = ctx.s.vms[vmId]!.mmu
    mmu.seq++
    mmu.inProgress--
    ctx.effect({ kind: 'vm', id: vmId }, `mmu_invalidate_seq++, mmu_invalidate_in_progress-- (now ${mmu.inProgress})`, 'virt/kvm/kvm_main.c kvm_mmu_invalidate_end')
    if (mmu.inProgress < 0) ctx.bug(`KVM_BUG_ON(kvm->mmu_invalidate_in_progress < 0)`)
  })
}

/** Zaps the stage-2 mappings of gfns [start, end); returns true if anything was mapped (flush). */
export function kvmUnmapGfnRange(ctx: OpCtx, vmId: string, start: number, end: number, seed = ctx.cite()): boolean {
  const vm = ctx.s.vms[vmId]!
  const mapped = rangeQuery(vm.stage2 as KvmVm['stage2'], start, end)
  if (mapped.length > 0) {
    vm.stage2 = castDraft(rangeStore(vm.stage2 as KvmVm['stage2'], start, end, null, STAGE2_LINEAR))
    const span = { start: mapped[0]!.start, end: mapped[mapped.length - 1]!.end }
    ctx.effect({ kind: 'stage2', vm: vmId, ...span }, `zapped by ${ctx.fn}`, seed)
  }
  return mapped.length > 0
}

/** kvm_mmu_unmap_gfn_range(): range_add, then zap. */
export function kvmMmuUnmapGfnRange(ctx: OpCtx, vmId: string, start: number, end: number, seed = ctx.cite()): boolean {
  return ctx.call('kvm_mmu_unmap_gfn_range', () => {
    kvmMmuInvalidateRangeAdd(ctx, vmId, start, end)
    return kvmUnmapGfnRange(ctx, vmId, start, end, seed)
  })
}

/** Installs stage-2 mappings for gfns [start, end). */
export function kvmMapStage2(
  ctx: OpCtx,
  vmId: string,
  start: number,
  end: number,
  page: Stage2Page,
  seed = ctx.cite(),
): void {
  const vm = ctx.s.vms[vmId]!
  vm.stage2 = castDraft(rangeStore(vm.stage2 as KvmVm['stage2'], start, end, page, STAGE2_LINEAR))
  const to = page.backing === 'gmem' ? `guest_memfd ${page.inode} page ${page.index}` : `hva page 0x${page.index.toString(16)}`
  ctx.effect({ kind: 'stage2', vm: vmId, start, end }, `mapped by ${ctx.fn}: ${to}, ${page.writable ? 'writable' : 'read-only'}`, seed)
}

/**
 * mmu_invalidate_retry_gfn(): a fault must retry while an invalidation covering its gfn is in
 * progress. An in-progress count with no range (INVALID_GPA) is a KVM bug: WARN and retry.
 */
export function mmuInvalidateRetryGfn(ctx: OpCtx, vmId: string, gfn: number): boolean {
  const mmu = vmOf(ctx, vmId).mmu
  if (mmu.inProgress > 0) {
    if (mmu.rangeStart === null || mmu.rangeEnd === null) {
      ctx.warnOnce(
        'include/linux/kvm_host.h',
        'kvm->mmu_invalidate_range_start == INVALID_GPA',
      )
      return true
    }
    if (gfn >= mmu.rangeStart && gfn < mmu.rangeEnd) return true
  }
  return false
}

/** kvm_flush_remote_tlbs(): no state of its own in the model; recorded in the call path. */
export function kvmFlushRemoteTlbs(ctx: OpCtx, _vmId: string): void {
  ctx.call('kvm_flush_remote_tlbs', () => undefined)
}
