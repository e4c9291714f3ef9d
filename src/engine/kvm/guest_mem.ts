/**
 * virt/kvm/guest_mem.c as posted in KVM RFC v11 (seed 002), the file side: create, fallocate
 * (allocate and punch hole with invalidation) and release. guest_mem_bind.ts has the memslot side.
 *
 * Each function mirrors the kernel function it names, checks in the same order, returns the same
 * negative errno, and takes locks in the same order. Where the seed has a bug, the as-written path
 * and the fixed path sit side by side behind `ctx.asWritten('B-Kn')` (see docs/bugs-kvm-v11.md).
 * Units: offsets and sizes arrive as bigint bytes; indices (pgoff_t) are numbers of pages.
 */
import type { OpCtx } from '../ctx'
import { EINVAL, ENOMEM, EOPNOTSUPP } from '../errno'
import { rangeFind, rangeQuery } from '../rangemap'
import type { Memslot, OpenFile } from '../state'
import { pageAligned, PAGE_SHIFT, toPages } from '../u64'
import {
  filemapGrabFolioRange,
  folioMarkUptodate,
  inodeOf,
  shouldFail,
  truncateInodePagesRange,
} from '../mm/filemap'
import {
  kvmFlushRemoteTlbs,
  kvmMmuInvalidateBegin,
  kvmMmuInvalidateEnd,
  kvmMmuLock,
  kvmMmuUnlock,
  kvmMmuUnmapGfnRange,
  vmOf,
} from './mmu'
import { slotByUid } from './memslot'
import { allocFile, allocInode, fdAlloc, fileOf, type FileKind } from '../fs/file_table'
import { kvmGetKvm, kvmPutKvm } from './kvm_lifetime'
import { KernelOops } from '../oops'

const SRC = 'virt/kvm/guest_mem.c'
const SEED = 'seed 002'

/** The file kind of a v11 guest_memfd (its f_op is kvm_gmem_fops). */
export const KVM_GMEM: FileKind = 'kvm-gmem'

/** One past the last page index: the `-1ul` end of a whole-file invalidation. */
export const END_OF_FILE = Number.MAX_SAFE_INTEGER

function gmemFile(ctx: OpCtx, fileId: string): OpenFile {
  return fileOf(ctx, fileId)
}

function bindingsOf(ctx: OpCtx, fileId: string): OpenFile['bindings'] {
  return gmemFile(ctx, fileId).bindings
}

/**
 * The memslot an xarray entry points at. Reading a freed slot is a use-after-free, which KASAN
 * reports once; the stale contents are still what the kernel would read.
 */
export function slotOfBinding(ctx: OpCtx, vmId: string, uid: string, access: string): Memslot {
  const found = slotByUid(vmOf(ctx, vmId), uid)
  if (!found) throw new Error(`engine bug: binding to unknown memslot ${uid}`)
  if (found.freed) kasanUseAfterFree(ctx, access)
  return found.slot
}

/** KASAN's first report of a use-after-free (later ones are suppressed, as without kasan_multi_shot). */
export function kasanUseAfterFree(ctx: OpCtx, access: string): void {
  const site = `KASAN:${ctx.fn}`
  if (ctx.s.warnedOnce.includes('KASAN')) return
  ctx.s.warnedOnce.push('KASAN', site)
  ctx.bug(`BUG: KASAN: slab-use-after-free in ${ctx.fn}`)
  ctx.bug(`${access} by task ${ctx.task.task}/${ctx.task.pid}: the object was freed while still referenced`)
  ctx.s.taint.push(`KASAN: slab-use-after-free in ${ctx.fn}`)
  ctx.effect({ kind: 'kernel', field: 'warnedOnce' }, 'KASAN reported (later reports are suppressed)', 'mm/kasan/report.c')
  ctx.effect({ kind: 'kernel', field: 'taint' }, `tainted: KASAN slab-use-after-free (${access})`, 'mm/kasan/report.c')
}

/**
 * kvm_gmem_get_folio(): grabs the folios of [start, end) and zeroes the ones not yet uptodate.
 * Returns the first index not obtained; r is -ENOMEM when filemap_grab_folio() failed.
 */
