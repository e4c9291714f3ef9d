/**
 * virt/kvm/guest_mem.c (seed 002), the memslot side: kvm_gmem_bind / kvm_gmem_unbind,
 * kvm_gmem_get_file, kvm_gmem_get_pfn (the private fault) and kvm_gmem_error_page (poison).
 * See guest_mem.ts for the file side; the conventions are the same.
 */
import { castDraft } from 'immer'
import type { OpCtx } from '../ctx'
import { EFAULT, EHWPOISON, EINVAL, EIO, ENOMEM } from '../errno'
import { rangeFind, rangeLoad, rangeQuery, rangeStore } from '../rangemap'
import { FOLIO_LINEAR, type Binding, type FolioPage, type Memslot, type OpenFile } from '../state'
import { pageAligned, PAGE_SHIFT, toPages } from '../u64'
import { inodeOf, shouldFail } from '../mm/filemap'
import { fdget, fileOf } from '../fs/file_table'
import { GUEST_MEM_SRC as SRC, KVM_GMEM, kasanUseAfterFree, kvmGmemGetFolio, kvmGmemInvalidateBegin, kvmGmemInvalidateEnd, slotOfBinding } from './guest_mem'

const SEED = 'seed 002'

/**
 * kvm_gmem_get_file(): the slot's file with a reference, or null if it is closed (or closing).
 * Only the pointer is read under RCU; the reference itself is not modelled (it is dropped again
 * before the caller returns).
 */
export function kvmGmemGetFile(ctx: OpCtx, slot: SlotRef): string | null {
  return ctx.call('kvm_gmem_get_file', () => {
    ctx.lock('rcu', 'rcu', 'recursive-read')
    const fileId = slot.gmem.file
    const file = fileId ? ctx.s.files[fileId] : undefined
    if (file?.released) {
      // Release clears every slot it finds in the xarray; a slot published without an xarray
      // entry (B-K12) still points at the freed file: get_file_rcu() reads freed memory.
      ctx.call('get_file_rcu', () => kasanUseAfterFree(ctx, 'Read of file->f_count'))
    }
    ctx.unlock('rcu', 'rcu')
    return file && !file.released && file.fCount > 0 ? file.id : null
  })
}

/** A memslot being built or torn down: its gmem pointer is written in place, as in the kernel. */
export interface SlotRef {
  readonly uid: string
  readonly npages: number
  readonly gmem: { file: string | null; pgoff: number }
}

export function kvmGmemBind(
  ctx: OpCtx,
  vmId: string,
  slot: SlotRef,
  fd: bigint,
  offset: bigint,
): number {
  return ctx.call('kvm_gmem_bind', () => {
    ctx.assertHeld('slotsLock', vmId)
    const size = BigInt(slot.npages) << BigInt(PAGE_SHIFT)
    const file = fdget(ctx, fd)
    if (!file) return ctx.refuse(-EINVAL, 'file = fget(fd) is NULL: not an open fd')
    if (file.kind !== KVM_GMEM) return ctx.refuse(-EINVAL, 'file->f_op != &kvm_gmem_fops: not a guest_memfd')
    if (file.vm !== vmId) return ctx.refuse(-EINVAL, 'gmem->kvm != kvm: the guest_memfd belongs to another VM')
    const inodeId = file.inode!
    // seed 002: kvm_gmem_is_valid_size(offset) — the offset may be 0, even with B-K11 fixed
    if (offset < 0n || !pageAligned(offset) || size < 0n || !pageAligned(size)) {
      return ctx.refuse(-EINVAL, '!kvm_gmem_is_valid_size(offset) || !kvm_gmem_is_valid_size(size)')
    }
    if (offset + size > BigInt(inodeOf(ctx, inodeId).sizePages) << BigInt(PAGE_SHIFT)) {
      return ctx.refuse(-EINVAL, 'offset + size > i_size_read(inode)')
    }
    ctx.lock('invalidateLock', inodeId, 'write')
    const start = toPages(offset)
    const end = start + slot.npages
    if (rangeFind(file.bindings, start, end)) {
      ctx.unlock('invalidateLock', inodeId)
      return ctx.refuse(-EINVAL, 'xa_find(&gmem->bindings, start, end - 1): the file range is already bound')
    }
    // seed 002: "No synchronize_rcu() needed" — publish the file, then the xarray range
    slot.gmem.file = file.id
    slot.gmem.pgoff = start
    if (shouldFail(ctx, 'xa_store')) {
      // xa_store_range() returned -ENOMEM
      if (!ctx.asWritten('B-K12')) {
        slot.gmem.file = null
        ctx.unlock('invalidateLock', inodeId)
        return ctx.refuse(-ENOMEM, 'xa_err(xa_store_range()) = -ENOMEM')
      }
      ctx.because('xa_store_range() failed and its result is ignored: the slot is published with no xarray entry (B-K12)')
    } else {
      const f = ctx.s.files[file.id]!
      f.bindings = castDraft(rangeStore(f.bindings as OpenFile['bindings'], start, end, { slot: slot.uid } as Binding))
      ctx.effect({ kind: 'binding', file: file.id, start, end }, `bound: xa_store_range(bindings, start, end - 1, slot ${slot.uid})`, `${SEED} kvm_gmem_bind`)
    }
    ctx.unlock('invalidateLock', inodeId)
    // "The file pins KVM, not the other way 'round." fput(file) even on success.
    return 0
  })
}

