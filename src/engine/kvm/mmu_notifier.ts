/**
 * KVM's MMU notifier (virt/kvm/kvm_main.c kvm_mmu_notifier_invalidate_range_start/_end): when
 * the VMM unmaps memory that backs a memslot through its userspace_addr, every VM of the process
 * zaps the stage-2 mappings of those gfns. It runs inside munmap(), under mmap_lock (write), and
 * reads the memslots under kvm->srcu — so mmap_lock → srcu (a recursive read) here, while a
 * vCPU's shared fault takes mmap_lock (read) inside srcu: a cycle lockdep does not report,
 * because an SRCU reader never waits for another (docs/lockdep.md, not strong).
 */
import { castDraft } from 'immer'
import type { OpCtx } from '../ctx'
import { rangeQuery, rangeStore } from '../rangemap'
import { STAGE2_LINEAR, type KvmVm } from '../state'
import { PAGE_SHIFT } from '../u64'
import { kvmMmuInvalidateBegin, kvmMmuInvalidateEnd, kvmMmuInvalidateRangeAdd, kvmMmuLock, kvmMmuUnlock } from './mmu'

const SRC = 'virt/kvm/kvm_main.c'

/** The gfn ranges of a VM's memslots whose host addresses fall in host pages [start, end). */
function gfnRangesOfHva(vm: KvmVm, start: number, end: number): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = []
  for (const slot of Object.values(vm.memslots)) {
    const hva = Number(BigInt(slot.userspaceAddr) >> BigInt(PAGE_SHIFT))
    const lo = Math.max(start, hva)
    const hi = Math.min(end, hva + slot.npages)
    if (lo < hi) out.push({ start: slot.baseGfn + lo - hva, end: slot.baseGfn + hi - hva })
  }
  return out
}

/** Zaps the stage-2 mappings of [start, end) that go through the host's address (not guest_memfd). */
function zapHvaMappings(ctx: OpCtx, vmId: string, start: number, end: number): void {
  const vm = ctx.s.vms[vmId]!
  let stage2 = vm.stage2 as KvmVm['stage2']
  for (const e of rangeQuery(stage2, start, end)) {
    if (e.value.backing === 'hva') stage2 = rangeStore(stage2, e.start, e.end, null, STAGE2_LINEAR)
  }
  if (stage2 !== vm.stage2) {
    vm.stage2 = castDraft(stage2)
    ctx.effect({ kind: 'stage2', vm: vmId, start, end }, 'shared mappings zapped by the MMU notifier', SRC)
  }
}

/**
 * __kvm_handle_hva_range() for one VM: srcu_read_lock, then — only if a memslot covers the range —
 * KVM_MMU_LOCK with `onLock` and the per-slot handler.
 */
function kvmHandleHvaRange(ctx: OpCtx, vmId: string, start: number, end: number, onLock: () => void, handler?: (g: { start: number; end: number }) => void): void {
  ctx.call('__kvm_handle_hva_range', () => {
    ctx.lock('kvmSrcu', vmId, 'recursive-read')
    const ranges = gfnRangesOfHva(ctx.s.vms[vmId]! as KvmVm, start, end)
    if (ranges.length) {
      kvmMmuLock(ctx, vmId)
      onLock()
      for (const g of ranges) handler?.(g)
      kvmMmuUnlock(ctx, vmId)
    }
    ctx.unlock('kvmSrcu', vmId)
  })
}

/** The notifier pair around an unmap of the VMM's host pages [start, end), for every live VM. */
export function kvmMmuNotifierInvalidateRange(ctx: OpCtx, start: number, end: number): void {
  const vms = Object.values(ctx.s.vms).filter((vm) => !vm.destroyed).map((vm) => vm.id)
  for (const vmId of vms) {
    ctx.call('kvm_mmu_notifier_invalidate_range_start', () =>
      kvmHandleHvaRange(
        ctx,
        vmId,
        start,
        end,
        () => kvmMmuInvalidateBegin(ctx, vmId),
        (g) => {
          kvmMmuInvalidateRangeAdd(ctx, vmId, g.start, g.end)
          zapHvaMappings(ctx, vmId, g.start, g.end)
        },
      ),
    )
  }
  for (const vmId of vms) {
    ctx.call('kvm_mmu_notifier_invalidate_range_end', () => kvmHandleHvaRange(ctx, vmId, start, end, () => kvmMmuInvalidateEnd(ctx, vmId)))
  }
}