export function kvmGmemGetFolio(
  ctx: OpCtx,
  inodeId: string,
  start: number,
  end: number,
): { r: number; next: number } {
  return ctx.call('kvm_gmem_get_folio', () => {
    const grab = filemapGrabFolioRange(ctx, inodeId, start, end)
    if (grab.r < 0) {
      // seed 002: `folio = filemap_grab_folio(); if (!folio) return NULL;` — the ERR_PTR is not NULL
      if (ctx.asWritten('B-K9')) {
        folioMarkUptodate(ctx, inodeId, start, grab.next)
        throw new KernelOops(
          'BUG: unable to handle page fault for address: fffffffffffffff4 (folio_test_uptodate(ERR_PTR(-ENOMEM)))',
        )
      }
    }
    // seed 002: "Use the up-to-date flag to track whether or not the memory has been zeroed"
    folioMarkUptodate(ctx, inodeId, start, grab.next)
    return grab
  })
}

/** kvm_gmem_invalidate_begin(): zap every bound gfn of [start, end) under KVM_MMU_LOCK. */
export function kvmGmemInvalidateBegin(ctx: OpCtx, fileId: string, start: number, end: number): void {
  ctx.call('kvm_gmem_invalidate_begin', () => {
    const vmId = gmemFile(ctx, fileId).vm
    const bound = rangeQuery(bindingsOf(ctx, fileId), start, end)
    // B-K2: as written, the lock is taken and invalidate_begin counted even when nothing is bound.
    const unconditional = bound.length > 0 || ctx.asWritten('B-K2')
    let locked = false
    const begin = (): void => {
      if (locked) return
      locked = true
      kvmMmuLock(ctx, vmId)
      kvmMmuInvalidateBegin(ctx, vmId)
    }
    if (unconditional) begin()
    let flush = false
    const seen = new Set<string>()
    for (const e of bound) {
      if (seen.has(e.value.slot)) continue
      seen.add(e.value.slot)
      begin()
      const slot = slotOfBinding(ctx, vmId, e.value.slot, 'Read of slot->gmem.pgoff')
      const pgoff = slot.gmem.pgoff
      // seed 002: .start = slot->base_gfn + max(pgoff, start) - pgoff, .end = ... min(pgoff + npages, end) - pgoff
      const gfnStart = slot.baseGfn + Math.max(pgoff, start) - pgoff
      const gfnEnd = slot.baseGfn + Math.min(pgoff + slot.npages, end) - pgoff
      flush = kvmMmuUnmapGfnRange(ctx, vmId, gfnStart, gfnEnd) || flush
    }
    if (flush) kvmFlushRemoteTlbs(ctx, vmId)
    if (locked) kvmMmuUnlock(ctx, vmId)
  })
}

/** kvm_gmem_invalidate_end(): invalidate_end only if a binding overlaps [start, end) (seed 002). */
export function kvmGmemInvalidateEnd(ctx: OpCtx, fileId: string, start: number, end: number): void {
  ctx.call('kvm_gmem_invalidate_end', () => {
    const vmId = gmemFile(ctx, fileId).vm
    const found = rangeFind(bindingsOf(ctx, fileId), start, end) !== undefined
    if (found || ctx.asWritten('B-K2')) {
      kvmMmuLock(ctx, vmId)
      if (found) kvmMmuInvalidateEnd(ctx, vmId)
      kvmMmuUnlock(ctx, vmId)
    }
    const mmu = vmOf(ctx, vmId).mmu
    if (!found && mmu.inProgress > 0) {
      ctx.because(
        'invalidate_end runs only if xa_find() finds a binding, but invalidate_begin always counted: mmu_invalidate_in_progress stays raised (B-K2)',
      )
    }
  })
}

/** kvm_gmem_punch_hole(): invalidate, truncate, end — under invalidate_lock (write). Returns 0. */
export function kvmGmemPunchHole(ctx: OpCtx, inodeId: string, offset: bigint, len: bigint): number {
  return ctx.call('kvm_gmem_punch_hole', () => {
    const start = toPages(offset)
    const end = toPages(offset + len)
    // seed 002: "Bindings must stable across invalidation to ensure the start+end are balanced."
    ctx.lock('invalidateLock', inodeId, 'write')
    const gmems = [...inodeOf(ctx, inodeId).privateList]
    for (const g of gmems) kvmGmemInvalidateBegin(ctx, g, start, end)
    truncateInodePagesRange(ctx, inodeId, start, end, undefined, `${SEED} kvm_gmem_punch_hole`)
    for (const g of gmems) kvmGmemInvalidateEnd(ctx, g, start, end)
    ctx.unlock('invalidateLock', inodeId)
    return 0
  })
}