/**
 * kvm_gmem_unbind(): erases the slot's range from the file's xarray and clears slot->gmem.file.
 * Nothing to do if the file was already closed: release invalidated everything (seed 002).
 */
export function kvmGmemUnbind(ctx: OpCtx, slot: SlotRef): void {
  ctx.call('kvm_gmem_unbind', () => {
    const start = slot.gmem.pgoff
    const end = start + slot.npages
    const fileId = kvmGmemGetFile(ctx, slot)
    if (!fileId) return
    const inodeId = fileOf(ctx, fileId).inode!
    ctx.lock('invalidateLock', inodeId, 'write')
    const f = ctx.s.files[fileId]!
    f.bindings = castDraft(rangeStore(f.bindings as OpenFile['bindings'], start, end, null))
    ctx.effect({ kind: 'binding', file: fileId, start, end }, 'unbound: xa_store_range(bindings, start, end - 1, NULL)', `${SEED} kvm_gmem_unbind`)
    slot.gmem.file = null
    ctx.call('synchronize_rcu', () => undefined)
    ctx.unlock('invalidateLock', inodeId)
  })
}

export interface PfnRun {
  /** 0 or a negative errno */
  readonly r: number
  /** pages obtained from the start of the request */
  readonly done: number
  /** the folio pages obtained, as extents of the file (index → pfn) */
  readonly pages: readonly { index: number; count: number; pfn: number }[]
  /** the inode the pages belong to */
  readonly inode: string | null
}

/**
 * kvm_gmem_get_pfn() for gfns [gfn, gfn + count) of one slot: the file's folios for those
 * indices, allocated and zeroed as needed. Stops at the first page that fails.
 */
export function kvmGmemGetPfn(ctx: OpCtx, slot: Memslot, gfn: number, count: number): PfnRun {
  return ctx.call('kvm_gmem_get_pfn', () => {
    const index = gfn - slot.baseGfn + slot.gmem.pgoff
    const fileId = kvmGmemGetFile(ctx, slot)
    if (!fileId) {
      return { r: ctx.refuse(-EFAULT, 'kvm_gmem_get_file(slot) is NULL: the guest_memfd was closed'), done: 0, pages: [], inode: null }
    }
    const file = fileOf(ctx, fileId)
    const inodeId = file.inode!
    // WARN_ON_ONCE(xa_load(&gmem->bindings, index) != slot): the run stops at the first mismatch.
    let bound = 0
    for (const e of rangeQuery(file.bindings, index, index + count)) {
      if (e.start !== index + bound || e.value.slot !== slot.uid) break
      bound = e.end - index
    }
    const got = bound > 0 ? kvmGmemGetFolio(ctx, inodeId, index, index + bound) : { r: 0, next: index }
    let done = got.next - index
    let r = 0
    if (got.r < 0) {
      r = ctx.refuse(-ENOMEM, 'kvm_gmem_get_folio() returned NULL')
    } else if (bound < count) {
      ctx.warnOnce(SRC, 'xa_load(&gmem->bindings, index) != slot')
      r = ctx.refuse(-EIO, 'xa_load(&gmem->bindings, index) != slot')
    }
    const pages: { index: number; count: number; pfn: number }[] = []
    for (const e of rangeQuery(inodeOf(ctx, inodeId).folios, index, index + done, FOLIO_LINEAR)) {
      const folio: FolioPage = e.value
      if (folio.hwpoison && !ctx.asWritten('B-K13')) {
        // upstream __kvm_gmem_get_pfn(): if (folio_test_hwpoison(folio)) return -EHWPOISON
        done = e.start - index
        ctx.rule = null
        r = ctx.refuse(-EHWPOISON, 'folio_test_hwpoison(folio)', 'upstream kvm_gmem_get_pfn (fix of B-K13)')
        break
      }
      if (folio.hwpoison) ctx.asWritten('B-K13')
      pages.push({ index: e.start, count: e.end - e.start, pfn: folio.pfn })
    }
    return { r, done, pages, inode: inodeId }
  })
}

/** The gfn of a file index in a slot, and back. */
export function gmemIndexToGfn(slot: Memslot, index: number): number {
  return slot.baseGfn + index - slot.gmem.pgoff
}

/** Is this file's [index] bound, and to which slot? (xa_load) */
export function kvmGmemBindingAt(file: OpenFile, index: number): string | undefined {
  return rangeLoad(file.bindings, index)?.slot
}

/**
 * kvm_gmem_error_page(): memory_failure() calls it with the page locked.
 * As written (B-K3) it loops "gfn" over file indices, WARNs when that is outside the slot,
 * otherwise signals `current`, and claims recovery without zapping anything. Fixed (upstream
 * kvm_gmem_error_folio): zap the bound gfns, keep the page, return MF_DELAYED.
 */
export function kvmGmemErrorPage(ctx: OpCtx, inodeId: string, index: number): 'recovered' | 'delayed' {
  return ctx.call('kvm_gmem_error_page', () => {
    ctx.lock('invalidateLock', inodeId, 'read')
    const start = index
    const end = start + 1
    const gmems = [...inodeOf(ctx, inodeId).privateList]
    let result: 'recovered' | 'delayed' = 'recovered'
    if (ctx.asWritten('B-K3')) {
      for (const g of gmems) {
        const file = fileOf(ctx, g)
        for (const e of rangeQuery(file.bindings, start, end)) {
          const slot = slotOfBinding(ctx, file.vm, e.value.slot, 'Read of slot->base_gfn')
          for (let gfn = start; gfn < end; gfn++) {
            if (gfn < slot.baseGfn || gfn >= slot.baseGfn + slot.npages) {
              ctx.warnOnce(SRC, 'gfn < slot->base_gfn || gfn >= slot->base_gfn + slot->npages')
              continue
            }
            const hva = BigInt(slot.userspaceAddr) + (BigInt(gfn - slot.baseGfn) << BigInt(PAGE_SHIFT))
            ctx.call('send_sig_mceerr', () => undefined)
            ctx.signal = 'SIGBUS'
            ctx.because(`send_sig_mceerr(BUS_MCEERR_AR, 0x${hva.toString(16)}, current): signals the task that happened to run memory_failure (B-K3)`, SEED)
          }
        }
      }
    } else {
      for (const g of gmems) kvmGmemInvalidateBegin(ctx, g, start, end)
      // upstream: "Do not truncate the range, what action is taken in response to the error is userspace's decision"
      for (const g of gmems) kvmGmemInvalidateEnd(ctx, g, start, end)
      result = 'delayed'
    }
    ctx.unlock('invalidateLock', inodeId)
    return result
  })
}