/** kvm_gmem_allocate(): allocate and zero folios over the range, under invalidate_lock (read). */
export function kvmGmemAllocate(ctx: OpCtx, inodeId: string, offset: bigint, len: bigint): number {
  return ctx.call('kvm_gmem_allocate', () => {
    const inode = inodeOf(ctx, inodeId)
    // seed 002: "Dedicated guest is immutable by default." offset + len > i_size_read(inode)
    if (offset + len > BigInt(inode.sizePages) << BigInt(PAGE_SHIFT)) {
      return ctx.refuse(-EINVAL, 'offset + len > i_size_read(inode): the file size is immutable')
    }
    ctx.lock('invalidateLock', inodeId, 'read')
    const start = toPages(offset)
    const end = toPages(offset + len)
    // The simulated VMM never has a signal pending, so the -EINTR exit of the loop is not taken.
    const got = kvmGmemGetFolio(ctx, inodeId, start, end)
    const r = got.r < 0 ? ctx.refuse(-ENOMEM, 'kvm_gmem_get_folio() failed: no memory') : 0
    ctx.unlock('invalidateLock', inodeId)
    return r
  })
}

/** kvm_gmem_fallocate(): the mode and alignment checks of seed 002, then punch or allocate. */
export function kvmGmemFallocate(
  ctx: OpCtx,
  fileId: string,
  mode: number,
  offset: bigint,
  len: bigint,
): number {
  return ctx.call('kvm_gmem_fallocate', () => {
    const FALLOC_FL_KEEP_SIZE = 0x01
    const FALLOC_FL_PUNCH_HOLE = 0x02
    if (!(mode & FALLOC_FL_KEEP_SIZE)) {
      return ctx.refuse(-EOPNOTSUPP, '!(mode & FALLOC_FL_KEEP_SIZE)')
    }
    if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE)) {
      return ctx.refuse(-EOPNOTSUPP, 'mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE)')
    }
    if (!pageAligned(offset) || !pageAligned(len)) {
      return ctx.refuse(-EINVAL, '!PAGE_ALIGNED(offset) || !PAGE_ALIGNED(len)')
    }
    const inodeId = gmemFile(ctx, fileId).inode!
    const ret =
      mode & FALLOC_FL_PUNCH_HOLE
        ? kvmGmemPunchHole(ctx, inodeId, offset, len)
        : kvmGmemAllocate(ctx, inodeId, offset, len)
    return ret
  })
}

/**
 * kvm_gmem_release(): the last close of a guest_memfd. Clears every bound slot's file pointer,
 * zaps everything bound, unlinks the gmem from the inode and drops the VM reference.
 * B-K1: as written it takes invalidate_lock before slots_lock, the reverse of bind.
 */
export function kvmGmemRelease(ctx: OpCtx, fileId: string): void {
  ctx.call('kvm_gmem_release', () => {
    const file = gmemFile(ctx, fileId)
    const vmId = file.vm
    const inodeId = file.inode!
    const inverted = ctx.asWritten('B-K1')
    if (inverted) {
      ctx.lock('invalidateLock', inodeId, 'write')
      // seed 002: "Prevent concurrent attempts to *unbind* a memslot."
      ctx.lock('slotsLock', vmId)
    } else {
      // The fix from the seed 002 thread (Isaku): slots_lock, then invalidate_lock.
      ctx.lock('slotsLock', vmId)
      ctx.lock('invalidateLock', inodeId, 'write')
    }
    const vm = ctx.s.vms[vmId]!
    const seen = new Set<string>()
    for (const e of bindingsOf(ctx, fileId)) {
      if (seen.has(e.value.slot)) continue
      seen.add(e.value.slot)
      // rcu_assign_pointer(slot->gmem.file, NULL)
      const slot = slotOfBinding(ctx, vmId, e.value.slot, 'Write of slot->gmem.file')
      for (const s of Object.values(vm.memslots)) if (s.uid === e.value.slot) s.gmem.file = null
      const freed = vm.freedMemslots[e.value.slot]
      if (freed) freed.gmem.file = null
      ctx.effect({ kind: 'memslot', vm: vmId, key: `${slot.asId}:${slot.id}` }, 'rcu_assign_pointer(slot->gmem.file, NULL)', `${SEED} kvm_gmem_release`)
    }
    ctx.call('synchronize_rcu', () => undefined)
    // seed 002: "Zap all SPTEs pointed at by this file. Do not free the backing memory"
    kvmGmemInvalidateBegin(ctx, fileId, 0, END_OF_FILE)
    kvmGmemInvalidateEnd(ctx, fileId, 0, END_OF_FILE)
    if (inverted) ctx.unlock('slotsLock', vmId)
    const inode = ctx.s.inodes[inodeId]!
    inode.privateList = inode.privateList.filter((g) => g !== fileId)
    ctx.effect({ kind: 'inode', id: inodeId }, `list_del(&gmem->entry): ${fileId} leaves i_mapping->private_list`, `${SEED} kvm_gmem_release`)
    ctx.unlock('invalidateLock', inodeId)
    if (!inverted) ctx.unlock('slotsLock', vmId)
    // xa_destroy(&gmem->bindings); kfree(gmem);
    const f = ctx.s.files[fileId]!
    const b = f.bindings
    if (b.length) ctx.effect({ kind: 'binding', file: fileId, start: b[0]!.start, end: b[b.length - 1]!.end }, 'xa_destroy(&gmem->bindings)', `${SEED} kvm_gmem_release`)
    f.bindings = []
    f.released = true
    ctx.effect({ kind: 'file', id: fileId }, 'released: kvm_gmem_release() frees the kvm_gmem', `${SEED} kvm_gmem_release`)
    kvmPutKvm(ctx, vmId)
  })
}

/** kvm_gmem_is_valid_size(): seed 002 accepts size 0 (B-K11); the fix requires size > 0. */
export function kvmGmemIsValidSize(ctx: OpCtx, size: bigint): boolean {
  if (size < 0n || !pageAligned(size)) return false
  if (size === 0n && !ctx.asWritten('B-K11')) return false
  return true
}

/** kvm_gmem_create(): KVM_CREATE_GUEST_MEMFD. No flags are defined in v11. Returns the fd. */
export function kvmGmemCreate(ctx: OpCtx, vmId: string, size: bigint, flags: bigint, label: string): number {
  return ctx.call('kvm_gmem_create', () => {
    const validFlags = 0n
    if (flags & ~validFlags) return ctx.refuse(-EINVAL, 'flags & ~valid_flags (no flags are defined)')
    if (!kvmGmemIsValidSize(ctx, size)) {
      return ctx.refuse(
        -EINVAL,
        ctx.s.fixes ? 'size <= 0 || !PAGE_ALIGNED(size)' : 'size < 0 || !PAGE_ALIGNED(size)',
      )
    }
    return kvmGmemCreateFile(ctx, vmId, size, flags, label)
  })
}

/** __kvm_gmem_create(): a new inode on the kvm_gmem mount, a file, and the kvm_gmem. */
function kvmGmemCreateFile(ctx: OpCtx, vmId: string, size: bigint, flags: bigint, label: string): number {
  return ctx.call('__kvm_gmem_create', () => {
    const inodeId = allocInode(ctx, 'kvm_guest_memory', toPages(size), Number(flags))
    const fileId = allocFile(ctx, { kind: KVM_GMEM, label, vm: vmId, inode: inodeId })
    // gmem = kzalloc(sizeof(*gmem), GFP_KERNEL)
    if (shouldFail(ctx, 'failslab')) {
      if (ctx.asWritten('B-K7')) {
        // err_file: fput(file) runs kvm_gmem_release() with file->private_data == NULL.
        ctx.call('fput', () => ctx.call('kvm_gmem_release', () => undefined))
        throw new KernelOops(
          'BUG: kernel NULL pointer dereference, address: 0000000000000000 (kvm_gmem_release: gmem->kvm with gmem == NULL)',
        )
      }
      delete ctx.s.files[fileId]
      delete ctx.s.inodes[inodeId]
      return ctx.refuse(-ENOMEM, 'kzalloc(sizeof(*gmem)) failed')
    }
    kvmGetKvm(ctx, vmId)
    // list_add(&gmem->entry, &inode->i_mapping->private_list)
    ctx.s.inodes[inodeId]!.privateList.unshift(fileId)
    ctx.effect({ kind: 'inode', id: inodeId }, `list_add(&gmem->entry, &inode->i_mapping->private_list): ${fileId}`, `${SEED} __kvm_gmem_create`)
    return fdAlloc(ctx, fileId, false)
  })
}

/**
 * kvm_gmem_bind(): binds the memslot `slot` (being created) to [offset, offset + size) of the
 * guest_memfd `fd`. Every failure is -EINVAL (seed 002). Mutates `slot.gmem` like the kernel.
 */
export { SRC as GUEST_MEM_SRC }
